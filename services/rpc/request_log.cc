#include "services/rpc/request_log.h"

#include <cstdio>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"
#include "absl/time/time.h"
#include "storage/base/log_line.h"

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

// A value from a request as one field of the line: bounded, and escaped so
// that it can neither end the line nor add fields (no control characters,
// spaces, quotes or backslashes left).
std::string Field(absl::string_view value, size_t max) {
  return absl::StrReplaceAll(
      absl::Utf8SafeCHexEscape(CutAtUtf8Boundary(value, max)),
      {{" ", "\\x20"}});
}

constexpr size_t kMaxFieldBytes = 256;
constexpr size_t kMaxErrorBytes = 1024;

}  // namespace

void RequestLog::Write(const grpc::Status& status) const {
  double ms = absl::ToDoubleMilliseconds(absl::Now() - start_);
  if (LogIsJson()) {
    // Every value a member of its own: JSON needs no field escaping.
    LogFields fields = {{"method", method_},
                        {"id", CutAtUtf8Boundary(identity_, kMaxFieldBytes)},
                        {"doc", CutAtUtf8Boundary(document_, kMaxFieldBytes)},
                        {"status", CodeName(status.error_code())},
                        {"bytes", absl::StrCat(bytes_), true},
                        {"ms", absl::StrFormat("%.1f", ms), true},
                        {"peer", CutAtUtf8Boundary(peer_, kMaxFieldBytes)}};
    if (!status.ok()) {
      fields.push_back(
          {"error", CutAtUtf8Boundary(status.error_message(), kMaxErrorBytes)});
    }
    LogLine("request", status.ok() ? LogLevel::kInfo : LogLevel::kWarning,
            fields);
    return;
  }
  std::string line = absl::StrFormat(
      "%s %s id=%s doc=%s status=%s bytes=%d ms=%.1f peer=%s",
      absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", absl::Now(), absl::UTCTimeZone()),
      method_, Field(identity_, kMaxFieldBytes),
      document_.empty() ? "-" : Field(document_, kMaxFieldBytes),
      CodeName(status.error_code()), bytes_, ms, Field(peer_, kMaxFieldBytes));
  if (!status.ok()) {
    line += absl::StrFormat(" error=\"%s\"",
                            absl::Utf8SafeCHexEscape(CutAtUtf8Boundary(
                                status.error_message(), kMaxErrorBytes)));
  }
  LogLine(line);
}

}  // namespace archive
