// The sequencer's batch (archive.h): what each queued put or import becomes,
// staged in one LevelDB batch with the log leaves and the new checkpoint, and
// written with one sync.
#include <algorithm>
#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "storage/base/error_detail.h"
#include "storage/db/archive.h"
#include "storage/db/archive_records.h"
#include "storage/db/leveldb_status.h"
#include "storage/format/merkle.h"
#include "storage/format/signed_note.h"
#include "storage/verify/proof_verifier.h"

namespace archive {
namespace {

std::vector<std::string> SortedUnique(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
  return v;
}

}  // namespace

// What one sequencer batch has staged: records visible to later puts in the
// same batch before anything is written.
class Archive::BatchState {
 public:
  // Stages into `batch`, which is empty, not owned, and outlives the state:
  // the sequencer's reusable one (StagingBatch), or a scratch one.
  BatchState(Archive* archive, leveldb::WriteBatch* batch)
      : archive_(archive),
        batch_(*batch),
        log_(archive->log_.get(), &batch_),
        mirror_(archive->mirrors_.get(), &batch_) {}

  absl::StatusOr<DocumentInfo> Document(const std::string& id) {
    auto it = documents_.find(id);
    if (it != documents_.end()) return it->second;
    auto d = archive_->GetDocument(id);
    if (absl::IsNotFound(d.status())) return DocumentInfo{id, {}, 0};
    return d;
  }

  absl::StatusOr<StoredRevision> Revision(const std::string& id) {
    auto it = revisions_.find(id);
    if (it != revisions_.end()) return it->second;
    return archive_->ReadRevision(id);
  }

  absl::StatusOr<StoredRevision> Add(StoredRevision r, DocumentInfo doc) {
    auto leaf = log_.Append(r.statement_text);
    if (!leaf.ok()) return leaf.status();
    r.leaf_index = *leaf;
    batch_.Put(RevisionKey(r.id), EncodeRevisionRecord(r));
    batch_.Put(LeafKey(r.leaf_index), r.id);
    batch_.Put(HistoryPrefix(r.statement.document) + BigEndian64(r.leaf_index),
               r.id);
    batch_.Put(DocumentKey(doc.id), EncodeDocumentRecord(doc));
    documents_[doc.id] = doc;
    revisions_[r.id] = r;
    return r;
  }

  // Records a peer's cursor, and the checkpoint it was verified against in
  // the peer's mirror once the mirror covers it.
  absl::Status SetProgress(const PeerProgress& p) {
    if (!p.checkpoint_note.empty()) {
      if (absl::Status s = mirror_.Cover(p.peer_origin, p.checkpoint_note);
          !s.ok()) {
        return s;
      }
    }
    batch_.Put(PeerKey(p.peer_origin), EncodePeerProgress(p));
    dirty_ = true;
    return absl::OkStatus();
  }

  // Mirrors a peer's entry (the leaf just before the cursor `p`).
  absl::Status Mirror(const PeerProgress& p,
                      const std::string& signed_statement) {
    auto note = ParseNote(signed_statement);
    if (!note.ok()) return note.status();
    return mirror_.Append(p.peer_origin, p.next_index - 1, note->text,
                          RevisionIdOf(note->text));
  }

  MerkleLog::Batch& log() { return log_; }
  PeerMirrors::Batch& mirror() { return mirror_; }
  leveldb::WriteBatch& batch() { return batch_; }
  // True if anything besides log leaves needs writing.
  bool dirty() const { return dirty_; }

 private:
  Archive* archive_;
  leveldb::WriteBatch& batch_;
  MerkleLog::Batch log_;
  PeerMirrors::Batch mirror_;
  std::map<std::string, DocumentInfo> documents_;
  std::map<std::string, StoredRevision> revisions_;
  bool dirty_ = false;
};

leveldb::WriteBatch& Archive::StagingBatch() {
  if (staging_batch_.ApproximateSize() > kLargestKeptBatchBytes) {
    staging_batch_ = leveldb::WriteBatch();  // frees the buffer
  } else {
    staging_batch_.Clear();  // keeps it
  }
  return staging_batch_;
}

void Archive::ProcessBatch(std::vector<Pending>& batch) {
  if (absl::Status s = EnsureWritable(); !s.ok()) {
    for (Pending& p : batch) p.done(s);
    return;
  }
  BatchState state(this, &StagingBatch());
  std::vector<absl::StatusOr<CommitResult>> results;
  results.reserve(batch.size());
  for (Pending& p : batch) {
    if (p.chain_failed != nullptr && *p.chain_failed) {
      results.push_back(absl::AbortedError(
          "not imported: an earlier entry of the same pull failed"));
      continue;
    }
    if (absl::Status held = HeldWrite(p, state); !held.ok()) {
      results.push_back(held);
    } else if (!p.imported_statement.empty()) {
      results.push_back(
          StageImport(p.imported_statement, p.imported_content, state));
    } else if (p.revision.statement.document.empty() && p.progress) {
      results.push_back(CommitResult{});  // progress only
    } else {
      results.push_back(Stage(p.revision, state));
    }
    if (results.back().ok() && p.progress) {
      absl::Status s;
      if (!p.imported_statement.empty() && p.progress->next_index > 0) {
        s = state.Mirror(*p.progress, p.imported_statement);
      }
      if (s.ok()) s = state.SetProgress(*p.progress);
      if (!s.ok()) results.back() = s;
    }
    if (!results.back().ok() && p.chain_failed != nullptr) {
      *p.chain_failed = true;
    }
  }

  uint64_t new_size = state.log().size();
  absl::Status write_status;
  SignedCheckpoint cp = LatestCheckpoint();
  const uint64_t old_size = cp.size;
  CommittedBatch committed;
  if (new_size != cp.size || state.dirty()) {
    if (auto hold = signing_hold(); hold && new_size > hold->size)
      write_status = SigningHeldError(*hold);
    if (write_status.ok() && new_size != cp.size) {
      auto signed_cp = ExtendCheckpoint(cp, new_size, state.log());
      write_status = signed_cp.status();
      if (write_status.ok()) {
        cp = std::move(*signed_cp);
        state.batch().Put(CheckpointKey(cp.size), cp.note);
      }
    }
    if (write_status.ok()) {
      leveldb::WriteOptions sync;
      sync.sync = true;
      int64_t start = options_.env->NowMicros();
      write_status = FromLevelDb(db_->Write(sync, &state.batch()));
      committed.sync_time =
          absl::Microseconds(options_.env->NowMicros() - start);
      if (!write_status.ok()) ReportWriteFailure(write_status);
    }
    if (write_status.ok()) {
      log_->Committed(new_size);
      state.mirror().Committed();
      record_->Offer(cp.note, cp.size);
      absl::MutexLock lock(&mu_);
      if (checkpoint_.size != cp.size) {
        checkpoint_time_ = options_.env->NowSeconds();
      }
      checkpoint_ = cp;
    }
  }
  if (options_.observer != nullptr) {
    committed.requests = batch.size();
    committed.new_entries = write_status.ok() ? new_size - old_size : 0;
    committed.status = write_status;
    options_.observer->BatchCommitted(committed);
  }
  for (size_t i = 0; i < batch.size(); ++i) {
    absl::StatusOr<CommitResult>& r = results[i];
    if (r.ok() && !write_status.ok()) r = write_status;
    if (r.ok() && !r->revision.id.empty()) {
      auto receipt = ReceiptFor(r->revision);
      if (receipt.ok()) {
        r->receipt = std::move(*receipt);
      } else {
        r = receipt.status();
      }
    }
    batch[i].done(std::move(r));
  }
}

absl::Status Archive::HeldWrite(const Pending& p, BatchState& state) {
  std::optional<SigningHold> hold = signing_hold();
  if (!hold) return absl::OkStatus();
  if (p.imported_statement.empty()) {
    // A peer's cursor alone appends nothing; a put would.
    if (p.revision.statement.document.empty()) return absl::OkStatus();
    return SigningHeldError(*hold);
  }
  auto note = ParseNote(p.imported_statement);
  if (!note.ok()) return absl::OkStatus();  // StageImport says why
  // A revision already here appends nothing (a rerun restore, a mirror).
  if (state.Revision(RevisionIdOf(note->text)).ok()) return absl::OkStatus();
  // Only this archive's own entries, each at its place, up to the hold: a
  // peer's pull landing among them would give the log another history.
  const uint64_t next = state.log().size();
  if (p.at_index != next || next >= hold->size) return SigningHeldError(*hold);
  if (!p.inclusion) return absl::OkStatus();
  absl::Status included = VerifyInclusion(
      next, hold->size, MerkleLeafHash(note->text), *p.inclusion, hold->root);
  if (included.ok()) return absl::OkStatus();
  return absl::DataLossError(
      absl::StrCat("log entry ", next, " is not the one the checkpoint this ",
                   "archive is held to has there: ", included.message()));
}

absl::Status Archive::Precheck(NewRevision revision) {
  if (auto hold = signing_hold()) return SigningHeldError(*hold);
  // A store refusing writes is reopened by the sequencer, which a put reaches
  // only past this check: let it through, the sequencer decides.
  if (!db_->write_failure().ok()) return absl::OkStatus();
  // Off the sequencer thread: a batch of its own, not the sequencer's.
  leveldb::WriteBatch scratch;
  BatchState state(this, &scratch);
  return Stage(revision, state, /*dry_run=*/true).status();
}

absl::StatusOr<CommitResult> Archive::Stage(NewRevision& revision,
                                            BatchState& state, bool dry_run) {
  Statement& st = revision.statement;
  if (absl::Status s = ValidateDocumentId(st.document); !s.ok()) return s;
  auto doc = state.Document(st.document);
  if (!doc.ok()) return doc.status();
  std::vector<std::string> expected = SortedUnique(revision.expected_parents);
  bool conditional = !expected.empty();
  if (conditional && expected != doc->heads) {
    // A retried conditional put whose first attempt succeeded finds its own
    // result as the head: the same parents and content. By the contract that
    // is a retry (nothing stored, the head returned), not a conflict.
    for (const std::string& head_id : doc->heads) {
      auto head = state.Revision(head_id);
      if (!head.ok()) return head.status();
      Statement compare = st;
      compare.origin = origin();
      compare.parents = expected;
      if (SameRevisionContent(head->statement, compare)) {
        return CommitResult{std::move(*head), false, {}};
      }
    }
    return WithReason(
        absl::AbortedError(absl::StrCat(
            "conflict: ", st.document, " has moved: you expected head ",
            ListOf(expected), " but the head is now ", ListOf(doc->heads),
            "; fetch the new head, reconcile, and put again with --parent set "
            "to it")),
        kReasonHeadMoved,
        {{"document", st.document},
         {"expected", absl::StrJoin(expected, ",")},
         {"heads", absl::StrJoin(doc->heads, ",")}});
  }
  if (!conditional && doc->heads.size() > 1) {
    return WithReason(
        absl::FailedPreconditionError(absl::StrCat(
            st.document, " has ", doc->heads.size(),
            " heads (a conflict between offices): ", ListOf(doc->heads),
            "; to resolve it, put the reconciled text with --parent for each "
            "head")),
        kReasonSeveralHeads,
        {{"document", st.document}, {"heads", absl::StrJoin(doc->heads, ",")}});
  }
  st.origin = origin();
  st.parents = doc->heads;
  st.submitted_at = FormatRfc3339(options_.env->NowSeconds());
  auto text = EncodeStatement(st);
  if (!text.ok()) return text.status();

  // A retried put, or a conditional one that changes nothing: identical to
  // the single head except for who/when/note. Nothing is stored. (With several
  // heads this is a merge, which is stored even if it keeps one side's text.)
  if (doc->heads.size() == 1) {
    auto head = state.Revision(doc->heads[0]);
    if (!head.ok()) return head.status();
    Statement compare = st;
    compare.parents = head->statement.parents;
    if (SameRevisionContent(head->statement, compare)) {
      return CommitResult{std::move(*head), false, {}};
    }
  }

  StoredRevision r;
  r.id = RevisionIdOf(*text);
  if (auto existing = state.Revision(r.id); existing.ok()) {
    return CommitResult{std::move(*existing), false, {}};
  }
  if (dry_run) return CommitResult{};
  if (absl::Status s = StageContent(st, revision.content, state); !s.ok()) {
    return s;
  }
  r.statement = st;
  r.statement_text = std::move(*text);
  r.signed_statement = key_->SignNote(r.statement_text);
  doc->heads.clear();
  return AddRevision(std::move(r), std::move(*doc), state);
}

absl::Status Archive::StageContent(
    const Statement& statement,
    const std::shared_ptr<const VerifiedBlob>& content, BatchState& state) {
  if (content == nullptr) return absl::OkStatus();
  if (content->sha256_hex() != statement.content_sha256 ||
      content->bytes().size() != statement.content_size) {
    return absl::InvalidArgumentError(
        absl::StrCat("content: the sealed blob sha256:", content->sha256_hex(),
                     " is not the content sha256:", statement.content_sha256,
                     " the statement names"));
  }
  InlineBlobs::Stage(content->sha256_hex(), content->bytes(), &state.batch());
  return absl::OkStatus();
}

absl::StatusOr<CommitResult> Archive::StageImport(
    const std::string& signed_statement,
    const std::shared_ptr<const VerifiedBlob>& content, BatchState& state) {
  auto note = ParseNote(signed_statement);
  if (!note.ok()) return note.status();
  auto statement = ParseStatement(note->text);
  if (!statement.ok()) return statement.status();
  StoredRevision r;
  r.id = RevisionIdOf(note->text);
  if (auto existing = state.Revision(r.id); existing.ok()) {
    return CommitResult{std::move(*existing), false, {}};
  }
  auto doc = state.Document(statement->document);
  if (!doc.ok()) return doc.status();
  // The new revision supersedes those of its parents that are heads; any other
  // head is a concurrent line of history and stays (a conflict, until a merge
  // names both).
  std::vector<std::string> heads;
  for (const std::string& h : doc->heads) {
    if (std::find(statement->parents.begin(), statement->parents.end(), h) ==
        statement->parents.end()) {
      heads.push_back(h);
    }
  }
  doc->heads = std::move(heads);
  if (absl::Status s = StageContent(*statement, content, state); !s.ok()) {
    return s;
  }
  r.statement = std::move(*statement);
  r.statement_text = std::move(note->text);
  r.signed_statement = signed_statement;
  return AddRevision(std::move(r), std::move(*doc), state);
}

absl::StatusOr<CommitResult> Archive::AddRevision(StoredRevision r,
                                                  DocumentInfo doc,
                                                  BatchState& state) {
  std::vector<StoredRevision> parents;
  for (const std::string& parent_id : r.statement.parents) {
    auto parent = state.Revision(parent_id);
    if (absl::IsNotFound(parent.status())) {
      return absl::DataLossError(
          absl::StrCat("revision ", r.id, " names parent ", parent_id,
                       ", which this archive does not have"));
    }
    if (!parent.ok()) return parent.status();
    parents.push_back(std::move(*parent));
  }
  r.authoritative = AuthoritativeOf(r, parents);
  doc.heads.push_back(r.id);
  std::sort(doc.heads.begin(), doc.heads.end());
  doc.revision_count++;
  auto added = state.Add(std::move(r), std::move(doc));
  if (!added.ok()) return added.status();
  return CommitResult{std::move(*added), true, {}};
}

}  // namespace archive
