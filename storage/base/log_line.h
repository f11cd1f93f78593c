// archived's log: one bounded line per message, as text or as JSON, on stderr
// or in a file that can be reopened (log rotation).
#ifndef ARCHIVE_STORAGE_BASE_LOG_LINE_H_
#define ARCHIVE_STORAGE_BASE_LOG_LINE_H_

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace archive {

enum class LogLevel { kInfo, kWarning, kError };
enum class LogFormat { kText, kJson };

// Parses "text" or "json"; INVALID_ARGUMENT naming the value otherwise.
absl::Status ParseLogFormat(absl::string_view name, LogFormat* format);

// Chooses the format and, if `file` is not empty, sends the log there:
// the file is opened for appending (created 0640) and put in place of
// stderr (fd 2), so that everything the process writes to stderr, its own
// lines and its libraries' (gRPC's), lands in it. Call once at start, before
// other threads log. Errors: the file cannot be opened (naming it).
absl::Status ConfigureLog(LogFormat format, const std::string& file);
// Opens the configured file again and puts it in place of stderr, for log
// rotation (archived does it on SIGHUP): lines written meanwhile go to the old
// file or the new one, never lost. OK and nothing done without a file.
// Thread-safe.
absl::Status ReopenLog();

// Writes `line` ("archived: ...") as one line of at most 4 KiB: in text, as
// is, with control characters escaped; in JSON, as the "msg" of an object
// with "time" and "level" (the "archived: " prefix dropped) and the `fields`
// as members (strings unless marked numbers). One write per line, so concurrent
// lines never interleave. Thread-safe.
struct LogField {
  std::string name;
  std::string value;
  bool number = false;  // value is a JSON number, written unquoted
};
using LogFields = std::vector<LogField>;
void LogLine(const std::string& line, LogLevel level = LogLevel::kInfo,
             const LogFields& fields = {});

// True once ConfigureLog chose JSON.
bool LogIsJson();

// `s` as a JSON string literal, quotes included (control characters and
// invalid UTF-8 escaped, so the result is always valid JSON).
std::string JsonString(absl::string_view s);

// The first `max` bytes of `s`, cut at a UTF-8 boundary, with "..." if cut.
std::string CutAtUtf8Boundary(absl::string_view s, size_t max);

}  // namespace archive

#endif  // ARCHIVE_STORAGE_BASE_LOG_LINE_H_
