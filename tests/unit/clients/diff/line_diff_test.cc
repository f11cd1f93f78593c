#include "clients/diff/line_diff.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "tests/unit/test_files.h"

namespace archive {
namespace {

using ::archive::testing::ReadTestFile;

constexpr char kNoNewline[] = "\\ No newline at end of file\n";

void WriteFile(const std::string& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << data;
  ASSERT_TRUE(out.good()) << "cannot write " << path;
}

// Everything after the "--- a" / "+++ b" header.
std::string Body(const std::string& diff) {
  std::vector<std::string> lines = absl::StrSplit(diff, '\n');
  if (lines.size() < 2) return diff;
  lines.erase(lines.begin(), lines.begin() + 2);
  return absl::StrJoin(lines, "\n");
}

TEST(LineDiffTest, EqualInputsGiveNoDiff) {
  EXPECT_EQ(UnifiedDiff("", ""), "");
  EXPECT_EQ(UnifiedDiff("a\nb\n", "a\nb\n"), "");
  EXPECT_EQ(UnifiedDiff("a\nb", "a\nb"), "");
}

TEST(LineDiffTest, HeaderUsesLabels) {
  DiffOptions options;
  options.old_label = "raw/x.txt";
  options.new_label = "clean/x.txt";
  EXPECT_EQ(UnifiedDiff("a\n", "b\n", options),
            "--- raw/x.txt\n+++ clean/x.txt\n@@ -1 +1 @@\n-a\n+b\n");
}

TEST(LineDiffTest, InsertAtStartMiddleEnd) {
  const std::string old_text = "1\n2\n3\n4\n5\n6\n7\n8\n";
  EXPECT_EQ(Body(UnifiedDiff(old_text, "0\n" + old_text)),
            "@@ -1,3 +1,4 @@\n+0\n 1\n 2\n 3\n");
  EXPECT_EQ(Body(UnifiedDiff(old_text, "1\n2\n3\n4\nX\n5\n6\n7\n8\n")),
            "@@ -2,6 +2,7 @@\n 2\n 3\n 4\n+X\n 5\n 6\n 7\n");
  EXPECT_EQ(Body(UnifiedDiff(old_text, old_text + "9\n")),
            "@@ -6,3 +6,4 @@\n 6\n 7\n 8\n+9\n");
}

TEST(LineDiffTest, DeleteAtStartMiddleEnd) {
  const std::string old_text = "1\n2\n3\n4\n5\n6\n7\n8\n";
  EXPECT_EQ(Body(UnifiedDiff(old_text, "2\n3\n4\n5\n6\n7\n8\n")),
            "@@ -1,4 +1,3 @@\n-1\n 2\n 3\n 4\n");
  EXPECT_EQ(Body(UnifiedDiff(old_text, "1\n2\n3\n5\n6\n7\n8\n")),
            "@@ -1,7 +1,6 @@\n 1\n 2\n 3\n-4\n 5\n 6\n 7\n");
  EXPECT_EQ(Body(UnifiedDiff(old_text, "1\n2\n3\n4\n5\n6\n7\n")),
            "@@ -5,4 +5,3 @@\n 5\n 6\n 7\n-8\n");
}

TEST(LineDiffTest, ReplaceAtStartMiddleEnd) {
  const std::string old_text = "1\n2\n3\n4\n5\n6\n7\n8\n";
  EXPECT_EQ(Body(UnifiedDiff(old_text, "one\n2\n3\n4\n5\n6\n7\n8\n")),
            "@@ -1,4 +1,4 @@\n-1\n+one\n 2\n 3\n 4\n");
  EXPECT_EQ(Body(UnifiedDiff(old_text, "1\n2\n3\nfour\nfive\n6\n7\n8\n")),
            "@@ -1,8 +1,8 @@\n 1\n 2\n 3\n-4\n-5\n+four\n+five\n 6\n 7\n 8\n");
  EXPECT_EQ(Body(UnifiedDiff(old_text, "1\n2\n3\n4\n5\n6\n7\neight\n")),
            "@@ -5,4 +5,4 @@\n 5\n 6\n 7\n-8\n+eight\n");
}

TEST(LineDiffTest, EmptyOldOrNew) {
  EXPECT_EQ(UnifiedDiff("", "a\nb\n"),
            "--- a\n+++ b\n@@ -0,0 +1,2 @@\n+a\n+b\n");
  EXPECT_EQ(UnifiedDiff("a\n", ""), "--- a\n+++ b\n@@ -1 +0,0 @@\n-a\n");
  EXPECT_EQ(Body(UnifiedDiff("", "\n")), "@@ -0,0 +1 @@\n+\n");
}

TEST(LineDiffTest, EmptyRangeWithoutContext) {
  DiffOptions options;
  options.context_lines = 0;
  EXPECT_EQ(Body(UnifiedDiff("1\n2\n3\n", "1\n2\nX\n3\n", options)),
            "@@ -2,0 +3 @@\n+X\n");
  EXPECT_EQ(Body(UnifiedDiff("1\n2\n3\n", "1\n3\n", options)),
            "@@ -2 +1,0 @@\n-2\n");
}

TEST(LineDiffTest, MissingFinalNewline) {
  EXPECT_EQ(Body(UnifiedDiff("a\nb", "a\nb\n")),
            absl::StrCat("@@ -1,2 +1,2 @@\n a\n-b\n", kNoNewline, "+b\n"));
  EXPECT_EQ(Body(UnifiedDiff("a\nb\n", "a\nb")),
            absl::StrCat("@@ -1,2 +1,2 @@\n a\n-b\n+b\n", kNoNewline));
  // Both sides unterminated: the shared last line is context, still flagged.
  EXPECT_EQ(Body(UnifiedDiff("x\nb", "y\nb")),
            absl::StrCat("@@ -1,2 +1,2 @@\n-x\n+y\n b\n", kNoNewline));
  EXPECT_EQ(Body(UnifiedDiff("", "b")),
            absl::StrCat("@@ -0,0 +1 @@\n+b\n", kNoNewline));
}

std::string Numbered(int from, int to) {
  std::string text;
  for (int i = from; i <= to; ++i) absl::StrAppend(&text, i, "\n");
  return text;
}

TEST(LineDiffTest, FarApartChangesGetSeparateHunks) {
  // Seven unchanged lines between the changes: more than 2 * 3 of context.
  const std::string old_text = Numbered(1, 20);
  std::string new_text = old_text;
  new_text.replace(new_text.find("5\n"), 2, "five\n");
  new_text.replace(new_text.find("13\n"), 3, "thirteen\n");
  EXPECT_EQ(Body(UnifiedDiff(old_text, new_text)),
            "@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n"
            "@@ -10,7 +10,7 @@\n 10\n 11\n 12\n-13\n+thirteen\n 14\n 15\n"
            " 16\n");
}

TEST(LineDiffTest, NearbyChangesShareAHunk) {
  // Exactly six unchanged lines between the changes: the contexts touch.
  const std::string old_text = Numbered(1, 20);
  std::string new_text = old_text;
  new_text.replace(new_text.find("5\n"), 2, "five\n");
  new_text.replace(new_text.find("12\n"), 3, "twelve\n");
  EXPECT_EQ(Body(UnifiedDiff(old_text, new_text)),
            "@@ -2,14 +2,14 @@\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n 9\n 10\n"
            " 11\n-12\n+twelve\n 13\n 14\n 15\n");
}

TEST(LineDiffTest, ContextOptionChangesHunking) {
  DiffOptions options;
  options.context_lines = 1;
  const std::string old_text = Numbered(1, 10);
  std::string new_text = old_text;
  new_text.replace(new_text.find("3\n"), 2, "c\n");
  new_text.replace(new_text.find("7\n"), 2, "g\n");
  EXPECT_EQ(
      Body(UnifiedDiff(old_text, new_text, options)),
      "@@ -2,3 +2,3 @@\n 2\n-3\n+c\n 4\n@@ -6,3 +6,3 @@\n 6\n-7\n+g\n 8\n");
}

TEST(LineDiffTest, ChineseLines) {
  const std::string old_text =
      "北京市人民政府办公厅\n关于印发《北京市促进通用人工智能创新发展的"
      "若干措施》的通知\n各区人民政府，市政府各委、办、局：\n";
  const std::string new_text =
      "北京市人民政府办公厅\n关于印发《北京市促进通用人工智能创新发展的"
      "若干措施》的通知\n各区人民政府，市政府各委、办、局，各市属机构：\n"
      "现将《措施》印发给你们，请认真贯彻落实。\n";
  EXPECT_EQ(Body(UnifiedDiff(old_text, new_text)),
            "@@ -1,3 +1,4 @@\n 北京市人民政府办公厅\n"
            " 关于印发《北京市促进通用人工智能创新发展的若干措施》的通知\n"
            "-各区人民政府，市政府各委、办、局：\n"
            "+各区人民政府，市政府各委、办、局，各市属机构：\n"
            "+现将《措施》印发给你们，请认真贯彻落实。\n");
}

// GNU diff with --minimal is the reference. --label keeps its header free of
// timestamps, so the whole output can be compared, header included.
class GnuDiff {
 public:
  GnuDiff() {
    char dir_template[] = "/tmp/line_diff_test.XXXXXX";
    const char* made = mkdtemp(dir_template);
    EXPECT_NE(made, nullptr);
    dir_ = made == nullptr ? "/tmp" : made;
  }
  ~GnuDiff() {
    std::remove(OldPath().c_str());
    std::remove(NewPath().c_str());
    rmdir(dir_.c_str());
  }

  std::string Run(const std::string& old_text, const std::string& new_text,
                  int context) {
    WriteFile(OldPath(), old_text);
    WriteFile(NewPath(), new_text);
    return RunOnFiles(OldPath(), NewPath(), context);
  }

  static std::string RunOnFiles(const std::string& old_path,
                                const std::string& new_path, int context) {
    const std::string command =
        absl::StrCat("diff --minimal -U ", context, " --label a --label b '",
                     old_path, "' '", new_path, "'");
    std::string output;
    FILE* pipe = popen(command.c_str(), "r");
    EXPECT_NE(pipe, nullptr) << command;
    if (pipe == nullptr) return output;
    char buffer[4096];
    size_t got;
    while ((got = fread(buffer, 1, sizeof buffer, pipe)) > 0) {
      output.append(buffer, got);
    }
    const int status = pclose(pipe);
    // diff exits 0 for equal inputs and 1 for different ones; 2 is trouble.
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) <= 1) << command;
    return output;
  }

 private:
  std::string OldPath() const { return dir_ + "/old"; }
  std::string NewPath() const { return dir_ + "/new"; }
  std::string dir_;
};

// Lines over a tiny alphabet, so many equally short edit scripts compete and
// the tie-breaking is exercised; sometimes the final newline is dropped.
std::string RandomText(std::mt19937* rng) {
  static const char* const kLines[] = {"a", "b", "c", "", "a"};
  std::uniform_int_distribution<int> length(0, 14);
  std::uniform_int_distribution<int> pick(0, 4);
  std::string text;
  const int lines = length(*rng);
  for (int i = 0; i < lines; ++i)
    absl::StrAppend(&text, kLines[pick(*rng)], "\n");
  if (!text.empty() && (*rng)() % 4 == 0) text.pop_back();
  return text;
}

TEST(LineDiffTest, MatchesGnuDiffOnRandomInputs) {
  GnuDiff gnu;
  std::mt19937 rng(20240611);
  for (int round = 0; round < 400; ++round) {
    const std::string old_text = RandomText(&rng);
    const std::string new_text =
        round % 3 == 0 ? old_text + RandomText(&rng) : RandomText(&rng);
    DiffOptions options;
    options.context_lines = static_cast<int>(rng() % 4);
    ASSERT_EQ(UnifiedDiff(old_text, new_text, options),
              gnu.Run(old_text, new_text, options.context_lines))
        << "round " << round << " context " << options.context_lines
        << "\nold:\n"
        << old_text << "\nnew:\n"
        << new_text;
  }
}

TEST(LineDiffTest, MatchesGnuDiffOnCorpus) {
  static const char* const kNames[] = {
      "bj-agi-measures-2023",
      "bj-ai-innovation-2023",
      "bj-robotics-2023",
      "gx-2020-guizhengbanfa-70",
      "gx-2021-guizhengbanfa-113",
      "gx-2021-guizhengbanfa-21",
      "gx-2021-guizhengfa-50",
      "gx-2022-guizhengbanfa-10",
      "gx-2022-guizhengfa-31",
      "gx-2023-guizhenghan-11",
      "sh-2023-hufubanfa-5",
      "sh-digital-transformation-14fyp",
      "sh-yiwangtongban-helpdesk",
      "tj-digital-3year-2021",
      "tj-education-it-14fyp",
      "tj-enterprise-credit-db",
      "tj-mobile-gov-platform-2022",
      "tj-smart-city-14fyp",
  };
  for (const char* name : kNames) {
    const std::string raw =
        absl::StrCat(ARCHIVE_CORPUS_DIR, "/raw/", name, ".txt");
    const std::string clean =
        absl::StrCat(ARCHIVE_CORPUS_DIR, "/clean/", name, ".txt");
    const std::string diff =
        UnifiedDiff(ReadTestFile(raw), ReadTestFile(clean));
    EXPECT_FALSE(diff.empty()) << name;
    EXPECT_EQ(diff, GnuDiff::RunOnFiles(raw, clean, 3)) << name;
  }
}

}  // namespace
}  // namespace archive
