// The archive's append-only RFC 6962 log, persisted in LevelDB as
// perfect-subtree hashes (key prefix + "n" + level byte + big-endian index;
// the size under "log/size", or prefix + "size"), so the root
// and any proof cost O(log n) reads at any log size. Leaves are appended in
// batches: a LogBatch stages the leaf and node hashes into a
// leveldb::WriteBatch that the caller writes together with the rest of its
// metadata, making the log and the archive move in one atomic step.
#ifndef ARCHIVE_STORAGE_DB_MERKLE_LOG_H_
#define ARCHIVE_STORAGE_DB_MERKLE_LOG_H_

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "leveldb/db.h"
#include "leveldb/write_batch.h"
#include "storage/format/merkle.h"

namespace archive {

class MerkleLog : public HashSource {
 public:
  // Reads the committed size from `db`. `db` must outlive the log. The
  // archive's own log has no `key_prefix`; a mirror of a peer's log keeps its
  // tree under its own prefix (peer_mirror.h).
  static absl::StatusOr<std::unique_ptr<MerkleLog>> Open(
      leveldb::DB* db, std::string key_prefix = "");

  // Number of committed leaves. Thread-safe.
  uint64_t size() const;
  // Reads committed nodes only; safe concurrently with staging.
  absl::StatusOr<std::string> PerfectSubtree(int level,
                                             uint64_t index) override;

  absl::StatusOr<std::string> Root(uint64_t size) {
    return RootHash(*this, size);
  }
  absl::StatusOr<std::vector<std::string>> Inclusion(uint64_t leaf,
                                                     uint64_t size) {
    return InclusionProof(*this, leaf, size);
  }
  absl::StatusOr<std::vector<std::string>> Consistency(uint64_t old_size,
                                                       uint64_t new_size) {
    return ConsistencyProof(*this, old_size, new_size);
  }

  // Leaves appended on top of the committed log, not yet visible to readers.
  class Batch : public HashSource {
   public:
    Batch(MerkleLog* log, leveldb::WriteBatch* out);
    // Stages one leaf; returns its index.
    absl::StatusOr<uint64_t> Append(absl::string_view leaf);
    uint64_t size() const { return size_; }
    absl::StatusOr<std::string> PerfectSubtree(int level,
                                               uint64_t index) override;

   private:
    MerkleLog* log_;
    leveldb::WriteBatch* out_;
    uint64_t size_;
    std::map<std::pair<int, uint64_t>, std::string> staged_;
  };

  // Call after the WriteBatch a Batch filled was durably written.
  void Committed(uint64_t new_size);

 private:
  MerkleLog(leveldb::DB* db, std::string key_prefix, uint64_t size)
      : db_(db), prefix_(std::move(key_prefix)), size_(size) {}
  std::string NodeKey(int level, uint64_t index) const;
  std::string SizeKey() const;
  leveldb::DB* db_;
  const std::string prefix_;
  mutable absl::Mutex mu_;
  uint64_t size_ ABSL_GUARDED_BY(mu_);
};

// Keys shared with the archive's other records.
std::string BigEndian64(uint64_t v);
uint64_t ReadBigEndian64(absl::string_view s);

}  // namespace archive

#endif  // ARCHIVE_STORAGE_DB_MERKLE_LOG_H_
