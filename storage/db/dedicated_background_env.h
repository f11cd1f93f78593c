// A LevelDB file system whose background work (memtable flushes and
// compactions) runs on a thread of its own instead of LevelDB's one shared
// thread.
//
// Why: every leveldb::Env::Default() database in a process queues its
// compactions on a single background thread. The search index
// (storage/index/catalog.h) is derived data that grows faster than the
// metadata store (167 MB against 93 MB at 10^5 revisions), and while that
// thread compacted the index, the metadata store's own flushes waited behind
// it and its writers stalled on a full level 0: the 16-client put rate fell
// as the archive grew. With an env of its own, the index compacts beside the
// metadata store, at a lower CPU priority, and never in front of it. The
// metadata store has one too, at full priority, so that its compactions run
// under a name of their own (a thread is born with its creator's name, and
// LevelDB's shared one was started by the sequencer).
#ifndef ARCHIVE_STORAGE_DB_DEDICATED_BACKGROUND_ENV_H_
#define ARCHIVE_STORAGE_DB_DEDICATED_BACKGROUND_ENV_H_

#include <deque>
#include <string>
#include <thread>
#include <utility>

#include "absl/synchronization/mutex.h"
#include "leveldb/env.h"

namespace archive {

// Thread-safe, like any leveldb::Env. Everything but Schedule goes to
// `target`, which is not owned and must outlive this env. Schedule runs its
// work in order on one thread, started with the env at `nice` (0 = the
// process's priority, 19 = lowest) and named `thread_name` (this_thread.h:
// what profiles show). The destructor runs the work already
// scheduled and then ends the thread; every database using the env must be
// closed before it is destroyed (a DB waits for its own background work when
// it closes, so nothing of it is left queued by then).
class DedicatedBackgroundEnv : public leveldb::EnvWrapper {
 public:
  DedicatedBackgroundEnv(leveldb::Env* target, int nice,
                         std::string thread_name);
  ~DedicatedBackgroundEnv() override;

  DedicatedBackgroundEnv(const DedicatedBackgroundEnv&) = delete;
  DedicatedBackgroundEnv& operator=(const DedicatedBackgroundEnv&) = delete;

  void Schedule(void (*function)(void* arg), void* arg) override;

 private:
  void Run(int nice);

  absl::Mutex mu_;
  std::deque<std::pair<void (*)(void*), void*>> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;  // last: started once the members above exist
};

}  // namespace archive

#endif  // ARCHIVE_STORAGE_DB_DEDICATED_BACKGROUND_ENV_H_
