// Opening the archive and queueing writes for its sequencer (archive.h). The
// commit path itself is archive_batch.cc; reads are archive_queries.cc, the
// log and its checkpoints archive_log.cc, scrub archive_scrub.cc, recovery
// archive_recovery.cc.
#include "storage/db/archive.h"

#include "absl/strings/str_cat.h"
#include "absl/synchronization/blocking_counter.h"
#include "absl/synchronization/notification.h"
#include "storage/db/archive_records.h"
#include "storage/db/dedicated_background_env.h"
#include "storage/db/identity.h"
#include "storage/db/leveldb_status.h"
#include "storage/db/pread_env.h"
#include "storage/db/preallocated_log_env.h"
#include "storage/format/origin.h"

namespace archive {
namespace {

// Zeros written ahead of LevelDB's log, a chunk at a time: one sync in each
// chunk's worth of puts commits a new file size, the others only data.
constexpr uint64_t kLogChunkBytes = 4 << 20;

// Tables read with pread (pread_env.h), logs written into zeros
// (preallocated_log_env.h), so a durable put's fdatasync flushes data only.
leveldb::Env* DefaultLevelDbEnv() {
  static auto* env =
      new PreallocatedLogEnv(PreadEnv::Default(), kLogChunkBytes);
  return env;
}

}  // namespace

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
  auto hold = LoadSigningHold(env, options.data_dir, **key);
  if (!hold.ok()) return hold.status();
  std::unique_ptr<Archive> archive(
      new Archive(options, std::move(*key), nullptr));
  {
    absl::MutexLock lock(&archive->hold_mu_);
    archive->hold_ = std::move(*hold);
  }
  if (absl::Status s = archive->OpenDatabase(*recorded); !s.ok()) return s;
  // Only now, holding the metadata store's lock, is this the directory's one
  // user: opening the blob store deletes the temp files in blobs/tmp/, which
  // before the lock could be the uploads in flight of an archived already
  // running here.
  if (options.blob_backend != nullptr) {
    // A one-pass put's bytes wait in spool/ until their digest is checked:
    // an object store names an object before its bytes.
    auto blobs =
        BlobStore::OnBackend(options.blob_backend, archive->inline_blobs_.get(),
                             env, options.data_dir + "/spool");
    if (!blobs.ok()) return blobs.status();
    archive->blobs_ = std::move(*blobs);
  } else {
    auto blobs = BlobStore::Open(env, options.data_dir + "/blobs",
                                 archive->inline_blobs_.get());
    if (!blobs.ok()) return blobs.status();
    archive->blobs_ = std::move(*blobs);
  }
  if (options.repair) {
    if (absl::Status s = archive->CheckRepaired(); !s.ok()) return s;
  }
  archive->sequencer_ = std::make_unique<Sequencer<Pending>>(
      [a = archive.get()](std::vector<Pending>& batch) {
        a->ProcessBatch(batch);
      },
      [](Pending& refused) {
        refused.done(absl::UnavailableError("archive is shutting down"));
      });
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
  // Compactions on a thread of the store's own, named for what it does: on
  // LevelDB's shared thread they ran under the name of the thread that
  // started it, the sequencer, and profiles counted them as its work.
  compaction_env_ = std::make_unique<DedicatedBackgroundEnv>(
      options_.leveldb_env != nullptr ? options_.leveldb_env
                                      : DefaultLevelDbEnv(),
      /*nice=*/0, "meta-compact");
  o.env = compaction_env_.get();
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
  JournalOptions journal;
  journal.env = options_.env;
  journal.dir = options_.data_dir + "/journal";
  journal.segment_bytes = options_.journal_segment_bytes;
  journal.separation = InlineBlobs::Separation();
  std::unique_ptr<RecoverableDb> db;
  leveldb::Status s =
      RecoverableDb::Open(o, path, &db, &journal, options_.repair);
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
  mirrors_ = std::make_unique<PeerMirrors>(db_.get());
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

Archive::~Archive() {
  // Finishes what is queued while every member the batches use still exists.
  sequencer_.reset();
}

absl::StatusOr<CommitResult> Archive::EnqueueAndWait(Pending pending) {
  absl::Notification finished;
  absl::StatusOr<CommitResult> result;
  pending.done = [&](absl::StatusOr<CommitResult> r) {
    result = std::move(r);
    finished.Notify();
  };
  sequencer_->Enqueue(std::move(pending));
  finished.WaitForNotification();
  return result;
}

void Archive::CommitAsync(NewRevision revision, CommitCallback done) {
  Pending p;
  p.revision = std::move(revision);
  p.done = std::move(done);
  sequencer_->Enqueue(std::move(p));
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
  sequencer_->Enqueue(std::move(p));
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
    p.at_index = entries[i].at_index;
    p.inclusion = std::move(entries[i].inclusion);
    // No peer (a restore from a backup): no cursor to record.
    if (!entries[i].progress.peer_origin.empty()) {
      p.progress = std::move(entries[i].progress);
    }
    p.chain_failed = failed;
    p.done = [&results, &finished, i](absl::StatusOr<CommitResult> r) {
      results[i] = std::move(r);
      finished.DecrementCount();
    };
    pendings.push_back(std::move(p));
  }
  sequencer_->EnqueueAll(std::move(pendings));
  finished.Wait();
  return results;
}

absl::Status Archive::SavePeerProgress(PeerProgress progress) {
  Pending p;
  p.progress = std::move(progress);
  return EnqueueAndWait(std::move(p)).status();
}

}  // namespace archive
