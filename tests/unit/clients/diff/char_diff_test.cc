#include "clients/diff/char_diff.h"

#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "clients/diff/line_diff.h"
#include "gtest/gtest.h"
#include "storage/base/env.h"
#include "storage/base/utf8.h"
#include "storage/format/statement.h"
#include "tests/unit/test_files.h"

namespace archive {
namespace {

using ::archive::testing::ReadTestFile;

// The marked diff with its marks taken out again.
std::string WithoutMarks(const std::string& marked) {
  return absl::StrReplaceAll(
      marked, {{"[-", ""}, {"-]", ""}, {"{+", ""}, {"+}", ""}, {"\u21b5", ""}});
}

std::string Marked(absl::string_view old_text, absl::string_view new_text) {
  return MarkChangedCharacters(UnifiedDiff(old_text, new_text),
                               MarkStyle::kBrackets);
}

// The body of a one-hunk diff: everything after the "@@" line.
std::string CharDiffBody(const std::string& diff) {
  size_t hunk = diff.find("\n@@");
  size_t start = diff.find('\n', hunk + 1);
  return diff.substr(start + 1);
}

TEST(CharDiffTest, SplitsIntoCodePoints) {
  EXPECT_EQ(SplitCodePoints("a中文\n"),
            (std::vector<absl::string_view>{"a", "中", "文", "\n"}));
  EXPECT_EQ(SplitCodePoints("〔2022〕"),
            (std::vector<absl::string_view>{"〔", "2", "0", "2", "2", "〕"}));
  EXPECT_EQ(SplitCodePoints("\xF0\x9F\x93\x84!"),  // 📄, four bytes
            (std::vector<absl::string_view>{"\xF0\x9F\x93\x84", "!"}));
}

TEST(CharDiffTest, InvalidBytesAreUnitsOfTheirOwn) {
  // A truncated 中 (E4 B8 AD), a stray continuation byte, an overlong "/".
  EXPECT_EQ(SplitCodePoints("\xE4\xB8"),
            (std::vector<absl::string_view>{"\xE4", "\xB8"}));
  EXPECT_EQ(SplitCodePoints("\xAD中"),
            (std::vector<absl::string_view>{"\xAD", "中"}));
  EXPECT_EQ(SplitCodePoints("\xC0\xAF"),
            (std::vector<absl::string_view>{"\xC0", "\xAF"}));
}

TEST(CharDiffTest, MarksWholeCharactersThatShareLeadingBytes) {
  // 中 is E4 B8 AD and 丰 E4 B8 B0: a byte diff would mark one byte of each.
  EXPECT_EQ(CharDiffBody(Marked("一中二\n", "一丰二\n")),
            "-一[-中-]二\n+一{+丰+}二\n");
}

TEST(CharDiffTest, MarksAnInsertionWithinALine) {
  EXPECT_EQ(CharDiffBody(Marked("第二条 本办法适用于本市。\n",
                                "第二条 本办法适用于本市行政区域。\n")),
            "-第二条 本办法适用于本市。\n"
            "+第二条 本办法适用于本市{+行政区域+}。\n");
}

TEST(CharDiffTest, MarksAReplacementWithinALine) {
  EXPECT_EQ(CharDiffBody(Marked("第四条 本办法自发布之日起施行。\n",
                                "第四条 本办法自2023年1月1日起施行。\n")),
            "-第四条 本办法自[-发布之-]日起施行。\n"
            "+第四条 本办法自{+2023年1月1+}日起施行。\n");
}

TEST(CharDiffTest, ShortEqualRunBetweenLongerChangesJoinsThem) {
  // A lone 的 matched between two rewritten clauses is noise...
  CharChanges noise = ChangedCodePoints(SplitCodePoints("加强数据的安全保护"),
                                        SplitCodePoints("提升系统的运行效率"));
  EXPECT_EQ(noise.removed, std::vector<bool>(9, true));
  EXPECT_EQ(noise.added, std::vector<bool>(9, true));
  // ...but a two-character word between two-character changes is kept.
  EXPECT_EQ(CharDiffBody(Marked("数据共享开放\n", "信息共享利用\n")),
            "-[-数据-]共享[-开放-]\n+{+信息+}共享{+利用+}\n");
}

TEST(CharDiffTest, JoinedLineShowsOnlyTheRemovedLineBreaks) {
  // The raw corpus text breaks paragraphs at page ends; the clean text joins
  // them (here from samples/raw/gx-2022-guizhengfa-31.txt).
  EXPECT_EQ(
      CharDiffBody(Marked("“智桂通”等数字\n\n技术平台在新冠肺炎疫情防控中\n",
                          "“智桂通”等数字技术平台在新冠肺炎疫情防控中\n")),
      "-“智桂通”等数字[-\u21b5-]\n"
      "-[-\u21b5-]\n"
      "-技术平台在新冠肺炎疫情防控中\n"
      "+“智桂通”等数字技术平台在新冠肺炎疫情防控中\n");
}

TEST(CharDiffTest, PureInsertionsAndDeletionsAreNotMarked) {
  EXPECT_EQ(CharDiffBody(Marked("甲\n乙\n", "甲\n乙\n丙\n")),
            " 甲\n 乙\n+丙\n");
  EXPECT_EQ(CharDiffBody(Marked("甲\n乙\n丙\n", "甲\n丙\n")),
            " 甲\n-乙\n 丙\n");
}

TEST(CharDiffTest, MissingFinalNewlineIsAChangedLineBreak) {
  EXPECT_EQ(CharDiffBody(Marked("甲\n乙", "甲\n乙\n")),
            " 甲\n-乙\n\\ No newline at end of file\n+乙{+\u21b5+}\n");
  EXPECT_EQ(CharDiffBody(Marked("甲\n乙\n", "甲\n丙")),
            " 甲\n-[-乙\u21b5-]\n+{+丙+}\n\\ No newline at end of file\n");
}

TEST(CharDiffTest, ColorMarksSpansInReverseVideo) {
  std::string colored = MarkChangedCharacters(
      UnifiedDiff("一中二\n", "一丰二\n"), MarkStyle::kColor);
  EXPECT_EQ(colored,
            "\x1b[1m--- a\x1b[0m\n"
            "\x1b[1m+++ b\x1b[0m\n"
            "\x1b[36m@@ -1 +1 @@\x1b[0m\n"
            "-\x1b[31m一\x1b[7m中\x1b[27m二\x1b[0m\n"
            "+\x1b[32m一\x1b[7m丰\x1b[27m二\x1b[0m\n");
}

TEST(CharDiffTest, TooLargeAChangeIsLeftUnmarked) {
  std::string old_text(kMaxMarkedCodePoints, 'a');
  std::string new_text(kMaxMarkedCodePoints, 'b');
  CharChanges changes =
      ChangedCodePoints(SplitCodePoints(old_text), SplitCodePoints(new_text));
  EXPECT_EQ(changes.removed, std::vector<bool>(old_text.size(), false));
  // A long common prefix and suffix do not count against the limit.
  std::string context(kMaxMarkedCodePoints, 'c');
  changes = ChangedCodePoints(SplitCodePoints(context + "x" + context),
                              SplitCodePoints(context + "y" + context));
  EXPECT_TRUE(changes.removed[kMaxMarkedCodePoints]);
  EXPECT_TRUE(changes.added[kMaxMarkedCodePoints]);
}

// Every corpus document's raw text against its corrected text: the marks
// keep the output valid UTF-8 (a mark inside a character would break it),
// mark something in each diff, and come out to the plain diff again.
TEST(CharDiffTest, CorpusRawAgainstCleanKeepsCharactersWhole) {
  std::string manifest =
      ReadTestFile(absl::StrCat(ARCHIVE_CORPUS_DIR, "/manifest.tsv"));
  int documents = 0;
  std::istringstream rows(manifest);
  std::string row;
  std::getline(rows, row);  // header
  while (std::getline(rows, row)) {
    std::string name = row.substr(0, row.find('\t'));
    std::string raw =
        ReadTestFile(absl::StrCat(ARCHIVE_CORPUS_DIR, "/raw/", name, ".txt"));
    std::string clean =
        ReadTestFile(absl::StrCat(ARCHIVE_CORPUS_DIR, "/clean/", name, ".txt"));
    std::string plain = UnifiedDiff(raw, clean);
    std::string marked = MarkChangedCharacters(plain, MarkStyle::kBrackets);
    EXPECT_TRUE(IsValidUtf8(marked)) << name;
    EXPECT_TRUE(absl::StrContains(marked, "[-") ||
                absl::StrContains(marked, "{+"))
        << name;
    EXPECT_EQ(WithoutMarks(marked), plain) << name;
    ++documents;
  }
  EXPECT_EQ(documents, 18);
}

// Random texts over characters that share their leading bytes (and an ASCII
// letter and a line break), so a byte-level mistake would cut a character.
TEST(CharDiffTest, RandomTextsNeverSplitACharacter) {
  const std::vector<std::string> alphabet = {
      "中", "丰", "串", "临", "a", "\n", "\xF0\x9F\x93\x84"};
  std::mt19937 random(7);
  auto text = [&](int length) {
    std::string s;
    for (int i = 0; i < length; ++i) {
      s += alphabet[random() % alphabet.size()];
    }
    return s;
  };
  for (int round = 0; round < 300; ++round) {
    std::string a = text(random() % 40);
    std::string b = text(random() % 40);
    std::string plain = UnifiedDiff(a, b);
    std::string marked = MarkChangedCharacters(plain, MarkStyle::kBrackets);
    ASSERT_TRUE(IsValidUtf8(marked)) << marked;
    ASSERT_EQ(WithoutMarks(marked), plain) << marked;
  }
}

}  // namespace
}  // namespace archive
