// The filesystem and clock seam, after LevelDB's Env: all of the archive's file
// I/O and time goes through an Env, so tests can fail writes, lose unsynced
// data or fix the clock.
//
// Thread-safe: an Env's methods may be called concurrently from any thread
// (the POSIX Env keeps no state). A WritableFile or SequentialFile is not: use
// each from one thread at a time. Files are returned owned by the caller.
//
// Errors (POSIX Env) map errno: NOT_FOUND for ENOENT, RESOURCE_EXHAUSTED for
// ENOSPC or EDQUOT (see IsDiskFull), PERMISSION_DENIED for EACCES or EPERM,
// INTERNAL for anything else; each message names the call and the path.
#ifndef ARCHIVE_STORAGE_BASE_ENV_H_
#define ARCHIVE_STORAGE_BASE_ENV_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace archive {

// A file being written. Data is durable only after Sync() returns OK.
class WritableFile {
 public:
  virtual ~WritableFile() = default;
  virtual absl::Status Append(absl::string_view data) = 0;
  virtual absl::Status Sync() = 0;
  virtual absl::Status Close() = 0;
  // A hint, no promise: what was appended will be synced soon, so it may be
  // flushed now, and a long streaming write's final Sync finds little left to
  // do. Durability still needs Sync. Default: nothing. The POSIX file flushes
  // in stages on a helper thread (staged_flush.h); a stage's error is then
  // returned by the next Sync.
  virtual void StartWriteback() {}
  // Writes `bytes` zeros after what was appended, without moving the append
  // position: later appends overwrite allocated, written blocks, so their
  // Sync commits data only, no new file size (the second barrier a growing
  // file's fdatasync pays in the ext4 journal). The file is then longer than
  // its data; a reader finds the end by content. Default: nothing.
  virtual absl::Status WriteZerosAhead(uint64_t bytes) {
    (void)bytes;
    return absl::OkStatus();
  }
};

// A file read at chosen offsets. Thread-safe: Read may be called
// concurrently.
class RandomAccessFile {
 public:
  virtual ~RandomAccessFile() = default;
  // Reads up to n bytes at `offset` into scratch; fewer only at end of file.
  virtual absl::StatusOr<absl::string_view> Read(uint64_t offset, size_t n,
                                                 char* scratch) const = 0;
};

// A file read front to back.
class SequentialFile {
 public:
  virtual ~SequentialFile() = default;
  // Reads up to n bytes into scratch; returns the bytes read (empty at end of
  // file).
  virtual absl::StatusOr<absl::string_view> Read(size_t n, char* scratch) = 0;
};

class Env {
 public:
  virtual ~Env() = default;

  // The process-wide POSIX environment. Not owned by the caller; never
  // deleted.
  static Env* Default();

  // Creates or truncates `path` with permission bits `mode` (so a private key
  // is never readable by others, not even briefly).
  virtual absl::StatusOr<std::unique_ptr<WritableFile>> NewWritableFile(
      const std::string& path, int mode = 0644) = 0;
  virtual absl::StatusOr<std::unique_ptr<SequentialFile>> NewSequentialFile(
      const std::string& path) = 0;
  virtual absl::StatusOr<std::unique_ptr<RandomAccessFile>> NewRandomAccessFile(
      const std::string& path) = 0;
  // Atomically replaces `to` (POSIX rename). Not durable until SyncDir(parent
  // of `to`).
  virtual absl::Status RenameFile(const std::string& from,
                                  const std::string& to) = 0;
  // fsync()s a directory so renames and creations inside it survive a crash.
  virtual absl::Status SyncDir(const std::string& dir) = 0;
  // Makes what an earlier process (or a file object whose sync failed)
  // wrote to `path` durable: fdatasync through a new descriptor.
  virtual absl::Status SyncFile(const std::string& path) = 0;
  virtual absl::Status RemoveFile(const std::string& path) = 0;
  // Creates the directory and its parents; OK if it exists.
  virtual absl::Status CreateDirs(const std::string& dir, int mode = 0755) = 0;
  virtual bool FileExists(const std::string& path) = 0;
  virtual absl::StatusOr<uint64_t> FileSize(const std::string& path) = 0;
  virtual absl::StatusOr<std::vector<std::string>> ListDir(
      const std::string& dir) = 0;
  // Whole-file helpers for small files (keys, markers). Both are built on the
  // calls above, so a subclass that overrides those sees them too.
  virtual absl::StatusOr<std::string> ReadFile(const std::string& path);
  // Writes atomically and durably: temp file, fsync, rename, directory fsync.
  // The temp file is named per process and call, so concurrent writers never
  // rename each other's file; on failure it is removed and `path` is
  // untouched.
  virtual absl::Status WriteFileAtomic(const std::string& path,
                                       absl::string_view data, int mode = 0644);

  // Seconds since the Unix epoch.
  virtual int64_t NowSeconds() = 0;
  virtual int64_t NowMicros() = 0;
};

// Forwards everything to another Env; subclass it to override a few calls in
// tests. `target` is not owned and must outlive the wrapper. ReadFile and
// WriteFileAtomic are not forwarded: they run Env's versions over this
// wrapper's calls, so an overridden write or sync also fails them.
class EnvWrapper : public Env {
 public:
  explicit EnvWrapper(Env* target) : target_(target) {}
  absl::StatusOr<std::unique_ptr<WritableFile>> NewWritableFile(
      const std::string& path, int mode = 0644) override {
    return target_->NewWritableFile(path, mode);
  }
  absl::StatusOr<std::unique_ptr<SequentialFile>> NewSequentialFile(
      const std::string& path) override {
    return target_->NewSequentialFile(path);
  }
  absl::StatusOr<std::unique_ptr<RandomAccessFile>> NewRandomAccessFile(
      const std::string& path) override {
    return target_->NewRandomAccessFile(path);
  }
  absl::Status RenameFile(const std::string& from,
                          const std::string& to) override {
    return target_->RenameFile(from, to);
  }
  absl::Status SyncDir(const std::string& dir) override {
    return target_->SyncDir(dir);
  }
  absl::Status SyncFile(const std::string& path) override {
    return target_->SyncFile(path);
  }
  absl::Status RemoveFile(const std::string& path) override {
    return target_->RemoveFile(path);
  }
  absl::Status CreateDirs(const std::string& dir, int mode) override {
    return target_->CreateDirs(dir, mode);
  }
  bool FileExists(const std::string& path) override {
    return target_->FileExists(path);
  }
  absl::StatusOr<uint64_t> FileSize(const std::string& path) override {
    return target_->FileSize(path);
  }
  absl::StatusOr<std::vector<std::string>> ListDir(
      const std::string& dir) override {
    return target_->ListDir(dir);
  }
  int64_t NowSeconds() override { return target_->NowSeconds(); }
  int64_t NowMicros() override { return target_->NowMicros(); }

 private:
  Env* target_;
};

// True for the status a write gets when its file system is full or the quota
// is used up (RESOURCE_EXHAUSTED naming ENOSPC or EDQUOT), from Env or from
// the metadata store.
bool IsDiskFull(const absl::Status& status);

// The directory part of `path` ("." if none, "/" for a file in the root).
std::string ParentDir(const std::string& path);

// Formats a Unix time as RFC 3339 UTC with whole seconds:
// "2026-11-30T04:20:00Z".
std::string FormatRfc3339(int64_t unix_seconds);

}  // namespace archive

#endif  // ARCHIVE_STORAGE_BASE_ENV_H_
