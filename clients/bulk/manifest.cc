#include "clients/bulk/manifest.h"

#include <map>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "storage/base/hex.h"
#include "storage/format/statement.h"

namespace archive {
namespace {

enum class Kind { kText, kSha256, kBytes };

struct Column {
  const char* name;
  Kind kind;
  std::string ManifestRow::*text;               // kText and kSha256
  std::optional<uint64_t> ManifestRow::*bytes;  // kBytes
};

constexpr Column kColumns[] = {
    {"id", Kind::kText, &ManifestRow::id, nullptr},
    {"region", Kind::kText, &ManifestRow::region, nullptr},
    {"title", Kind::kText, &ManifestRow::title, nullptr},
    {"issuer", Kind::kText, &ManifestRow::issuer, nullptr},
    {"doc_number", Kind::kText, &ManifestRow::number, nullptr},
    {"date", Kind::kText, &ManifestRow::date, nullptr},
    {"note", Kind::kText, &ManifestRow::note, nullptr},
    {"status", Kind::kText, &ManifestRow::status, nullptr},
    {"source", Kind::kText, &ManifestRow::source, nullptr},
    {"raw_sha256", Kind::kSha256, &ManifestRow::raw_sha256, nullptr},
    {"raw_bytes", Kind::kBytes, nullptr, &ManifestRow::raw_bytes},
    {"clean_sha256", Kind::kSha256, &ManifestRow::clean_sha256, nullptr},
    {"clean_bytes", Kind::kBytes, nullptr, &ManifestRow::clean_bytes},
};

std::string KnownColumns() {
  std::vector<std::string> names;
  for (const Column& c : kColumns) names.push_back(c.name);
  return absl::StrJoin(names, ", ");
}

// The manifest's columns, in file order (nullptr for none: cannot happen once
// the header is accepted).
absl::StatusOr<std::vector<const Column*>> ReadHeader(
    const std::vector<absl::string_view>& names) {
  std::vector<const Column*> columns;
  std::map<std::string, bool> seen;
  for (absl::string_view raw : names) {
    std::string name(absl::StripAsciiWhitespace(raw));
    const Column* found = nullptr;
    for (const Column& c : kColumns) {
      if (name == c.name) found = &c;
    }
    if (found == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat(
          "unknown column \"", name, "\" (known: ", KnownColumns(), ")"));
    }
    if (seen[name]) {
      return absl::InvalidArgumentError(
          absl::StrCat("column \"", name, "\" appears twice"));
    }
    seen[name] = true;
    columns.push_back(found);
  }
  if (!seen["id"]) {
    return absl::InvalidArgumentError(
        absl::StrCat("missing required column \"id\" (the header names: ",
                     absl::StrJoin(names, ", "), ")"));
  }
  return columns;
}

absl::Status SetField(const Column& column, absl::string_view value,
                      ManifestRow* row) {
  switch (column.kind) {
    case Kind::kText:
      row->*column.text = std::string(value);
      return absl::OkStatus();
    case Kind::kSha256: {
      std::string hex = absl::AsciiStrToLower(value);
      if (!hex.empty() && !IsSha256Hex(hex)) {
        return absl::InvalidArgumentError(absl::StrCat(
            column.name, " \"", value, "\" is not a SHA-256 (64 hex digits)"));
      }
      row->*column.text = hex;
      return absl::OkStatus();
    }
    case Kind::kBytes: {
      if (value.empty()) return absl::OkStatus();
      uint64_t n = 0;
      if (value.find_first_not_of("0123456789") != absl::string_view::npos ||
          value.size() > 19 || !absl::SimpleAtoi(value, &n)) {
        return absl::InvalidArgumentError(absl::StrCat(
            column.name, " \"", value, "\" is not a number of bytes"));
      }
      row->*column.bytes = n;
      return absl::OkStatus();
    }
  }
  return absl::OkStatus();
}

// The metadata must fit a revision statement; the statement module's own
// rules say whether it does, and name the field if not.
absl::Status CheckMetadata(const ManifestRow& row) {
  if (row.id.empty()) return absl::InvalidArgumentError("id is empty");
  if (absl::Status s = ValidateDocumentId(row.id); !s.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("id \"", row.id, "\": ", s.message()));
  }
  if (!row.status.empty() && !IsKnownStatus(row.status)) {
    return absl::InvalidArgumentError(
        absl::StrCat("status \"", row.status,
                     "\" is not one of draft, in_force, amended, repealed, "
                     "expired"));
  }
  Statement st;
  st.origin = "manifest.check";
  st.document = row.id;
  st.content_sha256 = std::string(64, '0');
  st.media_type = "text/plain";
  st.status = row.status.empty() ? "in_force" : row.status;
  st.title = row.title;
  st.issuer = row.issuer;
  st.number = row.number;
  st.region = row.region;
  st.date = row.date;
  st.source = row.source;
  st.note = row.note;
  st.submitted_by = "manifest";
  st.submitted_at = "2000-01-01T00:00:00Z";
  return ValidateStatement(st);
}

}  // namespace

absl::StatusOr<std::vector<ManifestRow>> ParseManifest(absl::string_view tsv,
                                                       absl::string_view name) {
  absl::ConsumePrefix(&tsv, "\xEF\xBB\xBF");
  std::vector<absl::string_view> lines = absl::StrSplit(tsv, '\n');
  auto error = [&](size_t line, absl::string_view message) {
    return absl::InvalidArgumentError(
        absl::StrCat(name, " line ", line, ": ", message));
  };
  if (lines.empty() || absl::StripSuffix(lines[0], "\r").empty()) {
    return error(1, "no header line (expected column names such as id)");
  }
  auto columns =
      ReadHeader(absl::StrSplit(absl::StripSuffix(lines[0], "\r"), '\t'));
  if (!columns.ok()) return error(1, columns.status().message());

  std::vector<ManifestRow> rows;
  std::map<std::string, int> first_line_of;
  for (size_t i = 1; i < lines.size(); ++i) {
    absl::string_view line = absl::StripSuffix(lines[i], "\r");
    if (absl::StripAsciiWhitespace(line).empty()) continue;
    std::vector<absl::string_view> fields = absl::StrSplit(line, '\t');
    if (fields.size() != columns->size()) {
      return error(i + 1, absl::StrCat(fields.size(),
                                       " fields, but the header "
                                       "has ",
                                       columns->size(), " columns"));
    }
    ManifestRow row;
    row.row = static_cast<int>(rows.size()) + 1;
    row.line = static_cast<int>(i) + 1;
    for (size_t f = 0; f < fields.size(); ++f) {
      absl::Status s =
          SetField(*(*columns)[f], absl::StripAsciiWhitespace(fields[f]), &row);
      if (!s.ok()) return error(i + 1, s.message());
    }
    if (absl::Status s = CheckMetadata(row); !s.ok()) {
      return error(i + 1, s.message());
    }
    auto [it, fresh] = first_line_of.emplace(row.id, row.line);
    if (!fresh) {
      return error(i + 1,
                   absl::StrCat("id \"", row.id, "\" is already on line ",
                                it->second, " (one row per document)"));
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace archive
