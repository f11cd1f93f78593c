// Issue 11, defect 6: where `archivectl get -o` writes. It renamed a regular
// file over whatever -o named, so `get DOC -o /dev/null` (a common way to just
// verify) replaced the device with a file holding the document, and its temp
// files had predictable names that followed planted links. Real archived and
// archivectl; a copy of the null device and a FIFO stand in for /dev/null.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <thread>

#include "tests/integration/test_harness.h"

namespace archive::testing {
namespace {

constexpr char kOutputFileText[] = "关于加强数字政府建设的实施意见\n第一条\n";

class GetOutput : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = TestServer::Start();
    ASSERT_TRUE(server_->running());
    cli_ = std::make_unique<Cli>(server_->address());
    std::string doc = dir_.path() + "/doc.txt";
    WriteFileOrDie(doc, kOutputFileText);
    ProcessResult put = cli_->Run({"put", doc, "--id", "doc-1"});
    ASSERT_EQ(put.exit_code, 0) << Describe(put);
  }

  // Names in `dir` other than `keep`: a temp file left behind shows here.
  std::set<std::string> Leftovers(const std::string& keep) {
    std::set<std::string> names;
    for (const auto& e : std::filesystem::directory_iterator(dir_.path())) {
      std::string name = e.path().filename().string();
      if (name != keep && name != "doc.txt") names.insert(name);
    }
    return names;
  }

  TempDir dir_;
  std::unique_ptr<TestServer> server_;
  std::unique_ptr<Cli> cli_;
};

TEST_F(GetOutput, CharacterDeviceStaysADevice) {
  ASSERT_EQ(::geteuid(), 0u)
      << "this test makes a copy of the null device (mknod), which needs root; "
         "CI runs as root";
  std::string null = dir_.path() + "/null";
  ASSERT_EQ(::mknod(null.c_str(), S_IFCHR | 0666, ::makedev(1, 3)), 0);
  ProcessResult get = cli_->Run({"get", "doc-1", "-o", null});
  EXPECT_EQ(get.exit_code, 0) << Describe(get);
  struct stat st;
  ASSERT_EQ(::lstat(null.c_str(), &st), 0);
  EXPECT_TRUE(S_ISCHR(st.st_mode)) << "the device was replaced by a file";
  EXPECT_EQ(Leftovers("null"), std::set<std::string>());
}

TEST_F(GetOutput, FifoGetsTheVerifiedBytesStreamed) {
  std::string fifo = dir_.path() + "/fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  std::string received;
  std::thread reader([&] {
    // O_RDWR: opening does not wait for a writer, so the test cannot hang if
    // none ever comes; poll bounds the wait for the bytes.
    int fd = ::open(fifo.c_str(), O_RDWR | O_NONBLOCK);
    if (fd < 0) return;
    char buffer[4096];
    while (received.size() < sizeof(kOutputFileText) - 1) {
      struct pollfd p = {fd, POLLIN, 0};
      if (::poll(&p, 1, 20000) <= 0) break;
      ssize_t n = ::read(fd, buffer, sizeof buffer);
      if (n > 0) received.append(buffer, n);
    }
    ::close(fd);
  });
  ProcessResult get = cli_->Run({"get", "doc-1", "-o", fifo});
  reader.join();
  EXPECT_EQ(get.exit_code, 0) << Describe(get);
  EXPECT_EQ(received, kOutputFileText);
  struct stat st;
  ASSERT_EQ(::lstat(fifo.c_str(), &st), 0);
  EXPECT_TRUE(S_ISFIFO(st.st_mode)) << "the FIFO was replaced by a file";
}

TEST_F(GetOutput, SymlinkIsReplacedNeverWrittenThrough) {
  std::string victim = dir_.path() + "/victim";
  WriteFileOrDie(victim, "do not touch\n");
  std::string link = dir_.path() + "/out.txt";
  ASSERT_EQ(::symlink(victim.c_str(), link.c_str()), 0);
  ProcessResult get = cli_->Run({"get", "doc-1", "-o", link});
  EXPECT_EQ(get.exit_code, 0) << Describe(get);
  EXPECT_EQ(ReadFileOrDie(victim), "do not touch\n");
  struct stat st;
  ASSERT_EQ(::lstat(link.c_str(), &st), 0);
  EXPECT_TRUE(S_ISREG(st.st_mode));
  EXPECT_EQ(ReadFileOrDie(link), kOutputFileText);
}

TEST_F(GetOutput, ExistingFileReplacedAndNoTempFileLeft) {
  std::string out = dir_.path() + "/out.txt";
  WriteFileOrDie(out, "old\n");
  ProcessResult get = cli_->Run({"get", "doc-1", "-o", out});
  EXPECT_EQ(get.exit_code, 0) << Describe(get);
  EXPECT_EQ(ReadFileOrDie(out), kOutputFileText);
  EXPECT_EQ(Leftovers("out.txt"), std::set<std::string>());
}

TEST_F(GetOutput, DirectoryIsRefusedByName) {
  ProcessResult get = cli_->Run({"get", "doc-1", "-o", dir_.path()});
  EXPECT_NE(get.exit_code, 0) << Describe(get);
  EXPECT_NE(get.err.find("is a directory"), std::string::npos) << Describe(get);
}

TEST_F(GetOutput, StdoutGetsTheBytes) {
  ProcessResult get = cli_->Run({"get", "doc-1"});
  EXPECT_EQ(get.exit_code, 0) << Describe(get);
  EXPECT_EQ(get.out, kOutputFileText);
}

}  // namespace
}  // namespace archive::testing
