// A test fixture for layers above storage/db: an archive opened in a fresh
// directory on an Env whose clock the test controls, so what the archive or a
// layer over it records about time is deterministic.
#ifndef ARCHIVE_TESTS_UNIT_STORAGE_DB_FIXED_CLOCK_ARCHIVE_H_
#define ARCHIVE_TESTS_UNIT_STORAGE_DB_FIXED_CLOCK_ARCHIVE_H_

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <string>
#include <utility>

#include "storage/db/archive.h"
#include "tests/unit/storage/db/storage_test_util.h"

namespace archive {
namespace testing_util {

class FixedClockArchive : public ::testing::Test {
 protected:
  FixedClockArchive(int64_t now_seconds, std::string origin)
      : env_(now_seconds), origin_(std::move(origin)) {}

  void SetUp() override {
    ArchiveOptions options;
    options.data_dir = tmp_.Sub("data");
    options.origin = origin_;
    options.env = &env_;
    auto archive = Archive::Open(options);
    ASSERT_TRUE(archive.ok()) << archive.status();
    archive_ = std::move(*archive);
  }

  ScopedTempDir tmp_;
  FixedClockEnv env_;
  std::string origin_;
  std::unique_ptr<Archive> archive_;
};

}  // namespace testing_util
}  // namespace archive

#endif  // ARCHIVE_TESTS_UNIT_STORAGE_DB_FIXED_CLOCK_ARCHIVE_H_
