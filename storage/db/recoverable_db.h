// The metadata store behind a stable pointer that survives a reopen.
//
// Why: after a failed write LevelDB's state on disk is uncertain. A failed
// append leaves a partial record at the end of the write-ahead log, and LevelDB
// (which only poisons itself after a failed *sync*) appends the next record
// behind it: on the next open the log reads as "partial record without end"
// and every batch written after the failure is lost, though each was
// acknowledged. A failed sync or compaction poisons LevelDB for good. Either
// way the only safe way on is to close the store and open it again, which
// replays the log up to the last complete record.
//
// RecoverableDb is a leveldb::DB that forwards to the real one. After the
// first failed write it refuses every later write with that failure, without
// touching the store, until Reopen() succeeds; reads go on. Thread-safe:
// calls hold a shared lock, Reopen() the exclusive one, and an iterator holds
// the shared lock for its lifetime (so a reopen waits for open iterators; a
// thread must not hold an iterator across its own call to Reopen()).
// Snapshots are not supported (nothing here uses them).
//
// With a journal (journal.h), a synced write is made durable there instead:
// the batch is appended to the journal as one record and synced, then
// written to LevelDB without a sync, its separated values (journal_batch.h)
// as pointers into the record. LevelDB is brought up to date from the
// journal when the store opens or reopens. Every record in a segment below
// the marker (key "meta/journal": last sequence, first segment to replay) is
// in LevelDB's synced tables: the marker moves on only after LevelDB's
// memtable was flushed, when a segment fills and at each open. So replaying
// the segments from the marker on, in order, gives every key the value of
// its last synced write, whatever part of LevelDB's unsynced writes a crash
// kept (a record sets keys to fixed values, so applying one again is
// harmless). With `repair`, every segment is replayed. A write whose record
// was synced returns OK even if the segment roll after it fails: that write
// is durable; the roll's failure refuses the writes after it, as above.
#ifndef ARCHIVE_STORAGE_DB_RECOVERABLE_DB_H_
#define ARCHIVE_STORAGE_DB_RECOVERABLE_DB_H_

#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>

#include "leveldb/db.h"
#include "leveldb/options.h"
#include "storage/base/env.h"
#include "storage/db/journal.h"
#include "storage/db/journal_batch.h"

namespace archive {

struct JournalOptions {
  Env* env = nullptr;  // not owned; outlives the store
  std::string dir;
  uint64_t segment_bytes = 64 << 20;
  ValueSeparation separation;
};

class RecoverableDb final : public leveldb::DB {
 public:
  // Opens `path` with `options` (which must outlive this object), with a
  // journal if `journal` is given. With `replay_all` (after a repair),
  // every journal segment is replayed, not only those from the marker on.
  static leveldb::Status Open(const leveldb::Options& options,
                              const std::string& path,
                              std::unique_ptr<RecoverableDb>* result,
                              const JournalOptions* journal = nullptr,
                              bool replay_all = false);
  ~RecoverableDb() override;

  // The failure that stopped writes, or OK while writes are allowed.
  leveldb::Status write_failure() const;
  // Closes and reopens the store. On success writes are allowed again; on
  // failure (e.g. still no room for the recovered log) the store stays
  // closed, reads fail with the reopen's error and Reopen() may be retried.
  // With `repair`, LevelDB's RepairDB runs between the close and the open: it
  // rewrites the tables without their unreadable blocks (dropping the records
  // those held) and rebuilds the manifest.
  leveldb::Status Reopen(bool repair = false);

  leveldb::Status Put(const leveldb::WriteOptions& options,
                      const leveldb::Slice& key,
                      const leveldb::Slice& value) override;
  leveldb::Status Delete(const leveldb::WriteOptions& options,
                         const leveldb::Slice& key) override;
  leveldb::Status Write(const leveldb::WriteOptions& options,
                        leveldb::WriteBatch* updates) override;
  leveldb::Status Get(const leveldb::ReadOptions& options,
                      const leveldb::Slice& key, std::string* value) override;
  leveldb::Iterator* NewIterator(const leveldb::ReadOptions& options) override;
  const leveldb::Snapshot* GetSnapshot() override;
  void ReleaseSnapshot(const leveldb::Snapshot* snapshot) override;
  bool GetProperty(const leveldb::Slice& property, std::string* value) override;
  void GetApproximateSizes(const leveldb::Range* range, int n,
                           uint64_t* sizes) override;
  void CompactRange(const leveldb::Slice* begin,
                    const leveldb::Slice* end) override;

 private:
  RecoverableDb(const leveldb::Options& options, std::string path)
      : options_(options), path_(std::move(path)) {}
  leveldb::Status Closed() const;
  // Brings the just opened LevelDB up to date from the journal and starts
  // the segment appends go to. Called with mu_ held exclusively.
  leveldb::Status CatchUp(bool replay_all);
  // The journaled write (see above). Called with write_mu_ and mu_ held.
  leveldb::Status WriteJournaled(leveldb::WriteBatch* updates);
  // Flushes LevelDB's memtable into synced tables, then moves the marker to
  // the segment after the current one and starts it.
  leveldb::Status RollSegment();
  leveldb::Status WriteMarker(uint64_t sequence, uint64_t segment);
  // The value a pointer (journal_batch.h) points at.
  leveldb::Status ReadSeparated(const std::string& encoded,
                                std::string* value) const;

  const leveldb::Options options_;
  const std::string path_;
  // glibc's rwlock prefers readers, so a thread holding an iterator may take
  // the shared lock again while a Reopen() waits.
  mutable std::shared_mutex mu_;
  std::unique_ptr<leveldb::DB> db_;  // null after a failed reopen
  leveldb::Status write_failure_;    // guarded by write_mu_
  leveldb::Status reopen_failure_;
  // Writes are serialised so none can slip in behind a failing one.
  mutable std::mutex write_mu_;
  std::optional<JournalOptions> journal_options_;
  std::unique_ptr<Journal> journal_;  // null without a journal
};

}  // namespace archive

#endif  // ARCHIVE_STORAGE_DB_RECOVERABLE_DB_H_
