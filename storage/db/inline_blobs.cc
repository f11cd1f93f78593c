#include "storage/db/inline_blobs.h"

#include "absl/strings/str_cat.h"
#include "storage/db/leveldb_status.h"

namespace archive {
namespace {

std::string KeyFor(absl::string_view sha256_hex) {
  return absl::StrCat(InlineBlobs::kPrefix, sha256_hex);
}

leveldb::Slice ToSlice(absl::string_view s) {
  return leveldb::Slice(s.data(), s.size());
}

}  // namespace

absl::StatusOr<std::string> InlineBlobs::Get(
    absl::string_view sha256_hex) const {
  std::string value;
  // Blob values would crowd the metadata (revisions, log nodes) out of the
  // block cache; the kernel's page cache keeps recently read ones anyway.
  leveldb::ReadOptions read;
  read.fill_cache = false;
  leveldb::Status s = db_->Get(read, KeyFor(sha256_hex), &value);
  if (s.ok()) return value;
  if (s.IsNotFound()) {
    return absl::NotFoundError(absl::StrCat("no inline blob ", sha256_hex));
  }
  return FromLevelDb(s,
                     absl::StrCat("blob ", sha256_hex,
                                  " cannot be read from the metadata store"));
}

void InlineBlobs::Stage(absl::string_view sha256_hex, absl::string_view bytes,
                        leveldb::WriteBatch* batch) {
  batch->Put(KeyFor(sha256_hex), ToSlice(bytes));
}

absl::Status InlineBlobs::PutDurable(absl::string_view sha256_hex,
                                     absl::string_view bytes) {
  leveldb::WriteOptions sync;
  sync.sync = true;
  leveldb::Status s = db_->Put(sync, KeyFor(sha256_hex), ToSlice(bytes));
  return FromLevelDb(
      s, absl::StrCat("storing blob ", sha256_hex, " in the metadata store"));
}

}  // namespace archive
