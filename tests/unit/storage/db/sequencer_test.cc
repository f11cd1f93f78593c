#include "storage/db/sequencer.h"

#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "gtest/gtest.h"

namespace archive {
namespace {

// Records each batch the sequencer hands over; the first batch can be held
// until released, so later items pile up behind it.
class Recorder {
 public:
  void Process(std::vector<int>& batch) {
    if (hold_first_ && batches_seen_++ == 0) {
      first_started_.Notify();
      release_first_.WaitForNotification();
    }
    absl::MutexLock lock(&mu_);
    batches_.push_back(batch);
  }
  std::vector<std::vector<int>> batches() {
    absl::MutexLock lock(&mu_);
    return batches_;
  }
  void HoldFirstBatch() { hold_first_ = true; }
  absl::Notification first_started_;
  absl::Notification release_first_;

 private:
  bool hold_first_ = false;
  int batches_seen_ = 0;  // sequencer thread only
  absl::Mutex mu_;
  std::vector<std::vector<int>> batches_ ABSL_GUARDED_BY(mu_);
};

Sequencer<int>::Process ProcessWith(Recorder& r) {
  return [&r](std::vector<int>& batch) { r.Process(batch); };
}

TEST(Sequencer, ItemsQueuedTogetherAreOneBatchInOrder) {
  Recorder recorder;
  std::vector<int> refused;
  {
    Sequencer<int> sequencer(ProcessWith(recorder),
                             [&](int& i) { refused.push_back(i); });
    sequencer.EnqueueAll({1, 2, 3});
  }
  ASSERT_EQ(recorder.batches().size(), 1u);
  EXPECT_EQ(recorder.batches()[0], (std::vector<int>{1, 2, 3}));
  EXPECT_TRUE(refused.empty());
}

TEST(Sequencer, WhatQueuesDuringABatchBecomesTheNextBatch) {
  Recorder recorder;
  recorder.HoldFirstBatch();
  Sequencer<int> sequencer(ProcessWith(recorder), [](int&) {});
  sequencer.Enqueue(1);
  recorder.first_started_.WaitForNotification();
  for (int i = 2; i <= 5; ++i) sequencer.Enqueue(i);
  recorder.release_first_.Notify();
  sequencer.Stop();
  auto batches = recorder.batches();
  ASSERT_EQ(batches.size(), 2u);
  EXPECT_EQ(batches[0], (std::vector<int>{1}));
  EXPECT_EQ(batches[1], (std::vector<int>{2, 3, 4, 5}));
}

TEST(Sequencer, StopFinishesWhatWasQueuedAndRefusesWhatComesAfter) {
  Recorder recorder;
  recorder.HoldFirstBatch();
  std::vector<int> refused;
  Sequencer<int> sequencer(ProcessWith(recorder),
                           [&](int& i) { refused.push_back(i); });
  sequencer.Enqueue(1);
  recorder.first_started_.WaitForNotification();
  sequencer.Enqueue(2);  // queued before Stop: must still be processed
  std::thread stopper([&] { sequencer.Stop(); });
  recorder.release_first_.Notify();
  stopper.join();
  sequencer.EnqueueAll({3, 4});
  auto batches = recorder.batches();
  ASSERT_EQ(batches.size(), 2u);
  EXPECT_EQ(batches[1], (std::vector<int>{2}));
  EXPECT_EQ(refused, (std::vector<int>{3, 4}));
}

}  // namespace
}  // namespace archive
