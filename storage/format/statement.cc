#include "storage/format/statement.h"

#include <algorithm>
#include <cstddef>
#include <iterator>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "storage/base/error_detail.h"
#include "storage/base/hex.h"
#include "storage/base/sha256.h"
#include "storage/format/unicode_name.h"

namespace archive {
namespace {

// Caps keep a statement (and so a log leaf) small whatever a client sends.
constexpr size_t kMaxValueBytes = 4096;
constexpr size_t kMaxNameBytes = 256;
constexpr size_t kMaxRelations = 64;

constexpr absl::string_view kStatuses[] = {"draft", "in_force", "amended",
                                           "repealed", "expired"};

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
constexpr KeySpec kKeys[] = {
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
constexpr size_t kNumKeys = std::size(kKeys);

bool IsRepeated(const KeySpec& spec) {
  return spec.kind == Kind::kParents || spec.kind == Kind::kRelations;
}

// Active kinds first; each passive form is the active one + "ed-by" spelling.
constexpr absl::string_view kRelationPairs[][2] = {
    {"repeals", "repealed-by"},
    {"amends", "amended-by"},
    {"implements", "implemented-by"},
    {"supersedes", "superseded-by"},
};

absl::Status FieldError(absl::string_view key, absl::string_view problem) {
  return StatementFieldError(key, problem);
}

// Quotes a value for an error message: escaped so that the message stays one
// printable line, and cut short so a 4 KiB value does not flood a log.
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

bool AllDigits(absl::string_view s) {
  return std::all_of(s.begin(), s.end(), absl::ascii_isdigit);
}

// Value of the two-digit (or four-digit) decimal at s[pos, pos+len).
int Digits(absl::string_view s, size_t pos, size_t len) {
  int n = 0;
  for (char c : s.substr(pos, len)) n = n * 10 + (c - '0');
  return n;
}

int DaysInMonth(int year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30,
                                  31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : kDays[month - 1];
}

bool IsCalendarDate(absl::string_view s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
  if (!AllDigits(s.substr(0, 4)) || !AllDigits(s.substr(5, 2)) ||
      !AllDigits(s.substr(8, 2))) {
    return false;
  }
  const int year = Digits(s, 0, 4), month = Digits(s, 5, 2),
            day = Digits(s, 8, 2);
  return month >= 1 && month <= 12 && day >= 1 &&
         day <= DaysInMonth(year, month);
}

bool IsUtcTimestamp(absl::string_view s) {
  if (s.size() != 20 || !IsCalendarDate(s.substr(0, 10)) || s[10] != 'T' ||
      s[13] != ':' || s[16] != ':' || s[19] != 'Z') {
    return false;
  }
  for (size_t pos : {11, 14, 17}) {
    if (!AllDigits(s.substr(pos, 2))) return false;
  }
  // No leap second: a statement's time is a plain Unix-representable instant.
  return Digits(s, 11, 2) <= 23 && Digits(s, 14, 2) <= 59 &&
         Digits(s, 17, 2) <= 59;
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

// Sorted and without duplicates: the canonical order of the parent lines.
std::vector<std::string> ParentSet(const std::vector<std::string>& parents) {
  std::vector<std::string> sorted = parents;
  std::sort(sorted.begin(), sorted.end());
  sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
  return sorted;
}

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

std::string RelationValue(const Relation& r) {
  return absl::StrCat(r.kind, " ", r.document);
}

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

absl::Status ValidateFields(const Statement& s, IdRules rules) {
  for (const KeySpec& spec : kKeys) {
    if (absl::Status st = ValidateField(spec, s, rules); !st.ok()) return st;
  }
  return absl::OkStatus();
}

void RenderLine(absl::string_view key, absl::string_view value,
                std::string* out) {
  absl::StrAppend(out, key, " ", value, "\n");
}

// Appends the field's lines (none for an empty optional field). Assumes the
// field is valid, except that parents may come in any order.
void RenderField(const KeySpec& spec, const Statement& s, std::string* out) {
  switch (spec.kind) {
    case Kind::kParents:
      for (const std::string& parent : ParentSet(s.parents)) {
        RenderLine(spec.key, parent, out);
      }
      return;
    case Kind::kRelations: {
      std::vector<Relation> sorted = s.relations;
      std::sort(sorted.begin(), sorted.end());
      for (const Relation& r : sorted) {
        RenderLine(spec.key, RelationValue(r), out);
      }
      return;
    }
    case Kind::kContent:
      RenderLine(spec.key,
                 absl::StrCat("sha256:", s.content_sha256, " ", s.content_size),
                 out);
      return;
    default:
      if (!(s.*spec.field).empty()) RenderLine(spec.key, s.*spec.field, out);
      return;
  }
}

// The canonical text of a valid statement.
std::string Render(const Statement& s) {
  std::string out = absl::StrCat(kStatementHeader, "\n");
  for (const KeySpec& spec : kKeys) RenderField(spec, s, &out);
  return out;
}

// --- Parsing -------------------------------------------------------------

absl::Status ParseContent(const KeySpec& spec, absl::string_view value,
                          Statement* s) {
  const absl::Status malformed = FieldError(
      spec.key, absl::StrCat(Quote(value),
                             " is not \"sha256:<64 lowercase hex> <size>\""));
  if (!absl::ConsumePrefix(&value, "sha256:")) return malformed;
  const size_t space = value.find(' ');
  if (space == absl::string_view::npos) return malformed;
  const absl::string_view hex = value.substr(0, space);
  const absl::string_view size = value.substr(space + 1);
  if (!IsSha256Hex(hex)) return malformed;
  uint64_t n;
  // Leading zeros would give one size two spellings; SimpleAtoi would also
  // accept a sign, so insist on digits first.
  if (size.empty() || !AllDigits(size) || (size.size() > 1 && size[0] == '0') ||
      !absl::SimpleAtoi(size, &n)) {
    return FieldError(
        spec.key,
        absl::StrCat("size ", Quote(size),
                     " is not a decimal without leading zeros that fits in "
                     "64 bits"));
  }
  s->content_sha256 = std::string(hex);
  s->content_size = n;
  return absl::OkStatus();
}

absl::Status ParseParent(const KeySpec& spec, absl::string_view value,
                         Statement* s) {
  if (absl::Status st = CheckRevisionId(spec.key, value); !st.ok()) return st;
  if (!s->parents.empty() && value <= s->parents.back()) {
    return FieldError(spec.key,
                      value == s->parents.back()
                          ? absl::StrCat("duplicate revision id ", value)
                          : std::string("revision ids not sorted ascending"));
  }
  s->parents.emplace_back(value);
  return absl::OkStatus();
}

absl::Status ParseRelation(const KeySpec& spec, absl::string_view value,
                           Statement* s) {
  const size_t space = value.find(' ');
  if (space == absl::string_view::npos) {
    return FieldError(
        spec.key, absl::StrCat(Quote(value), " is not \"<kind> <document>\""));
  }
  Relation r{std::string(value.substr(0, space)),
             std::string(value.substr(space + 1))};
  if (absl::Status st = CheckRelation(spec.key, r, IdRules::kFormat);
      !st.ok()) {
    return st;
  }
  if (!s->relations.empty() && !(s->relations.back() < r)) {
    return FieldError(spec.key,
                      s->relations.back() == r
                          ? absl::StrCat("duplicate relation ", value)
                          : std::string("relations not sorted ascending"));
  }
  s->relations.push_back(std::move(r));
  return absl::OkStatus();
}

// Checks and stores the value of one `key value` line.
absl::Status ParseField(const KeySpec& spec, absl::string_view value,
                        Statement* s) {
  if (spec.kind == Kind::kParents) return ParseParent(spec, value, s);
  if (spec.kind == Kind::kRelations) return ParseRelation(spec, value, s);
  if (spec.kind == Kind::kContent) return ParseContent(spec, value, s);
  if (value.empty()) {
    // An empty optional value is written by omitting its line.
    return FieldError(spec.key, spec.required ? "required" : "empty value");
  }
  if (absl::Status st = CheckScalar(spec, value, IdRules::kFormat); !st.ok()) {
    return st;
  }
  s->*spec.field = std::string(value);
  return absl::OkStatus();
}

const KeySpec* FindKey(absl::string_view key) {
  for (const KeySpec& spec : kKeys) {
    if (spec.key == key) return &spec;
  }
  return nullptr;
}

absl::Status LineError(size_t line, absl::string_view problem) {
  return absl::InvalidArgumentError(absl::StrCat("line ", line, ": ", problem));
}

absl::Status WithLine(size_t line, const absl::Status& status) {
  return LineError(line, status.message());
}

// Walks the body lines, checking the key order against kKeys. Missing
// required keys are reported only at the end, so that two swapped lines read
// as "out of order" rather than as a missing key.
class BodyParser {
 public:
  explicit BodyParser(Statement* out) : out_(out) {}

  absl::Status Line(size_t number, absl::string_view line) {
    const size_t space = line.find(' ');
    const absl::string_view key = line.substr(0, space);
    const KeySpec* spec = FindKey(key);
    if (spec == nullptr) {
      return LineError(number, absl::StrCat("unknown key ", Quote(key)));
    }
    const size_t index = spec - kKeys;
    if (absl::Status s = CheckOrder(number, index); !s.ok()) return s;
    if (space == absl::string_view::npos) {
      return LineError(number, absl::StrCat(key, ": missing value"));
    }
    if (absl::Status s = ParseField(*spec, line.substr(space + 1), out_);
        !s.ok()) {
      return WithLine(number, s);
    }
    if (first_line_[index] == 0) first_line_[index] = number;
    last_ = index;
    last_line_ = number;
    return absl::OkStatus();
  }

  // After the last line: were all the required keys there?
  absl::Status Finish() const {
    for (size_t i = 0; i < kNumKeys; ++i) {
      if (kKeys[i].required && first_line_[i] == 0) return Missing(i);
    }
    return absl::OkStatus();
  }

 private:
  // Names the line the missing key should have come before.
  absl::Status Missing(size_t index) const {
    const std::string problem =
        absl::StrCat("missing required key \"", kKeys[index].key, "\"");
    for (size_t i = index + 1; i < kNumKeys; ++i) {
      if (first_line_[i] != 0) {
        return LineError(first_line_[i], absl::StrCat(problem, " before \"",
                                                      kKeys[i].key, "\""));
      }
    }
    return LineError(last_line_, absl::StrCat(problem, " after the last line"));
  }

  absl::Status CheckOrder(size_t number, size_t index) const {
    if (last_ == kNone || index > last_) return absl::OkStatus();
    if (index == last_) {
      if (IsRepeated(kKeys[index])) return absl::OkStatus();
      return LineError(
          number, absl::StrCat("duplicate key \"", kKeys[index].key, "\""));
    }
    return LineError(number,
                     absl::StrCat("key \"", kKeys[index].key,
                                  "\" out of order (must come before \"",
                                  kKeys[last_].key, "\")"));
  }

  static constexpr size_t kNone = static_cast<size_t>(-1);
  Statement* out_;
  size_t first_line_[kNumKeys] = {};  // line of each key; 0 if absent
  size_t last_ = kNone;               // index in kKeys of the previous key
  size_t last_line_ = 1;              // line number of the previous line
};

// Splits the text into lines, checking the line structure itself.
absl::StatusOr<std::vector<absl::string_view>> SplitLines(
    absl::string_view text) {
  if (text.empty()) return LineError(1, "empty statement");
  std::vector<absl::string_view> lines;
  size_t start = 0;
  while (start < text.size()) {
    const size_t end = text.find('\n', start);
    const size_t number = lines.size() + 1;
    if (end == absl::string_view::npos) {
      return LineError(number, "missing final newline");
    }
    const absl::string_view line = text.substr(start, end - start);
    if (line.empty()) return LineError(number, "empty line");
    if (line.back() == '\r') {
      return LineError(number, "ends in a carriage return (CRLF)");
    }
    lines.push_back(line);
    start = end + 1;
  }
  return lines;
}

}  // namespace

bool DecodeUtf8(absl::string_view s, size_t* pos, char32_t* out) {
  const unsigned char lead = s[*pos];
  size_t len;
  char32_t cp, min;
  if (lead < 0x80) {
    len = 1, cp = lead, min = 0;
  } else if ((lead & 0xE0) == 0xC0) {
    len = 2, cp = lead & 0x1F, min = 0x80;
  } else if ((lead & 0xF0) == 0xE0) {
    len = 3, cp = lead & 0x0F, min = 0x800;
  } else if ((lead & 0xF8) == 0xF0) {
    len = 4, cp = lead & 0x07, min = 0x10000;
  } else {
    return false;  // a continuation byte or 0xF8..0xFF
  }
  if (s.size() - *pos < len) return false;  // truncated
  for (size_t i = 1; i < len; ++i) {
    const unsigned char b = s[*pos + i];
    if ((b & 0xC0) != 0x80) return false;
    cp = (cp << 6) | (b & 0x3F);
  }
  // `min` rejects overlong forms, which would give one text two spellings.
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
    return false;
  }
  *pos += len;
  *out = cp;
  return true;
}

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

absl::StatusOr<std::string> EncodeStatement(const Statement& s) {
  if (absl::Status st = ValidateStatement(s); !st.ok()) return st;
  return Render(s);
}

absl::StatusOr<Statement> ParseStatement(absl::string_view text) {
  absl::StatusOr<std::vector<absl::string_view>> lines = SplitLines(text);
  if (!lines.ok()) return lines.status();
  if ((*lines)[0] != kStatementHeader) {
    return LineError(1, absl::StrCat("expected \"", kStatementHeader, "\""));
  }
  Statement s;
  BodyParser parser(&s);
  for (size_t i = 1; i < lines->size(); ++i) {
    if (absl::Status st = parser.Line(i + 1, (*lines)[i]); !st.ok()) return st;
  }
  if (absl::Status st = parser.Finish(); !st.ok()) return st;
  // The line checks above should make this hold; checking it anyway makes
  // "parse accepts only what encode writes" true by construction (by the
  // rules the statement was signed under: see IdRules).
  if (absl::Status st = ValidateFields(s, IdRules::kFormat); !st.ok()) {
    return st;
  }
  if (Render(s) != text) {
    return absl::InvalidArgumentError("statement is not in canonical form");
  }
  return s;
}

std::string RevisionIdOf(absl::string_view statement_text) {
  return Sha256::HexDigest(statement_text);
}

bool SameRevisionContent(const Statement& a, const Statement& b) {
  for (const KeySpec& spec : kKeys) {
    if (spec.key == "submitted-by" || spec.key == "submitted-at" ||
        spec.key == "note") {
      continue;  // who, when and why may differ on a retried put
    }
    std::string lines_a, lines_b;
    RenderField(spec, a, &lines_a);
    RenderField(spec, b, &lines_b);
    if (lines_a != lines_b) return false;
  }
  return true;
}

bool IsValidUtf8(absl::string_view s) {
  size_t pos = 0;
  char32_t cp;
  while (pos < s.size()) {
    if (!DecodeUtf8(s, &pos, &cp)) return false;
  }
  return true;
}

}  // namespace archive
