// The archive's log: signing and loading checkpoints (never one that does not
// extend the last), receipts, proofs and log entries (archive.h).
#include "absl/strings/str_cat.h"
#include "storage/base/error_detail.h"
#include "storage/base/hex.h"
#include "storage/db/archive.h"
#include "storage/db/archive_records.h"
#include "storage/db/leveldb_status.h"
#include "storage/format/signed_note.h"
#include "storage/verify/proof_verifier.h"

namespace archive {

absl::StatusOr<SignedCheckpoint> Archive::SignCheckpoint(uint64_t size,
                                                         HashSource& source) {
  auto root = RootHash(source, size);
  if (!root.ok()) return root.status();
  SignedCheckpoint cp;
  cp.size = size;
  cp.root = *root;
  cp.note = key_->SignNote(
      absl::StrCat(origin(), "\n", size, "\n", Base64Encode(*root), "\n"));
  return cp;
}

absl::StatusOr<SignedCheckpoint> Archive::ExtendCheckpoint(
    const SignedCheckpoint& previous, uint64_t new_size, HashSource& source) {
  auto next = SignCheckpoint(new_size, source);
  if (!next.ok()) return next.status();
  // Never sign a checkpoint inconsistent with the last one: if stored log nodes
  // were damaged, refuse writes rather than fork the log.
  std::vector<std::string> proof;
  if (previous.size > 0) {
    auto p = archive::ConsistencyProof(source, previous.size, new_size);
    if (!p.ok()) return p.status();
    proof = std::move(*p);
    absl::Status s = VerifyConsistency(previous.size, new_size, previous.root,
                                       next->root, proof);
    if (!s.ok()) {
      return absl::DataLossError(absl::StrCat(
          "refusing to sign checkpoint ", new_size,
          ": it would not extend the signed checkpoint ", previous.size,
          " (the stored log is damaged: ", s.message(), ")"));
    }
  }
  return next;
}

absl::StatusOr<std::optional<SignedCheckpoint>> Archive::StoredCheckpoint() {
  std::unique_ptr<leveldb::Iterator> it(
      db_->NewIterator(leveldb::ReadOptions()));
  it->Seek("c0");  // just past every "c/..." key
  it->Prev();
  if (!it->status().ok()) {
    // A damaged block was skipped: the newest checkpoint may be in it.
    return absl::DataLossError(absl::StrCat(
        "the metadata store's checkpoint records are damaged (",
        it->status().ToString(),
        "); run archived --repair, or restore from a backup or a peer"));
  }
  if (!it->Valid() || !it->key().starts_with("c/")) {
    if (!it->status().ok()) return FromLevelDb(it->status());
    return std::optional<SignedCheckpoint>();
  }
  uint64_t size = ReadBigEndian64(absl::string_view(it->key().data() + 2, 8));
  auto stored_log = MerkleLog::Open(db_.get());
  if (!stored_log.ok()) return stored_log.status();
  if (size != (*stored_log)->size()) {
    return absl::DataLossError(absl::StrCat("latest checkpoint covers ", size,
                                            " leaves but the log holds ",
                                            (*stored_log)->size()));
  }
  // The signed root is the reference; the stored nodes are checked against it
  // before the next checkpoint is signed (ExtendCheckpoint).
  std::string note = it->value().ToString();
  auto parsed = ParseNote(note);
  if (!parsed.ok()) return parsed.status();
  auto body = ParseCheckpoint(parsed->text);
  if (!body.ok() || body->size != size) {
    return absl::DataLossError("the latest stored checkpoint is damaged");
  }
  return std::optional<SignedCheckpoint>(
      SignedCheckpoint{size, body->root_hash, std::move(note)});
}

absl::Status Archive::LoadCheckpoint() {
  auto stored = StoredCheckpoint();
  if (!stored.ok()) return stored.status();
  if (stored->has_value()) {
    absl::MutexLock lock(&mu_);
    checkpoint_ = std::move(**stored);
    return absl::OkStatus();
  }
  // A new archive: sign the empty log so clients have a first checkpoint to
  // pin.
  auto cp = SignCheckpoint(0, *log_);
  if (!cp.ok()) return cp.status();
  leveldb::WriteOptions sync;
  sync.sync = true;
  if (absl::Status s = FromLevelDb(db_->Put(sync, CheckpointKey(0), cp->note));
      !s.ok()) {
    return s;
  }
  absl::MutexLock lock(&mu_);
  checkpoint_ = std::move(*cp);
  return absl::OkStatus();
}

SignedCheckpoint Archive::LatestCheckpoint() {
  absl::MutexLock lock(&mu_);
  return checkpoint_;
}

SignedCheckpoint Archive::CheckpointCovering(uint64_t leaf_index) {
  // A batch's records become readable when its LevelDB write lands, a moment
  // before checkpoint_ is updated; a reader that found such a revision waits
  // for that moment rather than fail to prove it.
  absl::MutexLock lock(&mu_);
  struct Covers {
    const SignedCheckpoint* cp;
    uint64_t leaf;
    bool operator()() const { return cp->size > leaf; }
  } covers{&checkpoint_, leaf_index};
  mu_.AwaitWithTimeout(absl::Condition(&covers), absl::Seconds(10));
  return checkpoint_;
}

absl::StatusOr<Receipt> Archive::ReceiptFor(const StoredRevision& revision) {
  Receipt receipt;
  receipt.signed_statement = revision.signed_statement;
  receipt.checkpoint = CheckpointCovering(revision.leaf_index);
  receipt.leaf_index = revision.leaf_index;
  auto proof = log_->Inclusion(revision.leaf_index, receipt.checkpoint.size);
  if (!proof.ok()) return proof.status();
  receipt.inclusion = std::move(*proof);
  return receipt;
}

absl::StatusOr<std::vector<std::string>> Archive::InclusionProof(
    uint64_t leaf, uint64_t size) {
  uint64_t latest = LatestCheckpoint().size;
  if (size > latest) {
    return WithReason(absl::OutOfRangeError(absl::StrCat(
                          "tree size ", size,
                          " is beyond the latest checkpoint (", latest, ")")),
                      kReasonTreeBeyondCheckpoint,
                      {{"latest", absl::StrCat(latest)}});
  }
  if (leaf >= size) {
    return absl::InvalidArgumentError(
        absl::StrCat("leaf ", leaf, " is not in a tree of size ", size));
  }
  return log_->Inclusion(leaf, size);
}

absl::StatusOr<std::vector<std::string>> Archive::ConsistencyProof(
    uint64_t old_size, uint64_t new_size) {
  uint64_t latest = LatestCheckpoint().size;
  if (new_size > latest) {
    return WithReason(absl::OutOfRangeError(absl::StrCat(
                          "tree size ", new_size,
                          " is beyond the latest checkpoint (", latest, ")")),
                      kReasonTreeBeyondCheckpoint,
                      {{"latest", absl::StrCat(latest)}});
  }
  if (old_size > new_size) {
    return absl::InvalidArgumentError(absl::StrCat(
        "old size ", old_size, " is larger than new size ", new_size));
  }
  return log_->Consistency(old_size, new_size);
}

absl::StatusOr<std::vector<std::string>> Archive::LogEntries(uint64_t start,
                                                             uint64_t count) {
  uint64_t latest = LatestCheckpoint().size;
  std::vector<std::string> out;
  for (uint64_t i = start; i < latest && i - start < count; ++i) {
    std::string id;
    leveldb::Status s = db_->Get(leveldb::ReadOptions(), LeafKey(i), &id);
    if (!s.ok()) return FromLevelDb(s);
    auto r = ReadRevision(id);
    if (!r.ok()) return r.status();
    out.push_back(std::move(r->signed_statement));
  }
  return out;
}

absl::StatusOr<LogReader> Archive::ServedLog(const std::string& mirror_origin) {
  LogReader::RevisionReader revisions = [this](const std::string& id) {
    return ReadRevision(id);
  };
  if (mirror_origin.empty() || mirror_origin == origin()) {
    // Not owned: the archive keeps its log for as long as a reader may live.
    std::shared_ptr<MerkleLog> tree(std::shared_ptr<MerkleLog>(), log_.get());
    auto ids = [this](uint64_t start, uint64_t count) {
      return LeafRevisionIds(start, count);
    };
    return LogReader(origin(), LatestCheckpoint(), std::move(tree), ids,
                     revisions);
  }
  auto mirrored = mirrors_->Checkpoint(mirror_origin);
  if (!mirrored.ok()) return mirrored.status();
  auto note = ParseNote(mirrored->note);
  if (!note.ok()) return note.status();
  auto body = ParseCheckpoint(note->text);
  if (!body.ok()) return body.status();
  auto tree = mirrors_->Tree(mirror_origin);
  if (!tree.ok()) return tree.status();
  auto ids = [this, mirror_origin](uint64_t start, uint64_t count) {
    return mirrors_->RevisionIds(mirror_origin, start, count);
  };
  return LogReader(
      mirror_origin,
      SignedCheckpoint{body->size, body->root_hash, mirrored->note},
      std::move(*tree), ids, revisions);
}

absl::StatusOr<std::vector<std::string>> Archive::LeafRevisionIds(
    uint64_t start, uint64_t count) {
  std::vector<std::string> ids;
  for (uint64_t i = start; i - start < count; ++i) {
    std::string id;
    leveldb::Status s = db_->Get(leveldb::ReadOptions(), LeafKey(i), &id);
    if (!s.ok()) return FromLevelDb(s, absl::StrCat("log entry ", i));
    ids.push_back(std::move(id));
  }
  return ids;
}

}  // namespace archive
