// A configured peer is the office its config entry names (issue 5): the pull
// refuses a peer whose checkpoint presents another origin, even one this
// archive trusts, and archived refuses a config whose pinned key belongs to
// another office than the peer's name.
#include <gtest/gtest.h>

#include <memory>
#include <set>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "tests/integration/sync_test_util.h"

namespace archive::testing {
namespace {

std::string PeerEntry(const std::string& name, const std::string& address,
                      const std::string& verifier_key) {
  return absl::StrCat("peers {\n  name: \"", name, "\"\n  address: \"", address,
                      "\"\n  verifier_key: \"", verifier_key, "\"\n}\n");
}

// B's config says Guangxi's archive is at an address where Tianjin's answers
// (moved, or impersonating it with its own valid key). B trusts both offices,
// so only the name check stands between B and importing Tianjin's log as if
// it came from Guangxi's address.
TEST(SyncPeerName, PeerPresentingAnotherOriginIsRefused) {
  auto gx = Office::Start("gx.archive.example");
  auto tj = Office::Start("tj.archive.example");
  ASSERT_TRUE(gx->server().running());
  ASSERT_TRUE(tj->server().running());
  ASSERT_FALSE(tj->PutText("tj-1", "Tianjin notice\n").empty());
  ASSERT_FALSE(gx->PutText("gx-1", "Guangxi notice\n").empty());

  TempDir conf;
  const std::string config = conf.path() + "/archived.textproto";
  WriteFileOrDie(config,
                 PeerEntry(gx->origin(), tj->address(), gx->verifier_key()));
  auto b = Office::Start(
      Office::Options{"bj.archive.example", "", {"--config=" + config}, 0});
  ASSERT_TRUE(b->server().running()) << b->Log();
  b->Trust({tj.get()});

  ProcessResult r = b->Sync(tj->address());
  EXPECT_NE(r.exit_code, 0) << Describe(r);
  EXPECT_TRUE(ContainsAll(r.err, {tj->address(), "tj.archive.example",
                                  "gx.archive.example", "config"}))
      << Describe(r);
  EXPECT_TRUE(b->DocumentIds().empty()) << "something was pulled";
  EXPECT_EQ(b->TreeSize(), 0u);
  EXPECT_TRUE(
      ContainsAll(b->Log(), {"pull from " + tj->address() + " failed",
                             "tj.archive.example", "gx.archive.example"}))
      << b->Log();

  // At an address the config does not list, any trusted office is pulled as
  // before: here Guangxi itself.
  Json pulled = b->SyncOk(gx->address());
  EXPECT_EQ(pulled.value("peer_origin", ""), gx->origin()) << pulled.dump(2);
  EXPECT_EQ(b->DocumentIds(), std::set<std::string>{"gx-1"});
}

TEST(SyncPeerName, ConfigWhosePinnedKeyIsAnotherOfficesIsRefused) {
  auto gx = Office::Start("gx.archive.example");
  ASSERT_TRUE(gx->server().running());
  TempDir dir;
  const std::string config = dir.path() + "/archived.textproto";
  WriteFileOrDie(config, PeerEntry("tj.archive.example", gx->address(),
                                   gx->verifier_key()));
  ProcessResult r = RunProcess(
      {std::string(ARCHIVE_BIN_DIR) + "/archived",
       "--data_dir=" + dir.path() + "/data", "--origin=bj.archive.example",
       "--listen=127.0.0.1:" + std::to_string(FreePort()),
       "--config=" + config});
  EXPECT_NE(r.exit_code, 0) << Describe(r);
  EXPECT_TRUE(ContainsAll(r.err, {config, "tj.archive.example",
                                  "gx.archive.example", "verifier key"}))
      << Describe(r);
}

}  // namespace
}  // namespace archive::testing
