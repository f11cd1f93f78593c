// The metadata store with its journal (recoverable_db.h, journal.h): a synced
// write survives a power cut that loses LevelDB's unsynced writes; separated
// values live in the journal behind a pointer; a repair brings back every
// record; a failed journal write refuses writes until a reopen.
#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "leveldb/write_batch.h"
#include "storage/db/recoverable_db.h"
#include "tests/unit/storage/db/fault_injection_env.h"
#include "tests/unit/storage/db/storage_test_util.h"

namespace archive {
namespace {

using testing_util::FaultPlan;
using testing_util::FaultyEnv;
using testing_util::FaultyLevelDbEnv;
using testing_util::FileOp;
using testing_util::ScopedTempDir;

std::string Blob(int i) {
  return std::string(1000 + i, static_cast<char>('a' + i % 26));
}

class JournaledStoreTest : public ::testing::Test {
 protected:
  JournaledStoreTest() : leveldb_env_(&plan_), env_(Env::Default(), &plan_) {
    options_.create_if_missing = true;
    options_.paranoid_checks = true;
    options_.env = &leveldb_env_;
    journal_.env = &env_;
    journal_.dir = dir_.path() + "/journal";
    journal_.segment_bytes = 16 << 10;  // small: the test rolls segments
    journal_.separation = ValueSeparation{"b/", "v/"};
  }

  std::unique_ptr<RecoverableDb> Open(bool replay_all = false) {
    std::unique_ptr<RecoverableDb> db;
    leveldb::Status s =
        RecoverableDb::Open(options_, meta(), &db, &journal_, replay_all);
    EXPECT_TRUE(s.ok()) << s.ToString();
    return db;
  }

  static leveldb::Status WriteOne(RecoverableDb& db, int i) {
    leveldb::WriteBatch batch;
    batch.Put(absl::StrCat("k/", i), absl::StrCat("value ", i));
    batch.Put(absl::StrCat("b/", i), Blob(i));
    leveldb::WriteOptions sync;
    sync.sync = true;
    return db.Write(sync, &batch);
  }

  static void ExpectAll(RecoverableDb& db, int n) {
    for (int i = 0; i < n; ++i) {
      std::string v;
      ASSERT_TRUE(db.Get({}, absl::StrCat("k/", i), &v).ok()) << i;
      EXPECT_EQ(v, absl::StrCat("value ", i));
      leveldb::Status s = db.Get({}, absl::StrCat("b/", i), &v);
      ASSERT_TRUE(s.ok()) << i << ": " << s.ToString();
      EXPECT_EQ(v, Blob(i)) << i;
    }
  }

  std::string meta() const { return dir_.path() + "/meta"; }

  ScopedTempDir dir_;
  FaultPlan plan_;
  FaultyLevelDbEnv leveldb_env_;
  FaultyEnv env_;
  leveldb::Options options_;
  JournalOptions journal_;
};

TEST_F(JournaledStoreTest, SyncedWritesSurviveAPowerCutThatLosesLevelDbs) {
  constexpr int kWrites = 60;
  {
    auto db = Open();
    for (int i = 0; i < kWrites; ++i) ASSERT_TRUE(WriteOne(*db, i).ok()) << i;
    ExpectAll(*db, kWrites);
  }
  // LevelDB's own log was never synced for these writes; the journal was.
  plan_.DropUnsyncedData();
  auto db = Open();
  ExpectAll(*db, kWrites);
  // 60 records of ~1 KB in 16 KiB segments: several, with the marker moved.
  int segments = 0;
  for (const auto& e : std::filesystem::directory_iterator(journal_.dir)) {
    segments += e.path().extension() == ".jnl";
  }
  EXPECT_GE(segments, 3);
}

TEST_F(JournaledStoreTest, SeparatedValuesAreKeptInTheJournalBehindAPointer) {
  auto db = Open();
  ASSERT_TRUE(WriteOne(*db, 7).ok());
  std::unique_ptr<leveldb::Iterator> it(db->NewIterator({}));
  int raw = 0, pointers = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    raw += it->key().starts_with("b/");
    if (it->key().starts_with("v/")) {
      ++pointers;
      EXPECT_EQ(it->value().size(), 24u);
    }
  }
  EXPECT_EQ(raw, 0);
  EXPECT_EQ(pointers, 1);
  std::string v;
  ASSERT_TRUE(db->Get({}, "b/7", &v).ok());
  EXPECT_EQ(v, Blob(7));
  // An unsynced write is not journaled and keeps its value in LevelDB.
  ASSERT_TRUE(db->Put({}, "b/plain", "inline bytes").ok());
  ASSERT_TRUE(db->Get({}, "b/plain", &v).ok());
  EXPECT_EQ(v, "inline bytes");
}

TEST_F(JournaledStoreTest, ARepairBringsBackEveryRecordOfTheJournal) {
  constexpr int kWrites = 40;
  {
    auto db = Open();
    for (int i = 0; i < kWrites; ++i) ASSERT_TRUE(WriteOne(*db, i).ok());
  }
  // The whole LevelDB directory is lost; its repair finds nothing.
  std::filesystem::remove_all(meta());
  std::filesystem::create_directories(meta());
  ASSERT_TRUE(leveldb::RepairDB(meta(), options_).ok());
  auto db = Open(/*replay_all=*/true);
  ExpectAll(*db, kWrites);
}

TEST_F(JournaledStoreTest, AFailedJournalSyncRefusesWritesUntilAReopen) {
  auto db = Open();
  ASSERT_TRUE(WriteOne(*db, 0).ok());
  plan_.FailNth(FileOp::kSync, 1);
  EXPECT_FALSE(WriteOne(*db, 1).ok());
  EXPECT_FALSE(db->write_failure().ok());
  EXPECT_FALSE(WriteOne(*db, 2).ok()) << "refused without touching the store";
  ASSERT_TRUE(db->Reopen().ok());
  // The record whose sync failed was written whole: it is kept as a whole.
  ExpectAll(*db, 2);
  ASSERT_TRUE(WriteOne(*db, 2).ok());
  ExpectAll(*db, 3);
}

TEST_F(JournaledStoreTest, AFailedJournalAppendLeavesNothingAndWritesResume) {
  auto db = Open();
  ASSERT_TRUE(WriteOne(*db, 0).ok());
  plan_.FailNth(FileOp::kAppend, 2);  // the payload, after its header
  EXPECT_FALSE(WriteOne(*db, 1).ok());
  ASSERT_TRUE(db->Reopen().ok());
  std::string v;
  EXPECT_TRUE(db->Get({}, "k/1", &v).IsNotFound());
  ASSERT_TRUE(WriteOne(*db, 1).ok());
  ExpectAll(*db, 2);
  db.reset();
  plan_.DropUnsyncedData();
  auto again = Open();
  ExpectAll(*again, 2);
}

TEST_F(JournaledStoreTest,
       AFailedSegmentRollRefusesLaterWritesNotTheDurableOne) {
  // Each run fails the nth file created after the first write: the files a
  // segment roll creates (LevelDB's new log and table, the next segment) are
  // among them. A write whose record was synced must return OK even when the
  // roll after it fails, and every write that returned OK must survive a
  // power cut.
  bool roll_failed_after_a_durable_write = false;
  for (int n = 1; n <= 6; ++n) {
    std::filesystem::remove_all(meta());
    std::filesystem::remove_all(journal_.dir);
    plan_.FailNth(FileOp::kCreate, 0);
    auto db = Open();
    ASSERT_NE(db, nullptr);
    ASSERT_TRUE(WriteOne(*db, 0).ok());
    plan_.FailNth(FileOp::kCreate, n);
    int acknowledged = 1;  // writes [0, acknowledged) returned OK
    while (acknowledged < 60 && WriteOne(*db, acknowledged).ok()) {
      ++acknowledged;
      if (!db->write_failure().ok()) {
        roll_failed_after_a_durable_write = true;
        EXPECT_FALSE(WriteOne(*db, acknowledged).ok())
            << "fault " << n << ": a write after a failed roll was accepted";
        break;
      }
    }
    db.reset();
    plan_.DropUnsyncedData();  // and the power is cut
    plan_.FailNth(FileOp::kCreate, 0);
    db = Open();
    ASSERT_NE(db, nullptr) << "fault " << n;
    ExpectAll(*db, acknowledged);
  }
  EXPECT_TRUE(roll_failed_after_a_durable_write)
      << "no fault point failed a segment roll";
}

}  // namespace
}  // namespace archive
