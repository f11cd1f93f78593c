// Backup and restore (issue 14): archivectl backup under concurrent puts, then
// archived --restore_from in a new data directory with the key backup: every
// revision acknowledged before the backup began is there and verifies, the
// restored checkpoint is the backup's, and the restored archive signs nothing
// new until its operator lifts the hold. A damaged backup restores nothing.
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "tests/integration/sync_test_util.h"
#include "tests/integration/test_harness.h"

namespace archive::testing {
namespace {

namespace fs = std::filesystem;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)),
                     std::istreambuf_iterator<char>());
}

// A data directory holding only the key backup of `source`.
std::string NewDataDirWithKeys(const TempDir& dir, const std::string& source) {
  std::string data = dir.path() + "/restored";
  fs::create_directories(data);
  fs::copy(source + "/keys", data + "/keys", fs::copy_options::recursive);
  return data;
}

TestServer::Options RestoredServer(const std::string& origin,
                                   const std::string& data_dir,
                                   std::vector<std::string> flags) {
  TestServer::Options options;
  options.origin = origin;
  options.data_dir = data_dir;
  options.extra_flags = std::move(flags);
  return options;
}

TEST(Backup, UnderConcurrentPutsThenRestoreKeepsEveryAcknowledgedRevision) {
  auto a = Office::Start("backup-a.example");
  std::map<std::string, std::string> before;  // doc -> text
  for (int i = 0; i < 12; ++i) {
    std::string doc = absl::StrCat("backed/doc-", i);
    before[doc] = absl::StrCat("revision of ", doc, "\n");
    ASSERT_FALSE(a->PutText(doc, before[doc]).empty());
  }
  // A large content, so contents are files as well as inline.
  std::string big(600 << 10, 'b');
  ASSERT_FALSE(a->PutText("backed/big", big).empty());
  before["backed/big"] = big;

  std::atomic<bool> stop{false};
  std::atomic<int> concurrent{0};
  std::thread writer([&] {
    Cli cli(a->address());
    std::string path = a->scratch() + "/concurrent.txt";
    for (int i = 0; !stop; ++i) {
      std::ofstream(path) << "written during the backup " << i << "\n";
      if (cli.Run({"put", path, "--id", absl::StrCat("during/doc-", i)})
              .exit_code == 0) {
        ++concurrent;
      }
    }
  });
  TempDir out;
  const std::string backup = out.path() + "/backup";
  ProcessResult r = a->Ctl({"backup", backup, "--json"});
  stop = true;
  writer.join();
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  EXPECT_GT(concurrent.load(), 0) << "no put ran beside the backup";
  Json report = ParseJson(r);
  EXPECT_GE(report.value("log_size", 0), 13);
  EXPECT_FALSE(fs::exists(backup + ".partial"));
  EXPECT_TRUE(fs::exists(backup + "/backup-info.txt"));
  EXPECT_FALSE(fs::exists(backup + "/keys"));
  for (const auto& entry : fs::recursive_directory_iterator(backup)) {
    if (!entry.is_regular_file()) continue;
    EXPECT_FALSE(
        absl::StrContains(ReadFile(entry.path().string()), "PRIVATE KEY"))
        << entry.path() << " holds a private key";
  }

  TempDir restore_dir;
  std::string data = NewDataDirWithKeys(restore_dir, a->data_dir());
  auto b = TestServer::Start(
      RestoredServer(a->origin(), data, {"--restore_from=" + backup}));
  Cli cli(b->address());
  TempDir got;
  for (const auto& [doc, text] : before) {
    std::string path = got.path() + "/out";
    fs::remove(path);
    ProcessResult get = cli.Run({"get", doc, "-o", path});
    ASSERT_EQ(get.exit_code, 0) << doc << ": " << Describe(get);
    EXPECT_EQ(ReadFile(path), text) << doc;
  }
  // The restored log ends at the backup's checkpoint, byte for byte.
  ProcessResult checkpoint = cli.Run({"checkpoint"});
  ASSERT_EQ(checkpoint.exit_code, 0) << Describe(checkpoint);
  EXPECT_EQ(checkpoint.out, ReadFile(backup + "/checkpoint"));

  // Held: the archive may have signed more before its disk was lost.
  std::string path = got.path() + "/new.txt";
  std::ofstream(path) << "after the restore\n";
  ProcessResult held = cli.Run({"put", path, "--id", "after/restore"});
  EXPECT_NE(held.exit_code, 0);
  EXPECT_TRUE(absl::StrContains(held.err, "restored from a backup"))
      << Describe(held);
  ASSERT_EQ(b->Stop(), 0);

  // The operator knows nothing was signed after the backup: lift the hold.
  TestServer::Options lifted =
      RestoredServer(a->origin(), data, {"--accept_restored_log"});
  lifted.port = b->port();
  auto c = TestServer::Start(lifted);
  ProcessResult put = cli.Run({"put", path, "--id", "after/restore"});
  EXPECT_EQ(put.exit_code, 0) << Describe(put);
  EXPECT_TRUE(absl::StrContains(c->log(), "hold is lifted")) << c->log();
}

// Restoring from `backup` into a data dir with `source`'s keys must fail
// naming `why`, and leave no archive behind.
void ExpectRestoreRefused(const std::string& origin, const std::string& source,
                          const std::string& backup, const std::string& why) {
  TempDir dir;
  std::string data = NewDataDirWithKeys(dir, source);
  std::vector<std::string> argv = {
      std::string(ARCHIVE_BIN_DIR) + "/archived", "--data_dir=" + data,
      "--origin=" + origin, absl::StrCat("--listen=127.0.0.1:", FreePort()),
      "--restore_from=" + backup};
  ProcessResult r = RunKilledAfter(argv, absl::Seconds(30));
  EXPECT_EQ(r.exit_code, 1) << Describe(r);
  EXPECT_TRUE(absl::StrContains(r.err, why)) << Describe(r);
  EXPECT_FALSE(fs::exists(data + "/meta")) << "an archive was built";
}

TEST(Restore, ADamagedOrForeignBackupRestoresNothing) {
  auto a = Office::Start("restore-a.example");
  auto other = Office::Start("restore-other.example");
  std::string digest_hex;
  ASSERT_FALSE(a->PutText("kept/doc", "kept text\n").empty());
  ASSERT_FALSE(other->PutText("other/doc", "other text\n").empty());
  TempDir out;
  const std::string backup = out.path() + "/backup";
  ASSERT_EQ(a->Ctl({"backup", backup}).exit_code, 0);
  const std::string foreign = out.path() + "/foreign";
  ASSERT_EQ(other->Ctl({"backup", foreign}).exit_code, 0);

  // Another office's backup: its checkpoint is not signed by this key.
  ExpectRestoreRefused(a->origin(), a->data_dir(), foreign,
                       "the backup is of restore-other.example");
  // No backup at all.
  ExpectRestoreRefused(a->origin(), a->data_dir(), out.path(),
                       "holds no finished backup");
  // A content that no longer matches its manifest line.
  std::string blob;
  for (const auto& entry :
       fs::recursive_directory_iterator(backup + "/blobs")) {
    if (entry.is_regular_file()) blob = entry.path().string();
  }
  ASSERT_FALSE(blob.empty());
  const std::string intact = ReadFile(blob);
  FlipByte(blob, 0);
  ExpectRestoreRefused(a->origin(), a->data_dir(), backup,
                       "does not hash to its manifest entry");
  std::ofstream(blob, std::ios::binary | std::ios::trunc) << intact;
  // A log entry altered.
  FlipByte(backup + "/log", 10);
  ExpectRestoreRefused(a->origin(), a->data_dir(), backup,
                       "the backup is damaged");
}

TEST(Restore, NeedsTheKeyBackupAndANewDataDirectory) {
  auto a = Office::Start("restore-keys.example");
  ASSERT_FALSE(a->PutText("k/doc", "text\n").empty());
  TempDir out;
  const std::string backup = out.path() + "/backup";
  ASSERT_EQ(a->Ctl({"backup", backup}).exit_code, 0);
  ASSERT_NE(a->Ctl({"backup", backup}).exit_code, 0)
      << "a second backup into an existing directory";

  TempDir dir;
  std::vector<std::string> argv = {
      std::string(ARCHIVE_BIN_DIR) + "/archived",
      "--data_dir=" + dir.path() + "/nokeys", "--origin=" + a->origin(),
      absl::StrCat("--listen=127.0.0.1:", FreePort()),
      "--restore_from=" + backup};
  ProcessResult r = RunKilledAfter(argv, absl::Seconds(30));
  EXPECT_EQ(r.exit_code, 1) << Describe(r);
  EXPECT_TRUE(absl::StrContains(r.err, "keys/signing.pem is missing"))
      << Describe(r);
}

}  // namespace
}  // namespace archive::testing
