// AWS Signature Version 4 for S3 requests (the "Authorization:
// AWS4-HMAC-SHA256" header), as specified in the AWS General Reference,
// "Signature Version 4 signing process", and "Authenticating Requests (AWS
// Signature Version 4)" in the Amazon S3 API reference. The payload is signed
// by its SHA-256 (x-amz-content-sha256), which the object store checks against
// the bytes it receives, so a signed upload also carries a checksum the store
// verifies.
//
// Pure functions; thread-safe. No errors: the caller passes well-formed input
// (an ASCII host, header names without spaces).
#ifndef ARCHIVE_STORAGE_S3_SIGV4_H_
#define ARCHIVE_STORAGE_S3_SIGV4_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace archive {

struct S3Credentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // temporary credentials only; may be empty
};

// RFC 3986 percent-encoding as SigV4 wants it: unreserved characters
// (A-Z a-z 0-9 - . _ ~) stay, every other byte becomes %XX (uppercase);
// '/' stays when `keep_slash` (an object key in a path).
std::string UriEncode(absl::string_view s, bool keep_slash);

// One request to sign. `path` is the URI-encoded path ("/bucket/key");
// `query` holds raw (unencoded) names and values; `headers` every header to
// be signed except host, x-amz-date, x-amz-content-sha256 and
// x-amz-security-token, which Sign adds.
struct SigV4Request {
  std::string method;
  std::string host;  // as in the Host header: name[:port]
  std::string path;
  std::vector<std::pair<std::string, std::string>> query;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string payload_sha256_hex;  // of the body; of "" when there is none
};

// The headers to send along with the request's own: x-amz-date,
// x-amz-content-sha256, x-amz-security-token (with a session token) and
// Authorization, signed for `region` and service "s3" at time `now`.
std::vector<std::pair<std::string, std::string>> SignV4(
    const SigV4Request& request, const S3Credentials& credentials,
    const std::string& region, absl::Time now);

// The query string of `query` in SigV4's canonical form (sorted by name,
// then value; both encoded): also what the request's URL must carry.
std::string CanonicalQuery(
    const std::vector<std::pair<std::string, std::string>>& query);

}  // namespace archive

#endif  // ARCHIVE_STORAGE_S3_SIGV4_H_
