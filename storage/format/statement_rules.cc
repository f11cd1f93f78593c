// The field rules of the revision statement: which characters, lengths,
// dates, statuses, relations and ids each key's value may have. Validation
// of a statement being made and the strict parse of a signed one both come
// here (through statement_schema.h), so the two can never disagree.
#include <algorithm>
#include <cstddef>
#include <iterator>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "storage/base/hex.h"
#include "storage/base/rfc3339.h"
#include "storage/base/utf8.h"
#include "storage/format/statement.h"
#include "storage/format/statement_schema.h"
#include "storage/format/unicode_name.h"

namespace archive {
namespace statement_internal {

std::string Quote(absl::string_view value) {
  constexpr size_t kMaxQuoted = 80;
  bool cut = value.size() > kMaxQuoted;
  if (cut) {
    size_t end = kMaxQuoted;
    while (end > 0 && (static_cast<unsigned char>(value[end]) & 0xC0) == 0x80) {
      --end;  // do not split a UTF-8 sequence
    }
    value = value.substr(0, end);
  }
  std::string escaped = IsValidUtf8(value) ? absl::Utf8SafeCHexEscape(value)
                                           : absl::CHexEscape(value);
  return absl::StrCat("\"", escaped, cut ? "...\"" : "\"");
}

const KeySpec* FindKey(absl::string_view key) {
  for (const KeySpec& spec : kKeys) {
    if (spec.key == key) return &spec;
  }
  return nullptr;
}

namespace {

// C0, DEL and C1: none of them belongs in a one-line value, and a C1 NEL
// (U+0085) is a line break to some readers.
bool IsControl(char32_t cp) { return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F); }

// Unicode line and paragraph separators break lines in editors and browsers.
bool IsLineSeparator(char32_t cp) { return cp == 0x2028 || cp == 0x2029; }

// Unicode White_Space, plus the zero-width spaces that look like nothing at
// all: an id must read back exactly as it was typed.
bool IsWhitespace(char32_t cp) {
  switch (cp) {
    case 0x20:
    case 0x85:
    case 0xA0:
    case 0x1680:
    case 0x180E:
    case 0x2028:
    case 0x2029:
    case 0x202F:
    case 0x205F:
    case 0x2060:
    case 0x3000:
    case 0xFEFF:
      return true;
    default:
      return (cp >= 0x09 && cp <= 0x0D) || (cp >= 0x2000 && cp <= 0x200B);
  }
}

std::string CodePointName(char32_t cp) {
  return absl::StrFormat("U+%04X", static_cast<uint32_t>(cp));
}

// The character rules every value shares; ids (`is_name`) also refuse spaces.
absl::Status CheckChars(absl::string_view key, absl::string_view value,
                        bool is_name) {
  size_t pos = 0;
  while (pos < value.size()) {
    const size_t at = pos;
    char32_t cp;
    if (!DecodeUtf8(value, &pos, &cp)) {
      return FieldError(key,
                        absl::StrCat("not valid UTF-8 (at byte ", at, ")"));
    }
    if (IsControl(cp)) {
      return FieldError(key, absl::StrCat("contains a control character (",
                                          CodePointName(cp), ")"));
    }
    if (is_name && IsWhitespace(cp)) {
      return FieldError(
          key, absl::StrCat("contains whitespace (", CodePointName(cp), ")"));
    }
    if (IsLineSeparator(cp)) {
      return FieldError(key, absl::StrCat("contains a line separator (",
                                          CodePointName(cp), ")"));
    }
  }
  return absl::OkStatus();
}

absl::Status CheckText(absl::string_view key, absl::string_view value) {
  if (value.size() > kMaxValueBytes) {
    return FieldError(key, absl::StrCat("longer than ", kMaxValueBytes,
                                        " bytes (", value.size(), ")"));
  }
  if (absl::Status s = CheckChars(key, value, false); !s.ok()) return s;
  // A space at either end would vanish or double up in `key value` lines.
  if (!value.empty() && (value.front() == ' ' || value.back() == ' ')) {
    return FieldError(key, "has a leading or trailing space");
  }
  return absl::OkStatus();
}

absl::Status CheckName(absl::string_view key, absl::string_view value,
                       IdRules rules) {
  if (value.empty() || value.size() > kMaxNameBytes) {
    return FieldError(key, absl::StrCat("must be 1-", kMaxNameBytes,
                                        " bytes (is ", value.size(), ")"));
  }
  if (absl::Status s = CheckChars(key, value, true); !s.ok()) return s;
  if (rules == IdRules::kFormat) return absl::OkStatus();
  return CheckUnicodeName(key, value);
}

// The origin is also the key name of the archive's signed notes, where C2SP
// signed-note reserves '+' as the separator of a verifier key string. It is
// held to the format's rules only, even in a new statement: it is the
// archive's own --origin, fixed when its key was made and checked when it
// starts, and an archive whose origin was valid yesterday must not be unable
// to accept any put today.
absl::Status CheckOrigin(absl::string_view key, absl::string_view value) {
  if (absl::Status s = CheckName(key, value, IdRules::kFormat); !s.ok()) {
    return s;
  }
  if (value.find('+') != absl::string_view::npos) {
    return FieldError(key, "contains '+' (not allowed in a key name)");
  }
  return absl::OkStatus();
}

absl::Status CheckStatus(absl::string_view key, absl::string_view value) {
  if (absl::Status s = CheckText(key, value); !s.ok()) return s;
  if (!IsKnownStatus(value)) {
    return FieldError(
        key, absl::StrCat("unknown status ", Quote(value), " (expected ",
                          absl::StrJoin(std::begin(kStatuses),
                                        std::end(kStatuses) - 1, ", "),
                          " or ", *(std::end(kStatuses) - 1), ")"));
  }
  return absl::OkStatus();
}

absl::Status CheckDate(absl::string_view key, absl::string_view value) {
  if (!IsCalendarDate(value)) {
    return FieldError(
        key, absl::StrCat(Quote(value), " is not a valid YYYY-MM-DD date"));
  }
  return absl::OkStatus();
}

absl::Status CheckTimestamp(absl::string_view key, absl::string_view value) {
  if (!IsUtcTimestamp(value)) {
    return FieldError(
        key, absl::StrCat(Quote(value),
                          " is not an RFC 3339 UTC time in whole seconds "
                          "(YYYY-MM-DDTHH:MM:SSZ)"));
  }
  return absl::OkStatus();
}

}  // namespace

// Checks a non-empty value of a single-string key.
absl::Status CheckScalar(const KeySpec& spec, absl::string_view value,
                         IdRules rules) {
  switch (spec.kind) {
    case Kind::kText:
      return CheckText(spec.key, value);
    case Kind::kName:
      return CheckName(spec.key, value, rules);
    case Kind::kOrigin:
      return CheckOrigin(spec.key, value);
    case Kind::kStatus:
      return CheckStatus(spec.key, value);
    case Kind::kDate:
      return CheckDate(spec.key, value);
    case Kind::kTimestamp:
      return CheckTimestamp(spec.key, value);
    case Kind::kParents:
    case Kind::kContent:
    case Kind::kRelations:
      break;
  }
  return absl::InternalError(absl::StrCat(spec.key, ": not a single value"));
}

absl::Status CheckRevisionId(absl::string_view key, absl::string_view id) {
  if (!IsSha256Hex(id)) {
    return FieldError(key, absl::StrCat(Quote(id),
                                        " is not a revision id (64 lowercase "
                                        "hex)"));
  }
  return absl::OkStatus();
}

namespace {

absl::Status ValidateParents(const KeySpec& spec, const Statement& s) {
  for (const std::string& parent : s.parents) {
    if (absl::Status st = CheckRevisionId(spec.key, parent); !st.ok()) {
      return st;
    }
  }
  std::vector<std::string> sorted = s.parents;
  std::sort(sorted.begin(), sorted.end());
  auto dup = std::adjacent_find(sorted.begin(), sorted.end());
  if (dup != sorted.end()) {
    return FieldError(spec.key, absl::StrCat("duplicate revision id ", *dup));
  }
  return absl::OkStatus();
}

absl::Status ValidateContent(const KeySpec& spec, const Statement& s) {
  if (s.content_sha256.empty()) return FieldError(spec.key, "required");
  if (!IsSha256Hex(s.content_sha256)) {
    return FieldError(spec.key, absl::StrCat("sha256 ", Quote(s.content_sha256),
                                             " is not 64 lowercase hex"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status CheckRelation(absl::string_view key, const Relation& r,
                           IdRules rules) {
  if (!IsKnownRelationKind(r.kind)) {
    std::vector<absl::string_view> kinds;
    for (const auto& pair : kRelationPairs) {
      kinds.push_back(pair[0]);
      kinds.push_back(pair[1]);
    }
    return FieldError(key, absl::StrCat("unknown relation kind ", Quote(r.kind),
                                        " (expected one of ",
                                        absl::StrJoin(kinds, ", "), ")"));
  }
  return CheckName(key, r.document, rules);
}

namespace {

absl::Status ValidateRelations(const KeySpec& spec, const Statement& s,
                               IdRules rules) {
  if (s.relations.size() > kMaxRelations) {
    return FieldError(spec.key,
                      absl::StrCat(s.relations.size(), " relations; at most ",
                                   kMaxRelations, " per revision"));
  }
  for (const Relation& r : s.relations) {
    if (absl::Status st = CheckRelation(spec.key, r, rules); !st.ok()) {
      return st;
    }
    if (r.document == s.document) {
      return FieldError(spec.key,
                        absl::StrCat("a document cannot relate to itself (",
                                     RelationValue(r), ")"));
    }
  }
  std::vector<Relation> sorted = s.relations;
  std::sort(sorted.begin(), sorted.end());
  auto dup = std::adjacent_find(sorted.begin(), sorted.end());
  if (dup != sorted.end()) {
    return FieldError(spec.key,
                      absl::StrCat("duplicate relation ", RelationValue(*dup)));
  }
  return absl::OkStatus();
}

absl::Status ValidateField(const KeySpec& spec, const Statement& s,
                           IdRules rules) {
  if (spec.kind == Kind::kParents) return ValidateParents(spec, s);
  if (spec.kind == Kind::kRelations) return ValidateRelations(spec, s, rules);
  if (spec.kind == Kind::kContent) return ValidateContent(spec, s);
  const std::string& value = s.*spec.field;
  if (value.empty()) {
    return spec.required ? FieldError(spec.key, "required") : absl::OkStatus();
  }
  return CheckScalar(spec, value, rules);
}

}  // namespace

absl::Status ValidateFields(const Statement& s, IdRules rules) {
  for (const KeySpec& spec : kKeys) {
    if (absl::Status st = ValidateField(spec, s, rules); !st.ok()) return st;
  }
  return absl::OkStatus();
}

}  // namespace statement_internal

using namespace statement_internal;  // NOLINT: this file is the schema's own

bool IsKnownStatus(absl::string_view status) {
  return std::find(std::begin(kStatuses), std::end(kStatuses), status) !=
         std::end(kStatuses);
}

bool IsKnownRelationKind(absl::string_view kind) {
  for (const auto& pair : kRelationPairs) {
    if (kind == pair[0] || kind == pair[1]) return true;
  }
  return false;
}

std::string InverseRelationKind(absl::string_view kind) {
  for (const auto& pair : kRelationPairs) {
    if (kind == pair[0]) return std::string(pair[1]);
    if (kind == pair[1]) return std::string(pair[0]);
  }
  return "";
}

std::string RelationKindForStatus(absl::string_view status) {
  if (status == "repealed") return "repealed-by";
  if (status == "amended") return "amended-by";
  if (status == "expired") return "superseded-by";
  return "";
}

absl::Status ValidateDocumentId(absl::string_view id) {
  return CheckName("document", id, IdRules::kFormat);
}

absl::Status ValidateNewDocumentId(absl::string_view id) {
  return CheckName("document", id, IdRules::kNew);
}

absl::Status ValidateStatement(const Statement& s) {
  return ValidateFields(s, IdRules::kNew);
}

}  // namespace archive
