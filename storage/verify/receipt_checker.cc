#include "storage/verify/receipt_checker.h"

#include <deque>
#include <string>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "storage/format/merkle.h"
#include "storage/verify/note_verifier.h"

namespace archive {
namespace {

// Checkpoints whose signature this process already verified, keyed by the
// verifier key and the note's exact bytes: the outcome of an Ed25519
// verification depends on nothing else, so a hit is as good as verifying
// again. Every get between two puts carries the same checkpoint, so this
// saves one of a verified get's two signature checks (bench/PROFILE.md).
// Bounded; the oldest entry goes first.
class VerifiedCheckpointCache {
 public:
  static VerifiedCheckpointCache& Get() {
    static auto* cache = new VerifiedCheckpointCache;  // never destroyed
    return *cache;
  }

  bool Contains(const VerifierKey& key, absl::string_view note) {
    std::string k = Key(key, note);
    absl::MutexLock lock(&mu_);
    return entries_.contains(k);
  }

  void Add(const VerifierKey& key, absl::string_view note) {
    std::string k = Key(key, note);
    absl::MutexLock lock(&mu_);
    if (!entries_.insert(k).second) return;
    order_.push_back(std::move(k));
    if (order_.size() > kMaxEntries) {
      entries_.erase(order_.front());
      order_.pop_front();
    }
  }

 private:
  static constexpr size_t kMaxEntries = 64;
  static std::string Key(const VerifierKey& key, absl::string_view note) {
    // The whole verifier key: its name is part of what VerifyNote checks.
    return absl::StrCat(key.ToString(), "\n", note);
  }
  absl::Mutex mu_;
  absl::flat_hash_set<std::string> entries_ ABSL_GUARDED_BY(mu_);
  std::deque<std::string> order_ ABSL_GUARDED_BY(mu_);
};

}  // namespace

absl::StatusOr<VerifiedStatement> ReceiptChecker::CheckStatement(
    const std::string& signed_statement) const {
  auto note = ParseNote(signed_statement);
  if (!note.ok()) {
    return absl::DataLossError(absl::StrCat(
        "statement is not a valid signed note: ", note.status().message()));
  }
  auto statement = ParseStatement(note->text);
  if (!statement.ok()) {
    return absl::DataLossError(
        absl::StrCat("statement is malformed: ", statement.status().message()));
  }
  const VerifierKey* key = trust_->Find(statement->origin);
  if (key == nullptr) {
    return absl::PermissionDeniedError(
        absl::StrCat("statement signature: origin ", statement->origin,
                     " is not trusted (no key in ", trust_->path(), ")"));
  }
  if (auto text = VerifyNote(signed_statement, *key); !text.ok()) {
    return absl::DataLossError(
        absl::StrCat("statement signature: ", text.status().message()));
  }
  return VerifiedStatement{RevisionIdOf(note->text), note->text,
                           std::move(*statement)};
}

absl::StatusOr<Checkpoint> ReceiptChecker::CheckCheckpoint(
    const std::string& note) const {
  auto parsed = ParseNote(note);
  if (!parsed.ok()) {
    return absl::DataLossError(absl::StrCat(
        "checkpoint is not a valid signed note: ", parsed.status().message()));
  }
  auto cp = ParseCheckpoint(parsed->text);
  if (!cp.ok()) {
    return absl::DataLossError(
        absl::StrCat("checkpoint is malformed: ", cp.status().message()));
  }
  const VerifierKey* key = trust_->Find(cp->origin);
  if (key == nullptr) {
    return absl::PermissionDeniedError(
        absl::StrCat("checkpoint signature: archive ", cp->origin,
                     " is not trusted (no key in ", trust_->path(), ")"));
  }
  VerifiedCheckpointCache& cache = VerifiedCheckpointCache::Get();
  if (cache.Contains(*key, note)) return cp;
  if (auto text = VerifyNote(note, *key); !text.ok()) {
    return absl::DataLossError(
        absl::StrCat("checkpoint signature: ", text.status().message()));
  }
  cache.Add(*key, note);
  return cp;
}

absl::StatusOr<VerifiedReceipt> ReceiptChecker::Check(
    const ReceiptParts& receipt) const {
  auto statement = CheckStatement(receipt.signed_statement);
  if (!statement.ok()) return statement.status();
  auto cp = CheckCheckpoint(receipt.checkpoint);
  if (!cp.ok()) return cp.status();
  if (receipt.tree_size != cp->size) {
    return absl::DataLossError(absl::StrCat(
        "inclusion proof: it is for a tree of size ", receipt.tree_size,
        " but the checkpoint has size ", cp->size));
  }
  absl::Status included = VerifyInclusion(receipt.leaf_index, receipt.tree_size,
                                          MerkleLeafHash(statement->text),
                                          receipt.inclusion, cp->root_hash);
  if (!included.ok()) {
    return absl::DataLossError(
        absl::StrCat("inclusion proof: statement ", statement->revision_id,
                     " is not in the signed checkpoint of size ", cp->size,
                     ": ", included.message()));
  }
  return VerifiedReceipt{std::move(*statement), std::move(*cp),
                         receipt.checkpoint};
}

absl::Status CheckExtends(const Checkpoint& older, const Checkpoint& newer,
                          const std::vector<std::string>& proof) {
  if (older.origin != newer.origin) {
    return absl::InvalidArgumentError(
        absl::StrCat("checkpoints of different archives: ", older.origin,
                     " and ", newer.origin));
  }
  if (newer.size < older.size) {
    return absl::DataLossError(
        absl::StrCat("log of ", newer.origin, " shrank: a checkpoint of size ",
                     older.size, " was seen before, now size ", newer.size,
                     " (history was rewritten or rolled back)"));
  }
  if (older.size == 0)
    return absl::OkStatus();  // every tree extends the empty one
  absl::Status s = VerifyConsistency(older.size, newer.size, older.root_hash,
                                     newer.root_hash, proof);
  if (!s.ok()) {
    return absl::DataLossError(
        absl::StrCat("log of ", newer.origin, " forked: checkpoint of size ",
                     newer.size, " is not consistent with the one of size ",
                     older.size, " seen before: ", s.message()));
  }
  return absl::OkStatus();
}

}  // namespace archive
