// The outcome of the archive's last scrub, kept durably so that a four-property
// check (archivectl check) can say when the archive was last scrubbed and what
// that scrub found, across restarts. Written once per scrub (after any
// repairs), read on demand.
//
// Encoding (a value in the metadata store): one "key value" line per field, in
// the order below, e.g.
//   started-at 1764477600
//   finished-at 1764477612
//   revisions-checked 36
//   ...
// Unknown keys are ignored when decoding, so later versions may add fields.
#ifndef ARCHIVE_STORAGE_DB_SCRUB_RECORD_H_
#define ARCHIVE_STORAGE_DB_SCRUB_RECORD_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace archive {

struct ScrubRecord {
  int64_t started_at = 0;   // Unix seconds
  int64_t finished_at = 0;  // Unix seconds
  uint64_t revisions_checked = 0;
  uint64_t blobs_checked = 0;
  uint64_t bytes_checked = 0;
  uint64_t damaged_blobs = 0;   // found damaged
  uint64_t repaired_blobs = 0;  // of those, replaced by an intact copy
  uint64_t log_problems = 0;    // statements, leaves or log nodes that failed

  // Nothing found that is still wrong: every damaged blob was repaired and the
  // log checked out.
  bool clean() const {
    return damaged_blobs == repaired_blobs && log_problems == 0;
  }
};

std::string EncodeScrubRecord(const ScrubRecord& record);
// DATA_LOSS naming the problem if a line is malformed or a field is missing.
absl::StatusOr<ScrubRecord> DecodeScrubRecord(absl::string_view encoded);

}  // namespace archive

#endif  // ARCHIVE_STORAGE_DB_SCRUB_RECORD_H_
