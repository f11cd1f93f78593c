// The revision statement: the canonical, signed record of one revision.
//
// Contract (ARCHITECTURE.md, "Revision statement"): UTF-8 text, one `key value`
// per line, keys in a fixed order, optional keys omitted when empty, values
// without control characters and without leading/trailing spaces, ending in
// "\n". The revision id is the lowercase hex SHA-256 of the text bytes.
#ifndef ARCHIVE_STORAGE_FORMAT_STATEMENT_H_
#define ARCHIVE_STORAGE_FORMAT_STATEMENT_H_

#include <cstdint>
#include <string>
#include <tuple>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace archive {

inline constexpr absl::string_view kStatementHeader = "archive-revision/v1";

// A relation this revision's document declares to another document, written
// `relation <kind> <document id>` after `note` (issue 7's extension of the
// contract: statements without these lines are unchanged). Kinds read from the
// declaring document: "repeals X", or "repealed-by X" when the lifecycle change
// is recorded on the repealed document itself (archivectl status --by).
struct Relation {
  std::string kind;      // one of kRelationKinds
  std::string document;  // the other document's id
  bool operator<(const Relation& o) const {
    return std::tie(kind, document) < std::tie(o.kind, o.document);
  }
  bool operator==(const Relation& o) const {
    return kind == o.kind && document == o.document;
  }
};

struct Statement {
  std::string origin;                // required
  std::string document;              // required; see ValidateDocumentId
  std::vector<std::string> parents;  // revision ids; encoded sorted ascending
  std::string content_sha256;        // required; 64 lowercase hex
  uint64_t content_size = 0;
  std::string media_type;  // required
  std::string status;      // required; one of kStatuses
  std::string title, issuer, number, region;
  std::string date;  // optional; YYYY-MM-DD, a real calendar date
  std::string source;
  std::string submitted_by;  // required
  std::string submitted_at;  // required; YYYY-MM-DDTHH:MM:SSZ
  std::string note;
  // Extension keys, after `note` (issue 7).
  std::string effective;  // optional; YYYY-MM-DD the policy takes effect
  std::string expires;    // optional; YYYY-MM-DD it ceases to apply
  std::vector<Relation> relations;  // encoded sorted, one line each
};

// Relation kinds: the four active ones and their passive forms.
bool IsKnownRelationKind(absl::string_view kind);
// "repeals" <-> "repealed-by", and so on: the same relation seen from the
// other document.
std::string InverseRelationKind(absl::string_view kind);
// The passive kind a lifecycle status implies with `status --by OTHER`
// ("repealed" -> "repealed-by"); empty if the status takes no --by.
std::string RelationKindForStatus(absl::string_view status);

// The lifecycle statuses, in the contract's spelling.
bool IsKnownStatus(absl::string_view status);

// Document ids as the statement format allows them: printable UTF-8, no
// whitespace or control characters, 1-256 bytes. Every id ever archived meets
// this, so it is the rule for naming a document that may already exist (get,
// history). INVALID_ARGUMENT "document: ..." otherwise.
absl::Status ValidateDocumentId(absl::string_view id);

// A new id meets ValidateDocumentId and the Unicode rules for names
// (unicode_name.h: no bidirectional controls, no invisible default-ignorable
// characters, nothing unassigned, Normalization Form C; the NFC error names
// the NFC form). ValidateStatement and EncodeStatement hold every document id
// of a new statement (`document` and relation targets) to this.
absl::Status ValidateNewDocumentId(absl::string_view id);

// Checks every field rule of a statement about to be made (new ids as
// ValidateNewDocumentId; the origin by the format's rules, as it is the
// archive's own). On failure returns INVALID_ARGUMENT whose message starts
// with the offending field's key (e.g. "title: contains a control
// character").
absl::Status ValidateStatement(const Statement& s);

// Validates, then renders the canonical text (parents sorted, duplicates
// rejected).
absl::StatusOr<std::string> EncodeStatement(const Statement& s);

// Strict parse: the text must be exactly what EncodeStatement would produce for
// the result (right key order, no unknown keys, valid UTF-8, final newline),
// except that its ids are held to the format's rules only (ValidateDocumentId):
// a statement signed before the Unicode rules still parses, so it still
// verifies and syncs. INVALID_ARGUMENT naming the problem otherwise.
absl::StatusOr<Statement> ParseStatement(absl::string_view text);

// Lowercase hex SHA-256 of the statement text.
std::string RevisionIdOf(absl::string_view statement_text);

// True if a and b agree on every line except submitted-by, submitted-at and
// note: a put of `b` over head `a` is then a retry and stores nothing.
bool SameRevisionContent(const Statement& a, const Statement& b);

}  // namespace archive

#endif  // ARCHIVE_STORAGE_FORMAT_STATEMENT_H_
