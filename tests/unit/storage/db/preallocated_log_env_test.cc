// The metadata store's preallocated logs (storage/db/preallocated_log_env.h):
// appends overwrite zeros in place; a store killed at any byte of its log
// opens, with paranoid checks, holding every write that was synced and a
// prefix of the others; a damaged record is still reported, not dropped.
#include "storage/db/preallocated_log_env.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "leveldb/db.h"
#include "tests/unit/storage/db/storage_test_util.h"

namespace archive {
namespace {

using testing_util::ReadWholeFile;
using testing_util::ScopedTempDir;
using testing_util::WriteWholeFile;

constexpr uint64_t kChunk = 64 << 10;  // small, so the log grows by chunks

class PreallocatedLogTest : public ::testing::Test {
 protected:
  leveldb::Options Options() {
    leveldb::Options o;
    o.create_if_missing = true;
    o.paranoid_checks = true;
    o.env = &env_;
    return o;
  }

  std::unique_ptr<leveldb::DB> OpenDb(const std::string& dir,
                                      leveldb::Options o) {
    leveldb::DB* db = nullptr;
    leveldb::Status s = leveldb::DB::Open(o, dir, &db);
    EXPECT_TRUE(s.ok()) << dir << ": " << s.ToString();
    return std::unique_ptr<leveldb::DB>(db);
  }

  // The one log in `dir`.
  static std::string LogIn(const std::string& dir) {
    std::vector<std::string> logs;
    for (const auto& e : std::filesystem::directory_iterator(dir)) {
      if (PreallocatedLogEnv::IsLog(e.path().string())) {
        logs.push_back(e.path().string());
      }
    }
    EXPECT_EQ(logs.size(), 1u) << dir;
    return logs.empty() ? "" : logs.front();
  }

  // Just past the last non-zero byte: a write is wholly in the file once
  // the file's bytes up to here are (its own may end in zeros).
  static uint64_t DataEnd(const std::string& bytes) {
    uint64_t end = bytes.size();
    while (end > 0 && bytes[end - 1] == 0) --end;
    return end;
  }

  // Value i: sizes from a few bytes to three log blocks, so records are
  // whole, first/middle/last fragments; every third ends in zero bytes.
  static std::string Value(int i) {
    std::string v(static_cast<size_t>((i * 7919) % 70000 + 5), 'a' + i % 26);
    if (i % 3 == 0) v.append(std::string(3, '\0'));
    return v;
  }

  leveldb::Env* base_ = leveldb::Env::Default();
  PreallocatedLogEnv env_{base_, kChunk};
  ScopedTempDir tmp_;
};

TEST_F(PreallocatedLogTest, SyncedAppendsOverwriteZerosWithoutGrowingTheFile) {
  auto db = OpenDb(tmp_.Sub("db"), Options());
  leveldb::WriteOptions sync;
  sync.sync = true;
  ASSERT_TRUE(db->Put(sync, "first", "x").ok());
  const std::string log = LogIn(tmp_.Sub("db"));
  const uint64_t size = std::filesystem::file_size(log);
  EXPECT_GT(size, kChunk);
  for (int i = 0; i < 50; ++i) {
    ASSERT_TRUE(
        db->Put(sync, absl::StrCat("k", i), std::string(500, 'v')).ok());
  }
  EXPECT_EQ(std::filesystem::file_size(log), size);
  db.reset();
  db = OpenDb(tmp_.Sub("db"), Options());
  std::string v;
  ASSERT_TRUE(db->Get(leveldb::ReadOptions(), "k49", &v).ok());
  EXPECT_EQ(v, std::string(500, 'v'));
}

// The crash of a killed process: the log holds a prefix of what was written,
// then zeros. Cuts near every write's end and every 4099th byte are tried.
TEST_F(PreallocatedLogTest, KilledAtAnyByteOpensWithEverySyncedWrite) {
  const std::string dir = tmp_.Sub("db");
  std::vector<uint64_t> synced_end;  // after write i
  constexpr int kWrites = 30;
  {
    auto db = OpenDb(dir, Options());
    leveldb::WriteOptions sync;
    sync.sync = true;
    for (int i = 0; i < kWrites; ++i) {
      ASSERT_TRUE(db->Put(sync, absl::StrCat("key", 100 + i), Value(i)).ok());
      synced_end.push_back(DataEnd(ReadWholeFile(LogIn(dir))));
    }
  }
  const std::string log = LogIn(dir);
  const std::string bytes = ReadWholeFile(log);
  std::set<uint64_t> cuts = {0, 1, 7, bytes.size()};
  for (uint64_t end : synced_end) {
    for (uint64_t d : {0, 1, 2, 5, 6, 7, 8, 100}) {
      if (end >= d) cuts.insert(end - d);
    }
    cuts.insert(end + 1);
  }
  for (uint64_t c = 0; c < synced_end.back(); c += 4099) cuts.insert(c);

  for (uint64_t cut : cuts) {
    SCOPED_TRACE(absl::StrCat("log cut at byte ", cut));
    ScopedTempDir image;
    const std::string copy = image.Sub("db");
    std::filesystem::copy(dir, copy);
    std::string killed = bytes.substr(0, cut);
    killed.resize(bytes.size(), '\0');
    WriteWholeFile(copy + "/" + std::filesystem::path(log).filename().string(),
                   killed);
    auto db = OpenDb(copy, Options());
    ASSERT_NE(db, nullptr);
    bool gap = false;  // the writes found are a prefix of those made
    for (int i = 0; i < kWrites; ++i) {
      std::string v;
      leveldb::Status s =
          db->Get(leveldb::ReadOptions(), absl::StrCat("key", 100 + i), &v);
      if (synced_end[i] <= cut) {
        ASSERT_TRUE(s.ok()) << "write " << i << " lost";
      }
      if (s.ok()) {
        EXPECT_FALSE(gap) << "write " << i << " found after a missing one";
        EXPECT_EQ(v, Value(i));
      } else {
        EXPECT_TRUE(s.IsNotFound()) << s.ToString();
        gap = true;
      }
    }
  }
}

// A record damaged after it was written (not cut short) is not taken for a
// crash's leftovers, wherever it is: the store reports it, as LevelDB does.
TEST_F(PreallocatedLogTest, DamagedRecordIsReportedNotDropped) {
  const std::string dir = tmp_.Sub("db");
  std::vector<uint64_t> ends;
  {
    auto db = OpenDb(dir, Options());
    leveldb::WriteOptions sync;
    sync.sync = true;
    for (int i = 0; i < 3; ++i) {
      ASSERT_TRUE(
          db->Put(sync, absl::StrCat("key", i), "value ends in x").ok());
      ends.push_back(DataEnd(ReadWholeFile(LogIn(dir))));
    }
  }
  const std::string log = LogIn(dir);
  const std::string bytes = ReadWholeFile(log);
  for (uint64_t at : {ends[0] - 3, ends[2] - 3}) {
    SCOPED_TRACE(absl::StrCat("byte ", at, " flipped"));
    std::string damaged = bytes;
    damaged[at] ^= 0x20;
    WriteWholeFile(log, damaged);
    leveldb::DB* db = nullptr;
    leveldb::Status s = leveldb::DB::Open(Options(), dir, &db);
    delete db;
    EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  }
}

TEST_F(PreallocatedLogTest, ReusedLogsAndNewMemtablesKeepEveryWrite) {
  const std::string dir = tmp_.Sub("db");
  leveldb::Options o = Options();
  o.reuse_logs = true;  // refused for preallocated logs: a new one is made
  o.write_buffer_size = 100 << 10;  // several logs, each past a chunk
  leveldb::WriteOptions sync;
  sync.sync = true;
  for (int round = 0; round < 3; ++round) {
    auto db = OpenDb(dir, o);
    ASSERT_NE(db, nullptr);
    for (int i = 0; i < 60; ++i) {
      ASSERT_TRUE(
          db->Put(sync, absl::StrCat("r", round, "k", i), Value(i)).ok());
    }
  }
  auto db = OpenDb(dir, o);
  ASSERT_NE(db, nullptr);
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < 60; ++i) {
      std::string v;
      ASSERT_TRUE(
          db->Get(leveldb::ReadOptions(), absl::StrCat("r", round, "k", i), &v)
              .ok());
      EXPECT_EQ(v, Value(i));
    }
  }
}

}  // namespace
}  // namespace archive
