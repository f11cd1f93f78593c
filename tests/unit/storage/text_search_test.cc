#include "storage/text_search.h"

#include <gtest/gtest.h>

#include <string>

namespace archive {
namespace {

std::u32string U(const std::string& s) { return DecodeUtf8Lossy(s); }

TEST(TextSearch, GramsAreCharactersAndPairsNotSpanningSpaces) {
  auto grams = CountGrams(NormalizeForSearch("数据共享 数据"));
  EXPECT_EQ(grams[U("数据")], 2u);
  EXPECT_EQ(grams[U("据共")], 1u);
  EXPECT_EQ(grams[U("数")], 2u);
  EXPECT_EQ(grams.count(U("享 ")), 0u);
  EXPECT_EQ(grams.count(U("享数")), 0u);
  EXPECT_EQ(grams.count(U(" ")), 0u);
}

TEST(TextSearch, AsciiIsFoldedOtherScriptsAreNot) {
  EXPECT_EQ(NormalizeForSearch("5G Data ＡＩ"), U("5g data ＡＩ"));
}

TEST(TextSearch, GramsOfATermCoverIt) {
  EXPECT_EQ(GramsOf(U("数")), std::vector<std::u32string>{U("数")});
  // Sorted, duplicates removed.
  EXPECT_EQ(GramsOf(U("数据数据")),
            (std::vector<std::u32string>{U("据数"), U("数据")}));
}

TEST(TextSearch, QueryTermsSplitOnAnySpace) {
  EXPECT_EQ(QueryTerms(" 数据\u3000共享  数据 AI\t"),
            (std::vector<std::u32string>{U("数据"), U("共享"), U("ai")}));
  EXPECT_TRUE(QueryTerms(" \t ").empty());
}

TEST(TextSearch, FindAllCountsOverlappingOccurrences) {
  EXPECT_EQ(FindAll(U("啊啊啊"), U("啊啊")), (std::vector<size_t>{0, 1}));
  EXPECT_TRUE(FindAll(U("abc"), U("")).empty());
}

TEST(TextSearch, SnippetMarksTheMatchAndCutsOnCharacters) {
  std::u32string text = U("第一行\n推进数据共享和开放\n第三行");
  std::string s = Snippet(text, 6, 4, 3, 3);
  EXPECT_EQ(s, "…推进【数据共享】和开放…");
  EXPECT_EQ(Snippet(U("数据"), 0, 2), "【数据】");
}

TEST(TextSearch, InvalidUtf8BecomesReplacementCharacters) {
  EXPECT_EQ(DecodeUtf8Lossy("a\xff"
                            "b"),
            U("a\xEF\xBF\xBD"
              "b"));
  EXPECT_EQ(ToUtf8(U("数据")), "数据");
}

}  // namespace
}  // namespace archive
