#include "services/request_log.h"

#include <cstdio>

#include "absl/strings/str_format.h"
#include "absl/time/time.h"

namespace archive {
namespace {

const char* CodeName(grpc::StatusCode code) {
  static const char* kNames[] = {"OK",
                                 "CANCELLED",
                                 "UNKNOWN",
                                 "INVALID_ARGUMENT",
                                 "DEADLINE_EXCEEDED",
                                 "NOT_FOUND",
                                 "ALREADY_EXISTS",
                                 "PERMISSION_DENIED",
                                 "RESOURCE_EXHAUSTED",
                                 "FAILED_PRECONDITION",
                                 "ABORTED",
                                 "OUT_OF_RANGE",
                                 "UNIMPLEMENTED",
                                 "INTERNAL",
                                 "UNAVAILABLE",
                                 "DATA_LOSS",
                                 "UNAUTHENTICATED"};
  int i = static_cast<int>(code);
  return (i >= 0 && i <= 16) ? kNames[i] : "UNKNOWN";
}

}  // namespace

void LogLine(const std::string& line) {
  std::string out = line + "\n";
  // One write per line so concurrent requests never interleave within a line.
  std::fwrite(out.data(), 1, out.size(), stderr);
}

void RequestLog::Write(const grpc::Status& status) const {
  std::string line = absl::StrFormat(
      "%s %s id=%s doc=%s status=%s bytes=%d ms=%.1f peer=%s",
      absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", absl::Now(), absl::UTCTimeZone()),
      method_, identity_, document_.empty() ? "-" : document_,
      CodeName(status.error_code()), bytes_,
      absl::ToDoubleMilliseconds(absl::Now() - start_), peer_);
  if (!status.ok())
    line += absl::StrFormat(" error=\"%s\"", status.error_message());
  LogLine(line);
}

}  // namespace archive
