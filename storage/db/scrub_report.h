// What Archive::Scrub found: every kind of damage it can name, so scrub's
// repair (services/sync) and its report (archivectl scrub) know what to fix
// and from where.
#ifndef ARCHIVE_STORAGE_DB_SCRUB_REPORT_H_
#define ARCHIVE_STORAGE_DB_SCRUB_REPORT_H_

#include <cstdint>
#include <string>
#include <vector>

namespace archive {

struct DamagedBlob {
  std::string sha256;
  uint64_t size = 0;
  std::string problem;
  std::vector<std::string> documents;  // documents with a revision using it
};

// A log entry whose revision record cannot be read (a damaged table block):
// the log still names the revision, so an intact copy of its signed statement
// (a peer's) can restore it (Archive::RestoreRevisionRecord).
struct DamagedRecord {
  uint64_t leaf_index = 0;
  std::string revision_id;
  std::string problem;
};

struct ScrubReport {
  uint64_t revisions_checked = 0;
  uint64_t blobs_checked = 0;
  uint64_t bytes_checked = 0;
  std::vector<DamagedBlob> damaged;
  std::vector<DamagedRecord> damaged_records;
  // Unreadable blocks of the store, as LevelDB names them (the records they
  // hold that scrub can name are in damaged_records).
  std::vector<std::string> damaged_blocks;
  // Everything else that fails: records that do not parse, leaves that do
  // not match their statement, a root that differs from the checkpoint.
  std::vector<std::string> log_problems;
};

}  // namespace archive

#endif  // ARCHIVE_STORAGE_DB_SCRUB_REPORT_H_
