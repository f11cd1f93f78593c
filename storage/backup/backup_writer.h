// Writes a backup directory (backup_layout.h) from what the caller streams
// in: log entries in order, then each content, then the checkpoint. Every
// file is hashed as it is written for the manifest, and a content whose bytes
// do not hash to its digest is refused. Everything is written into DIR.partial
// and synced; Finish renames it to DIR, so an interrupted backup never looks
// complete (the next run removes the leftover DIR.partial).
//
// The writer checks bytes, not meaning: the caller checks that the entries
// form the checkpoint's tree (MerkleRootBuilder) before calling Finish.
//
// Thread-safety: not thread-safe. Errors: the Env's (RESOURCE_EXHAUSTED when
// the disk is full), FAILED_PRECONDITION if DIR exists, DATA_LOSS for a
// content that does not match its digest.
#ifndef ARCHIVE_STORAGE_BACKUP_BACKUP_WRITER_H_
#define ARCHIVE_STORAGE_BACKUP_BACKUP_WRITER_H_

#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "storage/backup/backup_layout.h"
#include "storage/base/env.h"
#include "storage/base/sha256.h"

namespace archive {

class BackupWriter {
 public:
  // `env` is not owned and must outlive the writer.
  static absl::StatusOr<std::unique_ptr<BackupWriter>> Create(
      Env* env, const std::string& dir);
  ~BackupWriter();

  const std::string& partial_dir() const { return partial_; }

  // Appends the next log entry (entries must come in log order).
  absl::Status AddEntry(absl::string_view signed_statement);
  uint64_t entries() const { return entries_; }

  // One content being written; Finish checks it and makes it part of the
  // backup.
  class Blob {
   public:
    absl::Status Append(absl::string_view data);
    // DATA_LOSS (and the file removed) unless exactly `size` bytes hashing to
    // the digest were appended.
    absl::Status Finish();

   private:
    friend class BackupWriter;
    Blob(BackupWriter* owner, std::string hex, uint64_t size,
         std::unique_ptr<WritableFile> file)
        : owner_(owner),
          hex_(std::move(hex)),
          size_(size),
          file_(std::move(file)) {}
    BackupWriter* owner_;
    std::string hex_;
    uint64_t size_;
    uint64_t written_ = 0;
    std::unique_ptr<WritableFile> file_;
    Sha256 hash_;
  };
  bool HasBlob(const std::string& sha256_hex) const {
    return blobs_.count(sha256_hex) > 0;
  }
  absl::StatusOr<std::unique_ptr<Blob>> NewBlob(const std::string& sha256_hex,
                                                uint64_t size);

  // Writes the checkpoint, the manifest and the info (whose counts this
  // fills in), syncs everything and renames DIR.partial to DIR.
  absl::Status Finish(const std::string& checkpoint_note, BackupInfo info);

 private:
  BackupWriter(Env* env, std::string dir, std::string partial)
      : env_(env), dir_(std::move(dir)), partial_(std::move(partial)) {}
  absl::Status WriteWholeFile(const std::string& name, absl::string_view data);
  void Listed(std::string path, std::string sha256_hex);

  Env* env_;
  std::string dir_, partial_;
  std::unique_ptr<WritableFile> log_;
  Sha256 log_hash_;
  uint64_t entries_ = 0;
  std::set<std::string> blobs_;
  std::set<std::string> blob_dirs_;
  uint64_t blob_bytes_ = 0;
  std::vector<std::pair<std::string, std::string>> manifest_;  // path, hex
};

}  // namespace archive

#endif  // ARCHIVE_STORAGE_BACKUP_BACKUP_WRITER_H_
