#include "storage/base/helper_thread.h"

#include <utility>

namespace archive {

HelperThread::HelperThread() : thread_([this] { Run(); }) {}

HelperThread::~HelperThread() {
  {
    absl::MutexLock lock(&mu_);
    quit_ = true;
  }
  thread_.join();
}

void HelperThread::Start(std::function<void()> task) {
  absl::MutexLock lock(&mu_);
  task_ = std::move(task);
  busy_ = true;
}

void HelperThread::Wait() {
  absl::MutexLock lock(&mu_);
  mu_.Await(absl::Condition(
      +[](bool* busy) { return !*busy; }, &busy_));
}

bool HelperThread::Idle() {
  absl::MutexLock lock(&mu_);
  return !busy_;
}

void HelperThread::Run() {
  absl::MutexLock lock(&mu_);
  while (true) {
    // A task started before the destructor still runs: its owner may wait.
    mu_.Await(absl::Condition(
        +[](HelperThread* h) ABSL_EXCLUSIVE_LOCKS_REQUIRED(h->mu_) {
          return h->busy_ || h->quit_;
        },
        this));
    if (!busy_) return;
    std::function<void()> task = std::move(task_);
    mu_.Unlock();
    task();
    mu_.Lock();
    busy_ = false;
  }
}

}  // namespace archive
