// Content-addressed blob store: each distinct content is stored once, named by
// its SHA-256, in a BlobBackend (storage/base/blob_backend.h): files under the
// data directory by default (file_blob_backend.h), or objects in an S3 bucket
// (storage/s3/). The store, not the backend, makes blobs trustworthy: a writer
// hashes the bytes as they arrive and asks the backend to keep them only once
// they match the digest and size promised, and every read re-hashes what it
// returns, so damaged or missing bytes are reported (DATA_LOSS), never
// silently served, wherever they were kept.
//
// With an InlineBlobs table (inline_blobs.h), contents of at most its
// max_bytes() that are written through NewWriter(size) are kept in the metadata
// store instead of the backend; Seal() hands them to the archive, which writes
// them in the same batch as the revision using them. Reads, Contains and
// StoredSize look in both places (the table first for small sizes), and
// re-hash alike.
#ifndef ARCHIVE_STORAGE_DB_BLOB_STORE_H_
#define ARCHIVE_STORAGE_DB_BLOB_STORE_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "storage/base/background_hasher.h"
#include "storage/base/blob_backend.h"
#include "storage/base/env.h"
#include "storage/base/sha256.h"
#include "storage/db/inline_blobs.h"

namespace archive {

// Content a Writer verified (digest and size) but did not store: a small blob
// to be written inline, in the batch of the revision that uses it
// (NewRevision::content, Archive::Import). Only a Writer makes one, so holding
// one means the bytes hash to sha256_hex().
class VerifiedBlob {
 public:
  const std::string& sha256_hex() const { return sha256_hex_; }
  const std::string& bytes() const { return bytes_; }

 private:
  friend class BlobStore;
  VerifiedBlob(std::string sha256_hex, std::string bytes)
      : sha256_hex_(std::move(sha256_hex)), bytes_(std::move(bytes)) {}
  std::string sha256_hex_;
  std::string bytes_;
};

// Thread-safe: BlobStore's methods may be called concurrently (the backend's
// are). A Writer or Reader is not: use each from one thread, and destroy it
// before the store. Open's Env is not owned and must outlive the store; the
// backend is shared with whoever made it; writers and readers are returned
// owned by the caller.
//
// Errors: INVALID_ARGUMENT for a digest that is not 64 lowercase hex or
// content that breaks its size promise, DATA_LOSS for content that does not
// hash as promised or a stored copy that is missing or damaged; anything else
// is the backend's or the inline table's (RESOURCE_EXHAUSTED when the disk is
// full, see IsDiskFull; UNAVAILABLE when an object store cannot be reached).
class BlobStore {
 public:
  // Opens (creating if needed) a store of files rooted at `dir`
  // (FileBlobBackend::Open: removes temp files left by a crash).
  // `inline_blobs` (may be null: backend only) must outlive the store.
  static absl::StatusOr<std::unique_ptr<BlobStore>> Open(
      Env* env, const std::string& dir, InlineBlobs* inline_blobs = nullptr);
  // A store on `backend` (not null). With a `spool_dir` (and `env`, which
  // must outlive the store), content whose digest is not known up front is
  // spooled there when the backend names blobs first (spooled_upload.h); the
  // directory's leftovers are removed now. Without one, NewWriter refuses
  // such content on such a backend.
  static absl::StatusOr<std::unique_ptr<BlobStore>> OnBackend(
      std::shared_ptr<BlobBackend> backend, InlineBlobs* inline_blobs,
      Env* env = nullptr, std::string spool_dir = "");

  // A blob being written. Hashes as it goes. Destroying an uncommitted writer
  // discards it.
  class Writer {
   public:
    absl::Status Append(absl::string_view data);
    // As Append, but takes the bytes of *chunk and leaves a spare buffer in
    // it (contents unspecified) for the caller's next chunk. A large blob
    // going to the backend is then hashed on a helper thread
    // (background_hasher.h) while this thread writes it, so hashing overlaps
    // the write and the receipt of the next chunk.
    absl::Status AppendOwned(std::string* chunk);
    uint64_t size() const { return size_; }
    // Checks the content against what the client promised, then makes it
    // durable under its digest (in the backend, or an inline blob written on
    // its own). Only verified bytes are ever committed to the backend.
    // INVALID_ARGUMENT if the size differs, DATA_LOSS if the digest differs;
    // nothing is stored in either case. Returns the digest (lowercase hex).
    absl::StatusOr<std::string> Commit(absl::string_view expected_sha256_hex,
                                       uint64_t expected_size);
    // Checks like Commit. A blob kept by the backend is committed now and the
    // result is null; an inline blob is returned instead, still to be stored:
    // the archive writes it in the same batch as its revision, so one fsync
    // covers both. Errors as Commit's.
    absl::StatusOr<std::shared_ptr<const VerifiedBlob>> Seal(
        absl::string_view expected_sha256_hex, uint64_t expected_size);
    // True if the bytes are buffered for an inline blob (nothing goes to the
    // backend).
    bool is_inline() const { return upload_ == nullptr; }

   private:
    friend class BlobStore;
    Writer(BlobStore* store, std::unique_ptr<BlobBackend::Upload> upload,
           uint64_t expected_size);
    void Hash(absl::string_view data);
    // Size and digest against the promise; returns the digest.
    absl::StatusOr<std::string> Check(absl::string_view expected_sha256_hex,
                                      uint64_t expected_size);
    BlobStore* store_;
    // Null: buffering an inline blob. Destroyed uncommitted, it discards what
    // the backend received.
    std::unique_ptr<BlobBackend::Upload> upload_;
    std::string buffer_;      // an inline blob's bytes
    uint64_t limit_ = 0;      // an inline blob's promised size
    uint64_t expected_size_;  // UINT64_MAX: not said
    Sha256 hasher_;           // unless background_
    uint64_t size_ = 0;
    std::string hashing_;  // the chunk background_ hashes (AppendOwned)
    // Declared after hashing_, so destroyed (joined) before it.
    std::unique_ptr<BackgroundHasher> background_;
  };

  // Streams a blob and re-hashes it. A Read fails with DATA_LOSS as soon as
  // more than the recorded size arrives; the last Read (the one returning
  // empty) fails with DATA_LOSS if the copy is short or its bytes do not hash
  // to the digest. Bytes returned before that are unverified until then.
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

  // A writer to the backend, for content whose digest is not known yet (on
  // an object store, which names an object before its bytes, only with a
  // spool directory: else INVALID_ARGUMENT).
  absl::StatusOr<std::unique_ptr<Writer>> NewWriter();
  // For content promised to be `expected_size` bytes: buffered in memory and
  // stored inline if that size fits the inline table, else a writer to the
  // backend. An inline writer refuses (INVALID_ARGUMENT) bytes beyond the
  // promise.
  absl::StatusOr<std::unique_ptr<Writer>> NewWriter(uint64_t expected_size);
  // As NewWriter(expected_size), for content promised to hash to
  // `expected_sha256_hex`: what the server's writers use, since an object
  // store needs the name before the bytes. The promise is checked at
  // Commit/Seal as always. An empty digest (a one-pass put, whose digest comes
  // last) is NewWriter(expected_size).
  absl::StatusOr<std::unique_ptr<Writer>> NewWriter(
      const std::string& expected_sha256_hex, uint64_t expected_size);
  // `size` is the size recorded in the statement. DATA_LOSS (not NOT_FOUND)
  // if the blob is absent: a caller asks only for blobs its metadata says were
  // stored, so a missing one is damage.
  absl::StatusOr<std::unique_ptr<Reader>> NewReader(
      const std::string& sha256_hex, uint64_t size);
  // Reads a whole blob, verified; for small blobs and scrubbing.
  absl::StatusOr<std::string> ReadVerified(const std::string& sha256_hex,
                                           uint64_t size);
  // True iff StoredSize() succeeds; false also for an invalid digest or an
  // I/O error.
  bool Contains(const std::string& sha256_hex);
  // Size of the stored copy (not verified); NOT_FOUND if there is none,
  // INVALID_ARGUMENT for an invalid digest.
  absl::StatusOr<uint64_t> StoredSize(const std::string& sha256_hex);
  // Counts the blobs the backend keeps and their bytes (inline blobs not
  // included): one pass over it (BlobBackend::List), O(blobs). Errors: the
  // backend's.
  absl::Status MeasureBackend(uint64_t* blobs, uint64_t* bytes);
  // The inline table, or null if this store keeps every blob in the backend.
  InlineBlobs* inline_blobs() const { return inline_; }
  // Where blobs that are not inline live.
  BlobBackend& backend() const { return *backend_; }
  // True if a blob of `size` bytes, when present inline, is read from there.
  bool InlineSize(uint64_t size) const {
    return inline_ != nullptr && inline_->Fits(size);
  }

 private:
  BlobStore(std::shared_ptr<BlobBackend> backend, InlineBlobs* inline_blobs)
      : backend_(std::move(backend)), inline_(inline_blobs) {}
  absl::StatusOr<std::unique_ptr<Writer>> BackendWriter(
      const std::string& expected_sha256_hex, uint64_t expected_size);
  std::shared_ptr<BlobBackend> backend_;
  InlineBlobs* inline_;
  Env* spool_env_ = nullptr;  // with spool_dir_: see OnBackend
  std::string spool_dir_;
  std::atomic<uint64_t> next_spool_{0};
};

}  // namespace archive

#endif  // ARCHIVE_STORAGE_DB_BLOB_STORE_H_
