// Helpers shared by the storage unit tests: a private temporary directory per
// test (tests run in parallel, each in its own process), whole-file helpers
// that bypass the Env under test, and an Env with a clock the test controls.
#ifndef ARCHIVE_TESTS_UNIT_STORAGE_DB_STORAGE_TEST_UTIL_H_
#define ARCHIVE_TESTS_UNIT_STORAGE_DB_STORAGE_TEST_UTIL_H_

#include <gtest/gtest.h>
#include <stdlib.h>

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <system_error>

#include "storage/base/env.h"
#include "tests/unit/test_files.h"

namespace archive {
namespace testing_util {

// A fresh directory, removed with everything in it when the object dies.
class ScopedTempDir {
 public:
  ScopedTempDir() {
    const char* base = std::getenv("TMPDIR");
    std::string templ = std::string(base != nullptr && *base ? base : "/tmp") +
                        "/storage_test.XXXXXX";
    char* made = ::mkdtemp(templ.data());
    EXPECT_NE(made, nullptr) << "mkdtemp " << templ;
    path_ = templ;
  }
  ~ScopedTempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  ScopedTempDir(const ScopedTempDir&) = delete;
  ScopedTempDir& operator=(const ScopedTempDir&) = delete;

  const std::string& path() const { return path_; }
  std::string Sub(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

inline std::string ReadWholeFile(const std::string& path) {
  return ::archive::testing::ReadTestFile(path);
}

inline void WriteWholeFile(const std::string& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << data;
  out.close();
  EXPECT_TRUE(out.good()) << "cannot write " << path;
}

// Permission bits of `path`, or -1 if it cannot be stat()ed.
inline int FileMode(const std::string& path) {
  std::error_code ec;
  auto status = std::filesystem::status(path, ec);
  if (ec) return -1;
  return static_cast<int>(status.permissions()) & 07777;
}

// Number of entries in `dir` (0 if it does not exist).
inline size_t CountEntries(const std::string& dir) {
  std::error_code ec;
  size_t n = 0;
  for (auto it = std::filesystem::directory_iterator(dir, ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
    ++n;
  }
  return n;
}

// The real filesystem with a clock that only moves when the test says so, so
// statements (whose submitted-at comes from the clock) are deterministic.
class FixedClockEnv : public EnvWrapper {
 public:
  explicit FixedClockEnv(int64_t now_seconds)
      : EnvWrapper(Env::Default()), now_seconds_(now_seconds) {}
  int64_t NowSeconds() override { return now_seconds_.load(); }
  int64_t NowMicros() override { return now_seconds_.load() * 1000000; }
  void Set(int64_t now_seconds) { now_seconds_.store(now_seconds); }
  void Advance(int64_t seconds) { now_seconds_.fetch_add(seconds); }

 private:
  std::atomic<int64_t> now_seconds_;
};

}  // namespace testing_util
}  // namespace archive

#endif  // ARCHIVE_TESTS_UNIT_STORAGE_DB_STORAGE_TEST_UTIL_H_
