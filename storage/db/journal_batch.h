// How a LevelDB write becomes a journal record (journal.h), and how a record
// is applied to LevelDB, with its large values left in the journal.
//
// Payload: the batch's operations in order, each
//   type (1 put, 2 delete) | key length (4) | key | value length (4) | value
// (a delete has no value part); integers little-endian.
//
// Value separation: a put whose key starts with `prefix` (the inline blobs'
// "b/") is applied to LevelDB as a put of `pointer_prefix` + the rest of the
// key ("v/<digest>"), whose value is a ValuePointer to the value's bytes
// inside the record. The bytes are then written once, in the journal, and
// LevelDB's compactions move 24 bytes instead. A delete of such a key
// deletes both keys.
#ifndef ARCHIVE_STORAGE_DB_JOURNAL_BATCH_H_
#define ARCHIVE_STORAGE_DB_JOURNAL_BATCH_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "leveldb/write_batch.h"
#include "storage/db/journal.h"

namespace archive {

struct ValueSeparation {
  std::string prefix;
  std::string pointer_prefix;
  // The pointer's key for `key`, or nullopt if its values stay in LevelDB.
  std::optional<std::string> PointerKey(absl::string_view key) const;
};

// Where a separated value's bytes are: segment, offset, length.
struct ValuePointer {
  uint64_t segment = 0;
  uint64_t offset = 0;
  uint64_t length = 0;
  std::string Encode() const;
  // nullopt unless `encoded` is exactly one pointer.
  static std::optional<ValuePointer> Decode(absl::string_view encoded);
};

// The journal payload for `batch` (which is not changed).
std::string EncodeJournalPayload(const leveldb::WriteBatch& batch);

// The LevelDB batch that applies `record` (a payload EncodeJournalPayload
// made, at its place in the journal). DATA_LOSS if the payload does not
// parse (a record whose CRC matched, so a bug or a foreign journal).
absl::Status ApplicationOf(const Journal::Record& record,
                           const ValueSeparation& separation,
                           leveldb::WriteBatch* out);

}  // namespace archive

#endif  // ARCHIVE_STORAGE_DB_JOURNAL_BATCH_H_
