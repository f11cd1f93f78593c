// The journal (storage/db/journal.h): records come back in order with their
// places; a tail cut short or left as zeros ends a segment quietly; a damaged
// record with a whole one after it, or a missing segment, is DATA_LOSS; a
// failed append stops appends until a new segment.
#include "storage/db/journal.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "tests/unit/storage/db/fault_injection_env.h"
#include "tests/unit/storage/db/storage_test_util.h"

namespace archive {
namespace {

using testing_util::ReadWholeFile;
using testing_util::ScopedTempDir;
using testing_util::WriteWholeFile;

class JournalTest : public ::testing::Test {
 protected:
  std::unique_ptr<Journal> Open(uint64_t segment_bytes = 1 << 20,
                                Env* env = Env::Default()) {
    auto j = Journal::Open(env, dir_.path() + "/journal", segment_bytes);
    EXPECT_TRUE(j.ok()) << j.status();
    return j.ok() ? std::move(*j) : nullptr;
  }

  // Appends `payloads` to a new segment `segment` and syncs.
  std::vector<Journal::Record> Write(Journal& j, uint64_t segment,
                                     const std::vector<std::string>& payloads) {
    EXPECT_TRUE(j.StartSegment(segment).ok());
    std::vector<Journal::Record> out;
    for (const std::string& p : payloads) {
      auto r = j.Append(p);
      EXPECT_TRUE(r.ok()) << r.status();
      if (r.ok()) out.push_back(*r);
    }
    EXPECT_TRUE(j.Sync().ok());
    return out;
  }

  struct Seen {
    std::vector<std::string> payloads;
    std::vector<uint64_t> sequences;
  };
  absl::Status Replay(Journal& j, Seen* seen, uint64_t from = 1,
                      std::optional<uint64_t> after = std::nullopt) {
    return j.Replay(from, after, [seen](const Journal::Record& r) {
      seen->payloads.emplace_back(r.payload);
      seen->sequences.push_back(r.sequence);
      return absl::OkStatus();
    });
  }

  ScopedTempDir dir_;
};

TEST_F(JournalTest, RecordsComeBackInOrderAndValuesReadAtTheirPlace) {
  auto j = Open();
  auto written = Write(*j, 1, {"first", std::string(100000, 'x'), ""});
  ASSERT_EQ(written.size(), 3u);
  EXPECT_EQ(written[2].sequence, 3u);
  // The file is longer than its records: zeros written ahead of them.
  EXPECT_GT(std::filesystem::file_size(j->SegmentPath(1)), 100000u + 60);

  auto again = Open();
  Seen seen;
  ASSERT_TRUE(Replay(*again, &seen).ok());
  EXPECT_EQ(seen.payloads,
            (std::vector<std::string>{"first", std::string(100000, 'x'), ""}));
  EXPECT_EQ(seen.sequences, (std::vector<uint64_t>{1, 2, 3}));
  EXPECT_EQ(again->next_sequence(), 4u);
  auto value = again->Read(1, written[1].offset + 10, 5);
  ASSERT_TRUE(value.ok()) << value.status();
  EXPECT_EQ(*value, "xxxxx");
}

TEST_F(JournalTest, ARecordCutShortEndsItsSegmentQuietly) {
  auto j = Open();
  auto written = Write(*j, 1, {"one", "two", std::string(5000, 'z')});
  const std::string path = j->SegmentPath(1);
  std::string bytes = ReadWholeFile(path);
  // A kill in the middle of the last record: part of it, then zeros.
  const size_t cut = written[2].offset + 1000;
  bytes = bytes.substr(0, cut) + std::string(bytes.size() - cut, '\0');
  WriteWholeFile(path, bytes);
  Seen seen;
  ASSERT_TRUE(Replay(*Open(), &seen).ok());
  EXPECT_EQ(seen.payloads, (std::vector<std::string>{"one", "two"}));
  // And with the file ending right there.
  WriteWholeFile(path, bytes.substr(0, cut));
  Seen again;
  ASSERT_TRUE(Replay(*Open(), &again).ok());
  EXPECT_EQ(again.sequences, (std::vector<uint64_t>{1, 2}));
}

TEST_F(JournalTest, ADamagedRecordWithAWholeOneAfterItIsDataLoss) {
  auto j = Open();
  auto written = Write(*j, 1, {"one", "two", "three"});
  const std::string path = j->SegmentPath(1);
  std::string bytes = ReadWholeFile(path);
  bytes[written[1].offset] ^= 0x01;  // "two" no longer matches its CRC
  WriteWholeFile(path, bytes);
  Seen seen;
  absl::Status s = Replay(*Open(), &seen);
  EXPECT_TRUE(absl::IsDataLoss(s)) << s;
  EXPECT_NE(s.message().find(path), std::string::npos) << s;
  EXPECT_EQ(seen.payloads, (std::vector<std::string>{"one"}));
}

TEST_F(JournalTest, AMissingSegmentIsDataLossAndReadsOfItToo) {
  auto j = Open();
  Write(*j, 1, {"a", "b"});
  auto in_two = Write(*j, 2, {"c"});
  Write(*j, 3, {"d"});
  std::filesystem::remove(j->SegmentPath(2));
  Seen seen;
  absl::Status s = Replay(*Open(), &seen);
  EXPECT_TRUE(absl::IsDataLoss(s)) << s;
  EXPECT_NE(s.message().find("record 4 where record 3 was due"),
            std::string::npos)
      << s;
  auto read = Open()->Read(2, in_two[0].offset, 1);
  EXPECT_TRUE(absl::IsDataLoss(read.status())) << read.status();
}

TEST_F(JournalTest, ReplayFromAMarkerChecksTheSequenceContinues) {
  auto j = Open();
  Write(*j, 1, {"a", "b"});
  Write(*j, 2, {"c", "d"});
  Seen seen;
  ASSERT_TRUE(Replay(*Open(), &seen, 2, 2).ok());
  EXPECT_EQ(seen.payloads, (std::vector<std::string>{"c", "d"}));
  // A marker saying record 1 was the last flushed: record 2 went missing.
  Seen wrong;
  EXPECT_TRUE(absl::IsDataLoss(Replay(*Open(), &wrong, 2, 1)));
}

TEST_F(JournalTest, AppendsGoOnlyToANewSegment) {
  auto j = Open();
  Write(*j, 1, {"a"});
  absl::Status s = Open()->StartSegment(1);
  EXPECT_TRUE(absl::IsFailedPrecondition(s)) << s;
  auto last = j->LastSegment();
  ASSERT_TRUE(last.ok());
  EXPECT_EQ(*last, 1u);
}

TEST_F(JournalTest, AFailedAppendStopsAppendsUntilANewSegment) {
  testing_util::FaultPlan plan;
  testing_util::FaultyEnv env(Env::Default(), &plan);
  auto j = Open(1 << 20, &env);
  ASSERT_TRUE(j->StartSegment(1).ok());
  ASSERT_TRUE(j->Append("whole").ok());
  plan.FailNth(testing_util::FileOp::kAppend, 1);
  EXPECT_FALSE(j->Append(std::string(3000, 'h')).ok());  // half written
  EXPECT_FALSE(j->Append("after").ok());
  EXPECT_FALSE(j->Sync().ok());
  ASSERT_TRUE(j->StartSegment(2).ok());
  auto r = j->Append("after");
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_TRUE(j->Sync().ok());
  Seen seen;
  ASSERT_TRUE(Replay(*Open(), &seen).ok());
  // The half record is segment 1's end; the failed one kept its number.
  EXPECT_EQ(seen.payloads, (std::vector<std::string>{"whole", "after"}));
}

TEST_F(JournalTest, ReadsReachEverySegmentWhileFewStayOpen) {
  // More segments than the journal keeps open for reads: each read opens
  // its segment again if it was closed, so every value stays readable.
  auto open_files = [] {
    return std::distance(std::filesystem::directory_iterator("/proc/self/fd"),
                         std::filesystem::directory_iterator());
  };
  auto j = Open();
  const auto before = open_files();
  std::vector<Journal::Record> records;
  for (uint64_t n = 1; n <= 80; ++n) {
    auto written = Write(*j, n, {absl::StrCat("value in segment ", n)});
    ASSERT_EQ(written.size(), 1u);
    records.push_back(written[0]);
  }
  for (int round = 0; round < 2; ++round) {
    for (uint64_t n = 1; n <= 80; ++n) {
      const Journal::Record& r = records[n - 1];
      auto got = j->Read(n, r.offset, 17 + std::to_string(n).size());
      ASSERT_TRUE(got.ok()) << n << ": " << got.status();
      EXPECT_EQ(*got, absl::StrCat("value in segment ", n));
    }
  }
  // 64 kept open (and the segment being appended to), not 80.
  EXPECT_LE(open_files() - before, 66);
}

TEST_F(JournalTest, SegmentFullOnceItHoldsItsSize) {
  auto j = Open(/*segment_bytes=*/100);
  ASSERT_TRUE(j->StartSegment(1).ok());
  ASSERT_TRUE(j->Append(std::string(50, 'a')).ok());
  EXPECT_FALSE(j->SegmentFull());
  ASSERT_TRUE(j->Append(std::string(50, 'b')).ok());
  EXPECT_TRUE(j->SegmentFull());
}

}  // namespace
}  // namespace archive
