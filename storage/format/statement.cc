#include "storage/format/statement.h"

#include <algorithm>
#include <cstddef>
#include <vector>

#include "absl/algorithm/container.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "storage/base/hex.h"
#include "storage/base/sha256.h"
#include "storage/format/statement_schema.h"

// Rendering and the strict parse of the revision statement; the field rules
// are statement_rules.cc's.
namespace archive {

using namespace statement_internal;  // NOLINT: this file is the schema's own

namespace {

// Sorted and without duplicates: the canonical order of the parent lines.
std::vector<std::string> ParentSet(const std::vector<std::string>& parents) {
  std::vector<std::string> sorted = parents;
  std::sort(sorted.begin(), sorted.end());
  sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
  return sorted;
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
  if (size.empty() || !absl::c_all_of(size, absl::ascii_isdigit) ||
      (size.size() > 1 && size[0] == '0') || !absl::SimpleAtoi(size, &n)) {
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

}  // namespace archive
