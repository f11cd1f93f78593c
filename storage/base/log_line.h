// archived's free-form log: one bounded line on stderr per message.
#ifndef ARCHIVE_STORAGE_BASE_LOG_LINE_H_
#define ARCHIVE_STORAGE_BASE_LOG_LINE_H_

#include <cstddef>
#include <string>

#include "absl/strings/string_view.h"

namespace archive {

// Writes `line` ("archived: ...") on stderr as one line of at most 4 KiB, with
// control characters escaped, in one write so that concurrent lines never
// interleave. Thread-safe.
void LogLine(const std::string& line);

// The first `max` bytes of `s`, cut at a UTF-8 boundary, with "..." if cut.
std::string CutAtUtf8Boundary(absl::string_view s, size_t max);

}  // namespace archive

#endif  // ARCHIVE_STORAGE_BASE_LOG_LINE_H_
