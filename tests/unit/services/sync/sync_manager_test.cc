// The sync manager's clock is its archive's Env: what it records about a
// scrub follows the clock a test controls. (Scheduled pulls read the same
// clock; no test watches their timing yet.)
#include "services/sync/sync_manager.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "absl/synchronization/notification.h"
#include "storage/db/archive.h"
#include "tests/unit/storage/db/fixed_clock_archive.h"
#include "tests/unit/storage/db/storage_test_util.h"

namespace archive {
namespace {

using testing_util::ScopedTempDir;
using testing_util::WriteWholeFile;

constexpr int64_t kNow = 1'800'000'000;  // 2027-01-15, not today

class SyncManagerClock : public testing_util::FixedClockArchive {
 protected:
  SyncManagerClock() : FixedClockArchive(kNow, "sync.test.example") {}
};

TEST_F(SyncManagerClock, AScrubIsRecordedAtTheArchivesClock) {
  SyncManager manager(archive_.get(), "", {});
  manager.Start();
  absl::Notification done;
  absl::StatusOr<v1::ScrubResponse> scrub;
  manager.ScrubAsync(false, {}, [&](absl::StatusOr<v1::ScrubResponse> r) {
    scrub = std::move(r);
    done.Notify();
  });
  ASSERT_TRUE(done.WaitForNotificationWithTimeout(absl::Seconds(60)));
  ASSERT_TRUE(scrub.ok()) << scrub.status();
  auto last = archive_->LastScrub();
  ASSERT_TRUE(last.ok()) << last.status();
  ASSERT_TRUE(last->has_value());
  EXPECT_EQ((*last)->started_at, kNow);
  EXPECT_EQ((*last)->finished_at, kNow);
}

TEST_F(SyncManagerClock, AMissingTrustFileIsRefusedUntilItExists) {
  SyncManager manager(archive_.get(), tmp_.Sub("trusted"), {});
  auto trust = manager.CurrentTrust();
  EXPECT_EQ(trust.status().code(), absl::StatusCode::kFailedPrecondition);
  WriteWholeFile(tmp_.Sub("trusted"), "");
  trust = manager.CurrentTrust();
  ASSERT_TRUE(trust.ok()) << trust.status();
}

TEST(LoadServerConfig, NamesTheLineOfAMistake) {
  ScopedTempDir tmp;
  WriteWholeFile(tmp.Sub("config"), "peers {\n  adress: \"x:1\"\n}\n");
  auto config = LoadServerConfig(tmp.Sub("config"));
  ASSERT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(config.status().message().find("line 2"), std::string::npos)
      << config.status();
}

}  // namespace
}  // namespace archive
