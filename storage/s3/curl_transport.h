// HttpTransport (http_transport.h) on libcurl's easy interface. Connections are
// kept alive and reused: idle easy handles wait in a pool, so consecutive
// requests from any thread skip the TCP (and TLS) handshake.
//
// Thread-safety: Send may be called concurrently (each call takes its own
// handle from the pool). Errors as HttpTransport's.
#ifndef ARCHIVE_STORAGE_S3_CURL_TRANSPORT_H_
#define ARCHIVE_STORAGE_S3_CURL_TRANSPORT_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "storage/s3/http_transport.h"

namespace archive {

struct CurlTransportOptions {
  // PEM file of the CA certificates an https endpoint must chain to; empty:
  // the system's.
  std::string ca_file;
  absl::Duration connect_timeout = absl::Seconds(5);
  // A transfer that moves no byte for this long is abandoned
  // (DEADLINE_EXCEEDED): a hung store is noticed, while a slow but moving
  // transfer of a large part is not cut short.
  absl::Duration stall_timeout = absl::Seconds(30);
};

class CurlTransport : public HttpTransport {
 public:
  explicit CurlTransport(CurlTransportOptions options);
  ~CurlTransport() override;
  absl::StatusOr<HttpResponse> Send(const HttpRequest& request) override;

 private:
  struct Handle;
  std::unique_ptr<Handle> Take();
  void Give(std::unique_ptr<Handle> handle);

  CurlTransportOptions options_;
  absl::Mutex mu_;
  std::vector<std::unique_ptr<Handle>> idle_ ABSL_GUARDED_BY(mu_);
};

}  // namespace archive

#endif  // ARCHIVE_STORAGE_S3_CURL_TRANSPORT_H_
