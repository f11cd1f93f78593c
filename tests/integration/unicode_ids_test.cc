// Issue 11, defect 10, against a real archived and the real archivectl: a put
// whose document id holds a bidirectional control, an invisible character or
// an NFD spelling is refused with INVALID_ARGUMENT naming the character (or
// the NFC form) and stores nothing; search folds full-width digits and
// letters to ASCII in queries and text alike, shows the original text in its
// snippets, and an index folded the old way is rebuilt when archived starts.
#include <gtest/gtest.h>

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "clients/api/archive_client.h"
#include "leveldb/db.h"
#include "leveldb/write_batch.h"
#include "tests/integration/test_harness.h"

namespace archive::testing {
namespace {

// Blobs as files, so that a refused put can be seen to store none.
TestServer::Options BlobsAsFiles() {
  TestServer::Options options;
  options.extra_flags = {"--inline_blob_max_bytes=0"};
  return options;
}

class UnicodeIdsArchived : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = TestServer::Start(BlobsAsFiles());
    ASSERT_TRUE(server_->running());
    client_ = std::make_unique<ArchiveClient>(
        ArchiveClient::Dial(server_->address()));
    cli_ = std::make_unique<Cli>(server_->address());
    ASSERT_EQ(Ctl({"put", File("base\n"), "--id", "base-doc"}).exit_code, 0);
    before_ = State();
  }

  ProcessResult Ctl(const std::vector<std::string>& args) {
    return cli_->Run(args);
  }

  std::string File(const std::string& text) {
    std::string path = absl::StrCat(dir_.path(), "/f", ++files_, ".txt");
    WriteFileOrDie(path, text);
    return path;
  }

  // Documents, log size and blob files: what a refused put must not change.
  std::string State() {
    ProcessResult ls = Ctl({"ls", "--json"});
    EXPECT_EQ(ls.exit_code, 0) << Describe(ls);
    auto checkpoint = client_->GetCheckpoint();
    EXPECT_TRUE(checkpoint.ok()) << checkpoint.status();
    std::string state = absl::StrCat(
        ls.out, "\ntree size ", checkpoint.ok() ? checkpoint->tree_size() : 0);
    for (const std::string& f : FilesUnder(server_->data_dir() + "/blobs")) {
      absl::StrAppend(&state, "\n", f);
    }
    return state;
  }

  // Refused through the client library (INVALID_ARGUMENT) and archivectl,
  // with `words` in both messages, and nothing stored.
  void ExpectPutRefused(const std::string& id,
                        const std::vector<std::string>& words) {
    const std::string content = "text under a bad id\n";
    auto put = client_->PutBytes(content, HeaderFor(id, content));
    ASSERT_FALSE(put.ok()) << "accepted id " << id;
    EXPECT_EQ(put.status().code(), absl::StatusCode::kInvalidArgument)
        << put.status();
    ProcessResult r = Ctl({"put", File(content), "--id", id});
    EXPECT_NE(r.exit_code, 0) << Describe(r);
    for (const std::string& w : words) {
      EXPECT_TRUE(absl::StrContains(put.status().message(), w))
          << "\"" << w << "\" missing: " << put.status();
      EXPECT_TRUE(absl::StrContains(r.err, w))
          << "\"" << w << "\" missing: " << Describe(r);
    }
    EXPECT_EQ(State(), before_) << "a refused put stored something";
  }

  TempDir dir_;
  int files_ = 0;
  std::unique_ptr<TestServer> server_;
  std::unique_ptr<Cli> cli_;
  std::unique_ptr<ArchiveClient> client_;
  std::string before_;
};

TEST_F(UnicodeIdsArchived, RightToLeftOverrideIsRefused) {
  ExpectPutRefused("doc\u202etxt.exe",
                   {"document: ", "U+202E RIGHT-TO-LEFT OVERRIDE"});
}

TEST_F(UnicodeIdsArchived, ZeroWidthJoinerIsRefused) {
  ExpectPutRefused("gx-2022\u200d-31",
                   {"document: ", "U+200D ZERO WIDTH JOINER"});
}

TEST_F(UnicodeIdsArchived, SoftHyphenIsRefused) {
  ExpectPutRefused("gx-2022\u00ad31", {"document: ", "U+00AD SOFT HYPHEN"});
}

TEST_F(UnicodeIdsArchived, NfdIdIsRefusedNamingTheNfcForm) {
  ExpectPutRefused("Cafe\u0301-2023", {"document: ", "Normalization Form C",
                                       "\"Caf\u00e9-2023\""});
  // The NFC spelling the message names is accepted.
  ProcessResult r = Ctl({"put", File("nfc\n"), "--id", "Caf\u00e9-2023"});
  EXPECT_EQ(r.exit_code, 0) << Describe(r);
}

// Search, with the corpus's habit of full-width digits and letters.
class UnicodeSearchArchived : public UnicodeIdsArchived {
 protected:
  // The one hit's snippet for `query`, or "" (with a failure) if not one hit.
  std::string OnlySnippet(const std::string& query) {
    ProcessResult r = Ctl({"search", query, "--json"});
    EXPECT_EQ(r.exit_code, 0) << Describe(r);
    Json j = ParseJson(r);
    if (!j.contains("hits") || j["hits"].size() != 1) {
      ADD_FAILURE() << "search " << query << ": expected one hit: " << r.out;
      return "";
    }
    return j["hits"][0]["snippet"].get<std::string>();
  }
};

TEST_F(UnicodeSearchArchived, FullWidthQueryFindsAsciiDigits) {
  ASSERT_EQ(Ctl({"put", File("二〇二四：2024年工作要点\n"), "--id", "ascii"})
                .exit_code,
            0);
  EXPECT_EQ(OnlySnippet("２０２４"), "二〇二四：【2024】年工作要点");
  EXPECT_EQ(OnlySnippet("２０２４年"), "二〇二四：【2024年】工作要点");
}

TEST_F(UnicodeSearchArchived, AsciiQueryFindsFullWidthDigitsAndLetters) {
  ASSERT_EQ(
      Ctl({"put", File("推进５Ｇ建设，２０２４年完成\n"), "--id", "full-width"})
          .exit_code,
      0);
  EXPECT_EQ(OnlySnippet("2024"), "推进５Ｇ建设，【２０２４】年完成");
  EXPECT_EQ(OnlySnippet("5g"), "推进【５Ｇ】建设，２０２４年完成");
}

// An index from before NFKC folding has no "format" key and grams folded the
// old way; archived must notice and rebuild it, or full-width text would not
// be found by its folded grams.
TEST_F(UnicodeSearchArchived, IndexFoldedTheOldWayIsRebuiltOnStart) {
  ASSERT_EQ(Ctl({"put", File("２０２４年\n"), "--id", "old-index"}).exit_code,
            0);
  ASSERT_EQ(OnlySnippet("2024"), "【２０２４】年");
  ASSERT_EQ(server_->Stop(), 0);
  {
    leveldb::DB* raw = nullptr;
    ASSERT_TRUE(leveldb::DB::Open(leveldb::Options(),
                                  server_->data_dir() + "/index", &raw)
                    .ok());
    std::unique_ptr<leveldb::DB> db(raw);
    leveldb::WriteBatch old_way;
    old_way.Delete("format");
    std::unique_ptr<leveldb::Iterator> it(
        db->NewIterator(leveldb::ReadOptions()));
    for (it->Seek("g/"); it->Valid() && it->key().starts_with("g/");
         it->Next()) {
      old_way.Delete(it->key());
    }
    // The old folding kept full-width digits as they were.
    old_way.Put(absl::StrCat("g/２０", std::string(1, '\0'), "old-index"), "1");
    ASSERT_TRUE(db->Write(leveldb::WriteOptions(), &old_way).ok());
  }
  ASSERT_TRUE(server_->Restart()) << server_->log();
  EXPECT_TRUE(absl::StrContains(server_->log(), "rebuilt from the log"))
      << server_->log();
  EXPECT_EQ(OnlySnippet("2024"), "【２０２４】年");
  EXPECT_EQ(OnlySnippet("２０２４"), "【２０２４】年");
}

}  // namespace
}  // namespace archive::testing
