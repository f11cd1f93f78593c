#include "storage/db/archive.h"

#include <algorithm>
#include <map>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/blocking_counter.h"
#include "absl/synchronization/notification.h"
#include "leveldb/write_batch.h"
#include "storage/base/error_detail.h"
#include "storage/base/hex.h"
#include "storage/db/archive_records.h"
#include "storage/db/identity.h"
#include "storage/db/leveldb_status.h"
#include "storage/db/pread_env.h"
#include "storage/format/origin.h"
#include "storage/format/signed_note.h"
#include "storage/verify/proof_verifier.h"

namespace archive {
namespace {

std::vector<std::string> SortedUnique(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
  return v;
}

std::string ListOf(const std::vector<std::string>& ids) {
  return ids.empty() ? "none" : absl::StrJoin(ids, ", ");
}

}  // namespace

// What one sequencer batch has staged: records visible to later puts in the
// same batch before anything is written.
class Archive::BatchState {
 public:
  BatchState(Archive* archive)
      : archive_(archive), log_(archive->log_.get(), &batch_) {}

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

  void SetProgress(const PeerProgress& p) {
    batch_.Put(PeerKey(p.peer_origin), EncodePeerProgress(p));
    dirty_ = true;
  }

  MerkleLog::Batch& log() { return log_; }
  leveldb::WriteBatch& batch() { return batch_; }
  // True if anything besides log leaves needs writing.
  bool dirty() const { return dirty_; }

 private:
  Archive* archive_;
  leveldb::WriteBatch batch_;
  MerkleLog::Batch log_;
  std::map<std::string, DocumentInfo> documents_;
  std::map<std::string, StoredRevision> revisions_;
  bool dirty_ = false;
};

Archive::Archive(ArchiveOptions options, std::unique_ptr<SigningKey> key,
                 std::unique_ptr<BlobStore> blobs)
    : options_(std::move(options)),
      key_(std::move(key)),
      blobs_(std::move(blobs)) {}

absl::StatusOr<std::unique_ptr<Archive>> Archive::Open(
    const ArchiveOptions& options) {
  if (absl::Status s = ValidateOrigin(options.origin); !s.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("--origin: ", s.message()));
  }
  Env* env = options.env;
  if (absl::Status s = env->CreateDirs(options.data_dir, 0755); !s.ok())
    return s;
  if (!env->FileExists(options.data_dir + "/keys/signing.pem") &&
      env->FileExists(options.data_dir + "/meta/CURRENT")) {
    // A new key would orphan every statement and checkpoint signed so far.
    return absl::FailedPreconditionError(absl::StrCat(
        options.data_dir, "/meta holds an archive but ", options.data_dir,
        "/keys/signing.pem is missing: restore keys/ from a backup; archived "
        "will not create a new identity for existing data"));
  }
  auto key = LoadOrCreateIdentity(env, options.data_dir, options.origin);
  if (!key.ok()) return key.status();
  auto recorded = CheckpointRecord::Load(env, options.data_dir, **key);
  if (!recorded.ok()) return recorded.status();
  std::unique_ptr<Archive> archive(
      new Archive(options, std::move(*key), nullptr));
  if (absl::Status s = archive->OpenDatabase(*recorded); !s.ok()) return s;
  // Only now, holding the metadata store's lock, is this the directory's one
  // user: opening the blob store deletes the temp files in blobs/tmp/, which
  // before the lock could be the uploads in flight of an archived already
  // running here.
  auto blobs = BlobStore::Open(env, options.data_dir + "/blobs",
                               archive->inline_blobs_.get());
  if (!blobs.ok()) return blobs.status();
  archive->blobs_ = std::move(*blobs);
  if (options.repair) {
    if (absl::Status s = archive->CheckRepaired(); !s.ok()) return s;
  }
  archive->sequencer_ =
      std::thread([a = archive.get()] { a->SequencerLoop(); });
  return archive;
}

absl::Status Archive::OpenDatabase(
    const std::optional<RecordedCheckpoint>& recorded) {
  cache_.reset(leveldb::NewLRUCache(options_.block_cache_bytes));
  filter_.reset(leveldb::NewBloomFilterPolicy(10));
  leveldb::Options& o = db_options_;
  // Once this archive has signed a checkpoint, a missing store is a lost one,
  // never a new one: creating it would delete what --repair could recover.
  o.create_if_missing = !recorded.has_value();
  o.block_cache = cache_.get();
  o.filter_policy = filter_.get();
  o.paranoid_checks = true;
  o.env = options_.leveldb_env != nullptr ? options_.leveldb_env
                                          : PreadEnv::Default();
  // Each open table holds a file descriptor (PreadEnv does not map them).
  o.max_open_files = 500;
  o.write_buffer_size = options_.write_buffer_bytes;
  const std::string path = options_.data_dir + "/meta";
  if (recorded && !options_.repair &&
      !options_.env->FileExists(path + "/CURRENT")) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the metadata store ", path, " is missing (no CURRENT file) but ",
        CheckpointRecord::PathIn(options_.data_dir),
        " shows this archive signed a log of ", recorded->size,
        " entries: archived will not start an empty log under the same key "
        "(it would fork the log). Run archived --repair to rebuild the store "
        "from its table files, or restore the data directory from a backup"));
  }
  if (options_.repair) {
    leveldb::Status s = leveldb::RepairDB(path, o);
    if (!s.ok()) {
      return absl::FailedPreconditionError(
          absl::StrCat("repair of ", path, " failed: ", s.ToString()));
    }
    o.create_if_missing = true;  // a repair of nothing leaves nothing to open
  }
  std::unique_ptr<RecoverableDb> db;
  leveldb::Status s = RecoverableDb::Open(o, path, &db);
  if (!s.ok()) return OpenFailure(path, s);
  db_ = std::move(db);
  if (options_.inline_blob_max_bytes > 0) {
    inline_blobs_ = std::make_unique<InlineBlobs>(
        db_.get(), options_.inline_blob_max_bytes);
  }
  std::string origin;
  s = db_->Get(leveldb::ReadOptions(), kOriginKey, &origin);
  if (s.IsNotFound()) {
    leveldb::WriteOptions sync;
    sync.sync = true;
    s = db_->Put(sync, kOriginKey, options_.origin);
  } else if (s.ok() && origin != options_.origin) {
    return absl::FailedPreconditionError(
        absl::StrCat("metadata store belongs to origin \"", origin,
                     "\", not \"", options_.origin, "\""));
  }
  if (!s.ok()) return FromLevelDb(s);
  auto log = MerkleLog::Open(db_.get());
  if (!log.ok()) return log.status();
  log_ = std::move(*log);
  if (recorded) {
    if (absl::Status st = CheckAgainstRecord(*recorded); !st.ok()) return st;
  }
  if (absl::Status st = LoadCheckpoint(); !st.ok()) return st;
  record_ = std::make_unique<CheckpointRecord>(options_.env, options_.data_dir);
  SignedCheckpoint cp = LatestCheckpoint();
  if (!recorded || recorded->size < cp.size) {
    // Durable before any write is acknowledged on top of it.
    if (absl::Status st = record_->Write(cp.note, cp.size); !st.ok()) return st;
  }
  return absl::OkStatus();
}

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

Archive::~Archive() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (sequencer_.joinable()) sequencer_.join();
}

void Archive::Enqueue(Pending pending) {
  std::vector<Pending> one;
  one.push_back(std::move(pending));
  EnqueueAll(std::move(one));
}

void Archive::EnqueueAll(std::vector<Pending> pendings) {
  // Queued under one lock, so the sequencer takes them into one batch.
  absl::MutexLock lock(&mu_);
  for (Pending& p : pendings) {
    if (stopping_) {
      p.done(absl::UnavailableError("archive is shutting down"));
    } else {
      queue_.push_back(std::move(p));
    }
  }
}

absl::StatusOr<CommitResult> Archive::EnqueueAndWait(Pending pending) {
  absl::Notification finished;
  absl::StatusOr<CommitResult> result;
  pending.done = [&](absl::StatusOr<CommitResult> r) {
    result = std::move(r);
    finished.Notify();
  };
  Enqueue(std::move(pending));
  finished.WaitForNotification();
  return result;
}

void Archive::CommitAsync(NewRevision revision, CommitCallback done) {
  Pending p;
  p.revision = std::move(revision);
  p.done = std::move(done);
  Enqueue(std::move(p));
}

absl::StatusOr<CommitResult> Archive::Commit(NewRevision revision) {
  Pending p;
  p.revision = std::move(revision);
  return EnqueueAndWait(std::move(p));
}

absl::StatusOr<CommitResult> Archive::Import(
    const std::string& signed_statement, PeerProgress progress,
    std::shared_ptr<const VerifiedBlob> content) {
  Pending p;
  p.imported_statement = signed_statement;
  p.imported_content = std::move(content);
  p.progress = std::move(progress);
  return EnqueueAndWait(std::move(p));
}

void Archive::ImportAsync(const std::string& signed_statement,
                          std::shared_ptr<const VerifiedBlob> content,
                          CommitCallback done) {
  Pending p;
  p.imported_statement = signed_statement;
  p.imported_content = std::move(content);
  p.done = std::move(done);
  Enqueue(std::move(p));
}

std::vector<absl::StatusOr<CommitResult>> Archive::ImportAll(
    std::vector<PeerEntry> entries) {
  std::vector<absl::StatusOr<CommitResult>> results(
      entries.size(), absl::UnknownError("import never ran"));
  absl::BlockingCounter finished(static_cast<int>(entries.size()));
  auto failed = std::make_shared<bool>(false);
  std::vector<Pending> pendings;
  for (size_t i = 0; i < entries.size(); ++i) {
    Pending p;
    p.imported_statement = std::move(entries[i].signed_statement);
    p.imported_content = std::move(entries[i].content);
    p.progress = std::move(entries[i].progress);
    p.chain_failed = failed;
    p.done = [&results, &finished, i](absl::StatusOr<CommitResult> r) {
      results[i] = std::move(r);
      finished.DecrementCount();
    };
    pendings.push_back(std::move(p));
  }
  EnqueueAll(std::move(pendings));
  finished.Wait();
  return results;
}

absl::Status Archive::SavePeerProgress(PeerProgress progress) {
  Pending p;
  p.progress = std::move(progress);
  return EnqueueAndWait(std::move(p)).status();
}

absl::StatusOr<PeerProgress> Archive::GetPeerProgress(
    const std::string& peer_origin) {
  std::string value;
  leveldb::Status s =
      db_->Get(leveldb::ReadOptions(), PeerKey(peer_origin), &value);
  if (!s.ok()) return FromLevelDb(s);
  PeerProgress p;
  p.peer_origin = peer_origin;
  size_t nl = value.find('\n');
  if (nl == std::string::npos ||
      !absl::SimpleAtoi(value.substr(0, nl), &p.next_index)) {
    return absl::DataLossError(
        absl::StrCat("progress record of peer ", peer_origin, " is corrupt"));
  }
  p.checkpoint_note = value.substr(nl + 1);
  return p;
}

absl::StatusOr<uint64_t> Archive::BlobSize(const std::string& sha256_hex) {
  if (!IsSha256Hex(sha256_hex)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "sha256: \"", sha256_hex, "\" is not 64 lowercase hex characters"));
  }
  auto size = blobs_->StoredSize(sha256_hex);
  if (absl::IsNotFound(size.status())) {
    return absl::NotFoundError(absl::StrCat("no blob sha256:", sha256_hex));
  }
  return size;
}

bool Archive::HasRevision(const std::string& revision_id) {
  std::string value;
  return db_->Get(leveldb::ReadOptions(), RevisionKey(revision_id), &value)
      .ok();
}

void Archive::SequencerLoop() {
  while (true) {
    std::vector<Pending> batch;
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(
          +[](Archive* a) ABSL_EXCLUSIVE_LOCKS_REQUIRED(a->mu_) {
            return a->stopping_ || !a->queue_.empty();
          },
          this));
      if (queue_.empty()) return;  // stopping, and everything queued is done
      // Everything that queued while the previous batch was being written goes
      // into this one: under load, one fsync and one signature serve many puts.
      while (!queue_.empty()) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    ProcessBatch(batch);
  }
}

void Archive::ProcessBatch(std::vector<Pending>& batch) {
  if (absl::Status s = EnsureWritable(); !s.ok()) {
    for (Pending& p : batch) p.done(s);
    return;
  }
  BatchState state(this);
  std::vector<absl::StatusOr<CommitResult>> results;
  results.reserve(batch.size());
  for (Pending& p : batch) {
    if (p.chain_failed != nullptr && *p.chain_failed) {
      results.push_back(absl::AbortedError(
          "not imported: an earlier entry of the same pull failed"));
      continue;
    }
    if (!p.imported_statement.empty()) {
      results.push_back(
          StageImport(p.imported_statement, p.imported_content, state));
    } else if (p.revision.statement.document.empty() && p.progress) {
      results.push_back(CommitResult{});  // progress only
    } else {
      results.push_back(Stage(p.revision, state));
    }
    if (results.back().ok() && p.progress) state.SetProgress(*p.progress);
    if (!results.back().ok() && p.chain_failed != nullptr) {
      *p.chain_failed = true;
    }
  }

  uint64_t new_size = state.log().size();
  absl::Status write_status;
  SignedCheckpoint cp = LatestCheckpoint();
  if (new_size != cp.size || state.dirty()) {
    if (new_size != cp.size) {
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
      write_status = FromLevelDb(db_->Write(sync, &state.batch()));
      if (!write_status.ok()) ReportWriteFailure(write_status);
    }
    if (write_status.ok()) {
      log_->Committed(new_size);
      record_->Offer(cp.note, cp.size);
      absl::MutexLock lock(&mu_);
      checkpoint_ = cp;
    }
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

absl::Status Archive::Precheck(NewRevision revision) {
  // A store refusing writes is reopened by the sequencer, which a put reaches
  // only past this check: let it through, the sequencer decides.
  if (!db_->write_failure().ok()) return absl::OkStatus();
  BatchState state(this);
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

absl::StatusOr<StoredRevision> Archive::ReadRevision(const std::string& id) {
  std::string value;
  leveldb::Status s = db_->Get(leveldb::ReadOptions(), RevisionKey(id), &value);
  if (s.IsNotFound())
    return WithReason(
        absl::NotFoundError(absl::StrCat("unknown revision ", id)),
        kReasonRevisionNotFound, {{"revision", id}});
  if (!s.ok()) return FromLevelDb(s);
  return DecodeRevisionRecord(id, value);
}

absl::StatusOr<StoredRevision> Archive::GetRevision(
    const std::string& revision_id) {
  if (!IsSha256Hex(revision_id)) {
    return absl::InvalidArgumentError(
        absl::StrCat("revision id \"", revision_id,
                     "\" is not 64 lowercase hex characters"));
  }
  return ReadRevision(revision_id);
}

absl::StatusOr<DocumentInfo> Archive::GetDocument(
    const std::string& document_id) {
  if (absl::Status s = ValidateDocumentId(document_id); !s.ok()) return s;
  std::string value;
  leveldb::Status s =
      db_->Get(leveldb::ReadOptions(), DocumentKey(document_id), &value);
  if (s.IsNotFound()) {
    return WithReason(
        absl::NotFoundError(absl::StrCat("unknown document ", document_id)),
        kReasonDocumentNotFound, {{"document", document_id}});
  }
  if (s.IsCorruption()) {
    return WithReason(
        absl::DataLossError(absl::StrCat(
            "the record of document ", document_id, " is damaged (",
            s.ToString(), "); archivectl scrub reports what else is")),
        kReasonRecordDamaged, {{"document", document_id}});
  }
  if (!s.ok()) return FromLevelDb(s);
  return DecodeDocumentRecord(document_id, value);
}

absl::StatusOr<StoredRevision> Archive::Authoritative(
    const std::string& document_id, bool head_even_if_draft) {
  auto doc = GetDocument(document_id);
  if (!doc.ok()) return doc.status();
  if (doc->heads.size() != 1) {
    return WithReason(
        absl::FailedPreconditionError(absl::StrCat(
            document_id, " has ", doc->heads.size(),
            " heads (a conflict between offices): ", ListOf(doc->heads),
            "; name one with --rev, or resolve with put --parent for each")),
        kReasonSeveralHeads,
        {{"document", document_id}, {"heads", absl::StrJoin(doc->heads, ",")}});
  }
  auto head = ReadRevision(doc->heads[0]);
  if (!head.ok() || head_even_if_draft) return head;
  if (head->authoritative.empty()) {
    return WithReason(
        absl::NotFoundError(absl::StrCat(
            document_id,
            " has only draft revisions; use --head to get the draft")),
        kReasonNoAuthoritative, {{"document", document_id}});
  }
  if (head->authoritative == head->id) return head;
  return ReadRevision(head->authoritative);
}

namespace {

// A listed revision whose record is damaged.
StoredRevision DamagedRevision(const std::string& id, const absl::Status& why) {
  StoredRevision r;
  r.id = id;
  r.damage = absl::StrCat("the record of revision ", id,
                          " is damaged: ", why.message());
  return r;
}

// Records an iterator's read error (a damaged block it skipped).
void NoteSkipped(const leveldb::Iterator& it, const char* what,
                 std::vector<std::string>* damage) {
  if (it.status().ok() || damage == nullptr) return;
  damage->push_back(absl::StrCat(
      "some ", what,
      " could not be read and are missing here: ", it.status().ToString()));
}

}  // namespace

absl::StatusOr<std::vector<StoredRevision>> Archive::History(
    const std::string& document_id, uint64_t before_leaf, size_t limit,
    std::vector<std::string>* damage) {
  if (auto doc = GetDocument(document_id); !doc.ok()) return doc.status();
  std::string prefix = HistoryPrefix(document_id);
  std::unique_ptr<leveldb::Iterator> it(
      db_->NewIterator(leveldb::ReadOptions()));
  it->Seek(prefix + BigEndian64(before_leaf));
  it->Valid() ? it->Prev() : it->SeekToLast();
  std::vector<StoredRevision> out;
  for (; it->Valid() && out.size() < limit && it->key().starts_with(prefix);
       it->Prev()) {
    std::string id = it->value().ToString();
    auto r = ReadRevision(id);
    if (absl::IsNotFound(r.status()) || absl::IsDataLoss(r.status())) {
      out.push_back(DamagedRevision(id, r.status()));
      continue;
    }
    if (!r.ok()) return r.status();
    out.push_back(std::move(*r));
  }
  NoteSkipped(*it, "history entries", damage);
  return out;
}

namespace {

bool Matches(const DocumentFilter& f, const std::string& id,
             const Statement& s) {
  auto eq = [](const std::string& want, const std::string& have) {
    return want.empty() || want == have;
  };
  if (!eq(f.region, s.region) || !eq(f.issuer, s.issuer) ||
      !eq(f.number, s.number) || !eq(f.status, s.status)) {
    return false;
  }
  if (!f.date_from.empty() && (s.date.empty() || s.date < f.date_from))
    return false;
  if (!f.date_to.empty() && (s.date.empty() || s.date > f.date_to))
    return false;
  if (f.query.empty()) return true;
  for (const std::string* field : {&id, &s.title, &s.issuer, &s.number}) {
    if (absl::StrContains(*field, f.query)) return true;
  }
  return false;
}

}  // namespace

absl::StatusOr<std::vector<std::pair<DocumentInfo, StoredRevision>>>
Archive::ListDocuments(const DocumentFilter& filter,
                       const std::string& start_after, size_t limit,
                       std::vector<std::string>* damage) {
  std::vector<std::pair<DocumentInfo, StoredRevision>> out;
  std::unique_ptr<leveldb::Iterator> it(
      db_->NewIterator(leveldb::ReadOptions()));
  std::string start = DocumentKey(start_after);
  for (it->Seek(start);
       it->Valid() && it->key().starts_with("d/") && out.size() < limit;
       it->Next()) {
    if (!start_after.empty() && it->key() == start) continue;
    std::string id = it->key().ToString().substr(2);
    auto doc = DecodeDocumentRecord(id, it->value().ToString());
    if (!doc.ok()) {
      if (damage != nullptr)
        damage->push_back(std::string(doc.status().message()));
      continue;
    }
    StoredRevision latest;
    for (const std::string& head_id : doc->heads) {
      auto head = ReadRevision(head_id);
      if (!head.ok()) {
        latest = DamagedRevision(head_id, head.status());
        break;
      }
      if (latest.id.empty() || head->leaf_index > latest.leaf_index)
        latest = *head;
    }
    if (!latest.damage.empty() || Matches(filter, id, latest.statement))
      out.emplace_back(*doc, std::move(latest));
  }
  NoteSkipped(*it, "document records", damage);
  return out;
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

namespace {

// Re-hashes one blob front to back without holding it in memory.
absl::Status CheckBlob(BlobStore& blobs, const std::string& sha256,
                       uint64_t size) {
  auto reader = blobs.NewReader(sha256, size);
  if (!reader.ok()) return reader.status();
  std::string scratch(1 << 20, '\0');
  while (true) {
    auto chunk = (*reader)->Read(scratch.size(), scratch.data());
    if (!chunk.ok()) return chunk.status();
    if (chunk->empty()) return absl::OkStatus();
  }
}

}  // namespace

absl::StatusOr<ScrubReport> Archive::Scrub() {
  ScrubReport report;
  std::map<std::string, DamagedBlob> blobs;  // every distinct content
  uint64_t size = LatestCheckpoint().size;
  std::unique_ptr<leveldb::Iterator> it(
      db_->NewIterator(leveldb::ReadOptions()));
  for (it->Seek("r/"); it->Valid() && it->key().starts_with("r/"); it->Next()) {
    std::string id = it->key().ToString().substr(2);
    report.revisions_checked++;
    auto r = DecodeRevisionRecord(id, it->value().ToString());
    if (!r.ok()) {
      report.log_problems.push_back(std::string(r.status().message()));
      continue;
    }
    if (r->leaf_index < size) {
      auto leaf = log_->PerfectSubtree(0, r->leaf_index);
      if (!leaf.ok() || *leaf != MerkleLeafHash(r->statement_text)) {
        report.log_problems.push_back(absl::StrCat(
            "log leaf ", r->leaf_index, " does not match revision ", id));
      }
    }
    DamagedBlob& b = blobs[r->statement.content_sha256];
    b.sha256 = r->statement.content_sha256;
    b.size = r->statement.content_size;
    b.documents.push_back(r->statement.document);
  }
  if (!it->status().ok()) {
    report.damaged_blocks.push_back(
        absl::StrCat("revision records: ", it->status().ToString()));
  }
  CheckMetadata(size, &report);
  auto root = log_->Root(size);
  if (!root.ok() || *root != LatestCheckpoint().root) {
    report.log_problems.push_back(
        absl::StrCat("the log's stored hashes do not reproduce the root of "
                     "signed checkpoint ",
                     size));
  }
  for (auto& [sha, blob] : blobs) {
    report.blobs_checked++;
    absl::Status s = CheckBlob(*blobs_, sha, blob.size);
    if (s.ok()) {
      report.bytes_checked += blob.size;
      continue;
    }
    blob.problem = std::string(s.message());
    std::sort(blob.documents.begin(), blob.documents.end());
    blob.documents.erase(
        std::unique(blob.documents.begin(), blob.documents.end()),
        blob.documents.end());
    report.damaged.push_back(blob);
  }
  return report;
}

void Archive::CheckMetadata(uint64_t size, ScrubReport* report) {
  // Every log entry's revision record must be readable: this names the
  // revisions a damaged table block took.
  for (uint64_t leaf = 0; leaf < size; ++leaf) {
    std::string id;
    leveldb::Status s = db_->Get(leveldb::ReadOptions(), LeafKey(leaf), &id);
    if (!s.ok()) {
      report->log_problems.push_back(absl::StrCat(
          "log entry ", leaf, ": its index record is damaged: ", s.ToString()));
      continue;
    }
    if (auto r = ReadRevision(id); !r.ok()) {
      report->damaged_records.push_back(
          DamagedRecord{leaf, id, std::string(r.status().message())});
    }
  }
  // And every other record (documents, history, peers): a full pass.
  std::unique_ptr<leveldb::Iterator> it(
      db_->NewIterator(leveldb::ReadOptions()));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
  }
  if (!it->status().ok()) {
    report->damaged_blocks.push_back(
        absl::StrCat("metadata records: ", it->status().ToString()));
  }
}

absl::Status Archive::RecordScrub(const ScrubRecord& record) {
  leveldb::WriteOptions sync;
  sync.sync = true;
  return FromLevelDb(db_->Put(sync, kLastScrubKey, EncodeScrubRecord(record)));
}

absl::StatusOr<std::optional<ScrubRecord>> Archive::LastScrub() {
  std::string value;
  leveldb::Status s = db_->Get(leveldb::ReadOptions(), kLastScrubKey, &value);
  if (s.IsNotFound()) return std::optional<ScrubRecord>();
  if (!s.ok()) return FromLevelDb(s);
  auto record = DecodeScrubRecord(value);
  if (!record.ok()) return record.status();
  return std::optional<ScrubRecord>(std::move(*record));
}

}  // namespace archive
