// Issue 7, policy documents as records: filters checked against manifest.tsv,
// full-text search checked against a plain scan of the texts, lifecycle
// changes that store no new blob, relations both ways, and an index that
// follows puts, syncs, restarts, crashes and --reindex. Real archived processes
// and the real archivectl throughout.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "clients/api/archive_client.h"
#include "tests/integration/sync_test_util.h"
#include "tests/integration/test_harness.h"

namespace archive::testing {
namespace {

namespace fs = std::filesystem;

// Archives the corpus as an archivist would: each document as extracted, then
// its corrected text, with the manifest's metadata.
void PutCorpus(const Office& office) {
  for (const CorpusDocument& d : LoadCorpus()) {
    const std::vector<std::string> meta = d.PutFlags();
    ASSERT_FALSE(office.Put(d.raw_path(), d.id, meta).empty()) << d.id;
    ASSERT_FALSE(office.Put(d.clean_path(), d.id, meta).empty()) << d.id;
  }
}

std::set<std::string> ListIds(const Office& office,
                              const std::vector<std::string>& filter) {
  std::vector<std::string> args = {"ls", "--json"};
  args.insert(args.end(), filter.begin(), filter.end());
  ProcessResult r = office.Ctl(args);
  EXPECT_EQ(r.exit_code, 0) << Describe(r);
  std::set<std::string> ids;
  Json j = ParseJson(r);
  if (!j.is_array()) return ids;
  for (const Json& d : j) ids.insert(d["document_id"].get<std::string>());
  return ids;
}

// What a plain scan finds: documents whose authoritative (clean) text holds
// every space-separated term, ASCII letters compared without case.
std::set<std::string> PlainScan(const std::string& query) {
  std::set<std::string> hits;
  std::vector<std::string> terms =
      absl::StrSplit(query, ' ', absl::SkipEmpty());
  for (const CorpusDocument& d : LoadCorpus()) {
    std::string text = absl::AsciiStrToLower(ReadFileOrDie(d.clean_path()));
    bool all = true;
    for (const std::string& t : terms) {
      all = all && absl::StrContains(text, absl::AsciiStrToLower(t));
    }
    if (all) hits.insert(d.id);
  }
  return hits;
}

Json Search(const Office& office, const std::string& query) {
  ProcessResult r = office.Ctl({"search", query, "--json", "--limit", "100"});
  EXPECT_EQ(r.exit_code, 0) << Describe(r);
  return ParseJson(r);
}

std::set<std::string> SearchIds(const Office& office,
                                const std::string& query) {
  std::set<std::string> ids;
  Json j = Search(office, query);
  if (!j.contains("hits")) return ids;
  for (const Json& h : j["hits"])
    ids.insert(h["document_id"].get<std::string>());
  return ids;
}

class RecordsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    office_ = Office::Start("records.archive.example").release();
    PutCorpus(*office_);
  }
  static void TearDownTestSuite() {
    delete office_;
    office_ = nullptr;
  }
  static Office* office_;
};
Office* RecordsTest::office_ = nullptr;

TEST_F(RecordsTest, FiltersReturnExactlyTheManifestRows) {
  const std::vector<CorpusDocument> corpus = LoadCorpus();
  std::set<std::string> all;
  for (const CorpusDocument& d : corpus) all.insert(d.id);
  EXPECT_EQ(ListIds(*office_, {}), all);

  // Every value of every exact-match column, as a filter, against the rows.
  const std::vector<std::pair<std::string, std::string CorpusDocument::*>>
      columns = {{"--region", &CorpusDocument::region},
                 {"--issuer", &CorpusDocument::issuer},
                 {"--number", &CorpusDocument::number}};
  for (const auto& [flag, field] : columns) {
    std::map<std::string, std::set<std::string>> expected;
    for (const CorpusDocument& d : corpus) {
      if (!(d.*field).empty()) expected[d.*field].insert(d.id);
    }
    ASSERT_FALSE(expected.empty()) << flag;
    for (const auto& [value, ids] : expected) {
      EXPECT_EQ(ListIds(*office_, {flag, value}), ids) << flag << " " << value;
    }
  }

  // Date ranges: documents with a date inside [from, to].
  for (const auto& [from, to] :
       std::vector<std::pair<std::string, std::string>>{
           {"2022-01-01", "2022-12-31"},
           {"2023-01-01", "2023-06-30"},
           {"2020-01-01", "2021-12-31"}}) {
    std::set<std::string> expected;
    for (const CorpusDocument& d : corpus) {
      if (!d.date.empty() && d.date >= from && d.date <= to) {
        expected.insert(d.id);
      }
    }
    EXPECT_EQ(ListIds(*office_, {"--from", from, "--to", to}), expected)
        << from << ".." << to;
  }
  EXPECT_EQ(ListIds(*office_, {"--status", "draft"}), std::set<std::string>());
  EXPECT_EQ(ListIds(*office_, {"--status", "in_force"}), all);
}

TEST_F(RecordsTest, SearchFindsExactlyWhatAPlainScanFinds) {
  for (const std::string query :
       {"12345", "数据共享", "东盟", "人工智能", "数据 安全", "算力", "区块链",
        "5G", "不存在的短语甲乙丙", "的"}) {
    const std::set<std::string> expected = PlainScan(query);
    Json j = Search(*office_, query);
    ASSERT_TRUE(j.contains("hits")) << query;
    std::set<std::string> got;
    double previous = 1e300;
    for (const Json& h : j["hits"]) {
      got.insert(h["document_id"].get<std::string>());
      // Ranked: scores never rise down the list.
      EXPECT_LE(h["score"].get<double>(), previous) << query;
      previous = h["score"].get<double>();
      // The snippet shows a match, marked.
      std::string first_term =
          std::string(*absl::StrSplit(query, ' ', absl::SkipEmpty()).begin());
      EXPECT_TRUE(absl::StrContains(
          absl::AsciiStrToLower(h["snippet"].get<std::string>()),
          absl::StrCat("【", absl::AsciiStrToLower(first_term))))
          << query << ": " << h["snippet"];
    }
    EXPECT_EQ(got, expected) << "query " << query;
    EXPECT_EQ(j["total_matches"].get<size_t>(), expected.size()) << query;
  }
}

TEST_F(RecordsTest, EmptyOrOverlongQueriesAreRefused) {
  ProcessResult r = office_->Ctl({"search", "   "});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_TRUE(absl::StrContains(r.err, "query")) << Describe(r);
  r = office_->Ctl({"search", std::string(2000, 'a')});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_TRUE(absl::StrContains(r.err, "query: longer than")) << Describe(r);
  r = office_->Ctl({"search"});
  EXPECT_EQ(r.exit_code, 2) << Describe(r);
}

// A fresh office per test below: they change documents.
class LifecycleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Blobs as files, so "no new blob" can be seen on disk; the Put log line's
    // bytes=0 shows the same for inline blobs.
    office_ = Office::Start(Office::Options{
        "lifecycle.archive.example", "", {"--inline_blob_max_bytes=0"}, 0});
    old_ = office_->PutText("gx-2020-old", "旧办法全文：数据共享暂行规定。\n",
                            {"--title", "旧办法", "--status", "in_force"});
    new_ = office_->PutText("gx-2022-new", "新办法全文：数据共享管理办法。\n",
                            {"--title", "新办法"});
    ASSERT_FALSE(old_.empty());
    ASSERT_FALSE(new_.empty());
  }
  std::unique_ptr<Office> office_;
  std::string old_, new_;
};

TEST_F(LifecycleTest, RepealStoresNoNewBlobAndShowsBothWays) {
  const std::string blobs = office_->data_dir() + "/blobs";
  const size_t files_before = FilesUnder(blobs).size();
  ProcessResult r =
      office_->Ctl({"status", "gx-2020-old", "repealed", "--by", "gx-2022-new",
                    "--note", "由新办法废止", "--json"});
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  Json j = ParseJson(r);
  EXPECT_TRUE(j["created"].get<bool>());
  EXPECT_EQ(j["previous_status"], "in_force");
  const Json& rev = j["revision"];
  EXPECT_EQ(rev["status"], "repealed");
  EXPECT_EQ(rev["title"], "旧办法");  // metadata carried over
  EXPECT_EQ(rev["parents"], Json::array({old_}));
  ASSERT_EQ(rev["relations"].size(), 1u);
  EXPECT_EQ(rev["relations"][0]["kind"], "repealed-by");
  EXPECT_EQ(rev["relations"][0]["document_id"], "gx-2022-new");

  // Same content, no new bytes on disk, and the server received none.
  Json history = office_->History("gx-2020-old");
  ASSERT_EQ(history["revisions"].size(), 2u);
  EXPECT_EQ(history["revisions"][0]["sha256"],
            history["revisions"][1]["sha256"]);
  EXPECT_EQ(FilesUnder(blobs).size(), files_before);
  bool put_without_bytes = false;
  for (absl::string_view line : absl::StrSplit(office_->Log(), '\n')) {
    put_without_bytes |= absl::StrContains(line, " Put ") &&
                         absl::StrContains(line, "doc=gx-2020-old") &&
                         absl::StrContains(line, "status=OK bytes=0 ");
  }
  EXPECT_TRUE(put_without_bytes) << office_->Log();
  // The statement carries the relation line after note.
  r = office_->Ctl({"statement", j["revision_id"].get<std::string>()});
  EXPECT_TRUE(absl::StrContains(
      r.out, "note 由新办法废止\nrelation repealed-by gx-2022-new\n"))
      << Describe(r);

  // The authoritative version is the repealed revision (newest non-draft).
  EXPECT_EQ(history["authoritative"], j["revision_id"]);
  EXPECT_EQ(ListIds(*office_, {"--status", "repealed"}),
            std::set<std::string>{"gx-2020-old"});
  EXPECT_EQ(ListIds(*office_, {"--status", "in_force"}),
            std::set<std::string>{"gx-2022-new"});

  // Both ways.
  r = office_->Ctl({"relations", "gx-2022-new", "--json"});
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  Json rel = ParseJson(r)["relations"];
  ASSERT_EQ(rel.size(), 1u) << rel;
  EXPECT_EQ(rel[0]["kind"], "repeals");
  EXPECT_EQ(rel[0]["other"], "gx-2020-old");
  EXPECT_EQ(rel[0]["declared_by"], "gx-2020-old");
  r = office_->Ctl({"relations", "gx-2020-old", "--json"});
  rel = ParseJson(r)["relations"];
  ASSERT_EQ(rel.size(), 1u) << rel;
  EXPECT_EQ(rel[0]["kind"], "repealed-by");
  EXPECT_EQ(rel[0]["other"], "gx-2022-new");

  // Repeating the change stores nothing.
  r = office_->Ctl(
      {"status", "gx-2020-old", "repealed", "--by", "gx-2022-new", "--json"});
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  EXPECT_FALSE(ParseJson(r)["created"].get<bool>());
}

TEST_F(LifecycleTest, DraftsAreNotAuthoritative) {
  std::string draft = office_->PutText("gx-2020-old", "修订草案：尚未发布。\n",
                                       {"--status", "draft"});
  ASSERT_FALSE(draft.empty());
  Json history = office_->History("gx-2020-old");
  EXPECT_EQ(history["authoritative"], old_);
  ProcessResult r = office_->Ctl({"get", "gx-2020-old"});
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  EXPECT_EQ(r.out, "旧办法全文：数据共享暂行规定。\n");
  r = office_->Ctl({"get", "gx-2020-old", "--head"});
  EXPECT_EQ(r.out, "修订草案：尚未发布。\n");
  // Search reads the authoritative text, not the draft.
  EXPECT_EQ(SearchIds(*office_, "尚未发布"), std::set<std::string>());
  EXPECT_EQ(SearchIds(*office_, "暂行规定"),
            std::set<std::string>{"gx-2020-old"});
  r = office_->Ctl({"history", "gx-2020-old"});
  EXPECT_TRUE(absl::StrContains(r.out, old_ + "  (authoritative)"))
      << Describe(r);
}

TEST_F(LifecycleTest, RelationsFollowTheHead) {
  std::string v2 = office_->PutText(
      "gx-2022-new", "新办法全文：数据共享管理办法（修订）。\n",
      {"--relation", "amends:gx-2020-old", "--relation",
       "implements:national-plan", "--effective", "2023-01-01"});
  ASSERT_FALSE(v2.empty());
  ProcessResult r = office_->Ctl({"relations", "gx-2020-old", "--json"});
  Json rel = ParseJson(r)["relations"];
  ASSERT_EQ(rel.size(), 1u) << rel;
  EXPECT_EQ(rel[0]["kind"], "amended-by");
  EXPECT_EQ(rel[0]["revision_id"], v2);
  // A later revision that drops the relation removes it both ways.
  ASSERT_FALSE(
      office_->PutText("gx-2022-new", "新办法全文：第三版。\n").empty());
  r = office_->Ctl({"relations", "gx-2020-old", "--json"});
  EXPECT_EQ(ParseJson(r)["relations"].size(), 0u) << Describe(r);
  r = office_->Ctl({"relations", "gx-2022-new", "--json"});
  EXPECT_EQ(ParseJson(r)["relations"].size(), 0u) << Describe(r);
}

TEST_F(LifecycleTest, KeepMetadataCarriesTheHeadsMetadataIntoACorrection) {
  ASSERT_EQ(office_
                ->Ctl({"status", "gx-2020-old", "amended", "--effective",
                       "2020-03-01"})
                .exit_code,
            0);
  const std::string path = office_->scratch() + "/corrected.txt";
  WriteFileOrDie(path, "旧办法全文（更正）：数据共享暂行规定。\n");
  ProcessResult r =
      office_->Ctl({"put", path, "--id", "gx-2020-old", "--keep-metadata",
                    "--note", "更正错字", "--json"});
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  Json rev = ParseJson(r)["revision"];
  EXPECT_EQ(rev["title"], "旧办法");
  EXPECT_EQ(rev["status"], "amended");
  EXPECT_EQ(rev["effective"], "2020-03-01");
  EXPECT_EQ(rev["note"], "更正错字");
  // A flag overrides what is kept.
  WriteFileOrDie(path, "旧办法全文（再更正）。\n");
  r = office_->Ctl({"put", path, "--id", "gx-2020-old", "--keep-metadata",
                    "--title", "旧办法（修订）", "--json"});
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  rev = ParseJson(r)["revision"];
  EXPECT_EQ(rev["title"], "旧办法（修订）");
  EXPECT_EQ(rev["status"], "amended");
  // Without it, nothing is carried over (the contract's defaults).
  WriteFileOrDie(path, "第三次。\n");
  r = office_->Ctl({"put", path, "--id", "gx-2020-old", "--json"});
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  rev = ParseJson(r)["revision"];
  EXPECT_FALSE(rev.contains("title"));
  EXPECT_EQ(rev["status"], "in_force");
}

TEST_F(LifecycleTest, BadLifecycleInputIsRefusedAndChangesNothing) {
  const size_t before = office_->History("gx-2020-old")["revisions"].size();
  struct Case {
    std::vector<std::string> args;
    int exit_code;
    std::string message;
  } cases[] = {
      {{"status", "gx-2020-old", "abolished"}, 1, "status: unknown status"},
      {{"status", "gx-2020-old", "in_force", "--by", "gx-2022-new"},
       2,
       "--by applies to"},
      {{"status", "gx-2020-old", "repealed", "--by", "no-such-doc"},
       3,
       "--by no-such-doc"},
      {{"status", "no-such-doc", "repealed"}, 3, "no-such-doc"},
      {{"status", "gx-2020-old", "repealed", "--effective", "2023-02-30"},
       1,
       "effective:"},
      {{"put", "/etc/hostname", "--id", "gx-2020-old", "--relation",
        "abolishes:gx-2022-new"},
       1,
       "unknown relation kind"},
      {{"put", "/etc/hostname", "--id", "gx-2020-old", "--relation",
        "repeals:gx-2020-old"},
       1,
       "cannot relate to itself"},
      {{"put", "/etc/hostname", "--id", "gx-2020-old", "--relation", "repeals"},
       2,
       "expected KIND:DOC"},
  };
  for (const Case& c : cases) {
    ProcessResult r = office_->Ctl(c.args);
    EXPECT_EQ(r.exit_code, c.exit_code) << Describe(r);
    EXPECT_TRUE(absl::StrContains(r.err, c.message))
        << "want \"" << c.message << "\": " << Describe(r);
  }
  EXPECT_EQ(office_->History("gx-2020-old")["revisions"].size(), before);
}

TEST_F(LifecycleTest, ReusingContentThatIsNotStoredIsRefused) {
  auto channel = ArchiveClient::Dial(office_->address(), TlsFiles{});
  ASSERT_TRUE(channel.ok());
  ArchiveClient client(*channel);
  v1::PutHeader header;
  header.set_document_id("gx-2020-old");
  header.set_sha256(std::string(64, 'a'));
  header.set_size(10);
  header.set_reuse_content(true);
  auto reply = client.PutBytes("", header);
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(absl::StrContains(reply.status().message(), "reuse_content"))
      << reply.status();
  // Chunks after a reuse_content header are refused too.
  header.set_sha256(BytesSha256("x"));
  header.set_size(1);
  reply = client.PutBytes("x", header);
  ASSERT_FALSE(reply.ok());
  EXPECT_TRUE(absl::StrContains(reply.status().message(), "reuse_content"))
      << reply.status();
  EXPECT_EQ(office_->History("gx-2020-old")["revisions"].size(), 1u);
}

TEST(IndexTest, FollowsSyncRestartCrashAndReindex) {
  auto a = Office::Start("index-a.archive.example");
  auto b = Office::Start("index-b.archive.example");
  a->PutText("doc-1", "关于推进数据共享的通知\n");
  a->PutText("doc-2", "关于加强网络安全的意见\n",
             {"--relation", "implements:doc-1"});
  b->Trust({a.get()});
  b->SyncOk(a->address());
  // Synced documents are searchable and related at the importing office.
  EXPECT_EQ(SearchIds(*b, "数据共享"), std::set<std::string>{"doc-1"});
  ProcessResult r = b->Ctl({"relations", "doc-1", "--json"});
  Json rel = ParseJson(r)["relations"];
  ASSERT_EQ(rel.size(), 1u) << Describe(r);
  EXPECT_EQ(rel[0]["kind"], "implemented-by");

  // Crash, restart: the index is still there and still follows new puts.
  b->server().Kill();
  ASSERT_TRUE(b->server().Restart());
  EXPECT_EQ(SearchIds(*b, "网络安全"), std::set<std::string>{"doc-2"});
  b->PutText("doc-3", "网络安全等级保护办法\n");
  EXPECT_EQ(SearchIds(*b, "网络安全"),
            (std::set<std::string>{"doc-2", "doc-3"}));

  // Lose the index entirely: --reindex rebuilds it from the log.
  ASSERT_EQ(b->server().Stop(), 0);
  fs::remove_all(b->data_dir() + "/index");
  TestServer::Options o;
  o.origin = b->origin();
  o.data_dir = b->data_dir();
  o.extra_flags = {"--reindex"};
  auto rebuilt = TestServer::Start(o);
  ASSERT_NE(rebuilt, nullptr);
  Cli cli(rebuilt->address());
  r = cli.Run({"search", "网络安全", "--json"});
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  std::set<std::string> ids;
  const Json found = ParseJson(r);
  for (const Json& h : found["hits"]) ids.insert(h["document_id"]);
  EXPECT_EQ(ids, (std::set<std::string>{"doc-2", "doc-3"}))
      << Describe(r) << rebuilt->log();
  EXPECT_TRUE(absl::StrContains(rebuilt->log(), "reindexed 3 log entries"))
      << rebuilt->log();
}

// Issue 11, defect 8: a damaged search index stopped archived from starting,
// and --reindex could not fix it. The index is derived data: a damaged one is
// moved aside, rebuilt from the log with a log line, and searches answer as
// before.
TEST(IndexTest, DamagedIndexIsMovedAsideAndRebuilt) {
  auto office = Office::Start("index-damage.archive.example");
  office->PutText("doc-1", "关于推进数据共享的通知\n");
  office->PutText("doc-2", "关于加强网络安全的意见\n");
  ASSERT_EQ(SearchIds(*office, "网络安全"), std::set<std::string>{"doc-2"});
  const std::string index = office->data_dir() + "/index";
  // Two kinds of damage: a garbage CURRENT, then garbage in every MANIFEST.
  for (const std::string& damaged :
       {std::string("CURRENT"), std::string("MANIFEST-")}) {
    ASSERT_EQ(office->server().Stop(), 0);
    int overwritten = 0;
    for (const auto& f : fs::directory_iterator(index)) {
      if (absl::StartsWith(f.path().filename().string(), damaged)) {
        WriteFileOrDie(f.path().string(), "\x01not a leveldb file\x7f");
        ++overwritten;
      }
    }
    ASSERT_GT(overwritten, 0) << damaged;
    ASSERT_TRUE(office->server().Restart())
        << damaged << ": " << office->server().log();
    EXPECT_TRUE(absl::StrContains(office->server().log(),
                                  "the search index was damaged"))
        << office->server().log();
    EXPECT_EQ(SearchIds(*office, "网络安全"), std::set<std::string>{"doc-2"})
        << damaged;
    EXPECT_EQ(SearchIds(*office, "数据共享"), std::set<std::string>{"doc-1"})
        << damaged;
  }
  int aside = 0;
  for (const auto& f : fs::directory_iterator(office->data_dir())) {
    if (absl::StartsWith(f.path().filename().string(), "index.damaged-")) {
      ++aside;
    }
  }
  EXPECT_GE(aside, 1) << "the damaged index is kept for inspection";
  // New puts are indexed by the rebuilt index.
  office->PutText("doc-3", "网络安全等级保护办法\n");
  EXPECT_EQ(SearchIds(*office, "网络安全"),
            (std::set<std::string>{"doc-2", "doc-3"}));
}

}  // namespace
}  // namespace archive::testing
