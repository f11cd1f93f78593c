// The revision statement: the canonical, signed record of one revision.
//
// Contract (ARCHITECTURE.md, "Revision statement"): UTF-8 text, one `key value` per line,
// keys in a fixed order, optional keys omitted when empty, values without control
// characters and without leading/trailing spaces, ending in "\n". The revision id is the
// lowercase hex SHA-256 of the text bytes.
#ifndef ARCHIVE_STORAGE_STATEMENT_H_
#define ARCHIVE_STORAGE_STATEMENT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace archive {

inline constexpr absl::string_view kStatementHeader = "archive-revision/v1";

struct Statement {
  std::string origin;                // required
  std::string document;              // required; see ValidateDocumentId
  std::vector<std::string> parents;  // revision ids; encoded sorted ascending
  std::string content_sha256;        // required; 64 lowercase hex
  uint64_t content_size = 0;
  std::string media_type;            // required
  std::string status;                // required; one of kStatuses
  std::string title, issuer, number, region;
  std::string date;                  // optional; YYYY-MM-DD, a real calendar date
  std::string source;
  std::string submitted_by;          // required
  std::string submitted_at;          // required; YYYY-MM-DDTHH:MM:SSZ
  std::string note;
};

// The lifecycle statuses, in the contract's spelling.
bool IsKnownStatus(absl::string_view status);

// Document ids: printable UTF-8, no whitespace or control characters, 1-256 bytes.
absl::Status ValidateDocumentId(absl::string_view id);

// Checks every field rule. On failure returns INVALID_ARGUMENT whose message starts with
// the offending field's key (e.g. "title: contains a control character").
absl::Status ValidateStatement(const Statement& s);

// Validates, then renders the canonical text (parents sorted, duplicates rejected).
absl::StatusOr<std::string> EncodeStatement(const Statement& s);

// Strict parse: the text must be exactly what EncodeStatement would produce for the
// result (right key order, no unknown keys, valid UTF-8, final newline). INVALID_ARGUMENT
// naming the problem otherwise.
absl::StatusOr<Statement> ParseStatement(absl::string_view text);

// Lowercase hex SHA-256 of the statement text.
std::string RevisionIdOf(absl::string_view statement_text);

// True if a and b agree on every line except submitted-by, submitted-at and note: a put
// of `b` over head `a` is then a retry and stores nothing.
bool SameRevisionContent(const Statement& a, const Statement& b);

// Validates a UTF-8 string (no overlongs, no surrogates, <= U+10FFFF).
bool IsValidUtf8(absl::string_view s);

}  // namespace archive

#endif  // ARCHIVE_STORAGE_STATEMENT_H_
