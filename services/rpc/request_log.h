// One line per request on stderr: method, document, status, bytes, duration.
// Operators grep it; tests read it.
#ifndef ARCHIVE_SERVICES_RPC_REQUEST_LOG_H_
#define ARCHIVE_SERVICES_RPC_REQUEST_LOG_H_

#include <grpcpp/grpcpp.h>

#include <cstdint>
#include <string>

#include "absl/time/clock.h"
#include "storage/base/log_line.h"  // LogLine, for the callers of this header

namespace archive {

// Not thread-safe: one RequestLog belongs to one request; use it from one
// thread at a time. Write may run alongside other requests' Writes: LogLine
// (log_line.h) writes each line whole. `method` is not copied and must
// outlive the log (a string literal). Values from the request are escaped, so
// they can neither end the line nor add fields. Nothing here fails.
class RequestLog {
 public:
  // Starts the clock for one request.
  RequestLog(const char* method, std::string peer)
      : method_(method), peer_(std::move(peer)), start_(absl::Now()) {}
  void set_document(std::string doc) { document_ = std::move(doc); }
  void set_identity(std::string identity) { identity_ = std::move(identity); }
  void add_bytes(uint64_t n) { bytes_ += n; }
  // Writes the line. Call once, when the request ends (nothing enforces it:
  // a second call writes a second line).
  void Write(const grpc::Status& status) const;

 private:
  const char* method_;
  std::string peer_;
  std::string document_;
  std::string identity_ = "-";
  uint64_t bytes_ = 0;
  absl::Time start_;
};

}  // namespace archive

#endif  // ARCHIVE_SERVICES_RPC_REQUEST_LOG_H_
