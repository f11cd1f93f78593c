// Where in an object store an archive keeps its blobs: --blob_store=
// s3://BUCKET/PREFIX. Each blob is the object PREFIX/sha256/<2 hex>/<64 hex>,
// named by its content alone, so archives that share a bucket and prefix
// store each content once (and one office's sync from another on the same
// bucket finds the bytes already there).
//
// Pure values; thread-safe.
#ifndef ARCHIVE_STORAGE_S3_S3_LOCATION_H_
#define ARCHIVE_STORAGE_S3_S3_LOCATION_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace archive {

struct S3Location {
  std::string bucket;
  std::string prefix;  // without leading or trailing '/'; may be empty

  // The object key of the blob named `sha256_hex`.
  std::string KeyFor(absl::string_view sha256_hex) const;
  // What every blob's key starts with: "PREFIX/sha256/".
  std::string BlobPrefix() const;
  // The digest a blob key names; "" for any other key.
  std::string DigestOf(absl::string_view key) const;
  std::string ToString() const;  // s3://BUCKET/PREFIX
};

// Parses "s3://BUCKET[/PREFIX]". INVALID_ARGUMENT naming --blob_store and
// what is wrong: another scheme, a bucket name S3 does not allow (3-63
// lowercase letters, digits, '.' and '-', starting and ending with a letter or
// digit), or a prefix with control characters, empty or "." / ".." segments.
absl::StatusOr<S3Location> ParseS3Location(absl::string_view url);

}  // namespace archive

#endif  // ARCHIVE_STORAGE_S3_S3_LOCATION_H_
