// Scrub and repair (issue 4, "Repair"): bit rot in a blob is reported by
// `archivectl scrub`, refetched from a peer by `scrub --repair` or after a get
// that met it, and never served as good.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "absl/strings/match.h"
#include "leveldb/db.h"
#include "tests/integration/sync_test_util.h"
#include "tests/unit/storage/db/stored_blob_damage.h"

namespace archive::testing {
namespace {

class ScrubRepair : public ::testing::Test {
 protected:
  // Blobs as files, which these tests damage in place (ScrubRepairInline
  // damages one kept in the metadata store).
  static Office::Options FileBlobs(const std::string& origin) {
    return Office::Options{origin, "", {"--inline_blob_max_bytes=0"}, 0};
  }

  void SetUp() override {
    a_ = Office::Start(FileBlobs("a.archive.example"));
    b_ = Office::Start(FileBlobs("b.archive.example"));
    b_->Trust({a_.get()});
    text_ = "第一条 为了加强政务数据共享管理，制定本办法。\n";
    a_->PutText("doc-1", text_);
    a_->PutText("doc-2", "another document\n");
    b_->SyncOk(a_->address());
    blob_ = b_->BlobPath(BytesSha256(text_));
  }

  // scrub --json on B with the given extra flags.
  Json Scrub(const std::vector<std::string>& extra, int* exit_code) {
    std::vector<std::string> args = {"scrub", "--json"};
    args.insert(args.end(), extra.begin(), extra.end());
    ProcessResult r = b_->Ctl(args);
    *exit_code = r.exit_code;
    return Json::parse(r.out, nullptr, false);
  }

  std::unique_ptr<Office> a_, b_;
  std::string text_;
  std::string blob_;
};

TEST_F(ScrubRepair, CleanArchiveScrubsClean) {
  int code = -1;
  Json report = Scrub({}, &code);
  EXPECT_EQ(code, 0) << report.dump();
  EXPECT_EQ(report["blobs_checked"], 2) << report.dump();
  EXPECT_EQ(report["revisions_checked"], 2) << report.dump();
  EXPECT_TRUE(report["damaged"].empty()) << report.dump();
  EXPECT_TRUE(report["log_problems"].empty()) << report.dump();
}

TEST_F(ScrubRepair, ScrubReportsRotAndRepairFetchesItFromThePeer) {
  FlipByte(blob_, 5);
  int code = -1;
  Json report = Scrub({}, &code);
  EXPECT_NE(code, 0) << "damage must make scrub fail: " << report.dump();
  ASSERT_EQ(report["damaged"].size(), 1u) << report.dump();
  EXPECT_EQ(report["damaged"][0]["sha256"], BytesSha256(text_));
  EXPECT_EQ(report["damaged"][0]["documents"], Json::array({"doc-1"}));
  EXPECT_TRUE(absl::StrContains(
      report["damaged"][0]["problem"].get<std::string>(), "damaged"))
      << report.dump();

  // Without a peer to ask, repair fails and says so.
  report = Scrub({"--repair"}, &code);
  EXPECT_NE(code, 0) << report.dump();
  EXPECT_TRUE(absl::StrContains(
      report["damaged"][0]["problem"].get<std::string>(), "repair failed"))
      << report.dump();

  report = Scrub({"--repair", "--peer", a_->address()}, &code);
  EXPECT_EQ(code, 0) << report.dump() << b_->Log();
  ASSERT_EQ(report["damaged"].size(), 1u) << report.dump();
  EXPECT_EQ(report["damaged"][0]["repaired_from"], a_->address());
  EXPECT_EQ(FileSha256(blob_), BytesSha256(text_)) << "the copy was replaced";

  report = Scrub({}, &code);
  EXPECT_EQ(code, 0) << report.dump();
  EXPECT_TRUE(report["damaged"].empty()) << report.dump();
}

TEST_F(ScrubRepair, RepairNeverInstallsBytesThatDoNotMatch) {
  FlipByte(blob_, 5);
  // A's copy is damaged too: there is nothing good to fetch.
  FlipByte(a_->BlobPath(BytesSha256(text_)), 7);
  int code = -1;
  Json report = Scrub({"--repair", "--peer", a_->address()}, &code);
  EXPECT_NE(code, 0) << report.dump();
  ASSERT_EQ(report["damaged"].size(), 1u) << report.dump();
  EXPECT_TRUE(report["damaged"][0]["repaired_from"].get<std::string>().empty());
  EXPECT_NE(FileSha256(blob_), BytesSha256(text_));
}

TEST_F(ScrubRepair, GetOfRottenBlobFailsAndQueuesRepairFromConfiguredPeer) {
  // B with A configured as a peer (pulled on demand only).
  TempDir dir;
  std::string config = dir.path() + "/b.conf";
  WriteFileOrDie(config, "peers { name: \"" + a_->origin() + "\" address: \"" +
                             a_->address() + "\" verifier_key: \"" +
                             a_->verifier_key() + "\" }\n");
  auto c = Office::Start(
      Office::Options{"c.archive.example",
                      "",
                      {"--config=" + config, "--inline_blob_max_bytes=0"},
                      0});
  c->Trust({a_.get()});
  c->SyncOk(a_->address());
  std::string blob = c->BlobPath(BytesSha256(text_));
  FlipByte(blob, 3);

  WriteTrustFile(c->scratch() + "/trust-all", {a_.get(), c.get()});
  std::string out = c->scratch() + "/got.txt";
  ProcessResult get = c->Ctl(
      {"--trust", c->scratch() + "/trust-all", "get", "doc-1", "-o", out});
  EXPECT_NE(get.exit_code, 0) << Describe(get);
  EXPECT_TRUE(absl::StrContains(get.err, "damaged")) << Describe(get);
  EXPECT_FALSE(std::ifstream(out).good()) << "damaged bytes were written";

  // The repair runs in the background; wait for it with a bound.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  // The blob is replaced a moment before the log line is written; wait for
  // both.
  auto repaired = [&] {
    return FileSha256(blob) == BytesSha256(text_) &&
           absl::StrContains(c->Log(), "repaired blob sha256:");
  };
  while (!repaired() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(FileSha256(blob), BytesSha256(text_)) << c->Log();
  EXPECT_TRUE(absl::StrContains(c->Log(), "repaired blob sha256:")) << c->Log();
  get = c->Ctl(
      {"--trust", c->scratch() + "/trust-all", "get", "doc-1", "-o", out});
  EXPECT_EQ(get.exit_code, 0) << Describe(get);
}

// A small content kept inline in the metadata store rots: scrub reports it,
// repair fetches it from the peer into the store, and reads work again.
TEST(ScrubRepairInline, RotInAnInlineBlobIsReportedAndRepaired) {
  auto a = Office::Start("a.archive.example");
  auto b = Office::Start("b.archive.example");
  b->Trust({a.get()});
  const std::string text = "第二条 本办法适用于全省政务数据。\n";
  a->PutText("doc-1", text);
  b->SyncOk(a->address());
  ASSERT_FALSE(std::ifstream(b->BlobPath(BytesSha256(text))).good())
      << "expected the small content inline, not as a file";

  ASSERT_EQ(b->server().Stop(), 0) << b->Log();
  ASSERT_NO_FATAL_FAILURE(testing_util::DamageStoredBlob(
      b->data_dir(), BytesSha256(text),
      [](std::string& bytes) { bytes[5] ^= 0x20; }));
  ASSERT_TRUE(b->server().Restart()) << b->Log();

  ProcessResult scrub = b->Ctl({"scrub", "--json"});
  EXPECT_NE(scrub.exit_code, 0) << Describe(scrub);
  Json report = Json::parse(scrub.out, nullptr, false);
  ASSERT_EQ(report["damaged"].size(), 1u) << scrub.out;
  EXPECT_EQ(report["damaged"][0]["sha256"], BytesSha256(text));
  EXPECT_EQ(report["damaged"][0]["documents"], Json::array({"doc-1"}));

  scrub = b->Ctl({"scrub", "--json", "--repair", "--peer", a->address()});
  EXPECT_EQ(scrub.exit_code, 0) << Describe(scrub) << b->Log();
  scrub = b->Ctl({"scrub", "--json"});
  EXPECT_EQ(scrub.exit_code, 0) << Describe(scrub);
  WriteTrustFile(b->scratch() + "/trust-all", {a.get(), b.get()});
  ProcessResult get =
      b->Ctl({"--trust", b->scratch() + "/trust-all", "get", "doc-1"});
  EXPECT_EQ(get.exit_code, 0) << Describe(get);
  EXPECT_EQ(get.out, text);
}

}  // namespace
}  // namespace archive::testing
