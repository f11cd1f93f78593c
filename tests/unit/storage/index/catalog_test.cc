// The catalog's seams (its LevelDB and its clock come from CatalogOptions, so
// a test can fail the index's writes and name what it moves aside) and how it
// follows new revisions of a document.
#include "storage/index/catalog.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/time/time.h"
#include "leveldb/db.h"
#include "leveldb/env.h"
#include "storage/base/sha256.h"
#include "storage/db/archive.h"
#include "storage/index/text_search.h"
#include "tests/unit/storage/db/fixed_clock_archive.h"
#include "tests/unit/storage/db/storage_test_util.h"

namespace archive {
namespace {

using testing_util::WriteWholeFile;

constexpr int64_t kNow = 1'800'000'000;

// Refuses to create any file, as a full disk would.
class NoNewFilesEnv : public leveldb::EnvWrapper {
 public:
  NoNewFilesEnv() : leveldb::EnvWrapper(leveldb::Env::Default()) {}
  leveldb::Status NewWritableFile(const std::string& path,
                                  leveldb::WritableFile** /*result*/) override {
    ++refused;
    return leveldb::Status::IOError(path, "No space left on device");
  }
  std::atomic<int> refused{0};
};

class CatalogSeams : public testing_util::FixedClockArchive {
 protected:
  CatalogSeams() : FixedClockArchive(kNow, "catalog.test.example") {}
  CatalogOptions Options() {
    CatalogOptions options;
    options.dir = tmp_.Sub("index");
    options.env = &env_;
    return options;
  }
};

TEST_F(CatalogSeams, TheIndexIsWrittenThroughTheGivenLevelDbEnv) {
  NoNewFilesEnv full;
  CatalogOptions options = Options();
  options.leveldb_env = &full;
  auto catalog = Catalog::Open(archive_.get(), options);
  EXPECT_FALSE(catalog.ok());
  EXPECT_GT(full.refused.load(), 0);
  EXPECT_EQ(catalog.status().code(), absl::StatusCode::kResourceExhausted)
      << catalog.status();
  // The same directory with LevelDB's own env opens.
  auto healthy = Catalog::Open(archive_.get(), Options());
  ASSERT_TRUE(healthy.ok()) << healthy.status();
  EXPECT_EQ((*healthy)->damage(), "");
}

TEST_F(CatalogSeams, ADamagedIndexIsMovedAsideNamedByTheEnvsClock) {
  std::filesystem::create_directories(tmp_.Sub("index"));
  WriteWholeFile(tmp_.Sub("index/CURRENT"), "MANIFEST-000099\n");
  auto catalog = Catalog::Open(archive_.get(), Options());
  ASSERT_TRUE(catalog.ok()) << catalog.status();
  const std::string aside =
      tmp_.Sub("index.damaged-" + std::to_string(kNow * 1000000));
  EXPECT_NE((*catalog)->damage().find(aside), std::string::npos)
      << (*catalog)->damage();
  EXPECT_TRUE(std::filesystem::exists(aside + "/CURRENT"));
}

// New revisions of indexed documents: only the grams that changed are
// rewritten (catalog.cc, ReplaceGrams), the old ones found from the text the
// revision replaces (Catalog::IndexedGrams), so these check that a gram kept
// from the previous text is still found, a dropped one no longer is, and
// another document's grams are untouched.
class CatalogRevisions : public CatalogSeams {
 protected:
  void Commit(const std::string& document, const std::string& content,
              const std::string& media_type = "text/plain; charset=utf-8") {
    auto writer = archive_->blobs().NewWriter();
    ASSERT_TRUE(writer.ok()) << writer.status();
    const std::string hex = Sha256::HexDigest(content);
    ASSERT_TRUE((*writer)->Append(content).ok());
    ASSERT_TRUE((*writer)->Commit(hex, content.size()).ok());
    NewRevision put;
    put.statement.document = document;
    put.statement.content_sha256 = hex;
    put.statement.content_size = content.size();
    put.statement.media_type = media_type;
    put.statement.status = "in_force";
    put.statement.title = "Revisions test";
    put.statement.submitted_by = "local";
    auto result = archive_->Commit(std::move(put));
    ASSERT_TRUE(result.ok()) << result.status();
    ASSERT_TRUE(result->created);
  }

  void StartIndexing() {
    auto catalog = Catalog::Open(archive_.get(), Options());
    ASSERT_TRUE(catalog.ok()) << catalog.status();
    catalog_ = std::move(*catalog);
    catalog_->Start();
    ASSERT_NO_FATAL_FAILURE(WaitForIndexer());
  }

  void WaitForIndexer() {
    ASSERT_TRUE(catalog_->WaitIndexed(archive_->LatestCheckpoint().size,
                                      absl::Seconds(30)));
  }

  // The documents whose text contains `query`, in name order.
  std::vector<std::string> Found(const std::string& query) {
    auto result = catalog_->Search(query, 100);
    EXPECT_TRUE(result.ok()) << result.status();
    std::vector<std::string> documents;
    if (result.ok()) {
      for (const SearchHit& hit : result->hits)
        documents.push_back(hit.document);
    }
    std::sort(documents.begin(), documents.end());
    return documents;
  }

  // How many gram keys the index holds for `document`, read after the
  // catalog is closed (LevelDB allows one opener).
  size_t GramKeysOf(const std::string& document) {
    std::unique_ptr<leveldb::DB> db = OpenIndexDb();
    if (db == nullptr) return 0;
    std::unique_ptr<leveldb::Iterator> it(
        db->NewIterator(leveldb::ReadOptions()));
    const std::string suffix = std::string(1, '\0') + document;
    size_t keys = 0;
    for (it->Seek("g/"); it->Valid() && it->key().starts_with("g/");
         it->Next()) {
      keys += absl::EndsWith(it->key().ToString(), suffix);
    }
    return keys;
  }

  // Opens the closed index's LevelDB directly.
  std::unique_ptr<leveldb::DB> OpenIndexDb() {
    catalog_.reset();
    leveldb::DB* opened = nullptr;
    leveldb::Status s =
        leveldb::DB::Open(leveldb::Options(), Options().dir, &opened);
    EXPECT_TRUE(s.ok()) << s.ToString();
    return std::unique_ptr<leveldb::DB>(opened);
  }

  std::unique_ptr<Catalog> catalog_;
};

using Documents = std::vector<std::string>;

TEST_F(CatalogRevisions, ANewRevisionKeepsSharedGramsAndDropsRemovedOnes) {
  // ASCII, CJK and a character outside the BMP (U+20000), so the grams'
  // order covers one-, three- and four-byte UTF-8.
  Commit("policy", "alpha beta gamma 国务院通知 \xF0\xA0\x80\x80x");
  Commit("other", "alpha epsilon 国务院");
  ASSERT_NO_FATAL_FAILURE(StartIndexing());
  EXPECT_EQ(Found("beta"), Documents({"policy"}));
  EXPECT_EQ(Found("通知"), Documents({"policy"}));

  Commit("policy", "alpha delta gamma 国务院办法 \xF0\xA0\x80\x80y");
  ASSERT_NO_FATAL_FAILURE(WaitForIndexer());
  EXPECT_EQ(Found("beta"), Documents());
  EXPECT_EQ(Found("通知"), Documents());
  EXPECT_EQ(Found("\xF0\xA0\x80\x80x"), Documents());
  EXPECT_EQ(Found("delta"), Documents({"policy"}));
  EXPECT_EQ(Found("办法"), Documents({"policy"}));
  EXPECT_EQ(Found("\xF0\xA0\x80\x80y"), Documents({"policy"}));
  EXPECT_EQ(Found("gamma"), Documents({"policy"}));
  EXPECT_EQ(Found("alpha"), Documents({"other", "policy"}));
  EXPECT_EQ(Found("国务院"), Documents({"other", "policy"}));
  EXPECT_EQ(Found("epsilon"), Documents({"other"}));
  // Nothing of the first text is left behind: the index holds exactly the
  // grams of the current one.
  EXPECT_EQ(GramKeysOf("policy"),
            DistinctGrams(NormalizeForSearch(
                              "alpha delta gamma 国务院办法 \xF0\xA0\x80\x80y"))
                .size());
}

TEST_F(CatalogRevisions, ATextThatComesBackIsFoundAgain) {
  Commit("policy", "first wording");
  ASSERT_NO_FATAL_FAILURE(StartIndexing());
  Commit("policy", "second wording");
  ASSERT_NO_FATAL_FAILURE(WaitForIndexer());
  EXPECT_EQ(Found("first"), Documents());
  Commit("policy", "first wording again");
  ASSERT_NO_FATAL_FAILURE(WaitForIndexer());
  EXPECT_EQ(Found("first wording"), Documents({"policy"}));
  EXPECT_EQ(Found("second"), Documents());
}

TEST_F(CatalogRevisions, RevisionsIndexedInOneBatchLeaveOnlyTheLastText) {
  Commit("policy", "first wording");
  Commit("policy", "second wording");
  Commit("policy", "third wording");
  ASSERT_NO_FATAL_FAILURE(StartIndexing());
  EXPECT_EQ(Found("first"), Documents());
  EXPECT_EQ(Found("second"), Documents());
  EXPECT_EQ(Found("third wording"), Documents({"policy"}));
}

TEST_F(CatalogRevisions, ARevisionThatIsNotTextRemovesEveryGram) {
  Commit("policy", "words to forget");
  Commit("other", "words to keep");
  ASSERT_NO_FATAL_FAILURE(StartIndexing());
  Commit("policy", "\x89PNG not text", "image/png");
  ASSERT_NO_FATAL_FAILURE(WaitForIndexer());
  EXPECT_EQ(Found("words"), Documents({"other"}));
  EXPECT_EQ(Found("forget"), Documents());
  EXPECT_EQ(GramKeysOf("policy"), 0u);
}

// The index keeps no list of a document's grams: the next revision finds
// them from the text it replaces. That text, damaged since, must not cost the
// new one its hits.
TEST_F(CatalogRevisions, ADamagedOldTextLosesTheNewTextNoHits) {
  // Over the inline limit, so the text is a file that can be damaged.
  const std::string filler(300 << 10, 'x');
  const std::string first = "alpha beta " + filler;
  Commit("policy", first);
  ASSERT_NO_FATAL_FAILURE(StartIndexing());
  ASSERT_EQ(Found("beta"), Documents({"policy"}));
  const std::string hex = Sha256::HexDigest(first);
  const std::string path =
      tmp_.Sub("data/blobs/" + hex.substr(0, 2) + "/" + hex);
  ASSERT_TRUE(std::filesystem::exists(path)) << path;
  WriteWholeFile(path, "alpha gamma " + filler);

  Commit("policy", "alpha delta " + filler);
  ASSERT_NO_FATAL_FAILURE(WaitForIndexer());
  EXPECT_EQ(Found("alpha"), Documents({"policy"}));
  EXPECT_EQ(Found("delta"), Documents({"policy"}));
  EXPECT_EQ(Found("beta"), Documents());
}

// Index format 2 listed a document's grams in its record; format 3 finds
// them from the text instead, and a format 2 index is dropped and indexed
// again rather than trusted.
TEST_F(CatalogRevisions, AnIndexOfFormatTwoIsRebuilt) {
  Commit("policy", "kept wording");
  ASSERT_NO_FATAL_FAILURE(StartIndexing());
  {
    std::unique_ptr<leveldb::DB> db = OpenIndexDb();
    ASSERT_NE(db, nullptr);
    std::string format;
    ASSERT_TRUE(db->Get(leveldb::ReadOptions(), "format", &format).ok());
    EXPECT_TRUE(absl::StartsWith(format, "search-index/v3 ")) << format;
    const std::string v2 = "search-index/v2 " + SearchFoldingVersion();
    ASSERT_TRUE(db->Put(leveldb::WriteOptions(), "format", v2).ok());
    ASSERT_TRUE(
        db->Put(leveldb::WriteOptions(), "doc/policy", "A x\nL 12\nG k\nG ke\n")
            .ok());
  }
  auto reopened = Catalog::Open(archive_.get(), Options());
  ASSERT_TRUE(reopened.ok()) << reopened.status();
  catalog_ = std::move(*reopened);
  EXPECT_TRUE(absl::StrContains(catalog_->damage(), "search-index/v2"))
      << catalog_->damage();
  EXPECT_EQ(catalog_->indexed_through(), 0u);
  catalog_->Start();
  ASSERT_NO_FATAL_FAILURE(WaitForIndexer());
  EXPECT_EQ(Found("kept wording"), Documents({"policy"}));
}

}  // namespace
}  // namespace archive
