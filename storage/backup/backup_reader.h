// Reads and checks a backup directory (backup_layout.h) before anything is
// restored from it: every file in the manifest re-hashed, every content the
// log names present, the log's entries re-hashed into the root of the
// checkpoint, and the checkpoint signed by the key the caller trusts (the
// restored archive's own).
//
// Thread-safety: a reader is immutable after Open; its methods may be called
// from any thread. Errors: NOT_FOUND if the directory holds no finished
// backup; DATA_LOSS naming the first file or entry that fails a check;
// UNAUTHENTICATED if the checkpoint is not signed by `key`.
#ifndef ARCHIVE_STORAGE_BACKUP_BACKUP_READER_H_
#define ARCHIVE_STORAGE_BACKUP_BACKUP_READER_H_

#include <functional>
#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "storage/backup/backup_layout.h"
#include "storage/base/env.h"
#include "storage/verify/note_verifier.h"

namespace archive {

class BackupReader {
 public:
  // `env` is not owned and must outlive the reader.
  static absl::StatusOr<BackupReader> Open(Env* env, const std::string& dir,
                                           const VerifierKey& key);

  const BackupInfo& info() const { return info_; }
  const std::string& checkpoint_note() const { return checkpoint_note_; }
  // Every content: digest -> size.
  const std::map<std::string, uint64_t>& blobs() const { return blobs_; }
  std::string BlobPath(const std::string& sha256_hex) const {
    return dir_ + "/" + BackupBlobPath(sha256_hex);
  }
  // Calls `entry` with each signed statement in log order; stops at the first
  // error it returns.
  absl::Status ForEachEntry(
      const std::function<absl::Status(std::string signed_statement)>& entry)
      const;

 private:
  BackupReader(Env* env, std::string dir) : env_(env), dir_(std::move(dir)) {}
  absl::Status CheckManifest();
  absl::Status CheckLog();

  Env* env_;
  std::string dir_;
  BackupInfo info_;
  std::string checkpoint_note_;
  std::string root_;                             // the checkpoint's
  std::map<std::string, std::string> manifest_;  // path -> hex
  std::map<std::string, uint64_t> blobs_;
};

}  // namespace archive

#endif  // ARCHIVE_STORAGE_BACKUP_BACKUP_READER_H_
