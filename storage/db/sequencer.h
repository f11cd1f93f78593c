// A single writer thread fed by a queue: whatever was queued while the
// previous batch was being processed becomes the next batch, so under load one
// fsync and one signature serve many writes (Archive's commit path).
//
// Contracts:
//  - Thread-safety: Enqueue and EnqueueAll may be called from any thread.
//    `process` runs on the sequencer's own thread only, one batch at a time,
//    with the items in the order they were queued.
//  - Items queued together by one EnqueueAll go into the same batch.
//  - Stop() (and the destructor) lets the thread process everything queued
//    before it, then joins. An item queued once Stop() has begun is not
//    processed: `refuse` runs on it, on the caller's thread.
//  - `process` and `refuse` must not call back into the Sequencer.
#ifndef ARCHIVE_STORAGE_DB_SEQUENCER_H_
#define ARCHIVE_STORAGE_DB_SEQUENCER_H_

#include <deque>
#include <functional>
#include <thread>
#include <utility>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "storage/base/this_thread.h"

namespace archive {

template <typename Item>
class Sequencer {
 public:
  using Process = std::function<void(std::vector<Item>& batch)>;
  using Refuse = std::function<void(Item& item)>;

  // Starts the thread.
  Sequencer(Process process, Refuse refuse)
      : process_(std::move(process)), refuse_(std::move(refuse)) {
    thread_ = std::thread([this] { Loop(); });
  }
  ~Sequencer() { Stop(); }
  Sequencer(const Sequencer&) = delete;
  Sequencer& operator=(const Sequencer&) = delete;

  void Enqueue(Item item) {
    std::vector<Item> one;
    one.push_back(std::move(item));
    EnqueueAll(std::move(one));
  }

  void EnqueueAll(std::vector<Item> items) {
    std::vector<Item> refused;
    {
      absl::MutexLock lock(&mu_);
      for (Item& item : items) {
        if (stopping_) {
          refused.push_back(std::move(item));
        } else {
          queue_.push_back(std::move(item));
        }
      }
    }
    for (Item& item : refused) refuse_(item);
  }

  void Stop() {
    {
      absl::MutexLock lock(&mu_);
      stopping_ = true;
    }
    if (thread_.joinable()) thread_.join();
  }

 private:
  bool Wakeful() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return stopping_ || !queue_.empty();
  }

  void Loop() {
    NameThisThread("sequencer");
    while (true) {
      std::vector<Item> batch;
      {
        absl::MutexLock lock(&mu_);
        mu_.Await(absl::Condition(this, &Sequencer::Wakeful));
        if (queue_.empty()) return;  // stopping, and everything queued is done
        while (!queue_.empty()) {
          batch.push_back(std::move(queue_.front()));
          queue_.pop_front();
        }
      }
      process_(batch);
    }
  }

  const Process process_;
  const Refuse refuse_;
  absl::Mutex mu_;
  std::deque<Item> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace archive

#endif  // ARCHIVE_STORAGE_DB_SEQUENCER_H_
