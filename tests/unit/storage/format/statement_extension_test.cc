// Issue 7's extension of the statement contract: `effective`, `expires` and
// `relation <kind> <document>` lines after `note`. Statements without them
// (every statement made before the extension) encode and parse unchanged.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "storage/format/statement.h"

namespace archive {
namespace {

using ::testing::HasSubstr;

Statement Base() {
  Statement s;
  s.origin = "o";
  s.document = "gx-2020-old";
  s.content_sha256 = std::string(64, '0');
  s.media_type = "text/plain; charset=utf-8";
  s.status = "repealed";
  s.submitted_by = "local";
  s.submitted_at = "2026-11-30T00:00:00Z";
  s.note = "废止";
  return s;
}

constexpr char kBaseText[] =
    "archive-revision/v1\n"
    "origin o\n"
    "document gx-2020-old\n"
    "content "
    "sha256:0000000000000000000000000000000000000000000000000000000000000000 "
    "0\n"
    "media-type text/plain; charset=utf-8\n"
    "status repealed\n"
    "submitted-by local\n"
    "submitted-at 2026-11-30T00:00:00Z\n"
    "note 废止\n";

TEST(StatementExtension, WithoutNewKeysTheTextIsUnchanged) {
  auto text = EncodeStatement(Base());
  ASSERT_TRUE(text.ok()) << text.status();
  EXPECT_EQ(*text, kBaseText);
  EXPECT_TRUE(ParseStatement(kBaseText).ok());
}

TEST(StatementExtension, NewKeysComeAfterNoteInOrderRelationsSorted) {
  Statement s = Base();
  s.effective = "2021-01-01";
  s.expires = "2023-12-31";
  s.relations = {{"repealed-by", "gx-2022-new"},
                 {"amended-by", "gx-2021-b"},
                 {"amended-by", "gx-2021-a"}};
  auto text = EncodeStatement(s);
  ASSERT_TRUE(text.ok()) << text.status();
  EXPECT_EQ(*text, std::string(kBaseText) +
                       "effective 2021-01-01\n"
                       "expires 2023-12-31\n"
                       "relation amended-by gx-2021-a\n"
                       "relation amended-by gx-2021-b\n"
                       "relation repealed-by gx-2022-new\n");
  auto parsed = ParseStatement(*text);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->relations.size(), 3u);
  EXPECT_EQ(parsed->relations[0].document, "gx-2021-a");
  EXPECT_EQ(parsed->effective, "2021-01-01");
  EXPECT_EQ(*EncodeStatement(*parsed), *text);
  // Relations are part of what a revision says: not a retry.
  EXPECT_FALSE(SameRevisionContent(Base(), s));
}

TEST(StatementExtension, RejectsBadRelations) {
  struct Case {
    Relation relation;
    const char* message;
  } cases[] = {
      {{"abolishes", "x"}, "relation: unknown relation kind \"abolishes\""},
      {{"repeals", ""}, "relation: must be 1-256 bytes"},
      {{"repeals", "has space"}, "relation: contains whitespace"},
      {{"repeals", "gx-2020-old"},
       "relation: a document cannot relate to itself"},
  };
  for (const Case& c : cases) {
    Statement s = Base();
    s.relations = {c.relation};
    absl::Status st = ValidateStatement(s);
    EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument) << c.message;
    EXPECT_THAT(std::string(st.message()), HasSubstr(c.message));
  }
  Statement dup = Base();
  dup.relations = {{"repeals", "x"}, {"repeals", "x"}};
  EXPECT_THAT(std::string(ValidateStatement(dup).message()),
              HasSubstr("duplicate relation repeals x"));
  Statement many = Base();
  for (int i = 0; i < 65; ++i) {
    many.relations.push_back({"amends", "doc-" + std::to_string(i)});
  }
  EXPECT_THAT(std::string(ValidateStatement(many).message()),
              HasSubstr("at most 64"));
}

TEST(StatementExtension, ParseRejectsUnsortedDuplicateAndMisplacedLines) {
  const std::string base = kBaseText;
  for (const auto& [tail, message] :
       std::vector<std::pair<std::string, std::string>>{
           {"relation repeals b\nrelation repeals a\n", "not sorted"},
           {"relation repeals a\nrelation repeals a\n", "duplicate relation"},
           {"relation repeals\n", "is not \"<kind> <document>\""},
           {"relation repeals a\neffective 2021-01-01\n", "out of order"},
           {"expires 2021-02-30\n", "expires:"},
           {"effective 2021-01-01\neffective 2021-01-02\n", "duplicate key"},
       }) {
    auto parsed = ParseStatement(base + tail);
    ASSERT_FALSE(parsed.ok()) << tail;
    EXPECT_THAT(std::string(parsed.status().message()), HasSubstr(message))
        << tail;
  }
  // A new key before `note` is out of order: old keys keep their places.
  std::string misplaced = base;
  misplaced.insert(misplaced.find("note "), "effective 2021-01-01\n");
  auto parsed = ParseStatement(misplaced);
  ASSERT_FALSE(parsed.ok());
  EXPECT_THAT(std::string(parsed.status().message()),
              HasSubstr("out of order"));
}

TEST(StatementExtension, RelationKinds) {
  for (const char* kind : {"repeals", "amends", "implements", "supersedes"}) {
    EXPECT_TRUE(IsKnownRelationKind(kind));
    const std::string passive = InverseRelationKind(kind);
    EXPECT_TRUE(IsKnownRelationKind(passive)) << passive;
    EXPECT_EQ(InverseRelationKind(passive), kind);
  }
  EXPECT_EQ(InverseRelationKind("repeals"), "repealed-by");
  EXPECT_FALSE(IsKnownRelationKind("cites"));
  EXPECT_EQ(RelationKindForStatus("repealed"), "repealed-by");
  EXPECT_EQ(RelationKindForStatus("amended"), "amended-by");
  EXPECT_EQ(RelationKindForStatus("in_force"), "");
}

}  // namespace
}  // namespace archive
