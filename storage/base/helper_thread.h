// One task at a time on a helper thread, so that the owner's thread can go on
// with the next piece of a stream meanwhile (receiving the next chunk while the
// last one is hashed or written).
//
// Thread-safety: Start and Wait are called from one thread (the owner's); the
// helper thread is internal. A task runs on the helper and must not call back
// into this object. Ownership: whatever a task refers to must stay alive until
// Wait returns (the destructor waits for a running task).
#ifndef ARCHIVE_STORAGE_BASE_HELPER_THREAD_H_
#define ARCHIVE_STORAGE_BASE_HELPER_THREAD_H_

#include <functional>
#include <thread>

#include "absl/synchronization/mutex.h"

namespace archive {

class HelperThread {
 public:
  HelperThread();
  ~HelperThread();
  HelperThread(const HelperThread&) = delete;
  HelperThread& operator=(const HelperThread&) = delete;

  // Runs `task` on the helper; returns at once. Call Wait before the next
  // Start.
  void Start(std::function<void()> task);
  // Returns once the task last started has run (at once if none).
  void Wait();
  // Whether the task last started has run (true if none); does not wait.
  bool Idle();

 private:
  void Run();

  absl::Mutex mu_;
  std::function<void()> task_ ABSL_GUARDED_BY(mu_);
  bool busy_ ABSL_GUARDED_BY(mu_) = false;
  bool quit_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace archive

#endif  // ARCHIVE_STORAGE_BASE_HELPER_THREAD_H_
