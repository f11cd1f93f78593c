// Where archived finds its S3 credentials: the standard environment variables
// AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN for
// temporary ones), or a credentials file in the AWS shared format, named by
// --s3_credentials_file so the secret need not be in the environment:
//
//   [default]
//   aws_access_key_id = AKIA...
//   aws_secret_access_key = ...
//
// Thread-safe (reads the environment and the file once per call).
#ifndef ARCHIVE_STORAGE_S3_S3_CREDENTIALS_H_
#define ARCHIVE_STORAGE_S3_S3_CREDENTIALS_H_

#include <string>

#include "absl/status/statusor.h"
#include "storage/base/env.h"
#include "storage/s3/sigv4.h"

namespace archive {

// From `file`'s section [profile] if `file` is not empty, else from the
// environment. INVALID_ARGUMENT naming the file, the section or the variable
// that is missing or empty; the file's read error otherwise.
absl::StatusOr<S3Credentials> LoadS3Credentials(Env* env,
                                                const std::string& file,
                                                const std::string& profile);

}  // namespace archive

#endif  // ARCHIVE_STORAGE_S3_S3_CREDENTIALS_H_
