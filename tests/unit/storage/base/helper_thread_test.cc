// helper_thread.h: a started task runs off the owner's thread, Wait returns
// only once it has run (and Idle says so then), and a task started just before
// destruction still runs.
#include "storage/base/helper_thread.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

namespace archive {
namespace {

TEST(HelperThread, WaitReturnsOnceTheTaskHasRunOnTheHelper) {
  HelperThread helper;
  std::thread::id ran_on;
  int runs = 0;
  for (int i = 0; i < 3; ++i) {
    helper.Start([&] {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      ran_on = std::this_thread::get_id();
      ++runs;
    });
    helper.Wait();
    EXPECT_EQ(runs, i + 1) << "Wait returned before the task ended";
    EXPECT_TRUE(helper.Idle());
  }
  EXPECT_NE(ran_on, std::this_thread::get_id());
  helper.Wait();  // nothing started: returns at once
}

TEST(HelperThread, ATaskStartedBeforeDestructionStillRuns) {
  std::atomic<bool> ran{false};
  {
    HelperThread helper;
    helper.Start([&] {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      ran = true;
    });
  }
  EXPECT_TRUE(ran);
}

}  // namespace
}  // namespace archive
