// The last scrub's record: encoded and decoded field by field, kept by the
// archive across a reopen, replaced by the next scrub, and a damaged record is
// reported rather than read as "clean".
#include "storage/db/scrub_record.h"

#include <gtest/gtest.h>

#include "storage/db/archive.h"
#include "tests/unit/storage/db/storage_test_util.h"

namespace archive {
namespace {

using testing_util::ScopedTempDir;

ScrubRecord Sample() {
  ScrubRecord r;
  r.started_at = 1764477600;
  r.finished_at = 1764477612;
  r.revisions_checked = 36;
  r.blobs_checked = 18;
  r.bytes_checked = 1234567;
  r.damaged_blobs = 2;
  r.repaired_blobs = 1;
  r.log_problems = 0;
  return r;
}

// The encoding names every field, so equal encodings mean equal records.
void ExpectSame(const ScrubRecord& a, const ScrubRecord& b) {
  EXPECT_EQ(EncodeScrubRecord(a), EncodeScrubRecord(b));
}

TEST(ScrubRecord, RoundTripsEveryField) {
  auto decoded = DecodeScrubRecord(EncodeScrubRecord(Sample()));
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  ExpectSame(*decoded, Sample());
  EXPECT_EQ(decoded->bytes_checked, 1234567u);
  EXPECT_EQ(decoded->started_at, 1764477600);
  EXPECT_FALSE(decoded->clean()) << "one damaged blob was not repaired";
}

TEST(ScrubRecord, CleanMeansNothingLeftWrong) {
  ScrubRecord r = Sample();
  r.repaired_blobs = r.damaged_blobs;
  EXPECT_TRUE(r.clean());
  r.log_problems = 1;
  EXPECT_FALSE(r.clean());
}

TEST(ScrubRecord, DamagedRecordIsDataLoss) {
  std::string text = EncodeScrubRecord(Sample());
  std::string no_field = text.substr(text.find('\n') + 1);
  EXPECT_TRUE(absl::IsDataLoss(DecodeScrubRecord(no_field).status()));
  std::string garbled = text;
  garbled[garbled.find("36")] = 'x';
  auto bad = DecodeScrubRecord(garbled);
  EXPECT_TRUE(absl::IsDataLoss(bad.status()));
  EXPECT_NE(bad.status().message().find("revisions-checked"), std::string::npos)
      << bad.status();
  // Fields a later version adds are skipped.
  EXPECT_TRUE(DecodeScrubRecord(text + "future-field 7\n").ok());
}

TEST(ArchiveScrubRecord, NeverScrubbedThenKeptAcrossReopenAndReplaced) {
  ScopedTempDir tmp;
  ArchiveOptions options;
  options.data_dir = tmp.Sub("data");
  options.origin = "scrub.archive.test";
  auto archive = Archive::Open(options);
  ASSERT_TRUE(archive.ok()) << archive.status();
  auto none = (*archive)->LastScrub();
  ASSERT_TRUE(none.ok()) << none.status();
  EXPECT_FALSE(none->has_value());

  ASSERT_TRUE((*archive)->RecordScrub(Sample()).ok());
  archive->reset();
  archive = Archive::Open(options);
  ASSERT_TRUE(archive.ok()) << archive.status();
  auto kept = (*archive)->LastScrub();
  ASSERT_TRUE(kept.ok() && kept->has_value()) << kept.status();
  ExpectSame(**kept, Sample());

  ScrubRecord next = Sample();
  next.finished_at += 3600;
  next.damaged_blobs = 0;
  next.repaired_blobs = 0;
  ASSERT_TRUE((*archive)->RecordScrub(next).ok());
  auto latest = (*archive)->LastScrub();
  ASSERT_TRUE(latest.ok() && latest->has_value());
  ExpectSame(**latest, next);
}

}  // namespace
}  // namespace archive
