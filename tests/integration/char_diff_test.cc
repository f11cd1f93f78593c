// archivectl diff with changed characters marked, through the real archivectl
// against a real archived, on a corpus document's raw and corrected texts.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/strip.h"
#include "storage/base/utf8.h"
#include "storage/format/statement.h"
#include "tests/integration/sync_test_util.h"
#include "tests/integration/test_harness.h"

namespace archive::testing {
namespace {

constexpr char kDoc[] = "gx-2022-guizhengfa-31";

class CharDiff : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = TestServer::Start();
    ASSERT_TRUE(server_->running());
    cli_ = std::make_unique<Cli>(server_->address());
    raw_path_ = absl::StrCat(CorpusDir(), "/raw/", kDoc, ".txt");
    clean_path_ = absl::StrCat(CorpusDir(), "/clean/", kDoc, ".txt");
    raw_rev_ = Put(raw_path_);
    clean_rev_ = Put(clean_path_);
  }

  std::string Put(const std::string& path) {
    ProcessResult r = cli_->Run({"put", path, "--id", kDoc});
    EXPECT_EQ(r.exit_code, 0) << Describe(r);
    return std::string(absl::StripSuffix(r.out, "\n"));
  }

  ProcessResult Diff(const std::vector<std::string>& flags) {
    std::vector<std::string> args = {"diff", kDoc, raw_rev_, clean_rev_};
    args.insert(args.end(), flags.begin(), flags.end());
    return cli_->Run(args);
  }

  // What GNU diff prints for the two files under archivectl's labels.
  std::string GnuDiff() {
    ProcessResult r =
        RunProcess({"/usr/bin/diff", "-u", "--minimal", "--label",
                    absl::StrCat(kDoc, "@", raw_rev_.substr(0, 12)), "--label",
                    absl::StrCat(kDoc, "@", clean_rev_.substr(0, 12)),
                    raw_path_, clean_path_});
    EXPECT_EQ(r.exit_code, 1) << Describe(r);  // 1: the files differ
    return r.out;
  }

  std::unique_ptr<TestServer> server_;
  std::unique_ptr<Cli> cli_;
  std::string raw_path_, clean_path_, raw_rev_, clean_rev_;
};

TEST_F(CharDiff, PlainByDefaultWhenNotATerminal) {
  std::string gnu = GnuDiff();
  ProcessResult plain = Diff({});
  ASSERT_EQ(plain.exit_code, 0) << Describe(plain);
  EXPECT_EQ(plain.out, gnu);
  ProcessResult explicit_plain = Diff({"--plain"});
  ASSERT_EQ(explicit_plain.exit_code, 0) << Describe(explicit_plain);
  EXPECT_EQ(explicit_plain.out, gnu);
}

TEST_F(CharDiff, CharsMarksTheCorrectionsWithinLines) {
  ProcessResult r = Diff({"--chars"});
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  // The title lost a stray space; a paragraph split at a page end was joined.
  EXPECT_TRUE(absl::StrContains(
      r.out,
      "\n-广西壮族自治区人民政府关于[- -]加强数字政府建设的实施意见\n"
      "+广西壮族自治区人民政府关于加强数字政府建设的实施意见\n"))
      << r.out.substr(0, 2000);
  EXPECT_TRUE(
      absl::StrContains(r.out, "“智桂通”等数字[-\u21b5-]\n-[-\u21b5-]\n"))
      << r.out.substr(0, 2000);
  EXPECT_TRUE(IsValidUtf8(r.out));
  EXPECT_EQ(
      absl::StrReplaceAll(
          r.out,
          {{"[-", ""}, {"-]", ""}, {"{+", ""}, {"+}", ""}, {"\u21b5", ""}}),
      GnuDiff());
  ProcessResult words = Diff({"--words"});
  EXPECT_EQ(words.out, r.out);
}

TEST_F(CharDiff, ColorAndJson) {
  ProcessResult color = Diff({"--color"});
  ASSERT_EQ(color.exit_code, 0) << Describe(color);
  EXPECT_TRUE(absl::StrContains(color.out,
                                "\x1b[31m广西壮族自治区人民政府关于"
                                "\x1b[7m \x1b[27m加强"))
      << color.out.substr(0, 600);

  ProcessResult json = Diff({"--chars", "--json"});
  ASSERT_EQ(json.exit_code, 0) << Describe(json);
  Json j = ParseJson(json);
  EXPECT_EQ(j.value("diff", ""), GnuDiff());
  EXPECT_EQ(j.value("marked_diff", ""), Diff({"--chars"}).out);
}

TEST_F(CharDiff, ConflictingStylesAreAUsageError) {
  ProcessResult r = Diff({"--plain", "--chars"});
  EXPECT_EQ(r.exit_code, 2) << Describe(r);
  EXPECT_TRUE(absl::StrContains(r.err, "--plain")) << Describe(r);
  EXPECT_EQ(r.out, "");
}

}  // namespace
}  // namespace archive::testing
