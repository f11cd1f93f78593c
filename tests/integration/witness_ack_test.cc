// archived --witness_quorum_for_ack=K (issue 16): a put is acknowledged only
// once K witnesses cosigned a checkpoint that includes it, and its receipt
// carries that cosigned checkpoint (checked by check_cosignatures.py, written
// from the C2SP specs, and by archivectl's own receipt verification); with a
// witness down the put answers UNAVAILABLE after the deadline, saying the
// revision is stored, and it is; a retry is idempotent; a quorum larger than
// the witnesses listed keeps archived from starting.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "tests/integration/sync_test_util.h"
#include "tests/integration/test_harness.h"

namespace archive::testing {
namespace {

class WitnessAckTest : public ::testing::Test {
 protected:
  // B and C witness A; A holds each put for both (3 s at most).
  void SetUp() override {
    b_ = StartWitnessedOffice("ack-b.example", dir_);
    c_ = StartWitnessedOffice("ack-c.example", dir_);
    a_ = StartWitnessedOffice(
        "ack-a.example", dir_,
        {"--witness_quorum_for_ack=2", "--witness_ack_timeout_seconds=3"},
        WitnessLines({&b_, &c_}));
    b_.office->Trust({a_.office.get()});
    c_.office->Trust({a_.office.get()});
  }

  ProcessResult PutJson(const std::string& doc, const std::string& text) {
    std::string name = doc;
    std::replace(name.begin(), name.end(), '/', '_');
    const std::string path = dir_.path() + "/" + name + ".txt";
    WriteFileOrDie(path, text);
    return a_.office->Ctl({"put", path, "--id", doc, "--json"});
  }

  TempDir dir_;
  WitnessedOffice a_, b_, c_;
};

TEST_F(WitnessAckTest, APutIsAcknowledgedWithACosignedReceipt) {
  for (int i = 0; i < 3; ++i) {
    ProcessResult put = PutJson(absl::StrCat("ack/doc-", i),
                                absl::StrCat("held for witnesses ", i, "\n"));
    ASSERT_EQ(put.exit_code, 0) << Describe(put) << a_.office->Log();
    Json reply = ParseJson(put);
    const std::string note = reply["checkpoint"];
    Json checked =
        CheckCosignatures(note, a_.office->verifier_key(),
                          {b_.witness_key(), c_.witness_key()}, dir_.path());
    EXPECT_EQ(checked["cosigned_by"].size(), 2u) << note;
    EXPECT_GE(checked["size"].get<int>(), i + 1) << note;
  }
  // A client that requires both witnesses accepts the put's receipt.
  std::string policy = PolicyFile(
      dir_, "ack.policy",
      {"witness " + b_.witness_key(), "witness " + c_.witness_key()}, 2);
  const std::string path = dir_.path() + "/policy-put.txt";
  WriteFileOrDie(path, "put under a policy\n");
  ProcessResult put = a_.office->Ctl(
      {"--witness_policy", policy, "put", path, "--id", "ack/policy"});
  EXPECT_EQ(put.exit_code, 0) << Describe(put);
  // Puts at once, as a bulk import sends them, are all held and answered.
  ProcessResult bulk =
      a_.office->Ctl({"import", CorpusDir() + "/manifest.tsv", "--dir",
                      CorpusDir(), "--revision", "clean"});
  EXPECT_EQ(bulk.exit_code, 0) << Describe(bulk);
}

TEST_F(WitnessAckTest, AWitnessDownFailsThePutButTheRevisionIsStored) {
  ASSERT_EQ(c_.office->server().Stop(), 0);
  const absl::Time start = absl::Now();
  ProcessResult put = PutJson("ack/down", "one witness is down\n");
  const absl::Duration took = absl::Now() - start;
  EXPECT_EQ(put.exit_code, 5) << Describe(put);
  EXPECT_GE(took, absl::Seconds(3));
  EXPECT_TRUE(ContainsAll(put.err, {"server unavailable", "IS durably stored",
                                    "did not cosign: ack-c.example/witness",
                                    "--witness_quorum_for_ack=2"}))
      << put.err;
  // Stored all the same: it is served and verifies.
  ProcessResult get =
      a_.office->Ctl({"get", "ack/down", "-o", dir_.path() + "/down"});
  EXPECT_EQ(get.exit_code, 0) << Describe(get);
  EXPECT_EQ(ReadFileOrDie(dir_.path() + "/down"), "one witness is down\n");
  // Once the witness is back, the same put stores nothing new and is
  // acknowledged with its quorum.
  ASSERT_TRUE(c_.office->server().Restart());
  ProcessResult retry = PutJson("ack/down", "one witness is down\n");
  ASSERT_EQ(retry.exit_code, 0) << Describe(retry);
  Json reply = ParseJson(retry);
  EXPECT_FALSE(reply["created"].get<bool>());
  Json checked =
      CheckCosignatures(reply["checkpoint"], a_.office->verifier_key(),
                        {b_.witness_key(), c_.witness_key()}, dir_.path());
  EXPECT_EQ(checked["cosigned_by"].size(), 2u);
}

TEST(WitnessAckFlags, AQuorumBeyondTheWitnessesListedRefusesToStart) {
  TempDir dir;
  auto b = StartWitnessedOffice("flag-b.example", dir);
  const std::string witnesses = dir.path() + "/one.witnesses";
  WriteFileOrDie(witnesses, WitnessLines({&b}));
  for (const std::string& given : {witnesses, std::string()}) {
    std::vector<std::string> argv = {
        ArchivedPath(), "--data_dir=" + dir.path() + "/data",
        "--origin=flag-a.example",
        absl::StrCat("--listen=127.0.0.1:", FreePort()),
        "--witness_quorum_for_ack=2"};
    if (!given.empty()) argv.push_back("--witnesses=" + given);
    ProcessResult r = RunProcess(argv);
    EXPECT_NE(r.exit_code, 0) << Describe(r);
    EXPECT_TRUE(absl::StrContains(r.err, "--witness_quorum_for_ack=2"))
        << r.err;
  }
}

}  // namespace
}  // namespace archive::testing
