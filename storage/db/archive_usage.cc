// What the archive holds and whether it can write, for metrics and readiness
// (archive.h: MeasureUsage, LatestCheckpointTime, WriteHealth).
#include <sys/stat.h>

#include "absl/strings/str_cat.h"
#include "storage/db/archive.h"
#include "storage/db/leveldb_status.h"

namespace archive {

absl::StatusOr<StoreUsage> Archive::MeasureUsage() {
  StoreUsage usage;
  std::unique_ptr<leveldb::Iterator> it(
      db_->NewIterator(leveldb::ReadOptions()));
  for (it->Seek("d/"); it->Valid() && it->key().starts_with("d/"); it->Next()) {
    ++usage.documents;
  }
  const std::string inline_prefix(InlineBlobs::kPrefix);
  for (it->Seek(inline_prefix);
       it->Valid() && it->key().starts_with(inline_prefix); it->Next()) {
    usage.inline_blob_bytes += it->value().size();
  }
  // Blobs whose bytes are in the journal: their pointers say how many.
  const std::string pointer_prefix(InlineBlobs::kPointerPrefix);
  for (it->Seek(pointer_prefix);
       it->Valid() && it->key().starts_with(pointer_prefix); it->Next()) {
    auto pointer = ValuePointer::Decode(
        absl::string_view(it->value().data(), it->value().size()));
    if (pointer) usage.inline_blob_bytes += pointer->length;
  }
  if (!it->status().ok()) {
    return FromLevelDb(it->status(), "counting documents and inline blobs");
  }
  absl::Status s =
      blobs_->MeasureBackend(&usage.file_blobs, &usage.file_blob_bytes);
  if (!s.ok()) return s;
  return usage;
}

int64_t Archive::LatestCheckpointTime() {
  absl::MutexLock lock(&mu_);
  if (checkpoint_time_ != 0) return checkpoint_time_;
  // Nothing signed since the start: the record on disk says when the newest
  // checkpoint was (at most about a second after it was signed).
  struct stat st;
  if (::stat(CheckpointRecord::PathIn(options_.data_dir).c_str(), &st) == 0) {
    checkpoint_time_ = st.st_mtime;
  }
  return checkpoint_time_;
}

absl::Status Archive::WriteHealth() {
  if (auto hold = signing_hold()) return SigningHeldError(*hold);
  {
    absl::MutexLock lock(&mu_);
    if (!refused_.ok()) return refused_;
  }
  return FromLevelDb(db_->write_failure());
}

}  // namespace archive
