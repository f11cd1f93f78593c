// Conditional puts (--parent), drafts and diff, through the real archivectl
// against a real archived.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "nlohmann/json.hpp"
#include "storage/base/hex.h"
#include "storage/base/sha256.h"
#include "tests/integration/test_harness.h"

namespace archive::testing {
namespace {

namespace fs = std::filesystem;

constexpr char kConditionalPutDoc[] = "gx-2022-guizhengfa-31";

class ConditionalPut : public ::testing::Test {
 protected:
  void SetUp() override {
    // Blobs as files, so the tests can list what was stored.
    TestServer::Options options;
    options.extra_flags = {"--inline_blob_max_bytes=0"};
    server_ = TestServer::Start(options);
    ASSERT_TRUE(server_->running());
    cli_ = std::make_unique<Cli>(server_->address());
  }

  // Writes `text` to a fresh file and returns its path.
  std::string File(const std::string& text) {
    std::string path = absl::StrCat(dir_.path(), "/file", ++files_, ".txt");
    WriteFileOrDie(path, text);
    return path;
  }

  // Puts `text` with extra flags; returns the revision id or fails the test.
  std::string Put(const std::string& text,
                  const std::vector<std::string>& flags = {}) {
    std::vector<std::string> args = {"put", File(text), "--id",
                                     kConditionalPutDoc};
    args.insert(args.end(), flags.begin(), flags.end());
    ProcessResult r = cli_->Run(args);
    EXPECT_EQ(r.exit_code, 0) << "put: " << Describe(r);
    std::string id(absl::StripSuffix(r.out, "\n"));
    EXPECT_TRUE(IsSha256Hex(id))
        << "put printed no revision id: " << Describe(r);
    return id;
  }

  Json History(const std::string& doc = kConditionalPutDoc) {
    ProcessResult r = cli_->Run({"history", doc, "--json"});
    EXPECT_EQ(r.exit_code, 0) << Describe(r);
    return ParseJson(r);
  }

  std::vector<std::string> HistoryIds() {
    std::vector<std::string> ids;
    Json h = History();
    if (h.is_discarded()) return ids;
    for (const Json& r : h["revisions"])
      ids.push_back(r.value("revision_id", ""));
    return ids;
  }

  uint64_t TreeSize() {
    ProcessResult r = cli_->Run({"checkpoint", "--json"});
    EXPECT_EQ(r.exit_code, 0) << Describe(r);
    Json j = ParseJson(r);
    return j.is_discarded() ? 0 : j.value("tree_size", uint64_t{0});
  }

  // `get DOC [flags]` to stdout; fails the test if it fails.
  std::string Get(const std::vector<std::string>& flags = {}) {
    std::vector<std::string> args = {"get", kConditionalPutDoc};
    args.insert(args.end(), flags.begin(), flags.end());
    ProcessResult r = cli_->Run(args);
    EXPECT_EQ(r.exit_code, 0) << Describe(r);
    return r.out;
  }

  std::string Blobs() const { return server_->data_dir() + "/blobs"; }

  std::unique_ptr<TestServer> server_;
  std::unique_ptr<Cli> cli_;
  TempDir dir_;
  int files_ = 0;
};

TEST_F(ConditionalPut, ParentIsCurrentHeadSucceeds) {
  std::string r1 = Put("第一条 原文\n");
  std::string r2 = Put("第一条 修订\n", {"--parent", r1});
  EXPECT_NE(r1, r2);
  Json h = History();
  ASSERT_EQ(h["revisions"].size(), 2u) << h.dump(2);
  EXPECT_EQ(h["heads"], Json::array({r2}));
  EXPECT_EQ(h["revisions"][0].value("revision_id", ""), r2);
  EXPECT_EQ(h["revisions"][0]["parents"], Json::array({r1}));
  EXPECT_EQ(Get(), "第一条 修订\n");
  // And again on top of the new head.
  std::string r3 = Put("第一条 再修订\n", {"--parent", r2});
  EXPECT_EQ(HistoryIds(), (std::vector<std::string>{r3, r2, r1}));
}

TEST_F(ConditionalPut, StaleParentConflictsAndStoresNothing) {
  std::string r1 = Put("version one\n");
  std::string r2 = Put("version two\n", {"--parent", r1});
  uint64_t tree_size = TreeSize();

  // Another archivist still working from r1.
  ProcessResult r = cli_->Run({"put", File("version two, other edit\n"), "--id",
                               kConditionalPutDoc, "--parent", r1, "--note",
                               "edited from r1"});
  EXPECT_NE(r.exit_code, 0)
      << "a put on a stale parent succeeded: " << Describe(r);
  EXPECT_TRUE(absl::StrContains(r.err, "conflict")) << Describe(r);
  EXPECT_TRUE(absl::StrContains(r.err, r2))
      << "the message should name the current head " << r2 << ": "
      << Describe(r);
  EXPECT_TRUE(absl::StrContains(r.err, r1))
      << "the message should name the expected head " << r1 << ": "
      << Describe(r);
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1)
      << "one-line reason expected: " << Describe(r);
  EXPECT_EQ(r.out, "") << Describe(r);

  EXPECT_EQ(HistoryIds(), (std::vector<std::string>{r2, r1}));
  EXPECT_EQ(TreeSize(), tree_size);
  EXPECT_EQ(Get(), "version two\n");

  // The archivist reconciles on top of the new head: accepted.
  std::string r3 = Put("version three\n", {"--parent", r2});
  EXPECT_EQ(HistoryIds(), (std::vector<std::string>{r3, r2, r1}));
}

// A conditional put whose reply was lost is retried as it was: it gets the
// revision its first attempt made, and nothing new is stored.
TEST_F(ConditionalPut, RetriedConditionalPutReturnsItsRevision) {
  std::string r1 = Put("version one\n");
  std::string path = File("version two\n");
  std::vector<std::string> args = {
      "put",      path, "--id",   kConditionalPutDoc,
      "--parent", r1,   "--note", "second"};
  ProcessResult first = cli_->Run(args);
  ASSERT_EQ(first.exit_code, 0) << Describe(first);
  uint64_t tree_size = TreeSize();
  ProcessResult retry = cli_->Run(args);
  ASSERT_EQ(retry.exit_code, 0)
      << "a retried conditional put failed: " << Describe(retry);
  EXPECT_EQ(retry.out, first.out);
  EXPECT_EQ(HistoryIds().size(), 2u);
  EXPECT_EQ(TreeSize(), tree_size);
  // Other content on the stale parent is still a conflict.
  ProcessResult other = cli_->Run({"put", File("version two, edited\n"), "--id",
                                   kConditionalPutDoc, "--parent", r1});
  EXPECT_NE(other.exit_code, 0) << Describe(other);
  EXPECT_TRUE(absl::StrContains(other.err, "conflict")) << Describe(other);
}

// A put refused because its parent is stale must not leave its content in the
// blob store either: nothing references it, and no scrub removes it.
TEST_F(ConditionalPut, ConflictingPutLeavesNoContentBehind) {
  std::string r1 = Put("version one\n");
  std::string r2 = Put("version two\n", {"--parent", r1});
  std::set<std::string> blobs = FilesUnder(Blobs());
  ASSERT_EQ(blobs.size(), 2u) << "expected one blob per content";

  ProcessResult stale = cli_->Run({"put", File("stale edit\n"), "--id",
                                   kConditionalPutDoc, "--parent", r1});
  ASSERT_NE(stale.exit_code, 0) << Describe(stale);
  EXPECT_EQ(FilesUnder(Blobs()), blobs)
      << "the put refused for a stale --parent left its content in " << Blobs()
      << ": " << Describe(stale);

  ProcessResult unknown = cli_->Run({"put", File("unknown document\n"), "--id",
                                     "no-such-document", "--parent", r2});
  ASSERT_NE(unknown.exit_code, 0) << Describe(unknown);
  EXPECT_EQ(FilesUnder(Blobs()), blobs)
      << "the put refused for --parent on an unknown document left its "
         "content in "
      << Blobs() << ": " << Describe(unknown);
  EXPECT_EQ(FilesUnder(Blobs() + "/tmp"), std::set<std::string>{});
}

TEST_F(ConditionalPut, ParentOnUnknownDocumentFails) {
  std::string r1 = Put("something\n");
  ProcessResult r = cli_->Run({"put", File("new document\n"), "--id",
                               "no-such-document", "--parent", r1});
  EXPECT_NE(r.exit_code, 0)
      << "a conditional put created a document: " << Describe(r);
  EXPECT_TRUE(absl::StrContains(r.err, "no-such-document")) << Describe(r);
  EXPECT_TRUE(absl::StrContains(r.err, "conflict")) << Describe(r);
  ProcessResult h = cli_->Run({"history", "no-such-document"});
  EXPECT_NE(h.exit_code, 0) << Describe(h);
  EXPECT_TRUE(absl::StrContains(h.err, "unknown document")) << Describe(h);
  ProcessResult ls = cli_->Run({"ls", "--json"});
  ASSERT_EQ(ls.exit_code, 0) << Describe(ls);
  EXPECT_EQ(ParseJson(ls).size(), 1u) << ls.out;
}

TEST_F(ConditionalPut, MalformedParentIsRejected) {
  Put("something\n");
  ProcessResult r = cli_->Run({"put", File("other\n"), "--id",
                               kConditionalPutDoc, "--parent", "abc123"});
  EXPECT_NE(r.exit_code, 0) << Describe(r);
  EXPECT_TRUE(absl::StrContains(r.err, "parent")) << Describe(r);
  EXPECT_EQ(HistoryIds().size(), 1u);
}

TEST_F(ConditionalPut, DraftDoesNotReplaceAuthoritativeVersion) {
  std::string r1 = Put("in force text\n", {"--title", "测试办法"});
  std::string r2 = Put("draft text\n", {"--status", "draft", "--parent", r1,
                                        "--note", "proposed change"});
  // The authoritative version is still r1; --head gives the draft.
  EXPECT_EQ(Get(), "in force text\n");
  EXPECT_EQ(Get({"--head"}), "draft text\n");
  EXPECT_EQ(Get({"--rev", r2}), "draft text\n");
  Json h = History();
  ASSERT_EQ(h["revisions"].size(), 2u) << h.dump(2);
  EXPECT_EQ(h["heads"], Json::array({r2}));
  EXPECT_EQ(h["revisions"][0].value("status", ""), "draft");
  EXPECT_EQ(h["revisions"][1].value("status", ""), "in_force");

  // verify compares with the authoritative version unless told otherwise.
  std::string in_force = File("in force text\n");
  std::string draft = File("draft text\n");
  ProcessResult v = cli_->Run({"verify", in_force, "--id", kConditionalPutDoc});
  EXPECT_EQ(v.exit_code, 0) << Describe(v);
  v = cli_->Run({"verify", draft, "--id", kConditionalPutDoc});
  EXPECT_NE(v.exit_code, 0) << Describe(v);
  v = cli_->Run({"verify", draft, "--id", kConditionalPutDoc, "--rev", r2});
  EXPECT_EQ(v.exit_code, 0) << Describe(v);

  // A second draft on top: still r1.
  std::string r3 = Put("second draft\n", {"--status", "draft", "--parent", r2});
  EXPECT_EQ(Get(), "in force text\n");
  EXPECT_EQ(Get({"--head"}), "second draft\n");
  // Adopting the text makes it authoritative.
  std::string r4 = Put("second draft\n", {"--parent", r3});
  EXPECT_NE(r4, r3);
  EXPECT_EQ(Get(), "second draft\n");
  ProcessResult g = cli_->Run(
      {"get", kConditionalPutDoc, "-o", dir_.path() + "/out.txt", "--json"});
  ASSERT_EQ(g.exit_code, 0) << Describe(g);
  EXPECT_EQ(ParseJson(g)["revision"].value("revision_id", ""), r4);
}

TEST_F(ConditionalPut, OnlyDraftsMeansNoAuthoritativeVersion) {
  std::string r1 = Put("draft only\n", {"--status", "draft"});
  ProcessResult r = cli_->Run({"get", kConditionalPutDoc});
  EXPECT_NE(r.exit_code, 0) << Describe(r);
  EXPECT_TRUE(absl::StrContains(r.err, "draft")) << Describe(r);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(Get({"--head"}), "draft only\n");
}

TEST_F(ConditionalPut, DiffShowsUnifiedDiffOfTwoRevisions) {
  std::string r1 =
      Put("第一条 为了规范数据管理，制定本办法。\n"
          "第二条 本办法适用于本市。\n"
          "第三条 数据分类分级管理。\n"
          "第四条 本办法自发布之日起施行。\n");
  std::string r2 =
      Put("第一条 为了规范数据管理，制定本办法。\n"
          "第二条 本办法适用于本市行政区域。\n"
          "第三条 数据分类分级管理。\n"
          "第四条 本办法自2023年1月1日起施行。\n"
          "第五条 附则。\n",
          {"--parent", r1});
  ProcessResult r = cli_->Run({"diff", kConditionalPutDoc, r1, r2});
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  std::vector<std::string> lines = absl::StrSplit(r.out, '\n');
  ASSERT_GE(lines.size(), 3u) << r.out;
  EXPECT_TRUE(absl::StartsWith(lines[0], "--- ")) << r.out;
  EXPECT_TRUE(absl::StrContains(lines[0], r1.substr(0, 12))) << r.out;
  EXPECT_TRUE(absl::StartsWith(lines[1], "+++ ")) << r.out;
  EXPECT_TRUE(absl::StrContains(lines[1], r2.substr(0, 12))) << r.out;
  EXPECT_TRUE(absl::StartsWith(lines[2], "@@ -1,4 +1,5 @@")) << r.out;
  std::multiset<std::string> removed, added, context;
  for (size_t i = 3; i < lines.size(); ++i) {
    if (lines[i].empty()) continue;
    std::string body = lines[i].substr(1);
    if (lines[i][0] == '-') removed.insert(body);
    if (lines[i][0] == '+') added.insert(body);
    if (lines[i][0] == ' ') context.insert(body);
  }
  EXPECT_EQ(removed,
            (std::multiset<std::string>{"第二条 本办法适用于本市。",
                                        "第四条 本办法自发布之日起施行。"}))
      << r.out;
  EXPECT_EQ(added, (std::multiset<std::string>{
                       "第二条 本办法适用于本市行政区域。",
                       "第四条 本办法自2023年1月1日起施行。", "第五条 附则。"}))
      << r.out;
  EXPECT_EQ(context,
            (std::multiset<std::string>{"第一条 为了规范数据管理，制定本办法。",
                                        "第三条 数据分类分级管理。"}))
      << r.out;

  // Reversed, the signs swap; a revision against itself is no diff at all.
  ProcessResult back = cli_->Run({"diff", kConditionalPutDoc, r2, r1});
  ASSERT_EQ(back.exit_code, 0) << Describe(back);
  EXPECT_TRUE(absl::StrContains(back.out, "\n-第五条 附则。\n")) << back.out;
  ProcessResult same = cli_->Run({"diff", kConditionalPutDoc, r1, r1});
  ASSERT_EQ(same.exit_code, 0) << Describe(same);
  EXPECT_EQ(same.out, "");
  ProcessResult json =
      cli_->Run({"diff", kConditionalPutDoc, r1, r2, "--json"});
  ASSERT_EQ(json.exit_code, 0) << Describe(json);
  Json j = ParseJson(json);
  EXPECT_EQ(j.value("diff", ""), r.out);
  EXPECT_FALSE(j.value("identical", true));

  // A revision of another document cannot be smuggled into the diff.
  std::string other_path = File("other\n");
  ProcessResult other = cli_->Run({"put", other_path, "--id", "other-doc"});
  ASSERT_EQ(other.exit_code, 0) << Describe(other);
  std::string other_id(absl::StripSuffix(other.out, "\n"));
  ProcessResult mixed = cli_->Run({"diff", kConditionalPutDoc, r1, other_id});
  EXPECT_NE(mixed.exit_code, 0) << Describe(mixed);
}

}  // namespace
}  // namespace archive::testing
