// Small blobs kept inside the metadata store, so that a small put's content is
// written in the same atomic, fsynced LevelDB batch as its revision: one
// durability barrier per batch of concurrent puts, where a file per blob costs
// a temp file, its fsync, a rename and directory fsyncs per put
// (bench/PROFILE.md).
//
// Contracts:
//  - Key "b/<64 lowercase hex>" reads as exactly the content's bytes (held by
//    LevelDB, or in the journal, see kPointerPrefix). Nothing here
//    vouches for them: BlobStore re-hashes them on every read, as it does
//    files, so a damaged value is reported (DATA_LOSS), never served.
//  - Only contents of at most max_bytes() live here; larger ones are files.
//  - Stage() adds a blob to the caller's batch: it is durable exactly when that
//    batch is (written with sync=true). PutDurable() writes one on its own.
#ifndef ARCHIVE_STORAGE_DB_INLINE_BLOBS_H_
#define ARCHIVE_STORAGE_DB_INLINE_BLOBS_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "leveldb/db.h"
#include "leveldb/write_batch.h"
#include "storage/db/journal_batch.h"

namespace archive {

class InlineBlobs {
 public:
  // `db` must outlive this object.
  InlineBlobs(leveldb::DB* db, uint64_t max_bytes)
      : db_(db), max_bytes_(max_bytes) {}

  uint64_t max_bytes() const { return max_bytes_; }
  bool Fits(uint64_t size) const { return size <= max_bytes_; }

  // The stored bytes, unverified. NOT_FOUND if absent; DATA_LOSS if LevelDB
  // reports corruption.
  absl::StatusOr<std::string> Get(absl::string_view sha256_hex) const;

  static void Stage(absl::string_view sha256_hex, absl::string_view bytes,
                    leveldb::WriteBatch* batch);
  // One synced write of its own (e.g. a blob repaired from a peer).
  absl::Status PutDurable(absl::string_view sha256_hex,
                          absl::string_view bytes);

  // Every key starts with this; the blobs sort as one range of the store.
  static constexpr absl::string_view kPrefix = "b/";
  // With the store's journal, a blob's bytes stay in the journal and LevelDB
  // holds "v/<digest>", a pointer to them (journal_batch.h); Get finds
  // either. Blobs written before the journal keep their "b/" values.
  static constexpr absl::string_view kPointerPrefix = "v/";
  static ValueSeparation Separation() {
    return ValueSeparation{std::string(kPrefix), std::string(kPointerPrefix)};
  }

 private:
  leveldb::DB* db_;
  uint64_t max_bytes_;
};

}  // namespace archive

#endif  // ARCHIVE_STORAGE_DB_INLINE_BLOBS_H_
