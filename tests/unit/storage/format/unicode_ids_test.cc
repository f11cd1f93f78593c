// Issue 11, defect 10: document ids that display as something they are not
// (bidirectional controls, invisible characters) or that have two spellings
// (NFC and NFD) are refused in new statements; statements already signed
// still parse, and every id the corpus and the known-answer vectors use is
// still valid.
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "storage/format/statement.h"

namespace archive {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

Statement WithDocument(const std::string& id) {
  Statement s;
  s.origin = "o";
  s.document = id;
  s.content_sha256 = std::string(64, '0');
  s.media_type = "application/octet-stream";
  s.status = "draft";
  s.submitted_by = "local";
  s.submitted_at = "2026-01-01T00:00:00Z";
  return s;
}

// Refused by every way of making a statement, with a message naming `what`.
void ExpectIdRefused(const std::string& id, const std::string& what) {
  SCOPED_TRACE(what);
  const Statement s = WithDocument(id);
  absl::Status status = ValidateStatement(s);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  EXPECT_THAT(std::string(status.message()), StartsWith("document: "));
  EXPECT_THAT(std::string(status.message()), HasSubstr(what));
  absl::StatusOr<std::string> text = EncodeStatement(s);
  EXPECT_EQ(text.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(text.status().message()), HasSubstr(what));
  status = ValidateNewDocumentId(id);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  EXPECT_THAT(std::string(status.message()), HasSubstr(what));
}

TEST(UnicodeIds, RightToLeftOverrideIsRefused) {
  ExpectIdRefused("doc\u202etxt.exe",
                  "U+202E RIGHT-TO-LEFT OVERRIDE, a bidirectional control");
}

TEST(UnicodeIds, EveryBidiControlIsRefused) {
  for (const char* id : {"a\u061cb", "a\u200eb", "a\u200fb", "a\u202ab",
                         "a\u202db", "a\u2066b", "a\u2069b"}) {
    ExpectIdRefused(id, "a bidirectional control");
  }
}

TEST(UnicodeIds, ZeroWidthJoinerIsRefused) {
  ExpectIdRefused("gx-2022\u200d-31", "U+200D ZERO WIDTH JOINER, an invisible");
}

TEST(UnicodeIds, SoftHyphenIsRefused) {
  ExpectIdRefused("gx-2022\u00ad31", "U+00AD SOFT HYPHEN, an invisible");
}

TEST(UnicodeIds, OtherDefaultIgnorablesAreRefused) {
  // Combining grapheme joiner, Hangul filler, a variation selector, a tag.
  for (const char* id :
       {"a\u034fb", "a\u3164b", "\u6570\ufe00", "a\U000e0041"}) {
    ExpectIdRefused(id, "(default-ignorable)");
  }
}

TEST(UnicodeIds, UnassignedCodePointIsRefused) {
  ExpectIdRefused("a\u0378", "U+0378, which is not assigned in Unicode");
}

TEST(UnicodeIds, NfdIdIsRefusedNamingTheNfcForm) {
  ExpectIdRefused("Cafe\u0301-2023",
                  "not in Unicode Normalization Form C; write it as "
                  "\"Caf\u00e9-2023\"");
  // Hangul typed as jamo (as some systems store file names).
  ExpectIdRefused("\u1100\u1161", "write it as \"\uac00\"");
}

TEST(UnicodeIds, NfcAndChineseIdsStayValid) {
  for (const char* id : {"gx-2022-guizhengfa-31", "桂政发〔2022〕31号",
                         "Caf\u00e9-2023", "\uac00", "a+b/c:d"}) {
    SCOPED_TRACE(id);
    EXPECT_TRUE(ValidateNewDocumentId(id).ok()) << ValidateNewDocumentId(id);
    EXPECT_TRUE(ValidateStatement(WithDocument(id)).ok());
  }
}

TEST(UnicodeIds, CorpusIdsStayValid) {
  std::ifstream in(std::string(ARCHIVE_CORPUS_DIR) + "/manifest.tsv");
  ASSERT_TRUE(in.good());
  std::string line;
  std::getline(in, line);  // header
  int ids = 0;
  while (std::getline(in, line)) {
    const std::string id(*absl::StrSplit(line, '\t').begin());
    EXPECT_TRUE(ValidateNewDocumentId(id).ok()) << id;
    ++ids;
  }
  EXPECT_EQ(ids, 18);
}

TEST(UnicodeIds, RelationTargetsFollowTheSameRules) {
  Statement s = WithDocument("gx-2022-guizhengfa-31");
  s.relations = {{"repeals", "old\u202edoc"}};
  absl::Status status = ValidateStatement(s);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()),
              StartsWith("relation: contains U+202E"));
}

// The log is append-only: a statement signed before these rules must still
// parse (so it verifies and syncs), and its document can still be named.
TEST(UnicodeIds, StatementsSignedBeforeTheRulesStillParse) {
  absl::StatusOr<std::string> text = EncodeStatement(WithDocument("doc-X"));
  ASSERT_TRUE(text.ok()) << text.status();
  for (const std::string id : {"doc\u202etxt", "Cafe\u0301", "a\u200db"}) {
    SCOPED_TRACE(id);
    std::string old = *text;
    old.replace(old.find("doc-X"), 5, id);
    absl::StatusOr<Statement> parsed = ParseStatement(old);
    ASSERT_TRUE(parsed.ok()) << parsed.status();
    EXPECT_EQ(parsed->document, id);
    EXPECT_TRUE(ValidateDocumentId(id).ok());
  }
}

}  // namespace
}  // namespace archive
