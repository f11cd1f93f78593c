#include "storage/index/text_search.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

namespace archive {
namespace {

std::u32string U(const std::string& s) { return DecodeUtf8Lossy(s); }

std::vector<std::string> Spelled(const std::vector<PackedGram>& grams) {
  std::vector<std::string> spelled;
  for (PackedGram g : grams) spelled.push_back(GramToUtf8(g));
  return spelled;
}

TEST(TextSearch, GramsAreCharactersAndPairsNotSpanningSpaces) {
  // Distinct and in UTF-8 order: no "享 ", "享数" or " ".
  EXPECT_EQ(Spelled(DistinctGrams(NormalizeForSearch("数据共享 数据"))),
            (std::vector<std::string>{"享", "共", "共享", "据", "据共", "数",
                                      "数据"}));
}

TEST(TextSearch, PackedGramsOrderAsTheirUtf8Spellings) {
  // One-, two-, three- and four-byte UTF-8, 1-grams and the 2-grams that
  // start with them.
  const std::u32string text =
      U("a ab aé é€ € \xF0\xA0\x80\x80"
        "a z\xF0\xA0\x80\x80 ÿ");
  std::vector<std::string> spelled = Spelled(DistinctGrams(text));
  ASSERT_FALSE(spelled.empty());
  EXPECT_TRUE(std::is_sorted(spelled.begin(), spelled.end()));
  for (const std::string& gram : spelled) {
    EXPECT_EQ(GramToUtf8(PackGram(U(gram))), gram);
  }
  EXPECT_EQ(std::count(spelled.begin(), spelled.end(), "z\xF0\xA0\x80\x80"), 1);
}

TEST(TextSearch, CaseIsFoldedChineseIsUnchanged) {
  EXPECT_EQ(NormalizeForSearch("5G Data 数据共享"), U("5g data 数据共享"));
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

// Issue 11, defect 10: search folds text and queries alike with NFKC_Casefold.

TEST(UnicodeSearch, FullWidthDigitsAndLettersFoldToAscii) {
  EXPECT_EQ(NormalizeForSearch("２０２４年ＡＩ与５Ｇ"), U("2024年ai与5g"));
  EXPECT_EQ(QueryTerms("２０２４"), std::vector<std::u32string>{U("2024")});
}

TEST(UnicodeSearch, NfdAndNfcSpellingsFoldAlike) {
  EXPECT_EQ(NormalizeForSearch("Cafe\u0301"), NormalizeForSearch("Caf\u00e9"));
  EXPECT_EQ(NormalizeForSearch("Caf\u00e9"), U("caf\u00e9"));
}

TEST(UnicodeSearch, CaseFoldingMayLengthenText) {
  EXPECT_EQ(NormalizeForSearch("STRASSE Straße"), U("strasse strasse"));
  EXPECT_EQ(NormalizeForSearch("\ufb01le"),
            U("file"));  // U+FB01 LATIN SMALL LIGATURE FI
}

TEST(UnicodeSearch, InvisibleCharactersAreDropped) {
  EXPECT_EQ(NormalizeForSearch("数\u00ad据\u200d共享"), U("数据共享"));
  // The ideographic space folds to a space, which still separates terms.
  EXPECT_EQ(QueryTerms("数据\u3000共享"),
            (std::vector<std::u32string>{U("数据"), U("共享")}));
}

TEST(UnicodeSearch, FoldedTextEqualsNormalizedText) {
  const std::string text = "Ａ１ Straße \ufb01 Cafe\u0301 数\u00ad据\xff";
  EXPECT_EQ(FoldForSearch(DecodeUtf8Lossy(text)).text,
            NormalizeForSearch(text));
}

TEST(UnicodeSearch, MatchesMapBackToTheOriginalCharacters) {
  const std::u32string original = U("甲Ａ１乙Straße丙\ufb01le丁Cafe\u0301戊");
  const FoldedText folded = FoldForSearch(original);
  ASSERT_EQ(folded.text, U("甲a1乙strasse丙file丁caf\u00e9戊"));
  ASSERT_EQ(folded.from.size(), folded.text.size());
  auto snippet = [&](const std::string& term) {
    std::vector<size_t> at = FindAll(folded.text, U(term));
    EXPECT_EQ(at.size(), 1u) << term;
    if (at.empty()) return std::string();
    auto [begin, end] = folded.OriginalSpan(at[0], U(term).size());
    return Snippet(original, begin, end - begin, 1, 1);
  };
  EXPECT_EQ(snippet("a1"), "甲【Ａ１】乙…");
  EXPECT_EQ(snippet("ss"), "…a【ß】e…");  // half of "ss" is all of 'ß'
  EXPECT_EQ(snippet("strasse"), "…乙【Straße】丙…");
  EXPECT_EQ(snippet("fi"), "…丙【\ufb01】l…");
  EXPECT_EQ(snippet("caf\u00e9"), "…丁【Cafe\u0301】戊");
  EXPECT_EQ(snippet("戊"), "…\u0301【戊】");
}

TEST(UnicodeSearch, FoldingVersionNamesTheUnicodeVersion) {
  EXPECT_THAT(SearchFoldingVersion(),
              ::testing::MatchesRegex("nfkc-casefold unicode-[0-9.]+"));
}

}  // namespace
}  // namespace archive
