// A verbatim mirror of each peer's log, kept as this archive pulls it.
//
// Why: an office that loses its disk restores an older backup, and the entries
// it signed after that backup exist nowhere but in what its peers pulled. The
// archive's own log holds those revisions too, but in its own order and mixed
// with its own, so it cannot give a peer back its log. A mirror keeps the
// peer's order: for each of the peer's leaves the revision id (whose signed
// statement this archive holds anyway, so a mirror costs a key and a few
// hashes per entry; contents are shared by digest), the peer's Merkle tree,
// and every checkpoint of the peer's that was verified and that the mirror
// covers in full. It is served back over gRPC (GetCheckpoint, ReadLog and
// GetConsistencyProof with mirror_origin) and over HTTP as C2SP tlog-tiles
// under /mirror/<hex SHA-256 of the origin>/ (C2SP tlog-mirror's layout).
//
// Mirror entries are written in the same atomic batch as the import and the
// peer cursor they belong to (Archive::ImportAll), so the mirror, the cursor
// and the archive never disagree after a crash.
//
// LevelDB keys, under "m/<origin>\0": the tree (merkle_log.h: "n..." nodes,
// "size"), "l<be64 index>" the revision id of that leaf, "c<be64 size>" a
// verified checkpoint note of that size.
//
// Thread-safety: PeerMirrors is thread-safe. A Batch belongs to the sequencer
// thread. Errors: the metadata store's (leveldb_status.h); DATA_LOSS for a
// mirror record that does not read back as written; NOT_FOUND for an origin
// this archive never mirrored (or no checkpoint of it covered yet).
#ifndef ARCHIVE_STORAGE_DB_PEER_MIRROR_H_
#define ARCHIVE_STORAGE_DB_PEER_MIRROR_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "leveldb/db.h"
#include "leveldb/write_batch.h"
#include "storage/db/merkle_log.h"

namespace archive {

struct MirrorCheckpoint {
  uint64_t size = 0;
  std::string note;  // the peer's signed checkpoint, verbatim
};

class PeerMirrors {
 public:
  // `db` is not owned and must outlive this object.
  explicit PeerMirrors(leveldb::DB* db) : db_(db) {}

  // Entries mirrored of `origin` (0 if none). They are all verified against
  // the peer's newest pending checkpoint; Checkpoint() is the newest one the
  // mirror covers in full.
  absl::StatusOr<uint64_t> Size(const std::string& origin);
  absl::StatusOr<MirrorCheckpoint> Checkpoint(const std::string& origin);
  // Revision ids of the peer's leaves [start, start + count), cut at Size().
  absl::StatusOr<std::vector<std::string>> RevisionIds(
      const std::string& origin, uint64_t start, uint64_t count);
  // The mirrored tree of `origin`, for proofs and tiles (kept alive by the
  // pointer even across Forget()).
  absl::StatusOr<std::shared_ptr<MerkleLog>> Tree(const std::string& origin);
  // Every origin mirrored, sorted.
  absl::StatusOr<std::vector<std::string>> Origins();
  // Drops cached trees: after the store was reopened or rewritten, sizes are
  // read again.
  void Forget();

  // Mirror entries staged into one metadata batch.
  class Batch {
   public:
    Batch(PeerMirrors* mirrors, leveldb::WriteBatch* out)
        : mirrors_(mirrors), out_(out) {}
    // Stages the peer's leaf `index`: appended if it is the mirror's next,
    // checked and skipped if the mirror holds it already (DATA_LOSS if it
    // holds another leaf there), DATA_LOSS if it would leave a gap.
    absl::Status Append(const std::string& origin, uint64_t index,
                        absl::string_view leaf, const std::string& revision_id);
    // Records `checkpoint_note` (verified by the caller) if the mirror covers
    // its size; a checkpoint the mirror does not cover yet is left out.
    absl::Status Cover(const std::string& origin,
                       const std::string& checkpoint_note);
    // After the batch was durably written.
    void Committed();

   private:
    struct Staged {
      std::shared_ptr<MerkleLog> tree;
      std::unique_ptr<MerkleLog::Batch> batch;
    };
    absl::StatusOr<Staged*> TreeBatch(const std::string& origin);
    PeerMirrors* mirrors_;
    leveldb::WriteBatch* out_;
    std::map<std::string, Staged> trees_;
  };

 private:
  leveldb::DB* db_;
  absl::Mutex mu_;
  std::map<std::string, std::shared_ptr<MerkleLog>> trees_ ABSL_GUARDED_BY(mu_);
};

// The key prefix under which `origin`'s mirror lives.
std::string MirrorPrefix(const std::string& origin);

}  // namespace archive

#endif  // ARCHIVE_STORAGE_DB_PEER_MIRROR_H_
