#include "storage/base/background_hasher.h"

namespace archive {

BackgroundHasher::BackgroundHasher() : thread_([this] { Run(); }) {}

BackgroundHasher::~BackgroundHasher() {
  {
    absl::MutexLock lock(&mu_);
    quit_ = true;
  }
  thread_.join();
}

void BackgroundHasher::Start(absl::string_view bytes) {
  absl::MutexLock lock(&mu_);
  chunk_ = bytes;
  busy_ = true;
}

void BackgroundHasher::Wait() {
  absl::MutexLock lock(&mu_);
  mu_.Await(absl::Condition(
      +[](bool* busy) { return !*busy; }, &busy_));
}

std::string BackgroundHasher::Finish() { return hasher_.Finish(); }

void BackgroundHasher::Run() {
  absl::MutexLock lock(&mu_);
  while (true) {
    mu_.Await(absl::Condition(
        +[](BackgroundHasher* h) ABSL_EXCLUSIVE_LOCKS_REQUIRED(h->mu_) {
          return h->busy_ || h->quit_;
        },
        this));
    if (quit_) return;
    absl::string_view chunk = chunk_;
    mu_.Unlock();
    hasher_.Update(chunk);
    mu_.Lock();
    busy_ = false;
  }
}

}  // namespace archive
