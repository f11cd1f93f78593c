// The disaster drill (issue 14): an office backs up, archives more, a peer
// pulls it and so keeps a verbatim mirror of its log; the office's data
// directory is destroyed (its keys kept); it restores the backup and recovers
// the missing tail from the peer's mirror. It then serves the same log (same
// size, root and checkpoint bytes), every revision verifies, and a client
// that saw the newest checkpoint before the loss accepts it. While the tail
// is missing and no peer that holds it answers, it signs nothing.
//
// The peer's mirror is also audited over HTTP in the C2SP tlog-mirror layout
// by a tiles client that shares no code with the archive (audit_tiles.py).
#include <gtest/gtest.h>
#include <httplib.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "tests/integration/sync_test_util.h"
#include "tests/integration/test_harness.h"

namespace archive::testing {
namespace {

namespace fs = std::filesystem;

using Documents = std::map<std::string, std::string>;  // id -> bytes

void PutAll(const Office& office, const Documents& docs) {
  for (const auto& [doc, text] : docs) {
    ASSERT_FALSE(office.PutText(doc, text).empty()) << doc;
  }
}

Documents Texts(const std::string& prefix, int n) {
  Documents docs;
  for (int i = 0; i < n; ++i) {
    docs[absl::StrCat(prefix, i)] = absl::StrCat("text of ", prefix, i, "\n");
  }
  return docs;
}

// Fetches and checks every document through `cli` (get verifies the digest,
// the statement, its inclusion and consistency with what `cli` saw before).
void ExpectAllVerify(const Cli& cli, const Documents& docs,
                     const std::string& scratch) {
  for (const auto& [doc, text] : docs) {
    const std::string path = scratch + "/got";
    fs::remove(path);
    ProcessResult get = cli.Run({"get", doc, "-o", path});
    ASSERT_EQ(get.exit_code, 0) << doc << ": " << Describe(get);
    EXPECT_EQ(ReadFileOrDie(path), text) << doc;
  }
}

// The office's data directory is lost; its keys were backed up to `keys`.
void LoseDataDirectory(Office& office, const std::string& keys) {
  fs::copy(office.data_dir() + "/keys", keys, fs::copy_options::recursive);
  office.server().Kill();
  fs::remove_all(office.data_dir());
}

// archived restoring `backup` into a new data directory under `dir` with the
// key backup, on `port`, recovering from `recover_from`.
std::unique_ptr<TestServer> StartRestored(const Office& office, int port,
                                          const std::string& dir,
                                          const std::string& keys,
                                          const std::string& backup,
                                          const std::string& recover_from) {
  TestServer::Options options;
  options.origin = office.origin();
  options.data_dir = dir + "/restored";
  fs::create_directories(options.data_dir);
  fs::copy(keys, options.data_dir + "/keys", fs::copy_options::recursive);
  options.port = port;
  options.extra_flags = {
      "--trust=" + office.trust_path(), "--restore_from=" + backup,
      "--recover_from=" + recover_from, "--recover_retry_seconds=1"};
  return TestServer::Start(options);
}

// The checkpoint `cli`'s archive serves once it has `size` entries (within
// 30 s), or the last one it served.
std::string AwaitCheckpointOfSize(const Cli& cli, uint64_t size) {
  std::string note;
  for (int i = 0; i < 300; ++i) {
    ProcessResult r = cli.Run({"checkpoint"});
    note = r.out;
    std::vector<std::string> lines = absl::StrSplit(note, '\n');
    if (lines.size() > 1 && lines[1] == absl::StrCat(size)) return note;
    absl::SleepFor(absl::Milliseconds(100));
  }
  return note;
}

uint64_t CheckpointSize(const std::string& note) {
  std::vector<std::string> lines = absl::StrSplit(note, '\n');
  uint64_t size = 0;
  if (lines.size() > 1 && !absl::SimpleAtoi(lines[1], &size)) return 0;
  return size;
}

TEST(DisasterDrill, RestoreThenRecoveryFromAPeerGivesBackTheSameLog) {
  const int http_port = FreePort();
  auto a = Office::Start("drill-a.example");
  auto b = Office::Start(
      Office::Options{"drill-b.example",
                      "",
                      {absl::StrCat("--http_listen=127.0.0.1:", http_port)},
                      0});
  a->Trust({b.get()});
  b->Trust({a.get()});
  Documents before = Texts("drill/before-", 4);
  PutAll(*a, before);
  TempDir out;
  const std::string backup = out.path() + "/backup";
  ProcessResult backed_up = a->Ctl({"backup", backup});
  ASSERT_EQ(backed_up.exit_code, 0) << Describe(backed_up);
  // Archived after the backup: only the peer's pull keeps these.
  Documents after = Texts("drill/after-", 3);
  after["drill/after-large"] = std::string(300 << 10, 'L') + "\n";
  PutAll(*a, after);
  b->SyncOk(a->address());

  Documents all = before;
  all.insert(after.begin(), after.end());
  Cli seen(a->address());  // a client that saw the newest checkpoint
  ExpectAllVerify(seen, all, out.path());
  const std::string newest = a->Ctl({"checkpoint"}).out;
  ASSERT_EQ(CheckpointSize(newest), all.size());

  // The peer serves its mirror of A as C2SP tiles: the checkpoint A signed,
  // and tiles and entries that make its root.
  const std::string mirror = absl::StrCat("http://127.0.0.1:", http_port,
                                          "/mirror/", BytesSha256(a->origin()));
  ProcessResult audit = RunProcess(
      {"/usr/bin/python3", SourceDir() + "/tests/integration/audit_tiles.py",
       mirror, "--origin", a->origin()});
  ASSERT_EQ(audit.exit_code, 0) << Describe(audit);
  EXPECT_EQ(ParseJson(audit).value("size", 0u), all.size());
  httplib::Client http("127.0.0.1", http_port);
  auto served = http.Get(
      absl::StrCat("/mirror/", BytesSha256(a->origin()), "/checkpoint"));
  ASSERT_TRUE(served) << "no answer from the peer's HTTP listener";
  // The checkpoint as A signed it, with B's C2SP tlog-mirror cosignature.
  EXPECT_TRUE(absl::StartsWith(served->body, newest)) << served->body;
  EXPECT_TRUE(absl::StrContains(served->body.substr(newest.size()),
                                "\xE2\x80\x94 drill-b.example/mirror "))
      << served->body;

  const int port = a->server().port();
  LoseDataDirectory(*a, out.path() + "/keys");
  TempDir restore_dir;
  auto restored = StartRestored(*a, port, restore_dir.path(),
                                out.path() + "/keys", backup, b->address());
  Cli probe(restored->address());
  EXPECT_EQ(AwaitCheckpointOfSize(probe, all.size()), newest)
      << restored->log();
  EXPECT_TRUE(absl::StrContains(restored->log(), "the hold is lifted"))
      << restored->log();
  ExpectAllVerify(seen, all, out.path());
  // And it signs again, on top of the log it had.
  Documents next = Texts("drill/next-", 1);
  const std::string path = out.path() + "/next.txt";
  WriteFileOrDie(path, next.begin()->second);
  ProcessResult put = seen.Run({"put", path, "--id", next.begin()->first});
  EXPECT_EQ(put.exit_code, 0) << Describe(put);
  ExpectAllVerify(seen, next, out.path());
}

TEST(DisasterDrill, SignsNothingWhileNoPeerThatHoldsTheTailAnswers) {
  auto a = Office::Start("held-a.example");
  auto b = Office::Start("held-b.example");
  auto c = Office::Start("held-c.example");  // never pulls A: no mirror
  a->Trust({b.get(), c.get()});
  b->Trust({a.get()});
  Documents before = Texts("held/before-", 2);
  PutAll(*a, before);
  TempDir out;
  const std::string backup = out.path() + "/backup";
  ASSERT_EQ(a->Ctl({"backup", backup}).exit_code, 0);
  Documents after = Texts("held/after-", 2);
  PutAll(*a, after);
  b->SyncOk(a->address());
  Cli seen(a->address());
  ExpectAllVerify(seen, after, out.path());
  const std::string newest = a->Ctl({"checkpoint"}).out;

  const int port = a->server().port();
  LoseDataDirectory(*a, out.path() + "/keys");
  ASSERT_EQ(b->server().Stop(), 0);
  TempDir restore_dir;
  auto restored =
      StartRestored(*a, port, restore_dir.path(), out.path() + "/keys", backup,
                    absl::StrCat(c->address(), ",", b->address()));
  // C answers that it mirrors nothing of A, B does not answer: held.
  absl::SleepFor(absl::Seconds(3));
  Cli probe(restored->address());
  EXPECT_EQ(CheckpointSize(probe.Run({"checkpoint"}).out), before.size());
  const std::string path = out.path() + "/new.txt";
  WriteFileOrDie(path, "signed on a partial log would fork it\n");
  ProcessResult held = probe.Run({"put", path, "--id", "held/new"});
  EXPECT_NE(held.exit_code, 0) << Describe(held);
  EXPECT_TRUE(absl::StrContains(held.err, "restored from a backup"))
      << Describe(held);
  EXPECT_TRUE(absl::StrContains(restored->log(), "the hold stays"))
      << restored->log();
  // The client that saw the newest checkpoint refuses the rolled-back log.
  ProcessResult rolled_back = seen.Run({"get", before.begin()->first});
  EXPECT_EQ(rolled_back.exit_code, 4) << Describe(rolled_back);

  ASSERT_TRUE(b->server().Restart());
  EXPECT_EQ(AwaitCheckpointOfSize(probe, before.size() + after.size()), newest)
      << restored->log();
  ProcessResult put = probe.Run({"put", path, "--id", "held/new"});
  EXPECT_EQ(put.exit_code, 0) << Describe(put);
  Documents all = before;
  all.insert(after.begin(), after.end());
  ExpectAllVerify(seen, all, out.path());
}

}  // namespace
}  // namespace archive::testing
