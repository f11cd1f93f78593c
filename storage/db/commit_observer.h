// A hook for what the sequencer commits, so a layer above (metrics) can count
// batches and time their fsync without storage knowing who is counting.
#ifndef ARCHIVE_STORAGE_DB_COMMIT_OBSERVER_H_
#define ARCHIVE_STORAGE_DB_COMMIT_OBSERVER_H_

#include <cstddef>

#include "absl/status/status.h"
#include "absl/time/time.h"

namespace archive {

// One batch the sequencer wrote (or failed to write).
struct CommittedBatch {
  size_t requests = 0;     // puts, imports and progress updates in the batch
  size_t new_entries = 0;  // log entries the batch added
  // The synced write of the metadata store (the batch's one fsync).
  absl::Duration sync_time;
  absl::Status status;  // the write's outcome; OK also when nothing was written
};

// Called on the archive's sequencer thread after each batch, before the
// requests in it are answered: implementations must be cheap and must not
// block or call back into the archive. Thread-safety: only ever called from
// that one thread, but it must be safe beside the implementation's own
// readers (a metrics scrape).
class CommitObserver {
 public:
  virtual ~CommitObserver() = default;
  virtual void BatchCommitted(const CommittedBatch& batch) = 0;
};

}  // namespace archive

#endif  // ARCHIVE_STORAGE_DB_COMMIT_OBSERVER_H_
