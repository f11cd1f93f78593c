// The default BlobBackend (storage/base/blob_backend.h): each blob one
// immutable file named by its SHA-256, DIR/<first 2 hex>/<64 hex>. Writes are
// atomic and durable (temp file in DIR/tmp, fsync, rename, directory fsyncs),
// so a crash leaves either the whole file or none, and at most a temp file
// that the next Open removes.
//
// Thread-safe: each upload has its own temp file and a commit renames a whole
// file. Uploads and readers are used from one thread each and destroyed before
// the backend. The Env is not owned and must outlive the backend.
//
// Errors: the Env's (NOT_FOUND for an absent blob, RESOURCE_EXHAUSTED when the
// disk is full, see IsDiskFull); INVALID_ARGUMENT for a name that is not a
// digest.
#ifndef ARCHIVE_STORAGE_DB_FILE_BLOB_BACKEND_H_
#define ARCHIVE_STORAGE_DB_FILE_BLOB_BACKEND_H_

#include <atomic>
#include <memory>
#include <string>

#include "storage/base/blob_backend.h"
#include "storage/base/env.h"

namespace archive {

class FileBlobBackend : public BlobBackend {
 public:
  // Opens (creating if needed) the files under `dir`; removes the temp files
  // a crash left in DIR/tmp. Call it only as the directory's one user (the
  // archive holds the metadata store's lock first): another process's
  // uploads in flight would be removed.
  static absl::StatusOr<std::unique_ptr<FileBlobBackend>> Open(
      Env* env, const std::string& dir);

  std::string Describe() const override;
  absl::StatusOr<std::unique_ptr<Upload>> NewUpload(
      const std::string& sha256_hex, uint64_t expected_size) override;
  absl::StatusOr<std::unique_ptr<SequentialFile>> Open(
      const std::string& sha256_hex) override;
  absl::StatusOr<uint64_t> Size(const std::string& sha256_hex) override;
  absl::Status List(const std::function<void(const std::string& sha256_hex,
                                             uint64_t size)>& visit) override;

  // Where the blob named `sha256_hex` is kept (a test damages it there).
  std::string PathFor(absl::string_view sha256_hex) const;

 private:
  class FileUpload;
  FileBlobBackend(Env* env, std::string dir)
      : env_(env), dir_(std::move(dir)) {}
  Env* env_;
  std::string dir_;
  std::atomic<uint64_t> next_temp_{0};
};

}  // namespace archive

#endif  // ARCHIVE_STORAGE_DB_FILE_BLOB_BACKEND_H_
