// Issue 11, defect 7: one flipped byte in a table file of the metadata store
// must not take the archive down. Every block read is checked against its CRC
// (a flipped byte was served before, and scrub saw nothing); a listing goes
// on past a damaged block and says what it lacks; a history of a damaged
// document fails for that document alone, naming it; scrub reports the damage,
// and scrub --repair restores the records from a peer's signed copies (only
// the exact statements this archive's log holds), then rewrites the store
// without the damaged block.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "clients/api/archive_client.h"
#include "tests/integration/hostile_proxy.h"
#include "tests/integration/sync_test_util.h"
#include "tests/integration/test_harness.h"

namespace archive::testing {
namespace {

namespace fs = std::filesystem;

constexpr int kDocuments = 40;

// The largest table file under `meta`.
std::string LargestTable(const std::string& meta) {
  std::string best;
  uintmax_t best_size = 0;
  for (const auto& entry : fs::directory_iterator(meta)) {
    if (entry.path().extension() != ".ldb") continue;
    if (entry.file_size() > best_size) {
      best_size = entry.file_size();
      best = entry.path();
    }
  }
  return best;
}

TEST(DamagedRecord, ListingsGoOnAndScrubFindsTheDamage) {
  auto server = TestServer::Start();
  ASSERT_NE(server, nullptr);
  {
    ArchiveClient client(ArchiveClient::Dial(server->address()));
    for (int i = 0; i < kDocuments; ++i) {
      std::string text =
          absl::StrCat("policy ", i, "\n", std::string(300, 'p'));
      ASSERT_TRUE(
          client.PutBytes(text, HeaderFor(absl::StrCat("doc-", i), text)).ok());
    }
  }
  // Two restarts: the first turns the log into a table file.
  ASSERT_TRUE(server->Restart());
  ASSERT_EQ(server->Stop(), 0);
  std::string table = LargestTable(server->data_dir() + "/meta");
  ASSERT_FALSE(table.empty());
  // Revision records ("r/...") sort last, so they fill the blocks just before
  // the table's small index at the end.
  FlipByte(table, fs::file_size(table) * 4 / 5);
  ASSERT_TRUE(server->Restart()) << server->log();

  ArchiveClient client(ArchiveClient::Dial(server->address()));
  v1::ListRequest request;
  request.set_page_size(1000);
  auto list = client.List(request);
  ASSERT_TRUE(list.ok()) << "one damaged block failed the listing: "
                         << list.status();
  int damaged_entries = 0;
  for (const auto& d : list->documents()) {
    if (!d.latest().damage().empty()) ++damaged_entries;
  }
  EXPECT_TRUE(damaged_entries > 0 || list->damage_size() > 0)
      << "the listing hides the damage";
  EXPECT_TRUE(list->documents_size() + list->damage_size() > 0);

  int histories_ok = 0;
  for (int i = 0; i < kDocuments; ++i) {
    v1::HistoryRequest h;
    h.set_document_id(absl::StrCat("doc-", i));
    auto history = client.History(h);
    if (history.ok()) {
      ++histories_ok;
      continue;
    }
    EXPECT_EQ(history.status().code(), absl::StatusCode::kDataLoss)
        << history.status();
    EXPECT_NE(history.status().message().find("damaged"), std::string::npos)
        << history.status();
  }
  EXPECT_GT(histories_ok, 0) << "one damaged block failed every history";

  v1::ScrubRequest scrub_request;
  auto scrub = client.Scrub(scrub_request);
  ASSERT_TRUE(scrub.ok()) << scrub.status();
  EXPECT_GT(scrub->damaged_records_size(), 0)
      << "scrub did not name the damaged records";
  EXPECT_GT(scrub->damaged_blocks_size(), 0)
      << "scrub did not see the damaged block";
}

// A with kDocuments documents, mirrored by peer B, then one byte of A's
// largest table flipped while A was stopped.
class DamagedRecordRepair : public ::testing::Test {
 protected:
  void SetUp() override {
    a_ = Office::Start("a.archive.example");
    b_ = Office::Start("b.archive.example");
    b_->Trust({a_.get()});
    for (int i = 0; i < kDocuments; ++i) {
      a_->PutText(absl::StrCat("doc-", i),
                  absl::StrCat("policy ", i, "\n", std::string(300, 'p')));
    }
    b_->SyncOk(a_->address());
    ASSERT_TRUE(a_->server().Restart());
    ASSERT_EQ(a_->server().Stop(), 0);
    std::string table = LargestTable(a_->data_dir() + "/meta");
    ASSERT_FALSE(table.empty());
    FlipByte(table, static_cast<long>(fs::file_size(table) * 4 / 5));
    ASSERT_TRUE(a_->server().Restart()) << a_->Log();
  }

  // The documents whose history A cannot show, each with what archivectl said.
  std::map<std::string, std::string> UnreadableHistories() {
    std::map<std::string, std::string> failed;
    for (int i = 0; i < kDocuments; ++i) {
      std::string doc = absl::StrCat("doc-", i);
      ProcessResult r = a_->Ctl({"history", doc});
      if (r.exit_code != 0) failed[doc] = r.err;
    }
    return failed;
  }

  ProcessResult Scrub(const std::vector<std::string>& extra) {
    std::vector<std::string> args = {"scrub", "--json"};
    args.insert(args.end(), extra.begin(), extra.end());
    return a_->Ctl(args);
  }

  std::unique_ptr<Office> a_, b_;
};

TEST_F(DamagedRecordRepair, ListingAndHistorySayWhatIsDamaged) {
  ProcessResult ls = a_->Ctl({"ls"});
  EXPECT_NE(ls.exit_code, 0) << "an incomplete listing exited 0";
  EXPECT_TRUE(ContainsAll(ls.out, {"DAMAGED", "doc-"})) << Describe(ls);
  EXPECT_TRUE(ContainsAll(ls.err, {"listing is incomplete", "scrub --repair"}))
      << Describe(ls);
  auto failed = UnreadableHistories();
  ASSERT_FALSE(failed.empty()) << "the flipped byte hit no revision record";
  for (const auto& [doc, err] : failed) {
    EXPECT_TRUE(ContainsAll(err, {"damaged", doc, "scrub --repair"})) << err;
  }
  EXPECT_LT(failed.size(), static_cast<size_t>(kDocuments));
}

TEST_F(DamagedRecordRepair, ScrubRepairRestoresTheRecordsFromAPeer) {
  size_t damaged = UnreadableHistories().size();
  ASSERT_GT(damaged, 0u);
  ProcessResult before = Scrub({});
  EXPECT_NE(before.exit_code, 0);
  Json found = Json::parse(before.out, nullptr, false);
  ASSERT_FALSE(found.is_discarded()) << Describe(before);
  EXPECT_EQ(found["damaged_records"].size(), damaged) << before.out;

  ProcessResult repair = Scrub({"--repair", "--peer", b_->address()});
  ASSERT_EQ(repair.exit_code, 0) << Describe(repair);
  Json repaired = Json::parse(repair.out, nullptr, false);
  ASSERT_EQ(repaired["damaged_records"].size(), damaged) << repair.out;
  for (const Json& r : repaired["damaged_records"]) {
    EXPECT_EQ(r["repaired_from"], b_->address()) << r.dump();
  }
  EXPECT_TRUE(repaired["store_rewritten"].get<bool>()) << repair.out;

  ProcessResult after = Scrub({});
  EXPECT_EQ(after.exit_code, 0) << Describe(after);
  EXPECT_TRUE(UnreadableHistories().empty());
  EXPECT_EQ(a_->Ctl({"ls"}).exit_code, 0);
  // Writes go on (a compaction no longer meets the damaged block), and a
  // restart finds everything.
  // Each restart turns the write-ahead log into a level-0 table; the fifth
  // starts a compaction over all of them.
  for (int round = 0; round < 5; ++round) {
    for (int i = 0; i < 4; ++i) {
      a_->PutText(absl::StrCat("more-", round, "-", i), std::string(500, 'm'));
    }
    ASSERT_TRUE(a_->server().Restart()) << a_->Log();
  }
  a_->PutText("after-compaction", "still writable\n");
  EXPECT_EQ(a_->DocumentIds().size(), static_cast<size_t>(kDocuments + 21));
  EXPECT_EQ(Scrub({}).exit_code, 0);
  for (int i = 0; i < kDocuments; ++i) {
    ProcessResult get =
        a_->Ctl({"get", absl::StrCat("doc-", i), "-o", a_->scratch() + "/out"});
    EXPECT_EQ(get.exit_code, 0) << Describe(get);
  }
}

TEST_F(DamagedRecordRepair, APeersOtherStatementIsNeverInstalled) {
  // B's copies as a hostile proxy relays them: each request answered with
  // another revision's genuine, signed statement.
  HostileProxy proxy(b_->address(), nullptr);
  LieScript script;
  script.lie = Lie::kOtherStatement;
  script.other_revision = b_->LogRevisionIds().back();
  proxy.Tell(script);
  ProcessResult repair = Scrub({"--repair", "--peer", proxy.address()});
  EXPECT_NE(repair.exit_code, 0) << Describe(repair);
  Json report = Json::parse(repair.out, nullptr, false);
  ASSERT_FALSE(report.is_discarded()) << Describe(repair);
  for (const Json& r : report["damaged_records"]) {
    if (r["revision_id"] == script.other_revision) continue;
    EXPECT_EQ(r["repaired_from"], "") << r.dump();
    EXPECT_TRUE(
        absl::StrContains(r["problem"].get<std::string>(), "repair failed"))
        << r.dump();
  }
  EXPECT_FALSE(report["store_rewritten"].get<bool>());
  EXPECT_FALSE(UnreadableHistories().empty())
      << "another revision's statement was installed as a damaged record";
}

}  // namespace
}  // namespace archive::testing
