// Where the bytes of blobs live when they are not kept inline in the metadata
// store: files under the data directory (storage/db/file_blob_backend.h, the
// default) or objects in an S3 bucket (storage/s3/s3_blob_backend.h). The
// archive's BlobStore (storage/db/blob_store.h) sits on one backend and does
// everything that makes a blob trustworthy itself: it hashes what is written
// before it asks the backend to keep it, and re-hashes everything it reads. A
// backend only moves bytes, named by their SHA-256, so it needs to know
// nothing of revisions, and the archive nothing of where bytes go.
//
// Contracts every backend keeps:
//  - A blob is named by its digest (64 lowercase hex) and never changes; two
//    writers of one digest write the same bytes, so the last one to commit
//    wins harmlessly (and a commit over a damaged copy repairs it).
//  - Upload::Commit returns OK only once the bytes are durable where the
//    backend keeps them (fsynced and renamed into place; or acknowledged by
//    the object store after it checked the bytes' checksum). A crash before
//    that leaves no blob under the digest, at most garbage the backend
//    ignores. An Upload destroyed uncommitted leaves nothing behind (best
//    effort: an object store that cannot be reached keeps an incomplete
//    upload until its own expiry).
//  - Reads return the stored bytes unverified: the caller re-hashes them.
//
// Thread-safety: a backend's methods may be called concurrently from any
// thread. An Upload or a SequentialFile it returns is used by one thread at a
// time, and destroyed before the backend. Returned objects are owned by the
// caller.
//
// Errors: NOT_FOUND for a blob the backend does not have (Open, Size);
// INVALID_ARGUMENT for a name that is not a digest; UNAVAILABLE or
// DEADLINE_EXCEEDED when the place the bytes live cannot be reached (an
// object store that is down), with a message naming it; RESOURCE_EXHAUSTED
// when it is full; DATA_LOSS when it refused bytes as not matching their
// checksum, or served a response that contradicts itself.
#ifndef ARCHIVE_STORAGE_BASE_BLOB_BACKEND_H_
#define ARCHIVE_STORAGE_BASE_BLOB_BACKEND_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "storage/base/env.h"

namespace archive {

class BlobBackend {
 public:
  virtual ~BlobBackend() = default;

  // Where the bytes go, for messages and logs: "files under DIR" or
  // "s3://BUCKET/PREFIX at URL".
  virtual std::string Describe() const = 0;

  // One blob being written. Append may already send bytes on (an object
  // store's multipart upload), so memory stays bounded whatever the size.
  class Upload {
   public:
    virtual ~Upload() = default;
    virtual absl::Status Append(absl::string_view data) = 0;
    // Makes the appended bytes durable under `sha256_hex`, which the caller
    // has checked they hash to. Called at most once.
    virtual absl::Status Commit(const std::string& sha256_hex) = 0;
  };
  // Starts writing a blob promised to hash to `sha256_hex` and to be
  // `expected_size` bytes (a hint for how to send it; the caller enforces
  // it). A backend that must name the blob before its bytes arrive (an object
  // store) refuses an empty digest with INVALID_ARGUMENT; files take it at
  // Commit.
  virtual absl::StatusOr<std::unique_ptr<Upload>> NewUpload(
      const std::string& sha256_hex, uint64_t expected_size) = 0;
  // True if NewUpload needs the digest (an object store): content whose digest
  // comes after its bytes is then spooled locally first (spooled_upload.h).
  virtual bool NamesBlobsFirst() const { return false; }

  // The stored bytes, front to back, unverified. NOT_FOUND if absent.
  virtual absl::StatusOr<std::unique_ptr<SequentialFile>> Open(
      const std::string& sha256_hex) = 0;
  // The stored copy's size, unverified. NOT_FOUND if absent.
  virtual absl::StatusOr<uint64_t> Size(const std::string& sha256_hex) = 0;
  // Calls `visit` with each stored blob's digest and size, in no particular
  // order: one pass over the backend (a directory walk, or a bucket listing
  // of 1000 names a request). An object store shared by several archives
  // lists theirs too.
  virtual absl::Status List(
      const std::function<void(const std::string& sha256_hex, uint64_t size)>&
          visit) = 0;
  // Whether the place the bytes live can be reached now, for readiness: one
  // cheap request to a remote store (its own retries and timeouts apply).
  // Files answer OK: the archive's own write check covers their disk.
  virtual absl::Status Probe() { return absl::OkStatus(); }
};

}  // namespace archive

#endif  // ARCHIVE_STORAGE_BASE_BLOB_BACKEND_H_
