// The archive: revisions, documents and the transparency log of one office,
// stored in a LevelDB metadata store and a content-addressed blob store under
// one data directory.
//
// Contracts:
//  - A revision is committed only after its content is durable in the blob
//    store.
//  - Commit() returns only once the revision is durable in LevelDB (a synced
//    write) AND covered by a checkpoint signed with the archive's key.
//    Concurrent commits are batched by a single sequencer (sequencer.h), so
//    one fsync and one signature cover many.
//  - Log leaves, node hashes, revision and document records and the new
//    checkpoint are written in one atomic LevelDB batch: a crash leaves all of
//    a batch or none of it, and a checkpoint is never handed out before the
//    batch holding it is durable, so no two signed checkpoints are ever
//    inconsistent.
//  - Thread-safety: every public method may be called from any thread. Writes
//    are serialized by the sequencer; reads go straight to LevelDB and see
//    whole batches only.
//  - Ownership: the Archive owns its store, blob store and key; blobs() and
//    key() are valid for the Archive's lifetime.
//
// Data directory layout: keys/ (identity.h), blobs/ (file_blob_backend.h,
// absent with another ArchiveOptions::blob_backend), meta/
// (LevelDB). LevelDB keys: "meta/origin"; "r/<rev id>" revision record; "d/<doc
// id>" document record; "h/<doc id>\0<be64 leaf>" history; "l/<be64 leaf>" leaf
// -> rev id; "c/<be64 size>" signed checkpoint; "n..." and "log/size"
// (merkle_log.h); "meta/last-scrub" the last scrub's outcome (scrub_record.h);
// "b/<sha256 hex>" small blobs (inline_blobs.h); "m/<origin>\0..." the mirror
// of a peer's log (peer_mirror.h).
#ifndef ARCHIVE_STORAGE_DB_ARCHIVE_H_
#define ARCHIVE_STORAGE_DB_ARCHIVE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "leveldb/cache.h"
#include "leveldb/db.h"
#include "leveldb/env.h"
#include "leveldb/filter_policy.h"
#include "leveldb/write_batch.h"
#include "storage/base/env.h"
#include "storage/db/archive_types.h"
#include "storage/db/blob_store.h"
#include "storage/db/checkpoint_record.h"
#include "storage/db/commit_observer.h"
#include "storage/db/inline_blobs.h"
#include "storage/db/log_reader.h"
#include "storage/db/merkle_log.h"
#include "storage/db/peer_mirror.h"
#include "storage/db/recoverable_db.h"
#include "storage/db/scrub_record.h"
#include "storage/db/scrub_report.h"
#include "storage/db/sequencer.h"
#include "storage/db/signing_hold.h"
#include "storage/format/signing_key.h"
#include "storage/format/statement.h"

namespace archive {

struct ArchiveOptions {
  std::string data_dir;
  std::string origin;
  Env* env = Env::Default();
  size_t block_cache_bytes = 32 << 20;
  // Contents up to this size written through blobs().NewWriter(size) are kept
  // in the metadata store, in the same batch as their revision (see
  // inline_blobs.h); larger ones go to the blob backend. 0 keeps every blob
  // in the backend.
  uint64_t inline_blob_max_bytes = 256 << 10;
  // LevelDB's memtable (and log file) size; up to two stay resident (one
  // being written, one being flushed). Inline blobs fill LevelDB's default of
  // 4 MiB every ~100 puts: under the 64-client load test that gave 33k puts
  // in 30 s and 140 ms put p99s (level-0 write stalls); 16 MiB gave 47k.
  size_t write_buffer_bytes = 16 << 20;
  // The journal (journal.h) under DATA_DIR/journal rolls to a new segment
  // file, after flushing LevelDB's memtable, once a segment holds this much.
  uint64_t journal_segment_bytes = 64 << 20;
  // The metadata store's file system; null for tables read with pread
  // (pread_env.h) and logs written into preallocated zeros
  // (preallocated_log_env.h). A seam for tests that fail its writes and
  // syncs.
  leveldb::Env* leveldb_env = nullptr;
  // Run LevelDB's repair on meta/ before opening it (archived --repair); the
  // archive then opens only if the repaired log agrees with the newest
  // checkpoint it signed (checkpoint_record.h).
  bool repair = false;
  // Where blobs that are not inline are kept (storage/base/blob_backend.h);
  // null for files under DATA_DIR/blobs, opened by the archive once it holds
  // the metadata store's lock. Shared: the caller may keep a pointer.
  std::shared_ptr<BlobBackend> blob_backend;
  // Told about every batch the sequencer commits (metrics); not owned, may be
  // null, must outlive the archive.
  CommitObserver* observer = nullptr;
};

// How much the archive holds, for metrics (Archive::MeasureUsage).
struct StoreUsage {
  uint64_t documents = 0;
  uint64_t inline_blob_bytes = 0;  // contents kept in the metadata store
  // Contents kept by the blob backend: files under blobs/, or the objects
  // under an S3 prefix (which counts other archives' on a shared bucket).
  uint64_t file_blob_bytes = 0;
  uint64_t file_blobs = 0;
};

class Archive {
 public:
  // Opens (or creates) the archive in options.data_dir. FAILED_PRECONDITION,
  // saying how to recover, when the metadata store is missing or behind the
  // newest checkpoint this archive signed (it would fork the log), or is
  // locked by another process; RESOURCE_EXHAUSTED when the disk is too full
  // to recover the store's log.
  static absl::StatusOr<std::unique_ptr<Archive>> Open(
      const ArchiveOptions& options);
  ~Archive();  // finishes queued commits, then closes

  const std::string& origin() const { return key_->name(); }
  const SigningKey& key() const { return *key_; }
  // The file system and clock this archive was opened with (not owned; it
  // outlives the archive), for the work done beside it.
  Env* env() const { return options_.env; }
  BlobStore& blobs() { return *blobs_; }
  // The verbatim mirrors of the peers' logs this archive pulled
  // (peer_mirror.h), written with each import.
  PeerMirrors& mirrors() { return *mirrors_; }

  // Queues a revision whose content is committed to blobs() or carried in
  // revision.content. `done`
  // runs on the sequencer thread once the outcome is durable; it must not
  // block. Errors: INVALID_ARGUMENT (a statement field, naming it), ABORTED
  // (conditional put and the heads moved), FAILED_PRECONDITION (several heads
  // and no parents named), RESOURCE_EXHAUSTED (the disk is full; see
  // IsDiskFull). After a failed write of the metadata store nothing is
  // acknowledged until the store has been reopened and its log checked
  // against the newest signed checkpoint; the sequencer retries that on each
  // later batch, so writes resume by themselves once space is freed.
  void CommitAsync(NewRevision revision, CommitCallback done);
  absl::StatusOr<CommitResult> Commit(NewRevision revision);  // blocking form
  // The answer Commit would give now, short of storing anything: lets a put be
  // refused (a moved head, several heads) before its content is received. The
  // sequencer decides again at commit time, so a race is still caught.
  absl::Status Precheck(NewRevision revision);

  // Appends a revision pulled from a peer, its signed statement unchanged, and
  // records `progress` in the same atomic write. The caller has verified the
  // signature and stored the content in blobs() or passes it sealed in
  // `content` (written in the same batch). A revision already here is not
  // appended again (created=false) but the progress is still recorded. Its
  // parents must be here (DATA_LOSS otherwise: the peer's log is out of order).
  // Heads: the revision replaces those of its parents that are heads; a
  // concurrent line of history stays a head too.
  absl::StatusOr<CommitResult> Import(
      const std::string& signed_statement, PeerProgress progress,
      std::shared_ptr<const VerifiedBlob> content = nullptr);
  // Import without peer progress (a revision handed in by a client, e.g. from
  // a bag); `done` runs on the sequencer thread once the outcome is durable and
  // checkpointed, and must not block. Same rules as Import.
  void ImportAsync(const std::string& signed_statement,
                   std::shared_ptr<const VerifiedBlob> content,
                   CommitCallback done);
  // Imports `entries` in order, as Import would one by one, but queued
  // together so they share one batch: one fsync and one checkpoint for all.
  // Stops at the first entry that fails: those before it are stored with
  // their progress, it and those after it are not (ABORTED), so the recorded
  // progress never skips an entry. One result per entry.
  std::vector<absl::StatusOr<CommitResult>> ImportAll(
      std::vector<PeerEntry> entries);
  // Records progress alone (e.g. a verified checkpoint that brought nothing
  // new).
  absl::Status SavePeerProgress(PeerProgress progress);
  // NOT_FOUND if this peer was never pulled.
  absl::StatusOr<PeerProgress> GetPeerProgress(const std::string& peer_origin);
  bool HasRevision(const std::string& revision_id);
  // Size of a stored blob as found on disk (its re-hash on read catches
  // damage); NOT_FOUND if this archive has no such blob.
  absl::StatusOr<uint64_t> BlobSize(const std::string& sha256_hex);

  absl::StatusOr<StoredRevision> GetRevision(const std::string& revision_id);
  absl::StatusOr<DocumentInfo> GetDocument(const std::string& document_id);
  // The authoritative revision: newest non-draft on the single head. With
  // `head_even_if_draft`, the head itself. FAILED_PRECONDITION listing the
  // heads when there are several; NOT_FOUND for an unknown document or one with
  // only drafts. If `document` is given, the document's record read to find
  // it is left there (a get also needs its heads; one read, not two).
  absl::StatusOr<StoredRevision> Authoritative(
      const std::string& document_id, bool head_even_if_draft,
      DocumentInfo* document = nullptr);
  // Revisions of a document, newest first, starting below `before_leaf`
  // (exclusive; UINT64_MAX for the newest).
  //
  // Listings contain damage rather than fail on it: a revision whose record
  // cannot be read is listed with `damage` set, and records that could not be
  // read at all (a damaged table block) are skipped and described in
  // `*damage`, if given.
  absl::StatusOr<std::vector<StoredRevision>> History(
      const std::string& document_id, uint64_t before_leaf, size_t limit,
      std::vector<std::string>* damage = nullptr);
  // Documents after `start_after` in id order matching `filter` (on the newest
  // head). A document whose newest head is damaged is listed (unfiltered,
  // since its fields are unknown) with that head's `damage` set.
  absl::StatusOr<std::vector<std::pair<DocumentInfo, StoredRevision>>>
  ListDocuments(const DocumentFilter& filter, const std::string& start_after,
                size_t limit, std::vector<std::string>* damage = nullptr);

  // Re-reads everything: every revision record (its statement must hash to its
  // id), every log leaf (its hash must match the statement), the log root (must
  // match the signed checkpoint) and every blob (re-hashed). Reports all damage
  // found.
  absl::StatusOr<ScrubReport> Scrub();
  // Records a scrub's outcome (after its repairs) durably, replacing the
  // previous record, so "when was this archive last scrubbed, and what was
  // found" survives restarts.
  absl::Status RecordScrub(const ScrubRecord& record);
  // The last recorded scrub; nullopt if this archive was never scrubbed.
  absl::StatusOr<std::optional<ScrubRecord>> LastScrub();

  // Restores the damaged record of the revision at log entry `leaf_index`
  // from `signed_statement`, a copy from elsewhere (a peer) whose signature
  // the caller has checked. DATA_LOSS unless the entry's index record names
  // the statement's revision and the log's leaf hash there is the statement's
  // (so only the exact statement this archive logged is accepted);
  // FAILED_PRECONDITION if a parent's record is unreadable too (restore in log
  // order). The new record is written synced and shadows the damaged one;
  // the damaged block itself stays until RewriteStore().
  absl::Status RestoreRevisionRecord(uint64_t leaf_index,
                                     const std::string& signed_statement);
  // Rewrites the metadata store without its unreadable blocks (LevelDB's
  // repair, with writes held), then checks it against the newest checkpoint
  // this archive signed, as a reopen after a failed write does. The records a
  // damaged block held are dropped: call it once each has been restored.
  absl::Status RewriteStore();

  SignedCheckpoint LatestCheckpoint();
  // When the latest checkpoint was signed (Unix seconds): by this process, or
  // else when the newest signed checkpoint was recorded on disk; 0 if never.
  int64_t LatestCheckpointTime();
  // Counts documents and blob bytes with one pass over the document records,
  // the inline blobs and the blob files: O(archive), for a background thread,
  // not a request. Errors: the metadata store's or the file system's.
  absl::StatusOr<StoreUsage> MeasureUsage();
  // OK while the metadata store accepts writes; else why not (the disk is
  // full, or the store is refused until --repair), as the next put would be
  // told.
  absl::Status WriteHealth();
  // The hold a restore placed (signing_hold.h); nullopt if there is none.
  // While held, puts fail (FAILED_PRECONDITION), the log grows only by
  // imports placed at a given index (PeerEntry::at_index: a restore's or a
  // recovery's verbatim entries, never a peer's pull interleaved with them),
  // and no batch grows it beyond the hold's size. archive_hold.cc.
  std::optional<SigningHold> signing_hold() const;
  // Raises the hold to `checkpoint_note`, a larger checkpoint this archive
  // signed before it was restored (its own key must verify it), so that the
  // entries missing between the log and it can be imported verbatim.
  // `consistency` is the proof that it extends the log as it is now: a
  // checkpoint that does not is refused (DATA_LOSS), so the hold never
  // admits a forked tail. FAILED_PRECONDITION if the archive is not held;
  // INVALID_ARGUMENT for a note that is not such a checkpoint; OK and no
  // change for one no larger than the hold. Durable before it returns.
  absl::Status RaiseSigningHold(const std::string& checkpoint_note,
                                const std::vector<std::string>& consistency);
  // Lifts the hold once the log has reached it (size and root): this
  // archive signs again from here. FAILED_PRECONDITION while the log is
  // short of the hold; OK if there is no hold. Durable before it returns.
  absl::Status LiftSigningHold();
  // The latest checkpoint once it covers `leaf_index` (waits briefly for a
  // batch being committed; returns the latest after 10 s regardless).
  SignedCheckpoint CheckpointCovering(uint64_t leaf_index);
  // A receipt against the latest checkpoint.
  absl::StatusOr<Receipt> ReceiptFor(const StoredRevision& revision);
  absl::StatusOr<std::vector<std::string>> InclusionProof(uint64_t leaf,
                                                          uint64_t size);
  absl::StatusOr<std::vector<std::string>> ConsistencyProof(uint64_t old_size,
                                                            uint64_t new_size);
  // A reader of this archive's own log at its latest checkpoint (for an empty
  // `mirror_origin`, or this archive's origin), or of its mirror of the peer
  // `mirror_origin` at the newest checkpoint the mirror covers: NOT_FOUND if
  // this archive mirrors no such log.
  absl::StatusOr<LogReader> ServedLog(const std::string& mirror_origin);
  // Signed statements at leaf indexes [start, start + count), within the latest
  // checkpoint.
  absl::StatusOr<std::vector<std::string>> LogEntries(uint64_t start,
                                                      uint64_t count);

 private:
  // One queued write: a local put, or an import (imported_statement set), each
  // optionally carrying peer progress.
  struct Pending {
    NewRevision revision;
    std::string imported_statement;
    std::shared_ptr<const VerifiedBlob> imported_content;
    std::optional<PeerProgress> progress;
    // Where an import must land in the log (PeerEntry::at_index).
    std::optional<uint64_t> at_index;
    std::optional<std::vector<std::string>> inclusion;
    // Shared by the entries of one ImportAll: set once one fails, so the
    // entries after it are not staged.
    std::shared_ptr<bool> chain_failed;
    CommitCallback done;
  };
  absl::StatusOr<CommitResult> EnqueueAndWait(Pending pending);
  class BatchState;
  // OK unless a hold refuses this queued write: a put, or an import that
  // would append a leaf anywhere but at its at_index (archive_hold.cc).
  absl::Status HeldWrite(const Pending& p, BatchState& state);

  Archive(ArchiveOptions options, std::unique_ptr<SigningKey> key,
          std::unique_ptr<BlobStore> blobs);
  absl::Status OpenDatabase(const std::optional<RecordedCheckpoint>& recorded);
  absl::Status LoadCheckpoint();
  // The newest checkpoint in the store, checked against the log it covers;
  // nullopt for an empty store.
  absl::StatusOr<std::optional<SignedCheckpoint>> StoredCheckpoint();
  // FAILED_PRECONDITION unless the store's log holds `recorded` (archive
  // recovery: archive_recovery.cc).
  absl::Status CheckAgainstRecord(const RecordedCheckpoint& recorded);
  // OK if writes may go on; otherwise tries (at most every 200 ms) to reopen
  // the store after a failed write and returns why writes are refused.
  absl::Status EnsureWritable();
  // Reopens the store (after LevelDB's repair if `repair`) and checks it
  // against the newest signed checkpoint.
  absl::Status ReopenStore(bool repair = false);
  bool RoomToReopen();
  static void ReportWriteFailure(const absl::Status& status);
  // After --repair: every record and the log root re-verified (Scrub).
  absl::Status CheckRepaired();
  absl::StatusOr<SignedCheckpoint> ExtendCheckpoint(
      const SignedCheckpoint& previous, uint64_t new_size, HashSource& source);
  absl::StatusOr<SignedCheckpoint> SignCheckpoint(uint64_t size,
                                                  HashSource& source);
  // Decides what one queued put becomes within `state`; stages it if it is new.
  absl::StatusOr<CommitResult> Stage(NewRevision& revision, BatchState& state,
                                     bool dry_run = false);
  absl::StatusOr<CommitResult> StageImport(
      const std::string& signed_statement,
      const std::shared_ptr<const VerifiedBlob>& content, BatchState& state);
  // Adds a sealed content to the batch of the revision using it.
  absl::Status StageContent(const Statement& statement,
                            const std::shared_ptr<const VerifiedBlob>& content,
                            BatchState& state);
  // Computes the authoritative pointer, appends to the log and stages the
  // records.
  absl::StatusOr<CommitResult> AddRevision(StoredRevision r, DocumentInfo doc,
                                           BatchState& state);
  void ProcessBatch(std::vector<Pending>& batch);
  absl::StatusOr<StoredRevision> ReadRevision(const std::string& id);
  // Revision ids at the own log's leaves [start, start + count).
  absl::StatusOr<std::vector<std::string>> LeafRevisionIds(uint64_t start,
                                                           uint64_t count);
  // Scrub's pass over the metadata records themselves.
  void CheckMetadata(uint64_t size, ScrubReport* report);

  ArchiveOptions options_;
  std::unique_ptr<SigningKey> key_;
  // Set at Open; raised and lifted only by recovery (archive_hold.cc).
  mutable absl::Mutex hold_mu_;
  std::optional<SigningHold> hold_ ABSL_GUARDED_BY(hold_mu_);
  std::unique_ptr<BlobStore> blobs_;
  // Declared before db_ so they outlive it.
  std::unique_ptr<leveldb::Env> compaction_env_;  // db_options_.env
  std::unique_ptr<leveldb::Cache> cache_;
  std::unique_ptr<const leveldb::FilterPolicy> filter_;
  leveldb::Options db_options_;
  std::unique_ptr<RecoverableDb> db_;
  std::unique_ptr<CheckpointRecord> record_;
  std::unique_ptr<InlineBlobs> inline_blobs_;
  std::unique_ptr<MerkleLog> log_;
  std::unique_ptr<PeerMirrors> mirrors_;

  absl::Mutex mu_;
  SignedCheckpoint checkpoint_ ABSL_GUARDED_BY(mu_);
  int64_t checkpoint_time_ ABSL_GUARDED_BY(mu_) = 0;
  // store_unusable_, for readers off the sequencer thread (WriteHealth).
  absl::Status refused_ ABSL_GUARDED_BY(mu_);
  // Sequencer thread only: a store whose reopened log contradicts what was
  // signed stays refused (DATA_LOSS) until a restart with --repair.
  absl::Status store_unusable_;
  int64_t last_reopen_micros_ = 0;
  // Sequencer thread only: the LevelDB batch each sequencer batch is staged
  // in, kept between batches (Clear keeps its buffer) so that a batch of
  // contents is not grown from empty by doubling, each time into fresh,
  // page-faulting memory. A buffer grown past kLargestKeptBatchBytes is freed.
  // StagingBatch() returns it empty.
  leveldb::WriteBatch& StagingBatch();
  leveldb::WriteBatch staging_batch_;
  static constexpr size_t kLargestKeptBatchBytes = 32 << 20;
  // The one writer: runs ProcessBatch (archive_batch.cc). Last, so it stops
  // before anything it uses is destroyed.
  std::unique_ptr<Sequencer<Pending>> sequencer_;
};

}  // namespace archive

#endif  // ARCHIVE_STORAGE_DB_ARCHIVE_H_
