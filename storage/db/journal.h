// The metadata store's write-ahead journal, which also keeps its large values.
//
// Why: a durable LevelDB write syncs LevelDB's own log, and every small
// content written that way is rewritten again and again as LevelDB compacts
// it down its levels (bench/PROFILE.md: the 16-client fill rate fell from
// 1,395 puts/s at 10^3 revisions to 421/s at 10^5). With a journal, a durable
// write is one record here and one sync of it; LevelDB is written without a
// sync and gets a small pointer instead of each large value, so contents are
// written once and never compacted (recoverable_db.h says how the two are
// kept in step).
//
// Layout: DIR/NNNNNNNN.jnl segment files, numbered from 1. A segment holds
// records, then zeros: zeros are written ahead of the appends in 4 MiB steps,
// so a sync commits data, not a new file size. A record is
//   "PAJ1" | crc32 (4, zlib, of all that follows) | payload length (4)
//   | sequence (8) | payload
// with integers little-endian. Sequences go up by one from record to record,
// across segments.
//
// Contracts:
//  - A record is durable once Sync() after its Append() returns OK.
//  - Appends go only to a segment that did not exist when StartSegment()
//    chose it: the tail a crash or a failed write left in an older segment is
//    never written after, so it stays the end of that segment's records.
//  - Replay() reads the records of the segments from a given one on, in
//    order. In each segment, the first record that is cut short, damaged or
//    zeros ends its records, and then no whole record may follow it in that
//    segment, and the next segment's first record must continue the
//    sequence; otherwise DATA_LOSS naming the segment and offset, and nothing
//    after that point is visited.
//  - Read() returns the bytes of a value inside a record, unchecked (the
//    record's CRC covers the whole record, checked on Replay; callers that
//    need more check the value themselves, as BlobStore re-hashes contents).
//    DATA_LOSS if the segment is missing or shorter than the range.
//
// Thread-safety: Read() may be called from any thread at any time. Everything
// else is for one writer at a time (RecoverableDb serialises its writes).
#ifndef ARCHIVE_STORAGE_DB_JOURNAL_H_
#define ARCHIVE_STORAGE_DB_JOURNAL_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "storage/base/env.h"

namespace archive {

class Journal {
 public:
  static constexpr uint64_t kHeaderBytes = 20;
  static constexpr uint64_t kMaxPayloadBytes = 0xffffffff;

  // Where a record's payload is, and its sequence number.
  struct Record {
    uint64_t segment = 0;
    uint64_t offset = 0;  // of the payload's first byte in the segment
    uint64_t sequence = 0;
    absl::string_view payload;  // valid during the Replay visit only
  };

  // Opens (creating) the journal directory `dir`; writes nothing. `env` must
  // outlive the journal. A segment is rolled once it holds `segment_bytes`.
  static absl::StatusOr<std::unique_ptr<Journal>> Open(Env* env,
                                                       std::string dir,
                                                       uint64_t segment_bytes);
  ~Journal();

  // Visits every record of the segments numbered `from_segment` and above,
  // in order. With `after_sequence`, the first record must be the one after
  // it; without, any first sequence is accepted. Stops at the first error
  // of `visit` and returns it. Afterwards next_sequence() follows the last
  // record visited (or `after_sequence`).
  absl::Status Replay(uint64_t from_segment,
                      std::optional<uint64_t> after_sequence,
                      const std::function<absl::Status(const Record&)>& visit);

  // Makes the records the last Replay visited durable (they may have been
  // written by a process that crashed before its sync, or by a sync that
  // failed): before LevelDB holds them in synced tables, the journal must
  // hold the values they point at.
  absl::Status SyncReplayed();

  // The highest segment number on disk (0 if none).
  absl::StatusOr<uint64_t> LastSegment() const;
  // Appends from now on go to segment `number`, which must not exist yet
  // (FAILED_PRECONDITION if it does). The file is created at the first
  // Append.
  absl::Status StartSegment(uint64_t number);
  uint64_t current_segment() const { return segment_; }
  // The sequence number the next Append gets.
  uint64_t next_sequence() const { return next_sequence_; }
  void set_next_sequence(uint64_t sequence) { next_sequence_ = sequence; }
  // True once the current segment holds segment_bytes or more.
  bool SegmentFull() const { return written_ >= segment_bytes_; }
  // True once a record was appended to the current segment.
  bool has_records() const { return written_ > 0; }

  // Appends one record (not durable until Sync). On failure the segment is
  // left as it is and every later Append fails until StartSegment; a payload
  // over kMaxPayloadBytes is INVALID_ARGUMENT and writes nothing.
  absl::StatusOr<Record> Append(absl::string_view payload);
  absl::Status Sync();

  // `length` bytes at `offset` of segment `segment`.
  absl::StatusOr<std::string> Read(uint64_t segment, uint64_t offset,
                                   uint64_t length) const;

  std::string SegmentPath(uint64_t number) const {
    return SegmentPathIn(dir_, number);
  }
  // The path of segment `number` in journal directory `dir`.
  static std::string SegmentPathIn(const std::string& dir, uint64_t number);

 private:
  Journal(Env* env, std::string dir, uint64_t segment_bytes)
      : env_(env), dir_(std::move(dir)), segment_bytes_(segment_bytes) {}
  absl::Status ReplaySegment(
      uint64_t number, const std::function<absl::Status(const Record&)>& visit,
      std::optional<uint64_t>* last_sequence);
  absl::StatusOr<std::shared_ptr<const RandomAccessFile>> Reader(
      uint64_t segment) const;

  Env* const env_;
  const std::string dir_;
  const uint64_t segment_bytes_;

  // The writer's state.
  std::unique_ptr<WritableFile> file_;
  uint64_t segment_ = 0;
  uint64_t written_ = 0;  // bytes appended to the current segment
  uint64_t zeroed_ = 0;   // bytes of it that are data or zeros written ahead
  uint64_t next_sequence_ = 1;
  absl::Status failed_;
  std::vector<uint64_t> replayed_;  // segments the last Replay visited

  // Segments open for Read, by number: at most kOpenSegments (a large
  // archive has hundreds of segments, and each open one holds a file
  // descriptor next to LevelDB's 500). Shared, so a read in progress keeps
  // its file open while another read closes it here.
  static constexpr size_t kOpenSegments = 64;
  mutable absl::Mutex readers_mu_;
  mutable std::map<uint64_t, std::shared_ptr<const RandomAccessFile>> readers_
      ABSL_GUARDED_BY(readers_mu_);
};

}  // namespace archive

#endif  // ARCHIVE_STORAGE_DB_JOURNAL_H_
