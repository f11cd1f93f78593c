// Issue 4, a conflict across two offices: A and B revise the same document
// from the same parent; after pulling each other both offices keep both
// revisions as heads and say so (history, get, ls, sync), and a merge put on
// A naming both heads resolves it everywhere once B pulls it.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "tests/integration/sync_test_util.h"

namespace archive::testing {
namespace {

constexpr char kSyncConflictDoc[] = "gx-shared-notice";
constexpr char kBase[] = "Notice on shared data standards.\nArticle 1.\n";
constexpr char kTextA[] =
    "Notice on shared data standards.\nArticle 1 (as amended by A).\n";
constexpr char kTextB[] =
    "Notice on shared data standards.\nArticle 1.\nArticle 2 (added by B).\n";
constexpr char kMerged[] =
    "Notice on shared data standards.\nArticle 1 (as amended by A).\n"
    "Article 2 (added by B).\n";

std::vector<std::string> Sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

class SyncConflict : public ::testing::Test {
 protected:
  void SetUp() override {
    a_ = Office::Start("gx.archive.example");
    b_ = Office::Start("bj-sh.archive.example");
    ASSERT_TRUE(a_->server().running());
    ASSERT_TRUE(b_->server().running());
    a_->Trust({b_.get()});
    b_->Trust({a_.get()});
    keys_ = WriteTrustFile(a_->scratch() + "/both.keys", {a_.get(), b_.get()});
  }

  std::string Logs() {
    return absl::StrCat("\n--- A's log:\n", a_->Log(), "\n--- B's log:\n",
                        b_->Log());
  }

  // `get` of one revision (or the authoritative one if `rev` is empty),
  // verified against both offices' keys; returns the bytes.
  std::string Get(const Office& office, const std::string& rev) {
    std::string out =
        absl::StrCat(office.scratch(), "/got-", rev.empty() ? "default" : rev);
    std::vector<std::string> args = {"--trust",        keys_, "get",
                                     kSyncConflictDoc, "-o",  out};
    if (!rev.empty()) {
      args.push_back("--rev");
      args.push_back(rev);
    }
    ProcessResult r = office.Ctl(args);
    EXPECT_EQ(r.exit_code, 0) << office.origin() << ": get " << kSyncConflictDoc
                              << " " << rev << ": " << Describe(r) << Logs();
    return r.exit_code == 0 ? ReadFileOrDie(out) : "";
  }

  std::unique_ptr<Office> a_, b_;
  std::string keys_;
};

TEST_F(SyncConflict, ConcurrentRevisionsKeptAsTwoHeadsThenMerged) {
  std::string base = a_->PutText(kSyncConflictDoc, kBase);
  ASSERT_FALSE(base.empty());
  Json first = b_->SyncOk(a_->address());
  ASSERT_FALSE(first.is_discarded());
  EXPECT_EQ(first.value("imported", 0), 1) << first.dump();

  // Both offices revise it from the same parent.
  std::string head_a =
      a_->PutText(kSyncConflictDoc, kTextA, {"--parent", base});
  std::string head_b =
      b_->PutText(kSyncConflictDoc, kTextB, {"--parent", base});
  ASSERT_FALSE(head_a.empty() || head_b.empty());
  ASSERT_NE(head_a, head_b);
  std::vector<std::string> heads = Sorted({head_a, head_b});

  // Each pulls the other: the sync reports the conflict.
  for (auto [puller, peer] : std::vector<std::pair<Office*, Office*>>{
           {a_.get(), b_.get()}, {b_.get(), a_.get()}}) {
    Json report = puller->SyncOk(peer->address());
    ASSERT_FALSE(report.is_discarded()) << Logs();
    EXPECT_EQ(report.value("imported", 0), 1)
        << puller->origin() << " <- " << peer->origin() << ": "
        << report.dump();
    EXPECT_EQ(report["conflicts"], Json::array({kSyncConflictDoc}))
        << puller->origin() << " <- " << peer->origin() << ": "
        << report.dump();
    EXPECT_TRUE(absl::StrContains(
        puller->Log(), "conflicts in " + std::string(kSyncConflictDoc)))
        << puller->Log();
  }

  for (Office* office : {a_.get(), b_.get()}) {
    SCOPED_TRACE(office->origin());
    Json h = office->History(kSyncConflictDoc);
    ASSERT_FALSE(h.is_discarded());
    EXPECT_EQ(h["heads"], Json(heads)) << h.dump(2);
    EXPECT_EQ(h["revisions"].size(), 3u) << h.dump(2);
    for (const Json& r : h["revisions"]) {
      std::string id = r.value("revision_id", "");
      std::string want_origin = id == head_b ? b_->origin() : a_->origin();
      EXPECT_EQ(r.value("origin", ""), want_origin) << r.dump();
      if (id != base) {
        EXPECT_EQ(r["parents"], Json::array({base})) << r.dump();
      }
    }
    // The text history says it is a conflict and how to resolve it.
    ProcessResult text = office->Ctl({"history", kSyncConflictDoc});
    ASSERT_EQ(text.exit_code, 0) << Describe(text);
    EXPECT_TRUE(ContainsAll(text.out, {"conflict", head_a, head_b}))
        << text.out;
    // get without --rev refuses, naming both heads: a conflict (exit 7).
    ProcessResult get = office->Ctl({"--trust", keys_, "get", kSyncConflictDoc,
                                     "-o", office->scratch() + "/none"});
    EXPECT_EQ(get.exit_code, 7) << Describe(get);
    EXPECT_TRUE(ContainsAll(get.err, {head_a, head_b})) << Describe(get);
    // ls flags it.
    ProcessResult ls = office->Ctl({"ls"});
    ASSERT_EQ(ls.exit_code, 0) << Describe(ls);
    EXPECT_TRUE(absl::StrContains(ls.out, "CONFLICT(2)")) << ls.out;
    // Each head is still there, byte-exact.
    EXPECT_EQ(Get(*office, head_a), kTextA);
    EXPECT_EQ(Get(*office, head_b), kTextB);
    EXPECT_EQ(Get(*office, base), kBase);
    // A plain put cannot pick a side silently.
    std::string plain = office->scratch() + "/plain.txt";
    WriteFileOrDie(plain, "a plain put\n");
    ProcessResult put = office->Ctl({"put", plain, "--id", kSyncConflictDoc});
    EXPECT_EQ(put.exit_code, 7) << Describe(put);
    EXPECT_TRUE(absl::StrContains(put.err, "heads")) << Describe(put);
  }

  // A merges; B pulls the merge.
  std::string merge = a_->PutText(kSyncConflictDoc, kMerged,
                                  {"--parent", head_a, "--parent", head_b});
  ASSERT_FALSE(merge.empty());
  Json pulled = b_->SyncOk(a_->address());
  ASSERT_FALSE(pulled.is_discarded());
  EXPECT_EQ(pulled.value("imported", 0), 1) << pulled.dump();
  EXPECT_TRUE(pulled["conflicts"].empty()) << pulled.dump();
  Json back = a_->SyncOk(b_->address());
  ASSERT_FALSE(back.is_discarded());
  EXPECT_EQ(back.value("imported", -1), 0) << back.dump();

  for (Office* office : {a_.get(), b_.get()}) {
    SCOPED_TRACE(office->origin());
    Json h = office->History(kSyncConflictDoc);
    ASSERT_FALSE(h.is_discarded());
    EXPECT_EQ(h["heads"], Json::array({merge})) << h.dump(2);
    ASSERT_EQ(h["revisions"].size(), 4u) << h.dump(2);
    EXPECT_EQ(h["revisions"][0].value("revision_id", ""), merge);
    EXPECT_EQ(h["revisions"][0]["parents"], Json(heads)) << h.dump(2);
    EXPECT_EQ(h["revisions"][0].value("origin", ""), a_->origin());
    ProcessResult text = office->Ctl({"history", kSyncConflictDoc});
    EXPECT_FALSE(absl::StrContains(text.out, "conflict")) << text.out;
    EXPECT_EQ(Get(*office, ""), kMerged);
    Json docs = office->List();
    ASSERT_TRUE(docs.is_array() && docs.size() == 1) << docs.dump();
    EXPECT_EQ(docs[0]["heads"], Json::array({merge})) << docs.dump();
    EXPECT_EQ(office->TreeSize(), 4u);
  }
}

}  // namespace
}  // namespace archive::testing
