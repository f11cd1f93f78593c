// Origins as client file names (issue 11, defect 4) and trust on first use per
// address (defect 9, client part), against real archived processes: an origin
// is whatever C2SP allows ("archive.example.gov.cn/gx" works end to end), it
// never becomes a path outside the client's checkpoint directory, a planted
// link or FIFO where a remembered checkpoint should be is refused at once, and
// a new archive at an address the client pinned is refused, saying what
// changed.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "tests/integration/bounded_run.h"
#include "tests/integration/test_harness.h"

namespace archive::testing {
namespace {

namespace fs = std::filesystem;

constexpr char kOriginNamesText[] =
    "关于印发数据管理办法的通知\n第一条 为了规范数据。\n";

std::string SeenDir(const Cli& cli) {
  return cli.config_home() + "/archivectl/checkpoints";
}

std::unique_ptr<TestServer> StartWithOrigin(const std::string& origin,
                                            int port = 0) {
  TestServer::Options options;
  options.origin = origin;
  options.port = port;
  return TestServer::Start(options);
}

std::string VerifierKey(const TestServer& server) {
  return std::string(absl::StripAsciiWhitespace(
      ReadFileOrDie(server.data_dir() + "/keys/verifier.key")));
}

class OriginNames : public ::testing::Test {
 protected:
  // Puts kOriginNamesText as `doc` through `cli` (trust on first use) and
  // checks it.
  void PutAndGet(const Cli& cli, const std::string& doc) {
    std::string in = tmp_.path() + "/in.txt", out = tmp_.path() + "/out.txt";
    WriteFileOrDie(in, kOriginNamesText);
    ProcessResult r = cli.Run({"put", in, "--id", doc});
    ASSERT_EQ(r.exit_code, 0) << "put: " << Describe(r);
    r = cli.Run({"get", doc, "-o", out});
    ASSERT_EQ(r.exit_code, 0) << "get: " << Describe(r);
    EXPECT_EQ(ReadFileOrDie(out), kOriginNamesText);
  }
  TempDir tmp_;
};

TEST_F(OriginNames, SlashOriginWorksEndToEnd) {
  const std::string origin = "archive.example.gov.cn/gx";
  auto server = StartWithOrigin(origin);
  ASSERT_TRUE(server->running());
  Cli cli(server->address());
  ASSERT_NO_FATAL_FAILURE(PutAndGet(cli, "gx-2022-1"));
  ProcessResult r = cli.Run({"checkpoint"});
  ASSERT_EQ(r.exit_code, 0) << "checkpoint: " << Describe(r);
  EXPECT_TRUE(absl::StartsWith(r.out, origin + "\n1\n")) << r.out;
  // One file for the origin, directly in the checkpoint directory.
  EXPECT_EQ(FilesUnder(SeenDir(cli)),
            std::set<std::string>{"archive.example.gov.cn%2Fgx"});
  // A second run checks against what the first remembered.
  r = cli.Run({"history", "gx-2022-1"});
  EXPECT_EQ(r.exit_code, 0) << Describe(r);
}

TEST_F(OriginNames, DotDotOriginStaysInsideSeenDir) {
  for (const std::string origin : {"../../escaped", "..", "./x/../../y"}) {
    SCOPED_TRACE(origin);
    auto server = StartWithOrigin(origin);
    ASSERT_TRUE(server->running());
    Cli cli(server->address());
    ProcessResult r = cli.Run({"checkpoint"});
    ASSERT_EQ(r.exit_code, 0) << Describe(r);
    EXPECT_TRUE(absl::StartsWith(r.out, origin + "\n")) << r.out;
    // Everything the client wrote is its trust file, known_archives and one
    // file directly in checkpoints/.
    std::set<std::string> files = FilesUnder(cli.config_home());
    EXPECT_EQ(files.size(), 3u);
    for (const std::string& f : files) {
      EXPECT_TRUE(
          f == "archivectl/trusted" || f == "archivectl/known_archives" ||
          (absl::StartsWith(f, "archivectl/checkpoints/") &&
           f.find('/', strlen("archivectl/checkpoints/")) == std::string::npos))
          << f;
    }
    EXPECT_FALSE(fs::exists(cli.config_home() + "/escaped"));
  }
}

TEST_F(OriginNames, PlantedLinkToDevZeroIsRefused) {
  auto server = StartWithOrigin("test.archive.example");
  ASSERT_TRUE(server->running());
  Cli cli(server->address());
  ProcessResult r = cli.Run({"checkpoint"});
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  std::string seen = SeenDir(cli) + "/test.archive.example";
  ASSERT_TRUE(fs::is_regular_file(seen));

  fs::remove(seen);
  fs::create_symlink("/dev/zero", seen);
  r = RunBounded(cli, server->address(), {"checkpoint"});
  EXPECT_EQ(r.exit_code, 1) << Describe(r);
  EXPECT_TRUE(absl::StrContains(r.err, seen)) << Describe(r);
  EXPECT_TRUE(absl::StrContains(r.err, "symbolic link")) << Describe(r);
  EXPECT_TRUE(fs::is_symlink(seen));  // left as it was

  fs::remove(seen);
  ASSERT_EQ(::mkfifo(seen.c_str(), 0600), 0);
  r = RunBounded(cli, server->address(), {"checkpoint"});
  EXPECT_EQ(r.exit_code, 1) << Describe(r);
  EXPECT_TRUE(absl::StrContains(r.err, "is a FIFO")) << Describe(r);
}

// Seen files written by clients before origins were encoded keep working.
TEST_F(OriginNames, LegacySeenFileIsStillRead) {
  const std::string origin = "a~b.archive.example";
  auto server = StartWithOrigin(origin);
  ASSERT_TRUE(server->running());
  Cli cli(server->address());
  ProcessResult r = cli.Run({"checkpoint"});
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  std::string encoded = SeenDir(cli) + "/a%7Eb.archive.example";
  std::string legacy = SeenDir(cli) + "/" + origin;
  ASSERT_TRUE(fs::is_regular_file(encoded));
  fs::rename(encoded, legacy);
  r = cli.Run({"checkpoint"});
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  // It is read: a damaged one is reported.
  WriteFileOrDie(legacy, "not a checkpoint\n");
  r = cli.Run({"checkpoint"});
  EXPECT_EQ(r.exit_code, 4) << Describe(r);
  EXPECT_TRUE(absl::StrContains(r.err, "remembered")) << Describe(r);
}

TEST_F(OriginNames, ArchivedRefusesWhatNoKeyNameCanBe) {
  for (const std::string& origin : std::vector<std::string>{
           "a b", "a+b", "", std::string(257, 'a'), "a\u200Bb", "a\u3000b"}) {
    TempDir dir;
    ProcessResult r =
        RunProcess({ArchivedPath(), "--data_dir=" + dir.path() + "/data",
                    "--origin=" + origin, "--listen=127.0.0.1:1"});
    EXPECT_NE(r.exit_code, 0) << origin << ": " << Describe(r);
    EXPECT_TRUE(absl::StrContains(r.err, "origin")) << Describe(r);
    EXPECT_FALSE(fs::exists(dir.path() + "/data/keys")) << origin;
  }
}

// --- Trust on first use per address (defect 9) -----------------------------

// A client meets a.archive.example at an address (trust on first use); then
// another archive, `second_origin` with a key of its own, serves there.
class TrustOnFirstUse : public ::testing::Test {
 protected:
  void MeetThenReplace(const std::string& second_origin) {
    first_ = StartWithOrigin("a.archive.example");
    ASSERT_TRUE(first_->running());
    cli_ = std::make_unique<Cli>(first_->address());
    ProcessResult r = cli_->Run({"checkpoint"});
    ASSERT_EQ(r.exit_code, 0) << Describe(r);
    EXPECT_EQ(ReadFileOrDie(cli_->config_home() + "/archivectl/known_archives"),
              first_->address() + " " + VerifierKey(*first_) + "\n");
    first_->Stop();
    second_ = StartWithOrigin(second_origin, first_->port());
    ASSERT_TRUE(second_->running());
  }
  std::unique_ptr<TestServer> first_, second_;
  std::unique_ptr<Cli> cli_;
};

TEST_F(TrustOnFirstUse, NewOriginAtPinnedAddressIsRefused) {
  ASSERT_NO_FATAL_FAILURE(MeetThenReplace("b.archive.example"));
  const Cli& cli = *cli_;
  const TestServer* second = second_.get();
  std::string trusted_before =
      ReadFileOrDie(cli.config_home() + "/archivectl/trusted");
  ProcessResult r = cli.Run({"checkpoint"});
  EXPECT_EQ(r.exit_code, 4) << Describe(r);
  for (const std::string& part :
       {second->address(), std::string("a.archive.example"),
        std::string("b.archive.example"), std::string("known_archives")}) {
    EXPECT_TRUE(absl::StrContains(r.err, part)) << part << "\n" << Describe(r);
  }
  EXPECT_TRUE(r.out.empty()) << Describe(r);
  // Nothing new was pinned.
  EXPECT_EQ(ReadFileOrDie(cli.config_home() + "/archivectl/trusted"),
            trusted_before);

  // Explicit trust is the user's word, as before.
  std::string trust = cli.config_home() + "/b-trust";
  WriteFileOrDie(trust, VerifierKey(*second) + "\n");
  r = cli.Run({"--trust", trust, "checkpoint"});
  EXPECT_EQ(r.exit_code, 0) << Describe(r);
}

TEST_F(TrustOnFirstUse, ChangedKeyAtPinnedAddressSaysWhatChanged) {
  // The same origin with a new identity (a fresh data directory).
  ASSERT_NO_FATAL_FAILURE(MeetThenReplace("a.archive.example"));
  const Cli& cli = *cli_;
  ProcessResult r = cli.Run({"checkpoint"});
  EXPECT_EQ(r.exit_code, 4) << Describe(r);
  EXPECT_TRUE(absl::StrContains(r.err, "key changed")) << Describe(r);
  EXPECT_TRUE(absl::StrContains(r.err, VerifierKey(*first_))) << Describe(r);
}

}  // namespace
}  // namespace archive::testing
