// DedicatedBackgroundEnv (storage/db/dedicated_background_env.h): a database
// on it flushes and compacts while LevelDB's shared background thread is busy
// with another database's work, its work runs in order on one thread at the
// priority and under the name asked for, and what is queued when it is
// destroyed still runs. An open archive has one for its metadata store, whose
// thread is named meta-compact and ends with the archive.
#include "storage/db/dedicated_background_env.h"

#include <dirent.h>
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "leveldb/db.h"
#include "storage/base/this_thread.h"
#include "storage/db/archive.h"
#include "tests/unit/storage/db/storage_test_util.h"

namespace archive {
namespace {

using testing_util::ScopedTempDir;

// Holds LevelDB's shared background thread until released, as a long
// compaction of another database would.
class SharedThreadBlocker {
 public:
  SharedThreadBlocker() {
    leveldb::Env::Default()->Schedule(&SharedThreadBlocker::Block, this);
    EXPECT_TRUE(started_.WaitForNotificationWithTimeout(absl::Seconds(30)));
  }
  ~SharedThreadBlocker() { release_.Notify(); }

 private:
  static void Block(void* self) {
    auto* blocker = static_cast<SharedThreadBlocker*>(self);
    blocker->started_.Notify();
    blocker->release_.WaitForNotification();
  }
  absl::Notification started_;
  absl::Notification release_;
};

TEST(DedicatedBackgroundEnvTest, CompactsWhileTheSharedThreadIsBusy) {
  ScopedTempDir dir;
  DedicatedBackgroundEnv env(leveldb::Env::Default(), 0, "test-compact");
  SharedThreadBlocker blocker;

  leveldb::Options options;
  options.create_if_missing = true;
  options.env = &env;
  options.write_buffer_size = 64 << 10;  // a flush every few writes
  leveldb::DB* raw = nullptr;
  ASSERT_TRUE(leveldb::DB::Open(options, dir.path() + "/db", &raw).ok());
  std::unique_ptr<leveldb::DB> db(raw);
  const std::string value(16 << 10, 'v');
  for (int i = 0; i < 200; ++i) {
    ASSERT_TRUE(
        db->Put(leveldb::WriteOptions(), "key" + std::to_string(i), value)
            .ok());
  }
  // CompactRange waits for the flush and compactions it schedules; on the
  // shared thread it would wait until the blocker let go, here it must not.
  db->CompactRange(nullptr, nullptr);
  std::string files;
  ASSERT_TRUE(db->GetProperty("leveldb.num-files-at-level0", &files));
  EXPECT_EQ(files, "0");
  std::string got;
  ASSERT_TRUE(db->Get(leveldb::ReadOptions(), "key199", &got).ok());
  EXPECT_EQ(got, value);
}

struct ScheduledWorkLog {
  absl::Mutex mu;
  std::vector<int> order;
  std::vector<int> nice_seen;
  std::vector<long> thread_seen;
  std::vector<std::string> name_seen;
};

struct Work {
  ScheduledWorkLog* recorder;
  int id;
  static void Run(void* arg) {
    auto* work = static_cast<Work*>(arg);
    errno = 0;
    int nice =
        getpriority(PRIO_PROCESS, static_cast<id_t>(syscall(SYS_gettid)));
    absl::MutexLock lock(&work->recorder->mu);
    work->recorder->order.push_back(work->id);
    work->recorder->nice_seen.push_back(nice);
    work->recorder->thread_seen.push_back(syscall(SYS_gettid));
    work->recorder->name_seen.push_back(ThisThreadsName());
  }
};

TEST(DedicatedBackgroundEnvTest, RunsWorkInOrderOnOneLowPriorityNamedThread) {
  ScheduledWorkLog recorder;
  std::vector<Work> work;
  for (int i = 0; i < 50; ++i) work.push_back(Work{&recorder, i});
  {
    // Names longer than Linux's 15 bytes are cut, not refused.
    DedicatedBackgroundEnv env(leveldb::Env::Default(), 10,
                               "index-compaction-thread");
    for (Work& w : work) env.Schedule(&Work::Run, &w);
  }  // the destructor runs what is still queued
  ASSERT_EQ(recorder.order.size(), 50u);
  for (int i = 0; i < 50; ++i) {
    EXPECT_EQ(recorder.order[i], i);
    EXPECT_EQ(recorder.thread_seen[i], recorder.thread_seen[0]);
    EXPECT_EQ(recorder.nice_seen[i], 10);
    EXPECT_EQ(recorder.name_seen[i], "index-compactio");
  }
  EXPECT_NE(recorder.thread_seen[0], syscall(SYS_gettid));
}

// How many of this process's threads are named `name`.
int ThreadsNamed(const std::string& name) {
  int count = 0;
  DIR* tasks = opendir("/proc/self/task");
  if (tasks == nullptr) return -1;
  while (dirent* task = readdir(tasks)) {
    if (task->d_name[0] == '.') continue;
    std::ifstream comm(std::string("/proc/self/task/") + task->d_name +
                       "/comm");
    std::string seen;
    std::getline(comm, seen);
    count += seen == name;
  }
  closedir(tasks);
  return count;
}

TEST(DedicatedBackgroundEnvTest,
     AnOpenArchiveHasAMetaCompactThreadThatEndsWithIt) {
  ScopedTempDir tmp;
  ArchiveOptions options;
  options.data_dir = tmp.Sub("data");
  options.origin = "compaction.example/log";
  ASSERT_EQ(ThreadsNamed("meta-compact"), 0);
  {
    auto archive = Archive::Open(options);
    ASSERT_TRUE(archive.ok()) << archive.status();
    EXPECT_EQ(ThreadsNamed("meta-compact"), 1);
  }
  EXPECT_EQ(ThreadsNamed("meta-compact"), 0)
      << "the thread outlived the archive";
}

}  // namespace
}  // namespace archive
