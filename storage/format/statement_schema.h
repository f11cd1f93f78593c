// Internal to storage/format: the statement's schema (its keys in contract
// order, each with how its value is checked, stored and rendered) and the
// field checks that both statement_rules.cc (validation of a statement being
// made) and statement.cc (rendering and the strict parse) apply. Not a public
// header: layers above use statement.h. Everything here is constant data or a
// pure function; thread-safe.
#ifndef ARCHIVE_STORAGE_FORMAT_STATEMENT_SCHEMA_H_
#define ARCHIVE_STORAGE_FORMAT_STATEMENT_SCHEMA_H_

#include <cstddef>
#include <iterator>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "storage/base/error_detail.h"
#include "storage/format/statement.h"

namespace archive::statement_internal {

// Caps keep a statement (and so a log leaf) small whatever a client sends.
inline constexpr size_t kMaxValueBytes = 4096;
inline constexpr size_t kMaxNameBytes = 256;
inline constexpr size_t kMaxRelations = 64;

inline constexpr absl::string_view kStatuses[] = {
    "draft", "in_force", "amended", "repealed", "expired"};

// How a key's value is checked, stored and rendered.
enum class Kind {
  kText,       // free text
  kName,       // a document id
  kOrigin,     // a document id that is also a signed-note key name
  kStatus,     // one of kStatuses
  kDate,       // YYYY-MM-DD
  kTimestamp,  // YYYY-MM-DDTHH:MM:SSZ
  kParents,    // repeated: one revision id per line
  kContent,    // sha256:<hex> <size>, two struct fields
  kRelations,  // repeated: `<kind> <document id>` per line
};

// Which rules the document ids in a statement are held to. A statement being
// made now meets the Unicode rules for names (unicode_name.h) as well as the
// format's (kNew); one already signed is read by the format's rules alone
// (kFormat), so every statement archived before those rules still parses,
// verifies, syncs and is indexed: the log is append-only, and refusing an old
// entry would stop a verifier or a puller at it for good.
enum class IdRules { kFormat, kNew };

struct KeySpec {
  absl::string_view key;
  Kind kind;
  bool required;
  std::string Statement::*field;  // the value, for the single-string kinds
};

// The keys in the order the contract fixes. Encoding, validation, parsing and
// SameRevisionContent all walk this table, so a new key (issue 7's `relation`)
// is one row here plus, if it is a new kind, one case in each switch below.
inline constexpr KeySpec kKeys[] = {
    {"origin", Kind::kOrigin, true, &Statement::origin},
    {"document", Kind::kName, true, &Statement::document},
    {"parent", Kind::kParents, false, nullptr},
    {"content", Kind::kContent, true, nullptr},
    {"media-type", Kind::kText, true, &Statement::media_type},
    {"status", Kind::kStatus, true, &Statement::status},
    {"title", Kind::kText, false, &Statement::title},
    {"issuer", Kind::kText, false, &Statement::issuer},
    {"number", Kind::kText, false, &Statement::number},
    {"region", Kind::kText, false, &Statement::region},
    {"date", Kind::kDate, false, &Statement::date},
    {"source", Kind::kText, false, &Statement::source},
    {"submitted-by", Kind::kText, true, &Statement::submitted_by},
    {"submitted-at", Kind::kTimestamp, true, &Statement::submitted_at},
    {"note", Kind::kText, false, &Statement::note},
    // Issue 7's extension: new keys go after `note`, so every statement made
    // before them still parses and re-encodes byte for byte.
    {"effective", Kind::kDate, false, &Statement::effective},
    {"expires", Kind::kDate, false, &Statement::expires},
    {"relation", Kind::kRelations, false, nullptr},
};
inline constexpr size_t kNumKeys = std::size(kKeys);

inline bool IsRepeated(const KeySpec& spec) {
  return spec.kind == Kind::kParents || spec.kind == Kind::kRelations;
}

// Active kinds first; each passive form is the active one + "ed-by" spelling.
inline constexpr absl::string_view kRelationPairs[][2] = {
    {"repeals", "repealed-by"},
    {"amends", "amended-by"},
    {"implements", "implemented-by"},
    {"supersedes", "superseded-by"},
};

// INVALID_ARGUMENT "<key>: <problem>", with the field named in its detail.
inline absl::Status FieldError(absl::string_view key,
                               absl::string_view problem) {
  return StatementFieldError(key, problem);
}

// Quotes a value for an error message: escaped so that the message stays one
// printable line, and cut short so a 4 KiB value does not flood a log.
std::string Quote(absl::string_view value);

// A relation as its line's value: "<kind> <document>".
inline std::string RelationValue(const Relation& r) {
  return absl::StrCat(r.kind, " ", r.document);
}

// The key's row in kKeys, or null for a key the format does not have.
const KeySpec* FindKey(absl::string_view key);

// Checks a non-empty value of a single-string key.
absl::Status CheckScalar(const KeySpec& spec, absl::string_view value,
                         IdRules rules);
// A parent line's value: a revision id, 64 lowercase hex.
absl::Status CheckRevisionId(absl::string_view key, absl::string_view id);
// A known kind and a document id held to `rules`.
absl::Status CheckRelation(absl::string_view key, const Relation& r,
                           IdRules rules);
// Every field of `s`, in key order; the first failure is returned.
absl::Status ValidateFields(const Statement& s, IdRules rules);

}  // namespace archive::statement_internal

#endif  // ARCHIVE_STORAGE_FORMAT_STATEMENT_SCHEMA_H_
