// archived --restore_from=BACKUP: builds the data directory of an archive from
// a backup (storage/backup) taken of it, with the archive's own key, which
// the operator copies into DATA_DIR/keys/ from the key backup first.
//
// The backup is checked whole before anything is written (backup_reader.h);
// then the hold (signing_hold.h) is placed, the contents stored and the
// entries imported verbatim in log order, so the restored log has the same
// leaves, size and root as the backup's checkpoint, which is checked at the
// end. An interrupted restore can be run again on the same directory: entries
// already there are kept, and the hold stays until the operator lifts it.
//
// Errors: FAILED_PRECONDITION when DATA_DIR/keys/ is missing, or DATA_DIR holds
// an archive that is not an interrupted restore; the reader's (NOT_FOUND,
// DATA_LOSS, UNAUTHENTICATED) for a backup that fails its checks; DATA_LOSS
// if the restored log does not end at the backup's checkpoint.
#ifndef ARCHIVE_STORAGE_DB_RESTORE_FROM_BACKUP_H_
#define ARCHIVE_STORAGE_DB_RESTORE_FROM_BACKUP_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "storage/db/archive.h"

namespace archive {

struct RestoreSummary {
  uint64_t entries = 0;
  uint64_t blobs = 0;
  uint64_t blob_bytes = 0;
  std::string checkpoint_note;
};

absl::StatusOr<RestoreSummary> RestoreFromBackup(const std::string& backup_dir,
                                                 const ArchiveOptions& options);

}  // namespace archive

#endif  // ARCHIVE_STORAGE_DB_RESTORE_FROM_BACKUP_H_
