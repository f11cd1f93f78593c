// LevelDB's statuses as the archive's (internal to storage/: db and index).
#ifndef ARCHIVE_STORAGE_DB_LEVELDB_STATUS_H_
#define ARCHIVE_STORAGE_DB_LEVELDB_STATUS_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "leveldb/status.h"

namespace archive {

// NOT_FOUND, DATA_LOSS for corruption, RESOURCE_EXHAUSTED when the disk is
// full (IsDiskFull holds), INTERNAL otherwise; the message keeps LevelDB's.
absl::Status FromLevelDb(const leveldb::Status& s);
// The same, with the message "<context>: <LevelDB's words>", for a caller that
// knows what it was reading or writing. The one conversion storage/ uses, so a
// full disk is RESOURCE_EXHAUSTED (DISK_FULL to clients) and corruption
// DATA_LOSS wherever LevelDB reports them.
absl::Status FromLevelDb(const leveldb::Status& s, absl::string_view context);

// Why the store at `path` did not open, with the fix: a lock held by another
// process, a full disk (with the bytes free), or LevelDB's own words.
absl::Status OpenFailure(const std::string& path, const leveldb::Status& s);

}  // namespace archive

#endif  // ARCHIVE_STORAGE_DB_LEVELDB_STATUS_H_
