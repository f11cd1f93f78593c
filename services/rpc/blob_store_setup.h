// archived's choice of blob backend (storage/base/blob_backend.h) from its
// flags: files under DATA_DIR/blobs (no --blob_store), or an S3 bucket
// (--blob_store=s3://BUCKET/PREFIX --s3_endpoint=URL). Here, not in storage/,
// so that storage/db knows no backend but its own default and storage/s3
// knows nothing of flags.
//
// Thread-safety: call from main before serving.
#ifndef ARCHIVE_SERVICES_RPC_BLOB_STORE_SETUP_H_
#define ARCHIVE_SERVICES_RPC_BLOB_STORE_SETUP_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "storage/base/blob_backend.h"
#include "storage/base/env.h"

namespace archive {

struct BlobStoreFlags {
  std::string blob_store;  // "" or s3://BUCKET/PREFIX
  std::string s3_endpoint;
  std::string s3_region;
  std::string s3_credentials_file;
  std::string s3_profile;
  std::string s3_ca_file;
  uint64_t s3_part_bytes = 0;
  int s3_attempts = 0;
  int s3_timeout_seconds = 0;
  int s3_abandoned_upload_hours = 24;  // < 0: leave them
};

// Null for the default (files under the data directory, which the archive
// opens itself once it holds the data directory's lock); else the S3
// backend, after asking the store whether the bucket is there and the
// credentials work. INVALID_ARGUMENT naming the flag for a malformed or
// missing one; FAILED_PRECONDITION (no such bucket) and PERMISSION_DENIED
// (credentials refused) as the store said. A store that cannot be reached
// is not an error: archived starts, serves what is inline, and says so in
// `*warning`. Multipart uploads a crash abandoned more than
// s3_abandoned_upload_hours ago are aborted (said in `*warning` too).
absl::StatusOr<std::shared_ptr<BlobBackend>> MakeBlobBackend(
    const BlobStoreFlags& flags, Env* env, std::string* warning);

}  // namespace archive

#endif  // ARCHIVE_SERVICES_RPC_BLOB_STORE_SETUP_H_
