// ArchiveOptions::observer: told of every batch the sequencer commits, with
// the requests it held, the entries it added and its synced write's outcome.
#include "storage/db/commit_observer.h"

#include <gtest/gtest.h>

#include <mutex>
#include <string>
#include <vector>

#include "storage/db/archive.h"
#include "tests/unit/storage/db/fault_injection_env.h"
#include "tests/unit/storage/db/sealed_put.h"
#include "tests/unit/storage/db/storage_test_util.h"

namespace archive {
namespace {

using testing_util::FaultPlan;
using testing_util::FaultyEnv;
using testing_util::FaultyLevelDbEnv;
using testing_util::FileOp;
using testing_util::ScopedTempDir;
using testing_util::SealedPut;

class RecordingObserver : public CommitObserver {
 public:
  void BatchCommitted(const CommittedBatch& batch) override {
    std::lock_guard<std::mutex> lock(mu_);
    batches_.push_back(batch);
  }
  std::vector<CommittedBatch> batches() {
    std::lock_guard<std::mutex> lock(mu_);
    return batches_;
  }

 private:
  std::mutex mu_;
  std::vector<CommittedBatch> batches_;
};

class CommitObserverTest : public ::testing::Test {
 protected:
  void Open() {
    ArchiveOptions options;
    options.data_dir = tmp_.Sub("data");
    options.origin = "observed.archive.example";
    options.env = &env_;  // the journal's sync is the batch's
    options.leveldb_env = &leveldb_env_;
    options.observer = &observer_;
    auto archive = Archive::Open(options);
    ASSERT_TRUE(archive.ok()) << archive.status();
    archive_ = std::move(*archive);
  }

  ScopedTempDir tmp_;
  FaultPlan plan_;
  FaultyEnv env_{Env::Default(), &plan_};
  FaultyLevelDbEnv leveldb_env_{&plan_};
  RecordingObserver observer_;
  std::unique_ptr<Archive> archive_;
};

TEST_F(CommitObserverTest, EachBatchIsReportedWithItsEntriesAndSync) {
  ASSERT_NO_FATAL_FAILURE(Open());
  ASSERT_TRUE(archive_->Commit(SealedPut(*archive_, "obs/one", "1\n")).ok());
  ASSERT_TRUE(archive_->Commit(SealedPut(*archive_, "obs/two", "2\n")).ok());
  std::vector<CommittedBatch> batches = observer_.batches();
  ASSERT_EQ(batches.size(), 2u);
  for (const CommittedBatch& b : batches) {
    EXPECT_EQ(b.requests, 1u);
    EXPECT_EQ(b.new_entries, 1u);
    EXPECT_TRUE(b.status.ok()) << b.status;
    EXPECT_GT(b.sync_time, absl::ZeroDuration());
  }
}

TEST_F(CommitObserverTest, AFailedWriteIsReportedAndAddsNoEntries) {
  ASSERT_NO_FATAL_FAILURE(Open());
  plan_.FailNth(FileOp::kSync, 1);
  auto failed = archive_->Commit(SealedPut(*archive_, "obs/lost", "never\n"));
  ASSERT_FALSE(failed.ok());
  ASSERT_TRUE(plan_.fired());
  std::vector<CommittedBatch> batches = observer_.batches();
  ASSERT_EQ(batches.size(), 1u);
  EXPECT_FALSE(batches[0].status.ok());
  EXPECT_EQ(batches[0].new_entries, 0u);
  EXPECT_EQ(batches[0].requests, 1u);
  EXPECT_EQ(archive_->LatestCheckpoint().size, 0u);
  EXPECT_FALSE(archive_->WriteHealth().ok())
      << "the store refuses writes until it is reopened";
}

TEST_F(CommitObserverTest, UsageCountsDocumentsAndBothKindsOfBlob) {
  ASSERT_NO_FATAL_FAILURE(Open());
  std::string big(300 << 10, 'x');  // above the inline limit: a file
  ASSERT_TRUE(
      archive_->Commit(SealedPut(*archive_, "use/small", "small\n")).ok());
  ASSERT_TRUE(archive_->Commit(SealedPut(*archive_, "use/big", big)).ok());
  ASSERT_TRUE(
      archive_->Commit(SealedPut(*archive_, "use/small", "small 2\n")).ok());
  auto usage = archive_->MeasureUsage();
  ASSERT_TRUE(usage.ok()) << usage.status();
  EXPECT_EQ(usage->documents, 2u);
  EXPECT_EQ(usage->inline_blob_bytes, std::string("small\nsmall 2\n").size());
  EXPECT_EQ(usage->file_blobs, 1u);
  EXPECT_EQ(usage->file_blob_bytes, big.size());
  EXPECT_GT(archive_->LatestCheckpointTime(), 0);
}

}  // namespace
}  // namespace archive
