// this_thread.h: a thread's name is what /proc (and so ps, top and perf)
// shows for it, cut to Linux's 15 bytes; its nice value is its own.
#include "storage/base/this_thread.h"

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <fstream>
#include <string>
#include <thread>

namespace archive {
namespace {

// The name the kernel reports for thread `tid` of this process.
std::string CommOfThread(long tid) {
  std::ifstream in("/proc/self/task/" + std::to_string(tid) + "/comm");
  std::string name;
  std::getline(in, name);
  return name;
}

int NiceOfThread(long tid) {
  errno = 0;
  return getpriority(PRIO_PROCESS, static_cast<id_t>(tid));
}

TEST(ThisThread, TheNameIsWhatProcShowsCutToFifteenBytes) {
  std::string short_seen, long_seen, read_back;
  std::thread([&] {
    const long tid = syscall(SYS_gettid);
    NameThisThread("indexer");
    short_seen = CommOfThread(tid);
    read_back = ThisThreadsName();
    NameThisThread("a-name-longer-than-fifteen-bytes");
    long_seen = CommOfThread(tid);
  }).join();
  EXPECT_EQ(short_seen, "indexer");
  EXPECT_EQ(read_back, "indexer");
  EXPECT_EQ(long_seen, "a-name-longer-t");
}

TEST(ThisThread, NiceLowersOnlyTheCallingThread) {
  const long main_tid = syscall(SYS_gettid);
  const int before = NiceOfThread(main_tid);
  int inside = -100, main_meanwhile = -100;
  std::thread([&] {
    NiceThisThread(before + 5 > 19 ? 19 : before + 5);
    inside = NiceOfThread(syscall(SYS_gettid));
    main_meanwhile = NiceOfThread(main_tid);
  }).join();
  EXPECT_EQ(inside, before + 5 > 19 ? 19 : before + 5);
  EXPECT_EQ(main_meanwhile, before);
}

}  // namespace
}  // namespace archive
