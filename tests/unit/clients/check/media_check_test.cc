// Usability checks (可用性) of the four-property check: does content match its
// declared media type? And the put-time guess that shares the same sniffer.
#include "clients/check/media_check.h"

#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "clients/check/media_type.h"
#include "gtest/gtest.h"

namespace archive {
namespace {

using namespace std::string_literals;

ContentSniffer Sniff(const std::string& bytes, size_t chunk = 1 << 20) {
  ContentSniffer s;
  for (size_t i = 0; i < bytes.size(); i += chunk)
    s.Update(absl::string_view(bytes).substr(i, chunk));
  return s;
}

// The finding named `check`; fails the test if there is not exactly one.
Finding Only(const std::vector<Finding>& findings, const std::string& check) {
  std::vector<Finding> found;
  for (const Finding& f : findings) {
    if (f.check == check) found.push_back(f);
  }
  EXPECT_EQ(found.size(), 1u) << check;
  return found.empty() ? Finding{check, Verdict::kFail, "missing"} : found[0];
}

Verdict MediaVerdict(const std::string& type, const std::string& bytes) {
  return Only(CheckMediaType(type, Sniff(bytes)), "media-type").verdict;
}

const std::string kChinese = "第一条 为了加强政务数据共享管理，制定本办法。\n";
const std::string kPdf = "%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n";

TEST(ContentSniffer, ValidUtf8SplitAtEveryByteBoundary) {
  for (size_t chunk = 1; chunk <= 4; ++chunk) {
    ContentSniffer s = Sniff(kChinese + "😀", chunk);
    EXPECT_TRUE(s.valid_utf8()) << "chunk " << chunk;
    EXPECT_FALSE(s.ascii());
    EXPECT_EQ(s.size(), kChinese.size() + 4);
  }
}

TEST(ContentSniffer, RejectsWhatRfc3629Forbids) {
  const std::vector<std::string> bad = {
      "\xff",              // never valid
      "\x80",              // stray continuation byte
      "\xc0\xaf",          // overlong "/"
      "\xe0\x80\xaf",      // overlong, three bytes
      "\xed\xa0\x80",      // UTF-16 surrogate U+D800
      "\xf4\x90\x80\x80",  // above U+10FFFF
      "\xe4\xb8",          // truncated at the end
      "\xe4\x41\x41",      // lead byte without its continuation
  };
  for (const std::string& b : bad) {
    for (size_t chunk : {1, 2, 100}) {
      ContentSniffer s = Sniff("ok " + b, chunk);
      EXPECT_FALSE(s.valid_utf8()) << absl::CHexEscape(b) << " chunk " << chunk;
      EXPECT_EQ(s.utf8_error_offset(), 3u) << absl::CHexEscape(b);
    }
  }
}

TEST(ContentSniffer, KeepsHeadAndTailAcrossChunks) {
  std::string bytes = "HEAD" + std::string(5000, 'x') + "TAIL";
  ContentSniffer s = Sniff(bytes, 7);
  EXPECT_EQ(s.head(), bytes.substr(0, ContentSniffer::kHeadBytes));
  EXPECT_EQ(s.tail(), bytes.substr(bytes.size() - ContentSniffer::kTailBytes));
  EXPECT_TRUE(s.ascii());
}

TEST(GuessMediaType, FollowsTheContract) {
  EXPECT_EQ(GuessMediaType(Sniff(kChinese)), "text/plain; charset=utf-8");
  EXPECT_EQ(GuessMediaType(Sniff(kPdf)), "application/pdf");
  EXPECT_EQ(GuessMediaType(Sniff("abc\xff")), "application/octet-stream");
  EXPECT_EQ(GuessMediaType(Sniff("")), "text/plain; charset=utf-8");
}

TEST(CheckMediaType, TextMustBeValidUtf8) {
  EXPECT_EQ(MediaVerdict("text/plain; charset=utf-8", kChinese),
            Verdict::kPass);
  EXPECT_EQ(MediaVerdict("text/plain", kChinese), Verdict::kPass);
  EXPECT_EQ(MediaVerdict("Text/Plain; Charset=\"UTF-8\"", kChinese),
            Verdict::kPass);
  EXPECT_EQ(MediaVerdict("text/markdown", "# 标题\n"), Verdict::kPass);
  EXPECT_EQ(MediaVerdict("application/json", "{\"a\":\"数据\"}"),
            Verdict::kPass);
  Finding f = Only(
      CheckMediaType("text/plain; charset=utf-8", Sniff("abc\xff\xfe def\n")),
      "media-type");
  EXPECT_EQ(f.verdict, Verdict::kFail);
  EXPECT_TRUE(absl::StrContains(f.detail, "not valid UTF-8")) << f.detail;
  EXPECT_TRUE(absl::StrContains(f.detail, "offset 3")) << f.detail;
  EXPECT_EQ(MediaVerdict("application/xml", "<a>\xc0\xaf</a>"), Verdict::kFail);
  EXPECT_EQ(MediaVerdict("application/ld+json", "\xff"), Verdict::kFail);
}

TEST(CheckMediaType, AsciiAndOtherCharsets) {
  EXPECT_EQ(MediaVerdict("text/plain; charset=us-ascii", "plain\n"),
            Verdict::kPass);
  EXPECT_EQ(MediaVerdict("text/plain; charset=us-ascii", kChinese),
            Verdict::kFail);
  // GB18030 bytes ("数据") are not UTF-8, but nothing says they are.
  EXPECT_EQ(MediaVerdict("text/plain; charset=gb18030", "\xca\xfd\xbe\xdd"),
            Verdict::kWarn);
}

TEST(CheckMediaType, PdfNeedsItsHeaderAndShouldEndWithEof) {
  std::vector<Finding> good = CheckMediaType("application/pdf", Sniff(kPdf));
  EXPECT_EQ(Worst(good), Verdict::kPass);
  EXPECT_EQ(MediaVerdict("application/pdf", kChinese), Verdict::kFail);
  // A PDF cut short keeps its header but loses the trailer.
  std::vector<Finding> cut =
      CheckMediaType("application/pdf", Sniff(kPdf.substr(0, 20)));
  EXPECT_EQ(Only(cut, "media-type").verdict, Verdict::kPass);
  EXPECT_EQ(Only(cut, "completeness").verdict, Verdict::kWarn);
}

TEST(CheckMediaType, BinaryFormatsByTheirSignatures) {
  EXPECT_EQ(MediaVerdict("image/png", "\x89PNG\r\n\x1a\n...."), Verdict::kPass);
  EXPECT_EQ(MediaVerdict("image/png", "\xff\xd8\xff\xe0"), Verdict::kFail);
  EXPECT_EQ(MediaVerdict("image/jpeg", "\xff\xd8\xff\xe0"), Verdict::kPass);
  EXPECT_EQ(MediaVerdict("image/gif", "GIF89a..."), Verdict::kPass);
  EXPECT_EQ(MediaVerdict("image/tiff", "MM\0*...."s), Verdict::kPass);
  const std::string zip = "PK\x03\x04....";
  EXPECT_EQ(MediaVerdict("application/ofd", zip), Verdict::kPass);
  EXPECT_EQ(MediaVerdict("application/"
                         "vnd.openxmlformats-officedocument.wordprocessingml."
                         "document",
                         zip),
            Verdict::kPass);
  EXPECT_EQ(MediaVerdict("application/epub+zip", zip), Verdict::kPass);
  EXPECT_EQ(MediaVerdict("application/ofd", kChinese), Verdict::kFail);
  EXPECT_EQ(MediaVerdict("application/msword",
                         "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1...."),
            Verdict::kPass);
  EXPECT_EQ(MediaVerdict("application/msword", zip), Verdict::kFail);
}

TEST(CheckMediaType, UncheckableTypesWarn) {
  EXPECT_EQ(MediaVerdict("application/octet-stream", "\x00\x01"s),
            Verdict::kWarn);
  EXPECT_EQ(MediaVerdict("video/mp4", "...."), Verdict::kWarn);
}

TEST(CheckMediaType, MalformedTypeFails) {
  for (const char* type :
       {"", "text", "text/", "/plain", "text/pl ain", "text/plain; charset"}) {
    EXPECT_EQ(MediaVerdict(type, kChinese), Verdict::kFail) << type;
  }
}

TEST(CheckMediaType, EmptyContentFailsOnSize) {
  std::vector<Finding> f = CheckMediaType("text/plain", Sniff(""));
  EXPECT_EQ(Only(f, "size").verdict, Verdict::kFail);
  std::vector<Finding> g = CheckMediaType("text/plain", Sniff("x"));
  EXPECT_EQ(Only(g, "size").verdict, Verdict::kPass);
}

// A one-pass put completes its header from the first chunk only when no
// later byte can change the guess.
TEST(MediaTypeGuesser, DecidedOnlyWhenLaterBytesCannotChangeTheGuess) {
  v1::PutHeader header;
  MediaTypeGuesser guesser;
  EXPECT_FALSE(guesser.Decided(header));
  guesser.Chunk("plain text so far, valid UTF-8 \xe4\xb8\xad");
  EXPECT_FALSE(guesser.Decided(header)) << "a bad byte may still come";
  guesser.Chunk("\xff and more");
  EXPECT_TRUE(guesser.Decided(header));
  guesser.Finish(&header);
  EXPECT_EQ(header.metadata().media_type(), "application/octet-stream");
  // A sequence cut at the chunk's end is not yet wrong.
  guesser.Restart();
  header.Clear();
  guesser.Chunk("text \xe4\xb8");
  EXPECT_FALSE(guesser.Decided(header));
  guesser.Restart();
  guesser.Chunk("%PDF-1.7 rest");
  EXPECT_TRUE(guesser.Decided(header));
  guesser.Finish(&header);
  EXPECT_EQ(header.metadata().media_type(), "application/pdf");
  // A media type given up front decides it before any byte.
  v1::PutHeader given;
  given.mutable_metadata()->set_media_type("text/csv");
  EXPECT_TRUE(MediaTypeGuesser().Decided(given));
}

// Once the bytes are neither ASCII nor valid UTF-8 the sniffer only counts.
TEST(ContentSniffer, CountsEveryByteAfterItHasSeenEnough) {
  ContentSniffer s = Sniff("\xff\xfe" + std::string(3 << 20, 'a'), 4096);
  EXPECT_EQ(s.size(), (3u << 20) + 2);
  EXPECT_FALSE(s.valid_utf8());
  EXPECT_EQ(s.tail(), std::string(ContentSniffer::kTailBytes, 'a'));
  EXPECT_EQ(s.head().substr(0, 2), "\xff\xfe");
}

}  // namespace
}  // namespace archive
