// The newest checkpoint this archive ever signed, kept outside the metadata
// store in DATA_DIR/newest-signed-checkpoint (the signed note, verbatim).
//
// Why: the store is where the log lives, so it cannot also be the witness of
// how far the log went. If meta/ is lost, rolled back or half repaired, the
// archive would otherwise open an empty or shorter log and sign a checkpoint
// that contradicts one its clients already hold. With this record archived
// refuses to start on a store that is behind it (archive.h, Open).
//
// The record may lag the store (it is written off the commit path, at most
// about once a second, so the put path pays no extra fsync); it is never ahead
// of it: a checkpoint is offered only after the batch holding it is durable.
// Thread-safe.
#ifndef ARCHIVE_STORAGE_DB_CHECKPOINT_RECORD_H_
#define ARCHIVE_STORAGE_DB_CHECKPOINT_RECORD_H_

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "storage/base/env.h"
#include "storage/format/signing_key.h"

namespace archive {

struct RecordedCheckpoint {
  uint64_t size = 0;
  std::string root;  // 32 bytes
  std::string note;
};

// `note` parsed as a checkpoint of `key`'s origin that `key` signed; other
// signature lines (witnesses' cosignatures) are allowed and dropped: the
// result's note is the checkpoint with `key`'s signature alone.
// INVALID_ARGUMENT saying why not.
absl::StatusOr<RecordedCheckpoint> ParseOwnCheckpoint(const std::string& note,
                                                      const SigningKey& key);

class CheckpointRecord {
 public:
  static std::string PathIn(const std::string& data_dir);

  // The recorded checkpoint; nullopt if there is none. DATA_LOSS, naming the
  // file, if it is unreadable or is not a checkpoint signed by `key`.
  static absl::StatusOr<std::optional<RecordedCheckpoint>> Load(
      Env* env, const std::string& data_dir, const SigningKey& key);

  CheckpointRecord(Env* env, std::string data_dir);
  // Writes the newest offered checkpoint, if not yet written, then stops.
  ~CheckpointRecord();

  // Durably replaces the record now.
  absl::Status Write(const std::string& note, uint64_t size);
  // Records `note` (of tree size `size`) soon; a later, larger offer replaces
  // one not yet written. Never blocks on the disk.
  void Offer(const std::string& note, uint64_t size);

 private:
  void WriterLoop();

  Env* const env_;
  const std::string path_;
  std::mutex mu_;  // guards the pending offer and stopping_
  std::condition_variable wake_;
  std::string pending_note_;  // empty: nothing to write
  uint64_t pending_size_ = 0;
  bool stopping_ = false;
  std::mutex file_mu_;                     // one writer of the file at a time
  std::atomic<int64_t> written_size_{-1};  // -1: nothing written yet
  std::thread writer_;
};

}  // namespace archive

#endif  // ARCHIVE_STORAGE_DB_CHECKPOINT_RECORD_H_
