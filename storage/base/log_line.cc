#include "storage/base/log_line.h"

#include <cstdio>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace archive {
namespace {

constexpr size_t kMaxLineBytes = 4096;

}  // namespace

std::string CutAtUtf8Boundary(absl::string_view s, size_t max) {
  if (s.size() <= max) return std::string(s);
  size_t end = max;
  while (end > 0 && (static_cast<unsigned char>(s[end]) & 0xC0) == 0x80) --end;
  return absl::StrCat(s.substr(0, end), "...");
}

void LogLine(const std::string& line) {
  // The log is an audit trail: whatever a line quotes from a request, it stays
  // one bounded line.
  std::string out;
  for (char c : CutAtUtf8Boundary(line, kMaxLineBytes)) {
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

}  // namespace archive
