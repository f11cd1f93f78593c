#include "storage/base/log_line.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <mutex>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "storage/base/utf8.h"

namespace archive {
namespace {

constexpr size_t kMaxLineBytes = 4096;

std::atomic<bool> json_format{false};
std::mutex file_mu;
std::string* log_path = nullptr;  // guarded by file_mu; set once

// Opens `path` for appending and puts it in place of fd 2.
absl::Status PointStderrAt(const std::string& path) {
  int fd =
      ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
  if (fd < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "cannot open log file ", path, ": ", std::strerror(errno)));
  }
  // dup2 replaces fd 2 atomically: a write to stderr goes to the old file or
  // the new one, never nowhere.
  int dup = ::dup2(fd, STDERR_FILENO);
  int dup_errno = errno;
  ::close(fd);
  if (dup < 0) {
    return absl::InternalError(absl::StrCat("cannot redirect stderr to ", path,
                                            ": ", std::strerror(dup_errno)));
  }
  return absl::OkStatus();
}

const char* LevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kWarning:
      return "warning";
    case LogLevel::kError:
      return "error";
    case LogLevel::kInfo:
      break;
  }
  return "info";
}

// Control characters escaped, so whatever a line quotes from a request it
// stays one line.
std::string EscapedText(absl::string_view line) {
  std::string out;
  for (char c : line) {
    unsigned char u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7F) {
      out += absl::StrFormat("\\x%02x", u);
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string JsonLine(absl::string_view line, LogLevel level,
                     const LogFields& fields) {
  absl::ConsumePrefix(&line, "archived: ");
  std::string out = absl::StrCat(
      "{\"time\":",
      JsonString(absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::Now(),
                                  absl::UTCTimeZone())),
      ",\"level\":\"", LevelName(level), "\",\"msg\":", JsonString(line));
  for (const LogField& field : fields) {
    absl::StrAppend(&out, ",", JsonString(field.name), ":",
                    field.number ? field.value
                                 : JsonString(CutAtUtf8Boundary(
                                       field.value, kMaxLineBytes)));
  }
  out += "}";
  return out;
}

}  // namespace

absl::Status ParseLogFormat(absl::string_view name, LogFormat* format) {
  if (name == "text") {
    *format = LogFormat::kText;
  } else if (name == "json") {
    *format = LogFormat::kJson;
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat("--log_format=", name, ": expected text or json"));
  }
  return absl::OkStatus();
}

absl::Status ConfigureLog(LogFormat format, const std::string& file) {
  json_format = format == LogFormat::kJson;
  if (file.empty()) return absl::OkStatus();
  if (absl::Status s = PointStderrAt(file); !s.ok()) return s;
  std::lock_guard<std::mutex> lock(file_mu);
  delete log_path;
  log_path = new std::string(file);
  return absl::OkStatus();
}

absl::Status ReopenLog() {
  std::lock_guard<std::mutex> lock(file_mu);
  if (log_path == nullptr) return absl::OkStatus();
  return PointStderrAt(*log_path);
}

bool LogIsJson() { return json_format; }

std::string CutAtUtf8Boundary(absl::string_view s, size_t max) {
  if (s.size() <= max) return std::string(s);
  size_t end = max;
  while (end > 0 && (static_cast<unsigned char>(s[end]) & 0xC0) == 0x80) --end;
  return absl::StrCat(s.substr(0, end), "...");
}

std::string JsonString(absl::string_view s) {
  std::string out = "\"";
  size_t pos = 0;
  while (pos < s.size()) {
    unsigned char u = static_cast<unsigned char>(s[pos]);
    if (u >= 0x80) {
      size_t start = pos;
      char32_t code_point;
      if (DecodeUtf8(s, &pos, &code_point)) {
        out.append(s.data() + start, pos - start);
      } else {
        out += "\\ufffd";  // not UTF-8: the byte is replaced, never copied
        ++pos;
      }
      continue;
    }
    ++pos;
    if (u == '"' || u == '\\') {
      out.push_back('\\');
      out.push_back(static_cast<char>(u));
    } else if (u < 0x20 || u == 0x7F) {
      out += absl::StrFormat("\\u%04x", u);
    } else {
      out.push_back(static_cast<char>(u));
    }
  }
  out += "\"";
  return out;
}

void LogLine(const std::string& line, LogLevel level, const LogFields& fields) {
  // The log is an audit trail: whatever a line quotes from a request, it stays
  // one bounded line.
  std::string cut = CutAtUtf8Boundary(line, kMaxLineBytes);
  std::string out =
      json_format ? JsonLine(cut, level, fields) : EscapedText(cut);
  out += "\n";
  // One write per line so concurrent requests never interleave within a line.
  // Straight to fd 2, not through stdio's buffer, so ReopenLog's dup2 takes
  // effect at the next line.
  size_t done = 0;
  while (done < out.size()) {
    ssize_t n = ::write(STDERR_FILENO, out.data() + done, out.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    done += static_cast<size_t>(n);
  }
}

}  // namespace archive
