// The layout of a backup directory, shared by its writer (archivectl backup)
// and its reader (archived --restore_from): plain files an operator can check
// with coreutils alone (`sha256sum -c manifest-sha256.txt`).
//
//   backup-info.txt      origin, log size, root, when, what it holds; written
//                        last, and the directory itself renamed into place
//                        after it, so only a finished backup has either
//   checkpoint           the archive's signed checkpoint the backup is of
//   log                  every log entry in order: 4-byte big-endian length,
//                        then the signed statement (its text is the leaf)
//   blobs/ab/abcd...     each content, named by its SHA-256
//   manifest-sha256.txt  "<sha256>  <path>" for every file above but the info
//
// No private key: keys/ is backed up apart (README, "Backup and restore").
#ifndef ARCHIVE_STORAGE_BACKUP_BACKUP_LAYOUT_H_
#define ARCHIVE_STORAGE_BACKUP_BACKUP_LAYOUT_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace archive {

inline constexpr char kBackupInfoFile[] = "backup-info.txt";
inline constexpr char kBackupCheckpointFile[] = "checkpoint";
inline constexpr char kBackupLogFile[] = "log";
inline constexpr char kBackupManifestFile[] = "manifest-sha256.txt";
inline constexpr char kBackupFormat[] = "policy-archive-backup 1";

// What backup-info.txt says.
struct BackupInfo {
  std::string origin;
  uint64_t log_size = 0;
  std::string root;     // 32 raw bytes
  std::string created;  // RFC 3339, UTC
  uint64_t blobs = 0;
  uint64_t blob_bytes = 0;
};

std::string EncodeBackupInfo(const BackupInfo& info);
// INVALID_ARGUMENT naming the line or the missing field.
absl::StatusOr<BackupInfo> DecodeBackupInfo(absl::string_view text);

// "blobs/ab/<hex>", relative to the backup directory.
std::string BackupBlobPath(absl::string_view sha256_hex);

// One log record: the length prefix and the signed statement.
std::string FrameLogEntry(absl::string_view signed_statement);

}  // namespace archive

#endif  // ARCHIVE_STORAGE_BACKUP_BACKUP_LAYOUT_H_
