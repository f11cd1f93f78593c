// Fuzzes the revision statement codec (storage/statement.h).
//
// Each input is used twice:
//  1. as statement text: if ParseStatement accepts it, the result must validate
//     and re-encode to exactly the input (one statement, one spelling), and
//     parse again to the same fields;
//  2. as a script of edits (FuzzedDataProvider) to a valid statement: whatever
//     EncodeStatement accepts, ParseStatement must read back to the same fields
//     and the same bytes; whatever it refuses must be refused with a message
//     naming the field; SameRevisionContent must agree with a line-by-line
//     comparison that ignores submitted-by, submitted-at and note.
#include <fuzzer/FuzzedDataProvider.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "storage/base/sha256.h"
#include "storage/format/statement.h"
#include "tests/fuzz/fuzz_support.h"

namespace archive {
namespace fuzz {
namespace {

constexpr absl::string_view kKeys[] = {
    "origin", "document", "parent",       "content",      "media-type",
    "status", "title",    "issuer",       "number",       "region",
    "date",   "source",   "submitted-by", "submitted-at", "note"};

constexpr absl::string_view kStatuses[] = {"draft", "in_force", "amended",
                                           "repealed", "expired"};

bool SameFields(const Statement& a, const Statement& b) {
  return a.origin == b.origin && a.document == b.document &&
         a.parents == b.parents && a.content_sha256 == b.content_sha256 &&
         a.content_size == b.content_size && a.media_type == b.media_type &&
         a.status == b.status && a.title == b.title && a.issuer == b.issuer &&
         a.number == b.number && a.region == b.region && a.date == b.date &&
         a.source == b.source && a.submitted_by == b.submitted_by &&
         a.submitted_at == b.submitted_at && a.note == b.note;
}

// The encoded lines a retried put may change, removed.
std::string ContentLines(absl::string_view encoded) {
  std::vector<absl::string_view> kept;
  for (absl::string_view line : absl::StrSplit(encoded, '\n')) {
    if (absl::StartsWith(line, "submitted-by ") ||
        absl::StartsWith(line, "submitted-at ") ||
        absl::StartsWith(line, "note ")) {
      continue;
    }
    kept.push_back(line);
  }
  return absl::StrJoin(kept, "\n");
}

void CheckParsedText(absl::string_view text) {
  absl::StatusOr<Statement> parsed = ParseStatement(text);
  if (!parsed.ok()) {
    FUZZ_CHECK(parsed.status().code() == absl::StatusCode::kInvalidArgument,
               parsed.status().ToString());
    return;
  }
  const absl::Status valid = ValidateStatement(*parsed);
  if (!valid.ok()) {
    // Parsing holds ids to the format's rules only, so a statement signed
    // before the Unicode rules for new ids still parses (statement.h); a new
    // statement may not say the same, and only for one of its ids.
    FUZZ_CHECK(absl::StartsWith(valid.message(), "document: ") ||
                   absl::StartsWith(valid.message(), "relation: "),
               valid.ToString() + " for " + Show(text));
    return;
  }
  absl::StatusOr<std::string> encoded = EncodeStatement(*parsed);
  FUZZ_CHECK(encoded.ok(), encoded.status().ToString());
  FUZZ_CHECK(*encoded == text, Show(*encoded) + " != input " + Show(text));
  FUZZ_CHECK(std::is_sorted(parsed->parents.begin(), parsed->parents.end()),
             Show(text));
  FUZZ_CHECK(SameRevisionContent(*parsed, *parsed), Show(text));
  absl::StatusOr<Statement> again = ParseStatement(*encoded);
  FUZZ_CHECK(again.ok() && SameFields(*again, *parsed), Show(text));
}

std::string SomeValue(FuzzedDataProvider& fdp) {
  std::string value = fdp.ConsumeRandomLengthString(96);
  // Now and then pad the value to around the length caps (256 for ids, 4096
  // for text), which short random strings never reach.
  if (fdp.ConsumeProbability<float>() < 0.05f) {
    const size_t pad = fdp.ConsumeBool()
                           ? fdp.ConsumeIntegralInRange<size_t>(250, 260)
                           : fdp.ConsumeIntegralInRange<size_t>(4090, 4100);
    value.insert(0, pad > value.size() ? pad - value.size() : 0, 'x');
  }
  return value;
}

void Edit(FuzzedDataProvider& fdp, Statement& s) {
  const int field = fdp.ConsumeIntegralInRange<int>(0, 16);
  if (field == 2) {  // add a parent: usually a well-formed revision id
    std::string parent = SomeValue(fdp);
    s.parents.push_back(fdp.ConsumeBool() ? Sha256::HexDigest(parent) : parent);
    return;
  }
  if (field == 3) {
    if (!s.parents.empty()) s.parents.pop_back();
    return;
  }
  if (field == 4) {
    std::string hex = SomeValue(fdp);
    s.content_sha256 = fdp.ConsumeBool() ? Sha256::HexDigest(hex) : hex;
    return;
  }
  if (field == 5) {
    s.content_size = fdp.ConsumeIntegral<uint64_t>();
    return;
  }
  if (field == 7 && fdp.ConsumeBool()) {
    s.status = std::string(fdp.PickValueInArray(kStatuses));
    return;
  }
  std::string* const strings[] = {
      &s.origin,       &s.document,   nullptr,   nullptr,   nullptr,
      nullptr,         &s.media_type, &s.status, &s.title,  &s.issuer,
      &s.number,       &s.region,     &s.date,   &s.source, &s.submitted_by,
      &s.submitted_at, &s.note};
  *strings[field] = SomeValue(fdp);
}

void CheckEncodedStatement(FuzzedDataProvider& fdp) {
  static const Statement* const base = [] {
    Statement* s = new Statement(*ParseStatement(kStatementText));
    s->parents = {Sha256::HexDigest("a"), Sha256::HexDigest("b")};
    std::sort(s->parents.begin(), s->parents.end());
    return s;
  }();
  Statement s = *base;
  for (int edits = 0; edits < 8 && fdp.remaining_bytes() > 0; ++edits) {
    Edit(fdp, s);
  }

  absl::Status valid = ValidateStatement(s);
  absl::StatusOr<std::string> encoded = EncodeStatement(s);
  FUZZ_CHECK(valid.ok() == encoded.ok(), valid.ToString());
  if (!encoded.ok()) {
    // The contract: INVALID_ARGUMENT whose message starts with the field's key.
    FUZZ_CHECK(valid.code() == absl::StatusCode::kInvalidArgument,
               valid.ToString());
    const bool names_field =
        std::any_of(std::begin(kKeys), std::end(kKeys), [&](auto key) {
          return absl::StartsWith(valid.message(), absl::StrCat(key, ": "));
        });
    FUZZ_CHECK(names_field, valid.ToString());
    return;
  }

  absl::StatusOr<Statement> parsed = ParseStatement(*encoded);
  FUZZ_CHECK(parsed.ok(),
             parsed.status().ToString() + " for encoded " + Show(*encoded));
  Statement expected = s;
  std::sort(expected.parents.begin(), expected.parents.end());
  FUZZ_CHECK(SameFields(*parsed, expected), Show(*encoded));
  absl::StatusOr<std::string> reencoded = EncodeStatement(*parsed);
  FUZZ_CHECK(reencoded.ok() && *reencoded == *encoded, Show(*encoded));
  FUZZ_CHECK(RevisionIdOf(*encoded) == Sha256::HexDigest(*encoded),
             Show(*encoded));

  const std::string base_encoded = *EncodeStatement(*base);
  FUZZ_CHECK(SameRevisionContent(*base, s) ==
                 (ContentLines(base_encoded) == ContentLines(*encoded)),
             Show(*encoded));
}

}  // namespace
}  // namespace fuzz
}  // namespace archive

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view text(reinterpret_cast<const char*>(data), size);
  archive::fuzz::CheckParsedText(text);
  FuzzedDataProvider fdp(data, size);
  archive::fuzz::CheckEncodedStatement(fdp);
  return 0;
}
