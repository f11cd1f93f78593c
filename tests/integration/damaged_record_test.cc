// Issue 11, defect 7: one flipped byte in a table file of the metadata store
// must not take the archive down. Every block read is checked against its CRC
// (a flipped byte was served before, and scrub saw nothing); a listing goes
// on past a damaged block and says what it lacks; a history of a damaged
// document fails for that document alone, naming it; scrub reports the damage.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "clients/archive_client.h"
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

void FlipByte(const std::string& path, uintmax_t offset) {
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  f.seekg(offset);
  char c = 0;
  f.get(c);
  f.seekp(offset);
  f.put(static_cast<char>(c ^ 0x40));
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
  EXPECT_GT(scrub->log_problems_size(), 0) << "scrub did not see the damage";
}

}  // namespace
}  // namespace archive::testing
