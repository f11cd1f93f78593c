// A BlobBackend (storage/base/blob_backend.h) on an S3 bucket: each blob is
// the object s3://BUCKET/PREFIX/sha256/<2 hex>/<64 hex> (s3_location.h).
//
// Writes stream: bytes are gathered into one part (part_bytes) at a time, and
// a full part is sent (on another thread) while the next gathers, so a writer
// holds at most two parts in memory whatever the blob's size. A blob of at
// most one part is one PUT, sent at Commit; a larger one is a multipart upload
// whose parts go out as they fill, and which Commit completes. Either way the
// object appears under its name only at Commit, all at once, and Commit
// returns only once the store has acknowledged it (and the checksums and
// ETags agreed, s3_client.h); an upload destroyed uncommitted is aborted, so
// a refused or abandoned put leaves no object. A crash mid-upload leaves an
// incomplete multipart upload, invisible to readers, until
// AbortAbandonedUploads (archived at start) or the bucket's lifecycle rule
// (AbortIncompleteMultipartUpload) removes it.
//
// Reads fetch ranges of read_window_bytes at a time, the next (on another
// thread) while the current is read: a reader holds at most two windows in
// memory. Nothing is cached locally: the store (and the kernel's page cache
// behind it) serves every read, so there is no second copy to keep
// consistent.
//
// Thread-safety: the backend's methods may be called concurrently; each
// upload and reader is used by one thread. The client is owned.
// Errors: as BlobBackend's, mapped from S3Client's; INVALID_ARGUMENT for an
// upload without its digest (an object is named before its bytes arrive).
#ifndef ARCHIVE_STORAGE_S3_S3_BLOB_BACKEND_H_
#define ARCHIVE_STORAGE_S3_S3_BLOB_BACKEND_H_

#include <cstddef>
#include <memory>
#include <string>

#include "storage/base/blob_backend.h"
#include "storage/s3/s3_client.h"
#include "storage/s3/s3_location.h"

namespace archive {

struct S3BlobBackendOptions {
  S3Location location;
  // A multipart upload's part size, and the largest blob sent as one PUT.
  // At least 5 MiB (S3's smallest part); raised for a blob so large that
  // its parts would pass S3's 10,000.
  size_t part_bytes = 8 << 20;
  // The bytes one ranged GET asks for.
  size_t read_window_bytes = 8 << 20;
};

class S3BlobBackend : public BlobBackend {
 public:
  S3BlobBackend(S3BlobBackendOptions options, std::unique_ptr<S3Client> client);

  // Asks the store whether the bucket is there and the credentials are
  // accepted: OK, FAILED_PRECONDITION (no bucket), PERMISSION_DENIED, or
  // UNAVAILABLE (the store cannot be reached).
  absl::Status Probe() override;
  // Aborts the multipart uploads under the blob prefix started more than
  // `older_than` ago: what a crash in the middle of an upload left, which
  // holds space but is never visible as an object. Another archive sharing
  // the prefix may have uploads in flight, hence the age. Returns how many
  // were aborted; the store's errors otherwise.
  absl::StatusOr<int> AbortAbandonedUploads(absl::Duration older_than,
                                            absl::Time now);

  std::string Describe() const override;
  absl::StatusOr<std::unique_ptr<Upload>> NewUpload(
      const std::string& sha256_hex, uint64_t expected_size) override;
  bool NamesBlobsFirst() const override { return true; }
  absl::StatusOr<std::unique_ptr<SequentialFile>> Open(
      const std::string& sha256_hex) override;
  absl::StatusOr<uint64_t> Size(const std::string& sha256_hex) override;
  absl::Status List(const std::function<void(const std::string& sha256_hex,
                                             uint64_t size)>& visit) override;

 private:
  class ObjectUpload;
  class ObjectReader;
  S3BlobBackendOptions options_;
  std::unique_ptr<S3Client> client_;
};

}  // namespace archive

#endif  // ARCHIVE_STORAGE_S3_S3_BLOB_BACKEND_H_
