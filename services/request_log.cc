#include "services/request_log.h"

#include <cstdio>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"
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

// The first `max` bytes of `s`, cut at a UTF-8 boundary, "..." if cut.
std::string Cut(absl::string_view s, size_t max) {
  if (s.size() <= max) return std::string(s);
  size_t end = max;
  while (end > 0 && (static_cast<unsigned char>(s[end]) & 0xC0) == 0x80) --end;
  return absl::StrCat(s.substr(0, end), "...");
}

// A value from a request as one field of the line: bounded, and escaped so
// that it can neither end the line nor add fields (no control characters,
// spaces, quotes or backslashes left).
std::string Field(absl::string_view value, size_t max) {
  return absl::StrReplaceAll(absl::Utf8SafeCHexEscape(Cut(value, max)),
                             {{" ", "\\x20"}});
}

constexpr size_t kMaxFieldBytes = 256;
constexpr size_t kMaxErrorBytes = 1024;
constexpr size_t kMaxLineBytes = 4096;

}  // namespace

void LogLine(const std::string& line) {
  // The log is an audit trail: whatever a line quotes from a request, it stays
  // one bounded line.
  std::string out;
  for (char c : Cut(line, kMaxLineBytes)) {
    unsigned char u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7F) {
      out += absl::StrFormat("\\x%02x", u);
    } else {
      out.push_back(c);
    }
  }
  out += "\n";
  // One write per line so concurrent requests never interleave within a line.
  std::fwrite(out.data(), 1, out.size(), stderr);
}

void RequestLog::Write(const grpc::Status& status) const {
  std::string line = absl::StrFormat(
      "%s %s id=%s doc=%s status=%s bytes=%d ms=%.1f peer=%s",
      absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", absl::Now(), absl::UTCTimeZone()),
      method_, Field(identity_, kMaxFieldBytes),
      document_.empty() ? "-" : Field(document_, kMaxFieldBytes),
      CodeName(status.error_code()), bytes_,
      absl::ToDoubleMilliseconds(absl::Now() - start_),
      Field(peer_, kMaxFieldBytes));
  if (!status.ok()) {
    line += absl::StrFormat(
        " error=\"%s\"",
        absl::Utf8SafeCHexEscape(Cut(status.error_message(), kMaxErrorBytes)));
  }
  LogLine(line);
}

}  // namespace archive
