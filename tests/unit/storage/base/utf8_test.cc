// The one UTF-8 decoder (RFC 3629): every well-formed boundary case is
// accepted, every overlong, surrogate, out-of-range or truncated form refused.
#include "storage/base/utf8.h"

#include <string>

#include "absl/strings/escaping.h"
#include "gtest/gtest.h"

namespace archive {
namespace {

TEST(Utf8, AcceptsWellFormed) {
  for (const std::string& s :
       {std::string(""), std::string("ascii"), std::string("\xc2\x80"),
        std::string("\xdf\xbf"), std::string("\xe0\xa0\x80"),
        std::string("\xed\x9f\xbf"),  // U+D7FF, just below the surrogates
        std::string("\xee\x80\x80"),  // U+E000, just above them
        std::string("\xef\xbf\xbf"), std::string("\xf0\x90\x80\x80"),
        std::string("\xf4\x8f\xbf\xbf"),  // U+10FFFF
        std::string("广西壮族"), std::string("a\0b", 3)}) {
    EXPECT_TRUE(IsValidUtf8(s)) << absl::CHexEscape(s);
  }
}

TEST(Utf8, RejectsMalformed) {
  for (const char* s : {
           "\x80",                  // lone continuation byte
           "\xbf",                  // lone continuation byte
           "\xc0\x80",              // overlong NUL
           "\xc1\xbf",              // overlong
           "\xe0\x80\xaf",          // overlong '/'
           "\xe0\x9f\xbf",          // overlong U+07FF
           "\xf0\x80\x80\xaf",      // overlong
           "\xf0\x8f\xbf\xbf",      // overlong U+FFFF
           "\xed\xa0\x80",          // U+D800 surrogate
           "\xed\xbf\xbf",          // U+DFFF surrogate
           "\xf4\x90\x80\x80",      // U+110000
           "\xf5\x80\x80\x80",      // beyond U+10FFFF
           "\xf8\x88\x80\x80\x80",  // 5-byte form
           "\xfe",
           "\xff",
           "\xc2",          // truncated
           "\xe5\xb9",      // truncated
           "\xf0\x90\x80",  // truncated
           "\xc2\x41",      // bad continuation
           "\xe5\x41\xbf",  // bad continuation
           "a\xe5",         // truncated at the end
       }) {
    EXPECT_FALSE(IsValidUtf8(s)) << absl::CHexEscape(s);
  }
}

TEST(Utf8, DecodeAdvancesPastOneCodePointOrLeavesPosAlone) {
  const std::string s = "a\xe5\xb9\xbf\xc2";  // 'a', U+5E7F, a truncated lead
  size_t pos = 0;
  char32_t cp = 0;
  ASSERT_TRUE(DecodeUtf8(s, &pos, &cp));
  EXPECT_EQ(pos, 1u);
  EXPECT_EQ(cp, U'a');
  ASSERT_TRUE(DecodeUtf8(s, &pos, &cp));
  EXPECT_EQ(pos, 4u);
  EXPECT_EQ(cp, U'\u5E7F');
  EXPECT_FALSE(DecodeUtf8(s, &pos, &cp));
  EXPECT_EQ(pos, 4u);
}

}  // namespace
}  // namespace archive
