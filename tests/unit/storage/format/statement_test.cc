#include "storage/format/statement.h"

#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "storage/base/sha256.h"
#include "tests/unit/test_files.h"

namespace archive {
namespace {

using ::archive::testing::ReadTestFile;

using ::testing::HasSubstr;
using ::testing::StartsWith;

std::string SharedFile(const std::string& name) {
  return ReadTestFile(absl::StrCat(ARCHIVE_VECTORS_DIR, "/", name));
}

std::string Trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

// The statement of the shared known-answer vector, testvectors/statement.txt.
Statement KnownAnswer() {
  Statement s;
  s.origin = "test.archive.example";
  s.document = "gx-2022-guizhengfa-31";
  s.content_sha256 =
      "4ffcab5441bc6a27d4358b44a4a0b0adc778658ed6d73c2de81ef4be48b3d8f0";
  s.content_size = 79;
  s.media_type = "text/plain; charset=utf-8";
  s.status = "in_force";
  s.title = "广西壮族自治区人民政府关于加强数字政府建设的实施意见";
  s.issuer = "广西壮族自治区人民政府";
  s.number = "桂政发〔2022〕31号";
  s.region = "广西";
  s.date = "2022-11-30";
  s.submitted_by = "local";
  s.submitted_at = "2026-11-30T04:20:00Z";
  s.note = "first release";
  return s;
}

// Only the required fields.
Statement Minimal() {
  Statement s;
  s.origin = "o";
  s.document = "d";
  s.content_sha256 = std::string(64, '0');
  s.content_size = 0;
  s.media_type = "application/octet-stream";
  s.status = "draft";
  s.submitted_by = "local";
  s.submitted_at = "2026-01-01T00:00:00Z";
  return s;
}

const std::string kParentA(64, 'a');
const std::string kParentB(64, 'b');
const std::string kParentC(64, 'c');

std::string MustEncode(const Statement& s) {
  absl::StatusOr<std::string> text = EncodeStatement(s);
  EXPECT_TRUE(text.ok()) << text.status();
  return text.ok() ? *text : "";
}

// Asserts that `s` is rejected by both ValidateStatement and EncodeStatement
// with INVALID_ARGUMENT whose message starts with `prefix`.
void ExpectRejected(const Statement& s, const std::string& prefix) {
  absl::Status status = ValidateStatement(s);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  EXPECT_THAT(std::string(status.message()), StartsWith(prefix));
  absl::StatusOr<std::string> text = EncodeStatement(s);
  EXPECT_EQ(text.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(text.status().message()), StartsWith(prefix));
}

// Asserts that ParseStatement rejects `text` with a message containing
// `problem`.
void ExpectParseError(const std::string& text, const std::string& problem) {
  absl::StatusOr<Statement> parsed = ParseStatement(text);
  ASSERT_FALSE(parsed.ok()) << "accepted:\n" << text;
  EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(parsed.status().message()), HasSubstr(problem));
}

void ExpectSameStatement(const Statement& a, const Statement& b) {
  EXPECT_EQ(a.origin, b.origin);
  EXPECT_EQ(a.document, b.document);
  EXPECT_EQ(a.parents, b.parents);
  EXPECT_EQ(a.content_sha256, b.content_sha256);
  EXPECT_EQ(a.content_size, b.content_size);
  EXPECT_EQ(a.media_type, b.media_type);
  EXPECT_EQ(a.status, b.status);
  EXPECT_EQ(a.title, b.title);
  EXPECT_EQ(a.issuer, b.issuer);
  EXPECT_EQ(a.number, b.number);
  EXPECT_EQ(a.region, b.region);
  EXPECT_EQ(a.date, b.date);
  EXPECT_EQ(a.source, b.source);
  EXPECT_EQ(a.submitted_by, b.submitted_by);
  EXPECT_EQ(a.submitted_at, b.submitted_at);
  EXPECT_EQ(a.note, b.note);
}

// --- Known answer ----------------------------------------------------------

TEST(StatementKnownAnswer, EncodesTheSharedVectorByteForByte) {
  EXPECT_EQ(MustEncode(KnownAnswer()), SharedFile("statement.txt"));
}

TEST(StatementKnownAnswer, RevisionIdMatches) {
  const std::string text = MustEncode(KnownAnswer());
  EXPECT_EQ(RevisionIdOf(text), Trimmed(SharedFile("statement.revision_id")));
  EXPECT_EQ(RevisionIdOf(SharedFile("statement.txt")),
            "232982844cbd117f2998987ce3556a6d571d007ecc2a6cf9c21848c2fc4ea1e4");
}

TEST(StatementKnownAnswer, ParsesAndReencodes) {
  const std::string text = SharedFile("statement.txt");
  absl::StatusOr<Statement> parsed = ParseStatement(text);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  ExpectSameStatement(*parsed, KnownAnswer());
  EXPECT_EQ(MustEncode(*parsed), text);
}

TEST(StatementKnownAnswer, LeafZeroIsTheStatement) {
  EXPECT_EQ(SharedFile("leaf-0.txt"), SharedFile("statement.txt"));
}

// --- Encoding ----------------------------------------------------------------

TEST(StatementEncode, MinimalOmitsOptionalKeys) {
  EXPECT_EQ(MustEncode(Minimal()),
            "archive-revision/v1\n"
            "origin o\n"
            "document d\n"
            "content sha256:" +
                std::string(64, '0') +
                " 0\n"
                "media-type application/octet-stream\n"
                "status draft\n"
                "submitted-by local\n"
                "submitted-at 2026-01-01T00:00:00Z\n");
}

TEST(StatementEncode, AllKeysInContractOrder) {
  Statement s = KnownAnswer();
  s.parents = {kParentB, kParentA};
  s.source = "https://example.gov/doc";
  const std::string text = MustEncode(s);
  const std::vector<std::string> keys = {
      "origin",  "document",     "parent",       "parent",
      "content", "media-type",   "status",       "title",
      "issuer",  "number",       "region",       "date",
      "source",  "submitted-by", "submitted-at", "note"};
  std::vector<std::string> got;
  std::istringstream in(text);
  std::string line;
  std::getline(in, line);
  EXPECT_EQ(line, "archive-revision/v1");
  while (std::getline(in, line)) got.push_back(line.substr(0, line.find(' ')));
  EXPECT_EQ(got, keys);
  EXPECT_EQ(text.back(), '\n');
}

TEST(StatementEncode, SortsParents) {
  Statement s = Minimal();
  s.parents = {kParentC, kParentA, kParentB};
  const std::string text = MustEncode(s);
  EXPECT_THAT(text, HasSubstr(absl::StrCat("document d\nparent ", kParentA,
                                           "\nparent ", kParentB, "\nparent ",
                                           kParentC, "\ncontent ")));
}

TEST(StatementEncode, ParentOrderDoesNotChangeRevisionId) {
  Statement a = Minimal(), b = Minimal();
  a.parents = {kParentA, kParentB};
  b.parents = {kParentB, kParentA};
  EXPECT_EQ(RevisionIdOf(MustEncode(a)), RevisionIdOf(MustEncode(b)));
}

TEST(StatementEncode, LargestContentSize) {
  Statement s = Minimal();
  s.content_size = UINT64_MAX;
  EXPECT_THAT(MustEncode(s), HasSubstr(" 18446744073709551615\n"));
}

TEST(StatementEncode, ValueMayContainInnerSpacesAndUnicode) {
  Statement s = Minimal();
  s.title = "a  b\u3000c";  // inner spaces and U+3000 are fine outside ids
  s.note = "fixes typo — see §3";
  EXPECT_THAT(MustEncode(s), HasSubstr("\ntitle a  b\u3000c\n"));
}

TEST(StatementEncode, ValuesAtTheLengthCap) {
  Statement s = Minimal();
  s.title = std::string(4096, 'x');
  s.note = std::string(4096, 'y');
  s.document = std::string(256, 'd');
  s.origin = std::string(256, 'o');
  EXPECT_TRUE(ValidateStatement(s).ok());
}

TEST(StatementRevisionId, IsLowercaseHexSha256OfText) {
  EXPECT_EQ(RevisionIdOf(""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(RevisionIdOf("abc"), Sha256::HexDigest("abc"));
}

// --- Required fields -------------------------------------------------------

TEST(StatementValidate, KnownAnswerAndMinimalAreValid) {
  EXPECT_TRUE(ValidateStatement(KnownAnswer()).ok());
  EXPECT_TRUE(ValidateStatement(Minimal()).ok());
}

TEST(StatementValidate, RequiredFields) {
  struct Case {
    std::string Statement::*field;
    std::string key;
  };
  for (const Case& c : std::vector<Case>{
           {&Statement::origin, "origin"},
           {&Statement::document, "document"},
           {&Statement::content_sha256, "content"},
           {&Statement::media_type, "media-type"},
           {&Statement::status, "status"},
           {&Statement::submitted_by, "submitted-by"},
           {&Statement::submitted_at, "submitted-at"},
       }) {
    SCOPED_TRACE(c.key);
    Statement s = Minimal();
    s.*c.field = "";
    ExpectRejected(s, c.key + ": required");
  }
}

// --- Free-text values ------------------------------------------------------

std::vector<std::pair<std::string Statement::*, std::string>> TextFields() {
  return {{&Statement::media_type, "media-type"},
          {&Statement::title, "title"},
          {&Statement::issuer, "issuer"},
          {&Statement::number, "number"},
          {&Statement::region, "region"},
          {&Statement::source, "source"},
          {&Statement::submitted_by, "submitted-by"},
          {&Statement::note, "note"}};
}

TEST(StatementValidate, TextRejectsControlCharacters) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"a\nb", "U+000A"},     {"a\rb", "U+000D"},
      {"a\tb", "U+0009"},     {std::string("a\0b", 3), "U+0000"},
      {"a\x1f", "U+001F"},    {"a\x7f", "U+007F"},
      {"a\u0085b", "U+0085"},  // C1 NEL
      {"a\u0080b", "U+0080"}, {"a\u009fb", "U+009F"},
  };
  for (const auto& [field, key] : TextFields()) {
    for (const auto& [value, code] : cases) {
      SCOPED_TRACE(key + " " + code);
      Statement s = Minimal();
      s.*field = value;
      ExpectRejected(s, key + ": contains a control character (" + code + ")");
    }
  }
}

TEST(StatementValidate, TextRejectsLineSeparators) {
  for (const auto& [field, key] : TextFields()) {
    for (const char* value : {"a\u2028b", "a\u2029b"}) {
      SCOPED_TRACE(key);
      Statement s = Minimal();
      s.*field = value;
      ExpectRejected(s, key + ": contains a line separator");
    }
  }
}

TEST(StatementValidate, TextRejectsLeadingAndTrailingSpaces) {
  for (const auto& [field, key] : TextFields()) {
    for (const char* value : {" a", "a ", " ", "  a  "}) {
      SCOPED_TRACE(key + " \"" + value + "\"");
      Statement s = Minimal();
      s.*field = value;
      ExpectRejected(s, key + ": has a leading or trailing space");
    }
  }
}

TEST(StatementValidate, TextRejectsLeadingTab) {
  Statement s = Minimal();
  s.title = "\tindented";
  ExpectRejected(s, "title: contains a control character (U+0009)");
}

TEST(StatementValidate, TextRejectsInvalidUtf8) {
  for (const auto& [field, key] : TextFields()) {
    SCOPED_TRACE(key);
    Statement s = Minimal();
    s.*field = "caf\xe9";
    ExpectRejected(s, key + ": not valid UTF-8");
  }
}

TEST(StatementValidate, TextRejectsOverlongValues) {
  for (const auto& [field, key] : TextFields()) {
    SCOPED_TRACE(key);
    Statement s = Minimal();
    s.*field = std::string(4097, 'x');
    ExpectRejected(s, key + ": longer than 4096 bytes");
  }
}

// --- Ids -------------------------------------------------------------------

TEST(StatementValidate, DocumentIdRules) {
  EXPECT_TRUE(ValidateDocumentId("gx-2022-guizhengfa-31").ok());
  EXPECT_TRUE(ValidateDocumentId("桂政发〔2022〕31号").ok());
  EXPECT_TRUE(ValidateDocumentId("a+b/c:d").ok());
  EXPECT_TRUE(ValidateDocumentId(std::string(256, 'x')).ok());

  const std::vector<std::pair<std::string, std::string>> bad = {
      {"", "document: must be 1-256 bytes"},
      {std::string(257, 'x'), "document: must be 1-256 bytes"},
      {"a b", "document: contains whitespace (U+0020)"},
      {" a", "document: contains whitespace (U+0020)"},
      {"a\u3000b", "document: contains whitespace (U+3000)"},
      {"a\u00a0b", "document: contains whitespace (U+00A0)"},
      {"a\u2003b", "document: contains whitespace (U+2003)"},
      {"a\u200bb", "document: contains whitespace (U+200B)"},
      {"a\ufeffb", "document: contains whitespace (U+FEFF)"},
      {"a\u2028b", "document: contains whitespace (U+2028)"},
      {"a\tb", "document: contains a control character (U+0009)"},
      {"a\nb", "document: contains a control character (U+000A)"},
      {"a\x7f", "document: contains a control character (U+007F)"},
      {"a\u0085", "document: contains a control character (U+0085)"},
      {"\xff", "document: not valid UTF-8"},
  };
  for (const auto& [id, prefix] : bad) {
    SCOPED_TRACE(prefix);
    absl::Status status = ValidateDocumentId(id);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(status.message()), StartsWith(prefix));
    Statement s = Minimal();
    s.document = id;
    ExpectRejected(s, id.empty() ? "document: required" : prefix);
  }
}

TEST(StatementValidate, OriginFollowsIdRulesAndRejectsPlus) {
  Statement s = Minimal();
  s.origin = "archive.example/office-1";
  EXPECT_TRUE(ValidateStatement(s).ok());
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"a+b", "origin: contains '+'"},
      {"a b", "origin: contains whitespace (U+0020)"},
      {"a\u3000b", "origin: contains whitespace (U+3000)"},
      {"a\nb", "origin: contains a control character (U+000A)"},
      {std::string(257, 'o'), "origin: must be 1-256 bytes"},
      {"\xc0\x80", "origin: not valid UTF-8"},
  };
  for (const auto& [origin, prefix] : bad) {
    SCOPED_TRACE(prefix);
    s.origin = origin;
    ExpectRejected(s, prefix);
  }
}

// --- Status, date, time ----------------------------------------------------

TEST(StatementValidate, KnownStatuses) {
  for (const char* status :
       {"draft", "in_force", "amended", "repealed", "expired"}) {
    EXPECT_TRUE(IsKnownStatus(status)) << status;
    Statement s = Minimal();
    s.status = status;
    EXPECT_TRUE(ValidateStatement(s).ok()) << status;
  }
  for (const char* status : {"", "foo", "Draft", "in-force", "draft "}) {
    EXPECT_FALSE(IsKnownStatus(status)) << status;
  }
}

TEST(StatementValidate, UnknownStatus) {
  Statement s = Minimal();
  s.status = "foo";
  EXPECT_EQ(ValidateStatement(s).message(),
            "status: unknown status \"foo\" (expected draft, in_force, "
            "amended, repealed or expired)");
  s.status = "Draft";
  ExpectRejected(s, "status: unknown status \"Draft\"");
  s.status = "draft\n";
  ExpectRejected(s, "status: contains a control character (U+000A)");
}

TEST(StatementValidate, ValidDates) {
  for (const char* date : {"2022-11-30", "2024-02-29", "2000-02-29",
                           "1999-12-31", "2023-01-01", "2023-04-30"}) {
    Statement s = Minimal();
    s.date = date;
    EXPECT_TRUE(ValidateStatement(s).ok()) << date;
  }
}

TEST(StatementValidate, InvalidDates) {
  Statement s = Minimal();
  s.date = "2022-02-30";
  EXPECT_EQ(ValidateStatement(s).message(),
            "date: \"2022-02-30\" is not a valid YYYY-MM-DD date");
  for (const char* date :
       {"2023-02-29", "1900-02-29", "2100-02-29", "2023-04-31", "2023-13-01",
        "2023-00-10", "2023-01-00", "2023-01-32", "2023-1-01", "23-01-01",
        "2023/01/01", "2023-01-01T00:00:00Z", "20230101", "2023-01-0a",
        "+023-01-01", "2023-01-01 ", "٢٠٢٣-01-01"}) {
    SCOPED_TRACE(date);
    s.date = date;
    ExpectRejected(s, "date: ");
    EXPECT_THAT(std::string(ValidateStatement(s).message()),
                HasSubstr("is not a valid YYYY-MM-DD date"));
  }
}

TEST(StatementValidate, ValidSubmittedAt) {
  for (const char* t : {"2026-11-30T04:20:00Z", "2024-02-29T23:59:59Z",
                        "1970-01-01T00:00:00Z"}) {
    Statement s = Minimal();
    s.submitted_at = t;
    EXPECT_TRUE(ValidateStatement(s).ok()) << t;
  }
}

TEST(StatementValidate, InvalidSubmittedAt) {
  Statement s = Minimal();
  for (const char* t :
       {"2026-11-30T24:00:00Z", "2026-11-30T23:60:00Z", "2026-11-30T23:59:60Z",
        "2026-11-30t04:20:00Z", "2026-11-30T04:20:00z", "2026-11-30 04:20:00Z",
        "2026-11-30T04:20:00", "2026-11-30T04:20:00+00:00",
        "2026-11-30T04:20:00.5Z", "2026-11-30T04:20Z", "2026-02-30T04:20:00Z",
        "2026-11-30T4:20:00Z", "2026-11-30"}) {
    SCOPED_TRACE(t);
    s.submitted_at = t;
    ExpectRejected(s, "submitted-at: ");
    EXPECT_THAT(std::string(ValidateStatement(s).message()),
                HasSubstr("YYYY-MM-DDTHH:MM:SSZ"));
  }
}

// --- Content and parents ---------------------------------------------------

TEST(StatementValidate, ContentSha256MustBeLowercaseHex) {
  Statement s = Minimal();
  for (const std::string& sha :
       {std::string(63, 'a'), std::string(65, 'a'), std::string(64, 'A'),
        std::string(64, 'g'), "sha256:" + std::string(64, 'a')}) {
    SCOPED_TRACE(sha);
    s.content_sha256 = sha;
    ExpectRejected(s, "content: sha256 ");
  }
}

TEST(StatementValidate, ParentsMustBeRevisionIds) {
  Statement s = Minimal();
  for (const std::string& parent :
       {std::string(""), std::string(63, 'a'), std::string(64, 'A'),
        std::string(64, 'z'), " " + std::string(64, 'a')}) {
    SCOPED_TRACE(parent);
    s.parents = {kParentA, parent};
    ExpectRejected(s, "parent: ");
    EXPECT_THAT(std::string(ValidateStatement(s).message()),
                HasSubstr("is not a revision id"));
  }
}

TEST(StatementValidate, DuplicateParents) {
  Statement s = Minimal();
  s.parents = {kParentB, kParentA, kParentB};
  ExpectRejected(s, "parent: duplicate revision id " + kParentB);
}

// --- Round trips -----------------------------------------------------------

TEST(StatementParse, RoundTripsEncodedStatements) {
  Statement full = KnownAnswer();
  full.parents = {kParentA, kParentC};
  full.source = "https://example.gov/a?b=c d";
  full.content_size = UINT64_MAX;
  Statement unicode_ids = Minimal();
  unicode_ids.document = "桂政发〔2022〕31号";
  unicode_ids.origin = "档案馆.example";
  Statement one_parent = Minimal();
  one_parent.parents = {kParentB};
  for (const Statement& s :
       {KnownAnswer(), Minimal(), full, unicode_ids, one_parent}) {
    const std::string text = MustEncode(s);
    absl::StatusOr<Statement> parsed = ParseStatement(text);
    ASSERT_TRUE(parsed.ok()) << parsed.status() << "\n" << text;
    ExpectSameStatement(*parsed, s);
    EXPECT_EQ(MustEncode(*parsed), text);
  }
}

TEST(StatementParse, ParsedParentsAreSorted) {
  Statement s = Minimal();
  s.parents = {kParentC, kParentA};
  absl::StatusOr<Statement> parsed = ParseStatement(MustEncode(s));
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->parents, (std::vector<std::string>{kParentA, kParentC}));
}

// --- Parse rejections ------------------------------------------------------

// The known-answer text with `from` replaced by `to` (which must occur).
std::string Edited(const std::string& from, const std::string& to) {
  const std::string text = SharedFile("statement.txt");
  EXPECT_THAT(text, HasSubstr(from));
  return absl::StrReplaceAll(text, {{from, to}});
}

TEST(StatementParse, RejectsStructuralProblems) {
  const std::string good = SharedFile("statement.txt");
  ExpectParseError("", "empty statement");
  ExpectParseError(good.substr(0, good.size() - 1),
                   "line 14: missing final newline");
  ExpectParseError(good + "\n", "line 15: empty line");
  ExpectParseError(Edited("status in_force\n", "status in_force\n\n"),
                   "line 7: empty line");
  ExpectParseError(absl::StrReplaceAll(good, {{"\n", "\r\n"}}),
                   "line 1: ends in a carriage return (CRLF)");
  ExpectParseError(Edited("origin", "\xef\xbb\xbforigin"),  // BOM
                   "line 2: unknown key");
}

TEST(StatementParse, RejectsWrongHeader) {
  ExpectParseError(Edited("archive-revision/v1", "archive-revision/v2"),
                   "line 1: expected \"archive-revision/v1\"");
  ExpectParseError(Edited("archive-revision/v1\n", ""),
                   "line 1: expected \"archive-revision/v1\"");
  ExpectParseError(Edited("archive-revision/v1", "archive-revision/v1 "),
                   "line 1: expected");
  ExpectParseError("\xef\xbb\xbf" + SharedFile("statement.txt"),
                   "line 1: expected");
}

TEST(StatementParse, RejectsUnknownKey) {
  ExpectParseError(Edited("region ", "province "),
                   "line 10: unknown key \"province\"");
  ExpectParseError(Edited("title ", "Title "), "line 7: unknown key \"Title\"");
  ExpectParseError(
      Edited("note first release\n", "note first release\ncites x\n"),
      "line 15: unknown key \"cites\"");
}

TEST(StatementParse, RejectsWrongOrder) {
  ExpectParseError(Edited("origin test.archive.example\n"
                          "document gx-2022-guizhengfa-31\n",
                          "document gx-2022-guizhengfa-31\n"
                          "origin test.archive.example\n"),
                   "line 3: key \"origin\" out of order (must come before "
                   "\"document\")");
  ExpectParseError(Edited("region 广西\ndate 2022-11-30\n",
                          "date 2022-11-30\nregion 广西\n"),
                   "line 11: key \"region\" out of order");
}

TEST(StatementParse, RejectsDuplicateKey) {
  ExpectParseError(Edited("region 广西\n", "region 广西\nregion 广西\n"),
                   "line 11: duplicate key \"region\"");
  ExpectParseError(
      Edited("status in_force\n", "status in_force\nstatus in_force\n"),
      "line 7: duplicate key \"status\"");
}

TEST(StatementParse, RejectsMissingRequiredKey) {
  ExpectParseError(Edited("origin test.archive.example\n", ""),
                   "line 2: missing required key \"origin\" before "
                   "\"document\"");
  ExpectParseError(Edited("status in_force\n", ""),
                   "line 6: missing required key \"status\"");
  ExpectParseError(Edited("submitted-at 2026-11-30T04:20:00Z\n", ""),
                   "line 13: missing required key \"submitted-at\"");
  Statement s = Minimal();
  std::string text = MustEncode(s);
  text =
      absl::StrReplaceAll(text, {{"submitted-at 2026-01-01T00:00:00Z\n", ""}});
  ExpectParseError(text,
                   "missing required key \"submitted-at\" after the "
                   "last line");
  ExpectParseError("archive-revision/v1\n",
                   "line 1: missing required key \"origin\"");
}

TEST(StatementParse, RejectsSpacingProblems) {
  ExpectParseError(Edited("region 广西", "region 广西 "),
                   "line 10: region: has a leading or trailing space");
  ExpectParseError(Edited("region 广西", "region  广西"),
                   "line 10: region: has a leading or trailing space");
  ExpectParseError(Edited("region 广西", "region\t广西"),
                   "line 10: unknown key \"region\\t广西\"");
  ExpectParseError(Edited("region 广西", "region"),
                   "line 10: region: missing value");
  ExpectParseError(Edited("region 广西", "region "),
                   "line 10: region: empty value");
  ExpectParseError(Edited("status in_force", "status "),
                   "line 6: status: required");
  ExpectParseError(Edited("document gx-2022-guizhengfa-31", "document gx 31"),
                   "line 3: document: contains whitespace (U+0020)");
}

TEST(StatementParse, RejectsInvalidUtf8) {
  for (const char* bad :
       {"\xe5\xb9", "\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xff"}) {
    ExpectParseError(Edited("region 广西", absl::StrCat("region 广西", bad)),
                     "line 10: region: not valid UTF-8");
  }
}

TEST(StatementParse, RejectsControlCharactersInValues) {
  ExpectParseError(Edited("region 广西", "region 广\r西"),
                   "line 10: region: contains a control character (U+000D)");
  ExpectParseError(Edited("region 广西", std::string("region 广\0西", 11)),
                   "line 10: region: contains a control character (U+0000)");
}

TEST(StatementParse, RejectsBadFieldValues) {
  ExpectParseError(Edited("status in_force", "status in-force"),
                   "line 6: status: unknown status \"in-force\"");
  ExpectParseError(Edited("date 2022-11-30", "date 2022-11-31"),
                   "line 11: date: \"2022-11-31\" is not a valid");
  ExpectParseError(Edited("2026-11-30T04:20:00Z", "2026-11-30T04:20:00+00:00"),
                   "line 13: submitted-at: ");
  ExpectParseError(Edited("origin test.archive.example", "origin a+b"),
                   "line 2: origin: contains '+'");
}

TEST(StatementParse, RejectsNonCanonicalContent) {
  const std::string sha =
      "4ffcab5441bc6a27d4358b44a4a0b0adc778658ed6d73c2de81ef4be48b3d8f0";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"sha256:" + sha + " 079", "content: size \"079\""},
      {"sha256:" + sha + " +79", "content: size \"+79\""},
      {"sha256:" + sha + " -1", "content: size \"-1\""},
      {"sha256:" + sha + " ", "content: size \"\""},
      {"sha256:" + sha + " 7 9", "content: size \"7 9\""},
      {"sha256:" + sha + " 18446744073709551616", "content: size"},
      {"sha256:" + sha + " 99999999999999999999999", "content: size"},
      {"sha256:" + sha, "content: "},
      {"sha256:" + sha + "  79", "content: "},
      {"SHA256:" + sha + " 79", "content: "},
      {"sha256:" + absl::AsciiStrToUpper(sha) + " 79", "content: "},
      {"sha256:" + sha.substr(1) + " 79", "content: "},
      {sha + " 79", "content: "},
  };
  for (const auto& [value, problem] : cases) {
    SCOPED_TRACE(value);
    ExpectParseError(
        Edited("content sha256:" + sha + " 79", "content " + value),
        "line 4: " + problem);
  }
  Statement s = Minimal();
  s.content_size = 0;
  EXPECT_TRUE(ParseStatement(MustEncode(s)).ok());
}

TEST(StatementParse, ParentLines) {
  Statement s = Minimal();
  s.parents = {kParentA, kParentB};
  const std::string good = MustEncode(s);
  ASSERT_TRUE(ParseStatement(good).ok());
  const std::string pa = "parent " + kParentA + "\n";
  const std::string pb = "parent " + kParentB + "\n";
  ExpectParseError(absl::StrReplaceAll(good, {{pa + pb, pb + pa}}),
                   "line 5: parent: revision ids not sorted ascending");
  ExpectParseError(absl::StrReplaceAll(good, {{pb, pa}}),
                   "line 5: parent: duplicate revision id " + kParentA);
  ExpectParseError(absl::StrReplaceAll(
                       good, {{pa, "parent " + std::string(64, 'A') + "\n"}}),
                   "line 4: parent: ");
  // A parent after content is out of order even though `parent` repeats.
  std::string moved = absl::StrReplaceAll(good, {{pb, ""}});
  moved = absl::StrReplaceAll(moved, {{"media-type", pb + "media-type"}});
  ExpectParseError(moved, "key \"parent\" out of order");
}

TEST(StatementParse, RejectsValuesOverTheCap) {
  Statement s = Minimal();
  s.note = std::string(4096, 'n');
  const std::string text = MustEncode(s);
  ASSERT_TRUE(ParseStatement(text).ok());
  ExpectParseError(absl::StrReplaceAll(text, {{"note n", "note nn"}}),
                   "note: longer than 4096 bytes");
}

TEST(StatementParse, ErrorsQuoteValuesSafely) {
  absl::StatusOr<Statement> parsed = ParseStatement(
      Edited("status in_force", "status " + std::string(500, 'q')));
  ASSERT_FALSE(parsed.ok());
  EXPECT_LT(parsed.status().message().size(), 250u);
  parsed = ParseStatement(Edited("region ", "re\x01gion "));
  ASSERT_FALSE(parsed.ok());
  EXPECT_THAT(std::string(parsed.status().message()), HasSubstr("\\x01"));
}

// --- SameRevisionContent ---------------------------------------------------

TEST(StatementSameRevisionContent, IgnoresWhoWhenAndWhy) {
  Statement a = KnownAnswer(), b = KnownAnswer();
  EXPECT_TRUE(SameRevisionContent(a, b));
  b.submitted_by = "local:alice";
  b.submitted_at = "2027-01-01T00:00:00Z";
  b.note = "retry";
  EXPECT_TRUE(SameRevisionContent(a, b));
  b.note = "";
  EXPECT_TRUE(SameRevisionContent(a, b));
}

TEST(StatementSameRevisionContent, ParentsComparedAsSets) {
  Statement a = Minimal(), b = Minimal();
  a.parents = {kParentA, kParentB};
  b.parents = {kParentB, kParentA};
  EXPECT_TRUE(SameRevisionContent(a, b));
  b.parents = {kParentA};
  EXPECT_FALSE(SameRevisionContent(a, b));
  b.parents = {};
  EXPECT_FALSE(SameRevisionContent(a, b));
}

TEST(StatementSameRevisionContent, EveryOtherFieldCounts) {
  const std::vector<std::string Statement::*> fields = {
      &Statement::origin,     &Statement::document, &Statement::content_sha256,
      &Statement::media_type, &Statement::status,   &Statement::title,
      &Statement::issuer,     &Statement::number,   &Statement::region,
      &Statement::date,       &Statement::source};
  const Statement a = KnownAnswer();
  for (auto field : fields) {
    Statement b = a;
    b.*field += "x";
    EXPECT_FALSE(SameRevisionContent(a, b)) << a.*field;
    b.*field = "";
    if (!(a.*field).empty()) {
      EXPECT_FALSE(SameRevisionContent(a, b));
    }
  }
  Statement b = a;
  b.content_size = 80;
  EXPECT_FALSE(SameRevisionContent(a, b));
}

}  // namespace
}  // namespace archive
