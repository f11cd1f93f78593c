// A witness whose state file is damaged or cannot be written (issue 16
// review): office B witnesses office A, both real archived processes. B's
// state file for A (the last checkpoint of A it cosigned, its promise never
// to cosign a rollback or a fork) truncated, or overwritten with garbage, or
// its directory a read-only file system: B refuses every checkpoint of A
// with a 500 naming the file and what is wrong, cosigns nothing (A serves
// its checkpoint without B's line), does not crash, and still refuses after
// a restart; restored, it cosigns A's checkpoint again. Needs root (to mount
// the read-only tmpfs): CI runs as root; elsewhere the test fails saying so.
#include <gtest/gtest.h>
#include <sys/mount.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "storage/format/origin.h"
#include "tests/integration/sync_test_util.h"
#include "tests/integration/test_harness.h"

namespace archive::testing {
namespace {

namespace fs = std::filesystem;

class WitnessStateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    b_ = StartWitnessedOffice("wst-b.example", dir_);
    a_ = StartWitnessedOffice("wst-a.example", dir_, {}, WitnessLines({&b_}));
    b_.office->Trust({a_.office.get()});
  }
  void TearDown() override {
    if (mounted_) ::umount2(StateDir().c_str(), MNT_DETACH);
  }

  std::string StateDir() const {
    return b_.office->data_dir() + "/witness/state";
  }
  std::string StatePath() const {
    return StateDir() + "/" + OriginFileName(a_.office->origin());
  }
  // A's latest checkpoint with A's own signature only, as a log sends it.
  std::string PlainCheckpoint() {
    auto r = HttpGet(a_.http_port, "/log/checkpoint");
    EXPECT_TRUE(r && r->status == 200);
    std::vector<std::string> kept;
    for (absl::string_view line : absl::StrSplit(r ? r->body : "", '\n')) {
      if (!absl::StartsWith(line, "\xE2\x80\x94 ") ||
          absl::StartsWith(line, "\xE2\x80\x94 wst-a.example ")) {
        kept.emplace_back(line);
      }
    }
    return absl::StrJoin(kept, "\n");
  }
  // Waits until B's log says `needle` (within 10 s).
  void AwaitInBLog(const std::string& needle) {
    for (int i = 0; i < 100; ++i) {
      if (absl::StrContains(b_.office->Log(), needle)) return;
      absl::SleepFor(absl::Milliseconds(100));
    }
    ADD_FAILURE() << "B's log never said: " << needle << "\n"
                  << b_.office->Log();
  }
  // A put on A, whose checkpoint B refuses: A serves it without B's line.
  void PutRefused(const std::string& doc, const std::string& why) {
    ASSERT_FALSE(a_.office->PutText(doc, doc + "\n").empty());
    const uint64_t size = a_.office->TreeSize();
    AwaitInBLog(absl::StrCat(
        "archived: witness refused a checkpoint (500): refusing to cosign "
        "the checkpoint of ",
        size, ": ", why));
    auto r = HttpGet(a_.http_port, "/log/checkpoint");
    ASSERT_TRUE(r);
    EXPECT_TRUE(
        absl::StartsWith(r->body, absl::StrCat("wst-a.example\n", size, "\n")))
        << r->body;
    EXPECT_EQ(SignatureLines(r->body), 1) << r->body;
  }
  void RestartB() {
    b_.office->server().Kill();
    ASSERT_TRUE(b_.office->server().Restart()) << b_.office->Log();
    for (int i = 0; i < 100 && !HttpGet(b_.http_port, "/healthz"); ++i) {
      absl::SleepFor(absl::Milliseconds(100));
    }
  }

  TempDir dir_;
  WitnessedOffice a_, b_;
  bool mounted_ = false;
};

TEST_F(WitnessStateTest, ADamagedStateFileIsRefusedNamingIt) {
  ASSERT_FALSE(a_.office->PutText("wst/0", "first\n").empty());
  ASSERT_EQ(SignatureLines(AwaitCosigned(a_, 1, 1)), 2);
  const std::string good = ReadFileOrDie(StatePath());
  const std::map<std::string, std::string> damages = {
      {"truncated", good.substr(0, good.size() / 2)},
      {"garbage", "\x01\x02 not a checkpoint \xff\n"},
  };
  for (const auto& [what, damaged] : damages) {
    SCOPED_TRACE(what);
    WriteFileOrDie(StatePath(), damaged);
    PutRefused("wst/" + what, absl::StrCat("the witness's state file ",
                                           StatePath(), " is damaged ("));
    // Asked directly, from 0 (as a fork would be): refused, naming the file;
    // and a restart neither crashes on the file nor mends it.
    for (int restarted = 0; restarted < 2; ++restarted) {
      if (restarted == 1) RestartB();
      auto answer = HttpPost(b_.http_port, "/witness/add-checkpoint",
                             "old 0\n\n" + PlainCheckpoint());
      ASSERT_TRUE(answer);
      EXPECT_EQ(answer->status, 500) << answer->body;
      EXPECT_TRUE(ContainsAll(
          answer->body,
          {"refusing to cosign the checkpoint of ", "the witness's state file ",
           StatePath(), " is damaged"}))
          << answer->body;
    }
    EXPECT_EQ(ReadFileOrDie(StatePath()), damaged);
  }
  // Restored, B cosigns A's latest checkpoint (A asks again every 2 s).
  WriteFileOrDie(StatePath(), good);
  const uint64_t size = a_.office->TreeSize();
  EXPECT_EQ(SignatureLines(AwaitCosigned(a_, size, 1)), 2) << a_.office->Log();
  EXPECT_TRUE(absl::StrContains(ReadFileOrDie(StatePath()),
                                absl::StrCat("\n", size, "\n")));
}

TEST_F(WitnessStateTest, AStateDirectoryThatCannotBeWrittenGetsNoCosignature) {
  ASSERT_FALSE(a_.office->PutText("wst/0", "first\n").empty());
  ASSERT_EQ(SignatureLines(AwaitCosigned(a_, 1, 1)), 2);
  const std::string good = ReadFileOrDie(StatePath());
  // The state directory as a read-only file system holding the same file.
  ASSERT_EQ(::mount("tmpfs", StateDir().c_str(), "tmpfs", 0, "size=1m"), 0)
      << "mount tmpfs on " << StateDir() << ": " << std::strerror(errno);
  mounted_ = true;
  WriteFileOrDie(StatePath(), good);
  ASSERT_EQ(::mount("tmpfs", StateDir().c_str(), "tmpfs",
                    MS_REMOUNT | MS_RDONLY, "size=1m"),
            0)
      << "remount " << StateDir() << " read-only: " << std::strerror(errno);
  PutRefused("wst/1", absl::StrCat("cannot record it in the witness's state "
                                   "file ",
                                   StatePath(), ": "));
  EXPECT_TRUE(absl::StrContains(b_.office->Log(), "Read-only file system"))
      << b_.office->Log();
  EXPECT_EQ(ReadFileOrDie(StatePath()), good);
  // Writable again (the directory under the mount, still at 1): cosigned.
  ASSERT_EQ(::umount2(StateDir().c_str(), 0), 0) << std::strerror(errno);
  mounted_ = false;
  EXPECT_EQ(SignatureLines(AwaitCosigned(a_, 2, 1)), 2) << a_.office->Log();
}

}  // namespace
}  // namespace archive::testing
