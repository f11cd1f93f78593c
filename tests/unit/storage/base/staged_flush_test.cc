// staged_flush.h: a stage starts once a stage's worth more was written, and a
// stage that failed is reported by Finish (Linux tells only one fdatasync of a
// descriptor about a writeback error, so a lost report would be a lost error).
#include "storage/base/staged_flush.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <string>

namespace archive {
namespace {

constexpr uint64_t kStage = StagedFlush::kStageBytes;

TEST(StagedFlush, AStageStartsOnceAStagesWorthMoreIsWritten) {
  std::string path = ::testing::TempDir() + "/staged_flush_file";
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::write(fd, "policy", 6), 6);
  {
    StagedFlush stages(fd);
    EXPECT_FALSE(stages.Due(kStage - 1));
    EXPECT_TRUE(stages.Due(kStage));
    stages.Written(kStage - 1);
    EXPECT_EQ(stages.stages_started(), 0);
    stages.Written(kStage);
    EXPECT_EQ(stages.stages_started(), 1);
    EXPECT_EQ(stages.Finish(), 0);
    stages.Written(2 * kStage - 1);
    EXPECT_EQ(stages.stages_started(), 1) << "less than a stage since the last";
    stages.Written(2 * kStage);
    EXPECT_EQ(stages.stages_started(), 2);
    EXPECT_EQ(stages.Finish(), 0);
  }
  ::close(fd);
  ::unlink(path.c_str());
}

TEST(StagedFlush, AFailedStageIsReportedByEveryFinish) {
  int pipe_fds[2];
  ASSERT_EQ(::pipe(pipe_fds), 0);
  {
    StagedFlush stages(pipe_fds[1]);  // fdatasync of a pipe fails: EINVAL
    stages.Written(kStage);
    ASSERT_EQ(stages.stages_started(), 1);
    EXPECT_EQ(stages.Finish(), EINVAL);
    EXPECT_EQ(stages.Finish(), EINVAL) << "the failure was forgotten";
  }
  ::close(pipe_fds[0]);
  ::close(pipe_fds[1]);
}

}  // namespace
}  // namespace archive
