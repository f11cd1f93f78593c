// The --json form of a failure (ARCHITECTURE.md, "Exit codes of archivectl"):
// {"error": {"exit": N, "code": "NOT_FOUND" | ... | "USAGE", "message": "..."}}
// on stdout, while the one-line reason still goes to stderr. When the archive
// said why (proto/archive/v1/error_detail.proto), the object also has
// "reason", and where they apply "field", "limit" {"name", "maximum", "flag"}
// and "metadata" {string: string}.
//
// A command that prints a JSON report and then fails (verify of a file that
// differs, check, scrub, import) keeps its report: the error becomes its
// "error" member, so stdout stays one JSON document. To make that possible
// the command's stdout is held back (StdoutCapture) until its outcome is
// known.
#ifndef ARCHIVE_CLIENTS_CLI_JSON_ERROR_H_
#define ARCHIVE_CLIENTS_CLI_JSON_ERROR_H_

#include <iosfwd>
#include <sstream>
#include <string>

#include "absl/status/status.h"

namespace archive {

// While alive, what is written to std::cout is kept instead; Release() (or the
// destructor) puts std::cout back. Not thread-safe; one at a time.
class StdoutCapture {
 public:
  StdoutCapture();
  ~StdoutCapture();
  StdoutCapture(const StdoutCapture&) = delete;
  StdoutCapture& operator=(const StdoutCapture&) = delete;

  // What was written, and std::cout restored.
  std::string Release();

 private:
  std::ostringstream buffer_;
  std::streambuf* saved_;
};

// What a failed --json command prints: `printed` (its output so far) with the
// error added as the "error" member if it is one JSON object, else followed
// by an {"error": ...} line.
std::string JsonFailureOutput(const std::string& printed, const absl::Status& s,
                              const std::string& message);

}  // namespace archive

#endif  // ARCHIVE_CLIENTS_CLI_JSON_ERROR_H_
