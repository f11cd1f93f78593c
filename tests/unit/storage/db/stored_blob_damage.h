// Damages a small content where the archive keeps it, behind the archive's
// back (the archive must be closed): in the journal if LevelDB holds a
// pointer "v/<digest>" to it (journal_batch.h), else the "b/<digest>" value.
// Shared by the unit and the integration tests of scrub, repair and tamper.
#ifndef ARCHIVE_TESTS_UNIT_STORAGE_DB_STORED_BLOB_DAMAGE_H_
#define ARCHIVE_TESTS_UNIT_STORAGE_DB_STORED_BLOB_DAMAGE_H_

#include <gtest/gtest.h>

#include <fstream>
#include <functional>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "leveldb/db.h"
#include "storage/db/inline_blobs.h"
#include "storage/db/journal.h"
#include "storage/db/journal_batch.h"

namespace archive {
namespace testing_util {

// Calls `damage` on the stored bytes of the content `sha256_hex` of the
// archive in `data_dir` and stores what it leaves. A change of length is
// stored as a shorter or longer value (in the journal: the same place, the
// pointer's length changed), as a truncated file would read.
inline void DamageStoredBlob(const std::string& data_dir,
                             const std::string& sha256_hex,
                             const std::function<void(std::string&)>& damage) {
  leveldb::DB* raw = nullptr;
  leveldb::Status s =
      leveldb::DB::Open(leveldb::Options(), data_dir + "/meta", &raw);
  ASSERT_TRUE(s.ok()) << s.ToString();
  std::unique_ptr<leveldb::DB> db(raw);
  leveldb::WriteOptions sync;
  sync.sync = true;
  const std::string key = absl::StrCat(InlineBlobs::kPrefix, sha256_hex);
  const std::string pointer_key =
      absl::StrCat(InlineBlobs::kPointerPrefix, sha256_hex);
  std::string encoded;
  if (!db->Get({}, pointer_key, &encoded).ok()) {
    std::string bytes;
    ASSERT_TRUE(db->Get({}, key, &bytes).ok()) << sha256_hex;
    damage(bytes);
    ASSERT_TRUE(db->Put(sync, key, bytes).ok());
    return;
  }
  auto pointer = ValuePointer::Decode(encoded);
  ASSERT_TRUE(pointer.has_value());
  const std::string path =
      Journal::SegmentPathIn(data_dir + "/journal", pointer->segment);
  std::fstream file(path, std::ios::in | std::ios::out | std::ios::binary);
  ASSERT_TRUE(file.good()) << path;
  std::string bytes(pointer->length, '\0');
  file.seekg(static_cast<std::streamoff>(pointer->offset));
  file.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  damage(bytes);
  file.seekp(static_cast<std::streamoff>(pointer->offset));
  file.write(bytes.data(), static_cast<std::streamsize>(std::min<size_t>(
                               bytes.size(), pointer->length)));
  ASSERT_TRUE(file.good()) << path;
  if (bytes.size() != pointer->length) {
    pointer->length = bytes.size();
    ASSERT_TRUE(db->Put(sync, pointer_key, pointer->Encode()).ok());
  }
}

}  // namespace testing_util
}  // namespace archive

#endif  // ARCHIVE_TESTS_UNIT_STORAGE_DB_STORED_BLOB_DAMAGE_H_
