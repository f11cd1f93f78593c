// Content-addressed blob store: each distinct content is one immutable file
// named by its SHA-256, DIR/<first 2 hex>/<64 hex>. Writes are atomic and
// durable (temp file, fsync, rename, directory fsync), so a crash leaves either
// the whole blob or none. Reads re-hash everything they return, so damaged
// bytes are reported, never silently served.
#ifndef ARCHIVE_STORAGE_BLOB_STORE_H_
#define ARCHIVE_STORAGE_BLOB_STORE_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "storage/env.h"
#include "storage/sha256.h"

namespace archive {

class BlobStore {
 public:
  // Opens (creating if needed) a store rooted at `dir`; removes temp files left
  // by a crash.
  static absl::StatusOr<std::unique_ptr<BlobStore>> Open(
      Env* env, const std::string& dir);

  // A blob being written. Hashes as it goes. Destroying an uncommitted writer
  // discards it.
  class Writer {
   public:
    ~Writer();
    absl::Status Append(absl::string_view data);
    uint64_t size() const { return size_; }
    // Checks the content against what the client promised, then makes it
    // durable under its digest. INVALID_ARGUMENT if the size differs, DATA_LOSS
    // if the digest differs; nothing is stored in either case. Returns the
    // digest (lowercase hex).
    absl::StatusOr<std::string> Commit(absl::string_view expected_sha256_hex,
                                       uint64_t expected_size);

   private:
    friend class BlobStore;
    Writer(BlobStore* store, std::string temp_path,
           std::unique_ptr<WritableFile> file);
    BlobStore* store_;
    std::string temp_path_;
    std::unique_ptr<WritableFile> file_;
    Sha256 hasher_;
    uint64_t size_ = 0;
    bool done_ = false;
  };

  // Streams a blob and re-hashes it. The last Read (the one returning empty)
  // fails with DATA_LOSS if the bytes or their length differ from what was
  // stored.
  class Reader {
   public:
    absl::StatusOr<absl::string_view> Read(size_t n, char* scratch);

   private:
    friend class BlobStore;
    Reader(std::string sha256_hex, uint64_t size,
           std::unique_ptr<SequentialFile> file)
        : sha256_hex_(std::move(sha256_hex)),
          size_(size),
          file_(std::move(file)) {}
    std::string sha256_hex_;
    uint64_t size_;
    uint64_t read_ = 0;
    std::unique_ptr<SequentialFile> file_;
    Sha256 hasher_;
  };

  absl::StatusOr<std::unique_ptr<Writer>> NewWriter();
  // NOT_FOUND if absent. `size` is the size recorded in the statement.
  absl::StatusOr<std::unique_ptr<Reader>> NewReader(
      const std::string& sha256_hex, uint64_t size);
  // Reads a whole blob, verified; for small blobs and scrubbing.
  absl::StatusOr<std::string> ReadVerified(const std::string& sha256_hex,
                                           uint64_t size);
  bool Contains(const std::string& sha256_hex);
  // Size of the stored file (not verified).
  absl::StatusOr<uint64_t> StoredSize(const std::string& sha256_hex);

 private:
  BlobStore(Env* env, std::string dir) : env_(env), dir_(std::move(dir)) {}
  std::string PathFor(absl::string_view sha256_hex) const;
  Env* env_;
  std::string dir_;
  std::atomic<uint64_t> next_temp_{0};
};

}  // namespace archive

#endif  // ARCHIVE_STORAGE_BLOB_STORE_H_
