#include "storage/index/gram_set.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "storage/index/text_search.h"

namespace archive {
namespace {

TEST(GramSet, ADocumentsGramsComeBackAsTheyWent) {
  const std::vector<PackedGram> grams =
      DistinctGrams(NormalizeForSearch("国务院关于印发《政务数据共享管理办法》"
                                       "的通知 Data-sharing \xF0\xA0\x80\x80"));
  ASSERT_GT(grams.size(), 40u);
  const std::string encoded = EncodeGramSet(grams);
  std::vector<PackedGram> decoded;
  ASSERT_TRUE(DecodeGramSet(encoded, &decoded));
  EXPECT_EQ(decoded, grams);
  // The point of the encoding: well under the 8 bytes a gram the UTF-8 lines
  // of index format 2 took.
  EXPECT_LT(encoded.size(), grams.size() * 4);
}

TEST(GramSet, AnEmptySetIsEmptyBytes) {
  EXPECT_EQ(EncodeGramSet({}), "");
  std::vector<PackedGram> decoded = {1, 2};
  EXPECT_TRUE(DecodeGramSet("", &decoded));
  EXPECT_TRUE(decoded.empty());
}

TEST(GramSet, BytesThatAreNotASetAreRefused) {
  std::vector<PackedGram> decoded;
  // A varint cut short.
  EXPECT_FALSE(DecodeGramSet(EncodeGramSet({1, 300}).substr(0, 2), &decoded));
  EXPECT_TRUE(decoded.empty());
  // A repeated gram (a zero difference).
  EXPECT_FALSE(DecodeGramSet(std::string("\x05\x00", 2), &decoded));
  // A varint longer than 64 bits.
  EXPECT_FALSE(DecodeGramSet(std::string(11, '\xFF'), &decoded));
}

}  // namespace
}  // namespace archive
