// One log as this archive serves it to readers: its own, or its verbatim
// mirror of a peer's (peer_mirror.h). gRPC's ReadLog, GetCheckpoint and
// GetConsistencyProof and the HTTP tiles read either through this one view,
// so a mirror is served exactly as the log it copies.
//
// A LogReader is fixed to the checkpoint it was made with (the latest signed
// one, or the newest one the mirror covers): every read is within it, so a
// stream of entries and their proofs all belong to one tree, however the log
// grows meanwhile.
//
// Thread-safety: a LogReader may be used from one thread at a time; several
// readers may run at once beside the archive's writes. It must not outlive
// the Archive that made it. Errors: OUT_OF_RANGE (reason
// kReasonTreeBeyondCheckpoint) for a size beyond the checkpoint,
// INVALID_ARGUMENT for a range a tree cannot have, DATA_LOSS or the store's
// error for records that cannot be read.
#ifndef ARCHIVE_STORAGE_DB_LOG_READER_H_
#define ARCHIVE_STORAGE_DB_LOG_READER_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "storage/db/archive_types.h"
#include "storage/db/merkle_log.h"

namespace archive {

class LogReader {
 public:
  // Revision ids of leaves [start, start + count).
  using IdReader = std::function<absl::StatusOr<std::vector<std::string>>(
      uint64_t start, uint64_t count)>;
  // Signed statement and statement text of a revision this archive holds.
  using RevisionReader =
      std::function<absl::StatusOr<StoredRevision>(const std::string& id)>;

  LogReader(std::string origin, SignedCheckpoint checkpoint,
            std::shared_ptr<MerkleLog> tree, IdReader ids,
            RevisionReader revisions);

  // The log's origin and the checkpoint every read is within.
  const std::string& origin() const { return origin_; }
  const SignedCheckpoint& checkpoint() const { return checkpoint_; }
  // The log's tree (perfect-subtree hashes), for tiles.
  HashSource& tree() { return *tree_; }

  // The revision records of leaves [start, start + count), cut at the
  // checkpoint's size (statement, its text and signed note, leaf index).
  absl::StatusOr<std::vector<StoredRevision>> Entries(uint64_t start,
                                                      uint64_t count);
  // Signed statements of leaves [start, start + count), likewise.
  absl::StatusOr<std::vector<std::string>> SignedStatements(uint64_t start,
                                                            uint64_t count);
  // The leaves themselves (statement texts), likewise.
  absl::StatusOr<std::vector<std::string>> Leaves(uint64_t start,
                                                  uint64_t count);
  absl::StatusOr<std::vector<std::string>> Inclusion(uint64_t leaf,
                                                     uint64_t size);
  absl::StatusOr<std::vector<std::string>> Consistency(uint64_t old_size,
                                                       uint64_t new_size);

 private:
  absl::Status CheckSize(uint64_t size) const;

  std::string origin_;
  SignedCheckpoint checkpoint_;
  std::shared_ptr<MerkleLog> tree_;
  IdReader ids_;
  RevisionReader revisions_;
};

}  // namespace archive

#endif  // ARCHIVE_STORAGE_DB_LOG_READER_H_
