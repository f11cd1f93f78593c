// The metadata store's write-ahead logs, written into files that never grow.
//
// Why: every durable put ends in an fdatasync of LevelDB's log. When the log
// grows, that fdatasync must also commit the new file size through the ext4
// journal, a second barrier; etcd avoids it by writing into a preallocated
// WAL segment (bench/PROFILE.md, "Puts at 1 client"). This env gives LevelDB
// the same: a new `*.log` file is first filled with zeros up to a fixed size
// and synced, and LevelDB's appends then overwrite those zeros in place, so a
// sync flushes data only. A record bigger than the room left simply grows
// the file, as before.
//
// What a crash leaves, and how recovery reads it: the file is the records
// written so far, then zeros. LevelDB's log reader (db/log_reader.cc, 1.23)
// skips an all-zero header as padding, but with paranoid_checks it reports a
// record cut short by a crash as corruption when zeros follow it instead of
// the end of the file, and the store would not open. So when LevelDB reads a
// log, this env shows it only the longest prefix of whole, CRC-checked
// records (ValidLogPrefix below) if everything after that prefix is zeros or
// a cut-short record within the same 32 KiB block, which is all a killed
// process can leave (each physical record is one write(2) and never crosses
// a block). Anything else, say a damaged record with good ones after it, is
// shown whole, so LevelDB reports it as it always did and nothing after it is
// dropped silently. Acknowledged records were synced, so they are in the
// prefix.
//
// Power cut: a synced record is on disk (it overwrote allocated, written
// blocks, so fdatasync needs no metadata for it); the unsynced tail may come
// back partly, in any order, and if that leaves a record past the cut-short
// one, LevelDB reports corruption (archived --repair), as above. A damaged
// last record whose last byte is zero reads as cut short and is dropped; the
// archive's recorded checkpoint still catches a lost acknowledged entry.
//
// Log reuse (Options::reuse_logs) would append after the zeros, so
// NewAppendableFile refuses `*.log` files and LevelDB starts a new log
// instead. MANIFEST, tables and the rest go to the target env unchanged.
#ifndef ARCHIVE_STORAGE_DB_PREALLOCATED_LOG_ENV_H_
#define ARCHIVE_STORAGE_DB_PREALLOCATED_LOG_ENV_H_

#include <cstdint>
#include <string>

#include "leveldb/env.h"

namespace archive {

// Finds the longest prefix of a LevelDB log file made of whole physical
// records with good CRCs (and the zero trailers that end blocks), and whether
// the bytes after it are what a crash while appending leaves: zeros only, or
// a cut-short record followed by zeros to the end of the file. IOError if
// the file cannot be read.
// The scan reads `file` to its end, one block at a time.
struct LogScan {
  uint64_t valid_bytes = 0;  // the prefix of whole records
  uint64_t file_bytes = 0;
  bool torn_tail = false;  // what follows the prefix is a crash's leftovers
  // The bytes LevelDB's reader should see.
  uint64_t shown_bytes() const { return torn_tail ? valid_bytes : file_bytes; }
};
leveldb::Status ScanLog(leveldb::SequentialFile* file, LogScan* scan);

// Thread-safe, like any leveldb::Env. `target` is not owned and must outlive
// this env; it serves every file but the logs' writes and reads. Log files
// are written with POSIX calls (the target has no positional writes), and
// errors come back as leveldb statuses: IOError naming the file.
class PreallocatedLogEnv : public leveldb::EnvWrapper {
 public:
  // Zeros are added `chunk_bytes` at a time, ahead of the writes.
  PreallocatedLogEnv(leveldb::Env* target, uint64_t chunk_bytes)
      : leveldb::EnvWrapper(target), chunk_bytes_(chunk_bytes) {}

  // For `*.log`, a file that writes zeros a chunk ahead of its appends; its
  // first Sync commits the file's creation as the target's would.
  leveldb::Status NewWritableFile(const std::string& path,
                                  leveldb::WritableFile** result) override;
  // NotSupported for `*.log` files (see above); the target's otherwise.
  leveldb::Status NewAppendableFile(const std::string& path,
                                    leveldb::WritableFile** result) override;
  // For a `*.log` file, its valid prefix when the rest is a torn tail.
  leveldb::Status NewSequentialFile(const std::string& path,
                                    leveldb::SequentialFile** result) override;

  // Whether LevelDB names `path` as a write-ahead log (NNNNNN.log).
  static bool IsLog(const std::string& path);

 private:
  const uint64_t chunk_bytes_;
};

}  // namespace archive

#endif  // ARCHIVE_STORAGE_DB_PREALLOCATED_LOG_ENV_H_
