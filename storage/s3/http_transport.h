// The seam between the S3 client and the network: one HTTP exchange at a
// time. CurlTransport (curl_transport.h) is the real one; tests put a
// transport in front of it that fails chosen requests, to check retries,
// timeouts and what a put acknowledges when the object store goes away.
//
// Thread-safety: Send may be called concurrently from any thread.
// Errors (from Send): a failure before a whole response arrived — refused or
// dropped connection, a stall past the transport's timeout — is UNAVAILABLE
// (DEADLINE_EXCEEDED for a timeout) with the reason; a TLS peer that cannot
// be verified is FAILED_PRECONDITION (retrying will not help); an HTTP
// response of any status is OK, for the caller to judge.
#ifndef ARCHIVE_STORAGE_S3_HTTP_TRANSPORT_H_
#define ARCHIVE_STORAGE_S3_HTTP_TRANSPORT_H_

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace archive {

struct HttpRequest {
  std::string method;  // GET, HEAD, PUT, POST, DELETE
  std::string url;     // scheme://host[:port]/path?query, already encoded
  std::vector<std::pair<std::string, std::string>> headers;
  // Borrowed: must stay valid until Send returns.
  absl::string_view body;
};

struct HttpResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // names in lowercase
  // Held whole: S3 answers are small XML documents, and reads ask for
  // bounded ranges of an object, so this is what bounds memory.
  std::string body;
};

class HttpTransport {
 public:
  virtual ~HttpTransport() = default;
  virtual absl::StatusOr<HttpResponse> Send(const HttpRequest& request) = 0;
};

}  // namespace archive

#endif  // ARCHIVE_STORAGE_S3_HTTP_TRANSPORT_H_
