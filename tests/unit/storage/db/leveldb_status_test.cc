// The one conversion of LevelDB's statuses: each kind of failure keeps its
// meaning (a full disk stays RESOURCE_EXHAUSTED, which clients see as
// DISK_FULL; corruption is DATA_LOSS) whatever context the caller adds.
#include "storage/db/leveldb_status.h"

#include <cerrno>
#include <cstring>

#include "gtest/gtest.h"
#include "storage/base/env.h"

namespace archive {
namespace {

TEST(LevelDbStatus, EachKindKeepsItsCode) {
  EXPECT_TRUE(FromLevelDb(leveldb::Status::OK()).ok());
  EXPECT_TRUE(absl::IsNotFound(FromLevelDb(leveldb::Status::NotFound("k"))));
  EXPECT_TRUE(
      absl::IsDataLoss(FromLevelDb(leveldb::Status::Corruption("block"))));
  const absl::Status full = FromLevelDb(
      leveldb::Status::IOError("meta/000005.log", std::strerror(ENOSPC)));
  EXPECT_TRUE(IsDiskFull(full)) << full;
  EXPECT_TRUE(absl::IsInternal(
      FromLevelDb(leveldb::Status::IOError("meta/LOCK", "held"))));
}

TEST(LevelDbStatus, ContextLeadsTheMessageAndChangesNoCode) {
  const absl::Status full = FromLevelDb(
      leveldb::Status::IOError("meta/000005.log", std::strerror(ENOSPC)),
      "storing blob ab12 in the metadata store");
  EXPECT_TRUE(IsDiskFull(full)) << full;
  EXPECT_EQ(full.message().find("storing blob ab12 in the metadata store: "),
            0u)
      << full;
  const absl::Status damaged =
      FromLevelDb(leveldb::Status::Corruption("bad block"), "log node");
  EXPECT_TRUE(absl::IsDataLoss(damaged)) << damaged;
  EXPECT_NE(damaged.message().find("bad block"), absl::string_view::npos);
  EXPECT_TRUE(FromLevelDb(leveldb::Status::OK(), "anything").ok());
}

}  // namespace
}  // namespace archive
