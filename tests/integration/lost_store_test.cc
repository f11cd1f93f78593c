// Issue 11, defect 2: a lost or rolled-back metadata store must never make
// archived sign a log that contradicts a checkpoint it signed before. It
// refuses to start on a store that is missing or behind
// DATA_DIR/newest-signed-checkpoint, without touching what --repair could
// recover, and `archived --repair` serves again only if the repaired log agrees
// with that checkpoint. The store's journal (storage/db/journal.h) holds every
// durable write: it brings a store that is only behind up to date, and a
// repair of a lost meta/ rebuilds it from the journal.
#include <gtest/gtest.h>

#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "clients/api/archive_client.h"
#include "tests/integration/test_harness.h"

namespace archive::testing {
namespace {

namespace fs = std::filesystem;

class LostStore : public ::testing::Test {
 protected:
  void SetUp() override {
    TestServer::Options o;
    o.data_dir = dir_.path() + "/data";
    server_ = TestServer::Start(o);
    ASSERT_NE(server_, nullptr);
    ArchiveClient client(ArchiveClient::Dial(server_->address()));
    for (int i = 0; i < 3; ++i) {
      std::string text = absl::StrCat("policy text ", i, "\n");
      auto put =
          client.PutBytes(text, HeaderFor(absl::StrCat("doc-", i), text));
      ASSERT_TRUE(put.ok()) << put.status();
      revisions_.push_back(put->revision().revision_id());
    }
    auto cp = client.GetCheckpoint();
    ASSERT_TRUE(cp.ok()) << cp.status();
    checkpoint_ = cp->checkpoint();
    ASSERT_EQ(server_->Stop(), 0) << server_->log();
  }

  std::string data_dir() const { return dir_.path() + "/data"; }
  std::string meta() const { return data_dir() + "/meta"; }

  // archived on the data dir, to completion or for `seconds` (timeout(1)).
  ProcessResult RunArchived(std::vector<std::string> extra, int seconds = 5) {
    std::vector<std::string> argv = {
        "/usr/bin/timeout",
        "-s",
        "TERM",
        std::to_string(seconds),
        ArchivedPath(),
        "--data_dir=" + data_dir(),
        "--origin=" + server_->origin(),
        absl::StrCat("--listen=127.0.0.1:", FreePort())};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return RunProcess(argv);
  }

  // Serves the data dir with `flags` and checks every revision is there and
  // the checkpoint is the one signed before the loss (nothing forked).
  void ExpectServesTheSameLog(std::vector<std::string> flags) {
    TestServer::Options o;
    o.data_dir = data_dir();
    o.extra_flags = std::move(flags);
    auto server = TestServer::Start(o);
    ASSERT_NE(server, nullptr);
    ArchiveClient client(ArchiveClient::Dial(server->address()));
    for (const std::string& rev : revisions_) {
      auto got = client.GetStatement(rev);
      EXPECT_TRUE(got.ok()) << rev << ": " << got.status();
    }
    auto cp = client.GetCheckpoint();
    ASSERT_TRUE(cp.ok()) << cp.status();
    EXPECT_EQ(cp->checkpoint(), checkpoint_);
  }

  // Puts one more revision after a copy of meta/ (and with `journal_too` of
  // the journal) was taken, then puts the copies back: a store one put
  // behind, as a restore from yesterday would leave.
  void RollBackOnePut(bool journal_too) {
    std::vector<std::string> parts = {"meta"};
    if (journal_too) parts.push_back("journal");
    for (const std::string& part : parts) {
      fs::copy(data_dir() + "/" + part, dir_.path() + "/old-" + part,
               fs::copy_options::recursive);
    }
    TestServer::Options o;
    o.data_dir = data_dir();
    auto server = TestServer::Start(o);
    ASSERT_NE(server, nullptr);
    ArchiveClient client(ArchiveClient::Dial(server->address()));
    auto put = client.PutBytes("newer\n", HeaderFor("doc-new", "newer\n"));
    ASSERT_TRUE(put.ok()) << put.status();
    ASSERT_EQ(server->Stop(), 0);
    for (const std::string& part : parts) {
      fs::remove_all(data_dir() + "/" + part);
      fs::rename(dir_.path() + "/old-" + part, data_dir() + "/" + part);
    }
  }

  TempDir dir_;
  std::unique_ptr<TestServer> server_;
  std::vector<std::string> revisions_;
  std::string checkpoint_;
};

TEST_F(LostStore, DeletedCurrentIsRefusedAndTablesKept) {
  std::set<std::string> before = FilesUnder(meta());
  fs::remove(meta() + "/CURRENT");
  ProcessResult r = RunArchived({});
  EXPECT_EQ(r.exit_code, 1) << Describe(r);
  EXPECT_NE(r.err.find("is missing"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("--repair"), std::string::npos) << r.err;
  // Nothing deleted or created: the table files --repair needs are there.
  before.erase("CURRENT");
  EXPECT_EQ(FilesUnder(meta()), before);
}

TEST_F(LostStore, DeletedMetaIsRefused) {
  fs::remove_all(meta());
  ProcessResult r = RunArchived({});
  EXPECT_EQ(r.exit_code, 1) << Describe(r);
  EXPECT_NE(r.err.find("would fork the log"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(meta() + "/CURRENT"));
}

TEST_F(LostStore, RolledBackMetaAndJournalAreRefused) {
  ASSERT_NO_FATAL_FAILURE(RollBackOnePut(/*journal_too=*/true));
  ProcessResult r = RunArchived({});
  EXPECT_EQ(r.exit_code, 1) << Describe(r);
  EXPECT_NE(r.err.find("holds a log of 3 entries, behind the checkpoint of 4"),
            std::string::npos)
      << r.err;
}

TEST_F(LostStore, RolledBackMetaIsBroughtUpToDateFromTheJournal) {
  // The journal holds every durable write after the old store's marker
  // (recoverable_db.h): replaying it gives back the newer put.
  ASSERT_NO_FATAL_FAILURE(RollBackOnePut(/*journal_too=*/false));
  TestServer::Options o;
  o.data_dir = data_dir();
  auto server = TestServer::Start(o);
  ASSERT_NE(server, nullptr);
  ArchiveClient client(ArchiveClient::Dial(server->address()));
  v1::GetRequest request;
  request.set_document_id("doc-new");
  std::string content;
  auto got = client.Get(request, [&](absl::string_view chunk) {
    content.append(chunk.data(), chunk.size());
    return absl::OkStatus();
  });
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(content, "newer\n");
  auto cp = client.GetCheckpoint();
  ASSERT_TRUE(cp.ok()) << cp.status();
  EXPECT_NE(cp->checkpoint().find("\n4\n"), std::string::npos)
      << cp->checkpoint();
}

TEST_F(LostStore, RepairRecoversDeletedCurrent) {
  fs::remove(meta() + "/CURRENT");
  ExpectServesTheSameLog({"--repair"});
}

TEST_F(LostStore, RepairOfDeletedMetaRebuildsItFromTheJournal) {
  fs::remove_all(meta());
  ExpectServesTheSameLog({"--repair"});
}

TEST_F(LostStore, RepairOfDeletedMetaAndJournalRefusesAndSaysHowToRestore) {
  fs::remove_all(meta());
  fs::remove_all(data_dir() + "/journal");
  ProcessResult r = RunArchived({"--repair"});
  EXPECT_EQ(r.exit_code, 1) << Describe(r);
  EXPECT_NE(r.err.find("repair could not recover it"), std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("backup"), std::string::npos) << r.err;
}

TEST_F(LostStore, DamagedRecordIsRefusedByName) {
  std::string record = data_dir() + "/newest-signed-checkpoint";
  std::string note = ReadFileOrDie(record);
  note[note.find('\n') + 1] = '9';  // another tree size, old signature
  WriteFileOrDie(record, note);
  ProcessResult r = RunArchived({});
  EXPECT_EQ(r.exit_code, 1) << Describe(r);
  EXPECT_NE(r.err.find("newest-signed-checkpoint is damaged"),
            std::string::npos)
      << r.err;
}

TEST_F(LostStore, IntactStoreStartsAfterCleanStop) {
  ExpectServesTheSameLog({});
}

}  // namespace
}  // namespace archive::testing
