// The catalog's seams: its LevelDB and its clock come from CatalogOptions, so
// a test can fail the index's writes and name what it moves aside.
#include "storage/index/catalog.h"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <memory>
#include <string>

#include "leveldb/env.h"
#include "storage/db/archive.h"
#include "tests/unit/storage/db/fixed_clock_archive.h"
#include "tests/unit/storage/db/storage_test_util.h"

namespace archive {
namespace {

using testing_util::WriteWholeFile;

constexpr int64_t kNow = 1'800'000'000;

// Refuses to create any file, as a full disk would.
class NoNewFilesEnv : public leveldb::EnvWrapper {
 public:
  NoNewFilesEnv() : leveldb::EnvWrapper(leveldb::Env::Default()) {}
  leveldb::Status NewWritableFile(const std::string& path,
                                  leveldb::WritableFile** /*result*/) override {
    ++refused;
    return leveldb::Status::IOError(path, "No space left on device");
  }
  std::atomic<int> refused{0};
};

class CatalogSeams : public testing_util::FixedClockArchive {
 protected:
  CatalogSeams() : FixedClockArchive(kNow, "catalog.test.example") {}
  CatalogOptions Options() {
    CatalogOptions options;
    options.dir = tmp_.Sub("index");
    options.env = &env_;
    return options;
  }
};

TEST_F(CatalogSeams, TheIndexIsWrittenThroughTheGivenLevelDbEnv) {
  NoNewFilesEnv full;
  CatalogOptions options = Options();
  options.leveldb_env = &full;
  auto catalog = Catalog::Open(archive_.get(), options);
  EXPECT_FALSE(catalog.ok());
  EXPECT_GT(full.refused.load(), 0);
  EXPECT_EQ(catalog.status().code(), absl::StatusCode::kResourceExhausted)
      << catalog.status();
  // The same directory with LevelDB's own env opens.
  auto healthy = Catalog::Open(archive_.get(), Options());
  ASSERT_TRUE(healthy.ok()) << healthy.status();
  EXPECT_EQ((*healthy)->damage(), "");
}

TEST_F(CatalogSeams, ADamagedIndexIsMovedAsideNamedByTheEnvsClock) {
  std::filesystem::create_directories(tmp_.Sub("index"));
  WriteWholeFile(tmp_.Sub("index/CURRENT"), "MANIFEST-000099\n");
  auto catalog = Catalog::Open(archive_.get(), Options());
  ASSERT_TRUE(catalog.ok()) << catalog.status();
  const std::string aside =
      tmp_.Sub("index.damaged-" + std::to_string(kNow * 1000000));
  EXPECT_NE((*catalog)->damage().find(aside), std::string::npos)
      << (*catalog)->damage();
  EXPECT_TRUE(std::filesystem::exists(aside + "/CURRENT"));
}

}  // namespace
}  // namespace archive
