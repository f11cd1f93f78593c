#include "storage/db/dedicated_background_env.h"

#include "storage/base/this_thread.h"

namespace archive {

DedicatedBackgroundEnv::DedicatedBackgroundEnv(leveldb::Env* target, int nice,
                                               std::string thread_name)
    : leveldb::EnvWrapper(target),
      thread_([this, nice, name = std::move(thread_name)] {
        NameThisThread(name);
        Run(nice);
      }) {}

DedicatedBackgroundEnv::~DedicatedBackgroundEnv() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  thread_.join();
}

void DedicatedBackgroundEnv::Schedule(void (*function)(void*), void* arg) {
  absl::MutexLock lock(&mu_);
  queue_.emplace_back(function, arg);
}

void DedicatedBackgroundEnv::Run(int nice) {
  if (nice != 0) NiceThisThread(nice);
  while (true) {
    std::pair<void (*)(void*), void*> work;
    {
      absl::MutexLock lock(&mu_);
      auto ready = [this] {
        mu_.AssertHeld();
        return stopping_ || !queue_.empty();
      };
      mu_.Await(absl::Condition(&ready));
      if (queue_.empty()) return;  // stopping, and nothing left to run
      work = queue_.front();
      queue_.pop_front();
    }
    work.first(work.second);
  }
}

}  // namespace archive
