// Mirrors cosign (issue 16, C2SP tlog-mirror): office B pulls A and keeps a
// verbatim mirror of A's log; the checkpoint B serves under
// /mirror/<sha256 of A's origin>/ carries B's mirror cosignature (its own key,
// keys/mirror.vkey), checked by check_cosignatures.py (written from the
// specs), and only ever for a size B has stored; A, listing B as a mirror in
// its --witnesses file, reads that cosignature from B's monitoring prefix
// and serves it with its own checkpoint, so a client whose policy requires
// the mirror (mirror_quorum) accepts, and refuses while the mirror is
// missing: a newer checkpoint B has not stored yet, or a mirror that holds no
// copy.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "storage/base/sha256.h"
#include "tests/integration/sync_test_util.h"
#include "tests/integration/test_harness.h"

namespace archive::testing {
namespace {

class MirrorCosignTest : public ::testing::Test {
 protected:
  void SetUp() override {
    a_ = StartWitnessedOffice("mir-a.example", dir_);
    b_ = StartWitnessedOffice("mir-b.example", dir_);
    c_ = StartWitnessedOffice("mir-c.example", dir_);
    b_.office->Trust({a_.office.get()});
    // A asks B and C for their mirror cosignatures.
    WriteFileOrDie(
        a_.witnesses_file,
        absl::StrCat("mirror ", b_.mirror_key(), " ", b_.mirror_url(),
                     "\nmirror ", c_.mirror_key(), " ", c_.mirror_url(), "\n"));
  }

  // B's mirror of A, as served over HTTP.
  std::string MirroredCheckpoint() {
    auto r =
        HttpGet(b_.http_port,
                absl::StrCat("/mirror/", Sha256::HexDigest(a_.office->origin()),
                             "/checkpoint"));
    EXPECT_TRUE(r && r->status == 200);
    return r ? r->body : "";
  }

  Json Check(const std::string& note) {
    return CheckCosignatures(note, a_.office->verifier_key(),
                             {"--mirror", b_.mirror_key()}, dir_.path());
  }

  std::string Policy(const std::string& name, const std::string& mirror_key) {
    return PolicyFile(dir_, name, {"mirror " + mirror_key, "mirror_quorum 1"},
                      0);
  }

  TempDir dir_;
  WitnessedOffice a_, b_, c_;
};

TEST_F(MirrorCosignTest, TheMirrorCosignsWhatItStoredAndAPolicyCountsIt) {
  for (int i = 0; i < 3; ++i) {
    ASSERT_FALSE(
        a_.office->PutText(absl::StrCat("mir/doc-", i), "mirrored\n").empty());
  }
  ASSERT_EQ(b_.office->Sync(a_.office->address()).exit_code, 0);
  Json three = Check(MirroredCheckpoint());
  EXPECT_EQ(three["size"], 3);
  EXPECT_EQ(three["mirrored_by"],
            Json::array({std::string("mir-b.example/mirror")}));

  // A grows; until B pulls, B's mirror still cosigns only the 3 it stored.
  for (int i = 3; i < 5; ++i) {
    ASSERT_FALSE(
        a_.office->PutText(absl::StrCat("mir/doc-", i), "mirrored\n").empty());
  }
  EXPECT_EQ(Check(MirroredCheckpoint())["size"], 3);
  std::string strict = Policy("b.policy", b_.mirror_key());
  ProcessResult ahead = a_.office->Ctl({"--witness_policy", strict, "get",
                                        "mir/doc-4", "-o", dir_.path() + "/x"});
  EXPECT_EQ(ahead.exit_code, 4) << Describe(ahead);
  EXPECT_TRUE(absl::StrContains(ahead.err, "missing: mir-b.example/mirror"))
      << ahead.err;

  // Once B stored all 5, A serves B's mirror cosignature with its own
  // checkpoint, and the policy client accepts.
  ASSERT_EQ(b_.office->Sync(a_.office->address()).exit_code, 0);
  EXPECT_EQ(Check(MirroredCheckpoint())["size"], 5);
  std::string served = AwaitCosigned(a_, 5, 1);
  Json on_a = Check(served);
  EXPECT_EQ(on_a["mirrored_by"].size(), 1u) << served;
  ProcessResult get = a_.office->Ctl({"--witness_policy", strict, "get",
                                      "mir/doc-4", "-o", dir_.path() + "/y"});
  EXPECT_EQ(get.exit_code, 0) << Describe(get);
  EXPECT_TRUE(
      absl::StrContains(get.err, "held by mirrors mir-b.example/mirror"))
      << get.err;

  // C mirrors nothing of A: a policy requiring C refuses, naming it.
  std::string other = Policy("c.policy", c_.mirror_key());
  ProcessResult refused =
      a_.office->Ctl({"--witness_policy", other, "get", "mir/doc-4", "-o",
                      dir_.path() + "/z"});
  EXPECT_EQ(refused.exit_code, 4) << Describe(refused);
  EXPECT_TRUE(absl::StrContains(refused.err, "missing: mir-c.example/mirror"))
      << refused.err;
  auto none =
      HttpGet(c_.http_port,
              absl::StrCat("/mirror/", Sha256::HexDigest(a_.office->origin()),
                           "/checkpoint"));
  ASSERT_TRUE(none);
  EXPECT_EQ(none->status, 404);
}

TEST_F(MirrorCosignTest, TheMirrorKeyIsItsOwnAndSurvivesARestart) {
  const std::string before = b_.mirror_key();
  EXPECT_TRUE(absl::StartsWith(before, "mir-b.example/mirror+")) << before;
  EXPECT_NE(before, b_.witness_key());
  EXPECT_TRUE(absl::StrContains(b_.office->Log(), "mirror key " + before))
      << b_.office->Log();
  ASSERT_EQ(b_.office->server().Stop(), 0);
  ASSERT_TRUE(b_.office->server().Restart());
  EXPECT_EQ(b_.mirror_key(), before);
}

}  // namespace
}  // namespace archive::testing
