#include "storage/db/recoverable_db.h"

#include <algorithm>
#include <utility>

#include "leveldb/write_batch.h"
#include "storage/base/little_endian.h"

namespace archive {
namespace {

constexpr char kMarkerKey[] = "meta/journal";

// Flushes LevelDB's memtable into synced tables and waits for it.
// CompactRange does that first; its range, one key after every key the
// archive writes, overlaps no table, so nothing else is compacted (a real
// key would pull every level's tables around it into the compaction).
void FlushMemtable(leveldb::DB* db) {
  const leveldb::Slice after_all("\xff\xff\xff flush");
  db->CompactRange(&after_all, &after_all);
}

leveldb::Status ToLevelDb(const absl::Status& s) {
  if (s.ok()) return leveldb::Status::OK();
  const std::string message(s.message());
  if (absl::IsNotFound(s)) return leveldb::Status::NotFound(message);
  if (absl::IsDataLoss(s)) return leveldb::Status::Corruption(message);
  return leveldb::Status::IOError(message);
}

// The marker: the last sequence in LevelDB's synced tables and the first
// segment to replay, then 8 zero bytes (the first journaled builds wrote
// three numbers; the third is kept so their stores read the same).
struct Marker {
  uint64_t sequence = 0;
  uint64_t segment = 1;
  std::string Encode() const {
    std::string out;
    AppendLittleEndian(&out, sequence, 8);
    AppendLittleEndian(&out, segment, 8);
    AppendLittleEndian(&out, 0, 8);
    return out;
  }
  static std::optional<Marker> Decode(absl::string_view encoded) {
    if (encoded.size() != 24) return std::nullopt;
    return Marker{ReadLittleEndian(encoded, 8),
                  ReadLittleEndian(encoded.substr(8), 8)};
  }
};

// An iterator that keeps the store open (the shared lock held) while it lives.
class LockedIterator final : public leveldb::Iterator {
 public:
  LockedIterator(std::shared_lock<std::shared_mutex> lock,
                 leveldb::Iterator* it)
      : lock_(std::move(lock)), it_(it) {}
  bool Valid() const override { return it_->Valid(); }
  void SeekToFirst() override { it_->SeekToFirst(); }
  void SeekToLast() override { it_->SeekToLast(); }
  void Seek(const leveldb::Slice& target) override { it_->Seek(target); }
  void Next() override { it_->Next(); }
  void Prev() override { it_->Prev(); }
  leveldb::Slice key() const override { return it_->key(); }
  leveldb::Slice value() const override { return it_->value(); }
  leveldb::Status status() const override { return it_->status(); }

 private:
  // Declared first so it is released last, after the iterator is gone.
  std::shared_lock<std::shared_mutex> lock_;
  std::unique_ptr<leveldb::Iterator> it_;
};

// Every block read from a table file is checked against its CRC: LevelDB
// does not by default (paranoid_checks covers only the log and table
// indexes), and a flipped byte in a record would otherwise be served, or turn
// a revision id into another (found by hand: one flipped byte in a table made
// `ls` fail with "unknown revision cf17f5t7..." and scrub see nothing).
leveldb::ReadOptions Verified(leveldb::ReadOptions options) {
  options.verify_checksums = true;
  return options;
}

}  // namespace

leveldb::Status RecoverableDb::Open(const leveldb::Options& options,
                                    const std::string& path,
                                    std::unique_ptr<RecoverableDb>* result,
                                    const JournalOptions* journal,
                                    bool replay_all) {
  std::unique_ptr<RecoverableDb> db(new RecoverableDb(options, path));
  leveldb::DB* inner = nullptr;
  leveldb::Status s = leveldb::DB::Open(options, path, &inner);
  if (!s.ok()) return s;
  db->db_.reset(inner);
  if (journal != nullptr) {
    db->journal_options_ = *journal;
    auto opened =
        Journal::Open(journal->env, journal->dir, journal->segment_bytes);
    if (!opened.ok()) return ToLevelDb(opened.status());
    db->journal_ = std::move(*opened);
    std::unique_lock<std::shared_mutex> lock(db->mu_);
    if (s = db->CatchUp(replay_all); !s.ok()) return s;
  }
  *result = std::move(db);
  return s;
}

leveldb::Status RecoverableDb::CatchUp(bool replay_all) {
  std::string marker;
  leveldb::Status s = db_->Get(leveldb::ReadOptions(), kMarkerKey, &marker);
  if (!s.ok() && !s.IsNotFound()) return s;
  std::optional<Marker> at;
  if (s.ok()) {
    at = Marker::Decode(marker);
    if (!at) return leveldb::Status::Corruption(kMarkerKey, "malformed");
  }
  const bool from_marker = at.has_value() && !replay_all;
  const uint64_t from = from_marker ? at->segment : 1;
  std::optional<uint64_t> after;
  if (from_marker) after = at->sequence;
  uint64_t replayed = 0;
  absl::Status replay =
      journal_->Replay(from, after, [&](const Journal::Record& record) {
        leveldb::WriteBatch batch;
        absl::Status a =
            ApplicationOf(record, journal_options_->separation, &batch);
        if (!a.ok()) return a;
        ++replayed;
        leveldb::Status w = db_->Write(leveldb::WriteOptions(), &batch);
        return w.ok() ? absl::OkStatus()
                      : absl::InternalError(
                            "replaying the journal into "
                            "LevelDB: " +
                            w.ToString());
      });
  if (!replay.ok()) return ToLevelDb(replay);
  auto last = journal_->LastSegment();
  if (!last.ok()) return ToLevelDb(last.status());
  const uint64_t next = std::max(from, *last + 1);
  const uint64_t sequence = journal_->next_sequence() - 1;
  if (replayed > 0) {
    if (absl::Status synced = journal_->SyncReplayed(); !synced.ok()) {
      return ToLevelDb(synced);
    }
    FlushMemtable(db_.get());
  }
  if (!at || at->sequence != sequence || at->segment != next) {
    if (s = WriteMarker(sequence, next); !s.ok()) return s;
  }
  return ToLevelDb(journal_->StartSegment(next));
}

leveldb::Status RecoverableDb::WriteMarker(uint64_t sequence,
                                           uint64_t segment) {
  leveldb::WriteOptions sync;
  sync.sync = true;
  return db_->Put(sync, kMarkerKey, Marker{sequence, segment}.Encode());
}

leveldb::Status RecoverableDb::WriteJournaled(leveldb::WriteBatch* updates) {
  const std::string payload = EncodeJournalPayload(*updates);
  auto record = journal_->Append(payload);
  if (!record.ok()) return ToLevelDb(record.status());
  if (absl::Status s = journal_->Sync(); !s.ok()) return ToLevelDb(s);
  record->payload = payload;
  leveldb::WriteBatch applied;
  absl::Status a =
      ApplicationOf(*record, journal_options_->separation, &applied);
  if (!a.ok()) return ToLevelDb(a);
  leveldb::Status s = db_->Write(leveldb::WriteOptions(), &applied);
  if (!s.ok() || !journal_->SegmentFull()) return s;
  // This write is durable (its record is synced) and applied: a roll that
  // fails now refuses the writes after it, until a reopen replays the
  // journal, but does not report this one as lost.
  if (leveldb::Status rolled = RollSegment(); !rolled.ok()) {
    write_failure_ = rolled;
  }
  return leveldb::Status::OK();
}

leveldb::Status RecoverableDb::RollSegment() {
  // Every record of the current segment is then in LevelDB's synced tables.
  FlushMemtable(db_.get());
  const uint64_t next = journal_->current_segment() + 1;
  leveldb::Status s = WriteMarker(journal_->next_sequence() - 1, next);
  if (!s.ok()) return s;
  return ToLevelDb(journal_->StartSegment(next));
}

RecoverableDb::~RecoverableDb() {
  // A clean close leaves nothing to replay: the next open starts at once,
  // and a record damaged later in this segment is found by a read or a
  // scrub (and repaired from a peer) instead of stopping the open.
  std::lock_guard<std::mutex> writes(write_mu_);
  std::unique_lock<std::shared_mutex> lock(mu_);
  if (journal_ != nullptr && db_ != nullptr && write_failure_.ok() &&
      journal_->has_records()) {
    (void)RollSegment();  // if it fails, the next open replays
  }
}

leveldb::Status RecoverableDb::Closed() const {
  return reopen_failure_.ok()
             ? leveldb::Status::IOError(path_, "metadata store is closed")
             : reopen_failure_;
}

leveldb::Status RecoverableDb::write_failure() const {
  std::lock_guard<std::mutex> lock(write_mu_);
  return write_failure_;
}

leveldb::Status RecoverableDb::Reopen(bool repair) {
  std::lock_guard<std::mutex> writes(write_mu_);
  std::unique_lock<std::shared_mutex> lock(mu_);
  db_.reset();  // releases LevelDB's LOCK file, so the open below can take it
  if (repair) {
    reopen_failure_ = leveldb::RepairDB(path_, options_);
    if (!reopen_failure_.ok()) return reopen_failure_;
  }
  leveldb::DB* inner = nullptr;
  reopen_failure_ = leveldb::DB::Open(options_, path_, &inner);
  if (!reopen_failure_.ok()) return reopen_failure_;
  db_.reset(inner);
  if (journal_ != nullptr) {
    reopen_failure_ = CatchUp(repair);
    if (!reopen_failure_.ok()) {
      db_.reset();
      return reopen_failure_;
    }
  }
  write_failure_ = leveldb::Status::OK();
  return reopen_failure_;
}

leveldb::Status RecoverableDb::Put(const leveldb::WriteOptions& options,
                                   const leveldb::Slice& key,
                                   const leveldb::Slice& value) {
  leveldb::WriteBatch batch;
  batch.Put(key, value);
  return Write(options, &batch);
}

leveldb::Status RecoverableDb::Delete(const leveldb::WriteOptions& options,
                                      const leveldb::Slice& key) {
  leveldb::WriteBatch batch;
  batch.Delete(key);
  return Write(options, &batch);
}

leveldb::Status RecoverableDb::Write(const leveldb::WriteOptions& options,
                                     leveldb::WriteBatch* updates) {
  std::lock_guard<std::mutex> writes(write_mu_);
  if (!write_failure_.ok()) return write_failure_;
  std::shared_lock<std::shared_mutex> lock(mu_);
  if (db_ == nullptr) return Closed();
  leveldb::Status s = journal_ != nullptr && options.sync
                          ? WriteJournaled(updates)
                          : db_->Write(options, updates);
  if (!s.ok()) write_failure_ = s;
  return s;
}

leveldb::Status RecoverableDb::Get(const leveldb::ReadOptions& options,
                                   const leveldb::Slice& key,
                                   std::string* value) {
  std::shared_lock<std::shared_mutex> lock(mu_);
  if (db_ == nullptr) return Closed();
  if (journal_ != nullptr) {
    if (auto pointer_key = journal_options_->separation.PointerKey(
            absl::string_view(key.data(), key.size()))) {
      std::string encoded;
      leveldb::Status s = db_->Get(Verified(options), *pointer_key, &encoded);
      if (s.ok()) return ReadSeparated(encoded, value);
      if (!s.IsNotFound()) return s;
    }
  }
  return db_->Get(Verified(options), key, value);
}

leveldb::Status RecoverableDb::ReadSeparated(const std::string& encoded,
                                             std::string* value) const {
  auto pointer = ValuePointer::Decode(encoded);
  if (!pointer) {
    return leveldb::Status::Corruption("a value pointer is malformed");
  }
  auto bytes =
      journal_->Read(pointer->segment, pointer->offset, pointer->length);
  if (!bytes.ok()) return ToLevelDb(bytes.status());
  *value = std::move(*bytes);
  return leveldb::Status::OK();
}

leveldb::Iterator* RecoverableDb::NewIterator(
    const leveldb::ReadOptions& options) {
  std::shared_lock<std::shared_mutex> lock(mu_);
  if (db_ == nullptr) return leveldb::NewErrorIterator(Closed());
  leveldb::Iterator* it = db_->NewIterator(Verified(options));
  return new LockedIterator(std::move(lock), it);
}

const leveldb::Snapshot* RecoverableDb::GetSnapshot() {
  // A snapshot would not survive a reopen; nothing in the archive takes one.
  return nullptr;
}

void RecoverableDb::ReleaseSnapshot(const leveldb::Snapshot*) {}

bool RecoverableDb::GetProperty(const leveldb::Slice& property,
                                std::string* value) {
  std::shared_lock<std::shared_mutex> lock(mu_);
  return db_ != nullptr && db_->GetProperty(property, value);
}

void RecoverableDb::GetApproximateSizes(const leveldb::Range* range, int n,
                                        uint64_t* sizes) {
  std::shared_lock<std::shared_mutex> lock(mu_);
  if (db_ == nullptr) {
    for (int i = 0; i < n; ++i) sizes[i] = 0;
    return;
  }
  db_->GetApproximateSizes(range, n, sizes);
}

void RecoverableDb::CompactRange(const leveldb::Slice* begin,
                                 const leveldb::Slice* end) {
  std::shared_lock<std::shared_mutex> lock(mu_);
  if (db_ != nullptr) db_->CompactRange(begin, end);
}

}  // namespace archive
