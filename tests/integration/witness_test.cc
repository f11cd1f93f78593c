// Offices witness each other (issue 16, C2SP tlog-witness): three archives,
// each a witness for the other two and asking them to cosign its checkpoints.
// Every checkpoint each serves carries two cosignatures, checked by a checker
// written from the specs (check_cosignatures.py); a client with a quorum-2
// policy accepts; a fork (the same key, another history) gets no cosignature,
// and a client with the policy refuses it where one without a policy accepts
// it on first contact; a witness killed and restarted still refuses the fork;
// a server whose sync has the policy pulls the witnessed log and refuses the
// fork; the witness's HTTP answers to hand-made requests are the spec's.
#include <gtest/gtest.h>
#include <httplib.h>

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "tests/integration/sync_test_util.h"
#include "tests/integration/test_harness.h"

namespace archive::testing {
namespace {

namespace fs = std::filesystem;

class WitnessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    a_ = StartWitnessedOffice("wit-a.example", dir_);
    b_ = StartWitnessedOffice("wit-b.example", dir_);
    c_ = StartWitnessedOffice("wit-c.example", dir_);
    a_.office->Trust({b_.office.get(), c_.office.get()});
    b_.office->Trust({a_.office.get(), c_.office.get()});
    c_.office->Trust({a_.office.get(), b_.office.get()});
    AskWitnesses(a_, {&b_, &c_});
    AskWitnesses(b_, {&a_, &c_});
    AskWitnesses(c_, {&a_, &b_});
  }

  TempDir dir_;
  WitnessedOffice a_, b_, c_;
};

TEST_F(WitnessTest, EveryCheckpointOfEachOfficeCarriesTwoCosignatures) {
  std::map<const WitnessedOffice*, std::vector<const WitnessedOffice*>> others =
      {{&a_, {&b_, &c_}}, {&b_, {&a_, &c_}}, {&c_, {&a_, &b_}}};
  for (int round = 1; round <= 2; ++round) {
    for (auto& [office, witnesses] : others) {
      ASSERT_FALSE(office->office
                       ->PutText(absl::StrCat("wit/doc-", round),
                                 absl::StrCat("round ", round, " of ",
                                              office->office->origin(), "\n"))
                       .empty());
    }
    for (auto& [office, witnesses] : others) {
      std::string note = AwaitCosigned(*office, round, 2);
      std::vector<std::string> keys;
      for (const WitnessedOffice* w : witnesses) {
        keys.push_back(w->witness_key());
      }
      Json checked = CheckCosignatures(note, office->office->verifier_key(),
                                       keys, dir_.path());
      EXPECT_EQ(checked["size"], round) << note;
      EXPECT_EQ(checked["cosigned_by"].size(), 2u) << note;
    }
  }
  // A client that requires both of A's witnesses accepts A, and says so.
  std::string policy = PolicyFile(
      dir_, "a.policy",
      {"witness " + b_.witness_key(), "witness " + c_.witness_key()}, 2);
  ProcessResult get = a_.office->Ctl({"--witness_policy", policy, "get",
                                      "wit/doc-2", "-o", dir_.path() + "/got"});
  EXPECT_EQ(get.exit_code, 0) << Describe(get);
  EXPECT_TRUE(absl::StrContains(get.err, "cosigned by wit-")) << get.err;
  // One that also requires a witness A does not ask refuses it, naming who
  // cosigned and who is missing.
  auto stranger = Office::Start("wit-stranger.example");
  std::string stranger_key = std::string(absl::StripAsciiWhitespace(
      ReadFileOrDie(stranger->data_dir() + "/keys/witness.vkey")));
  std::string strict =
      PolicyFile(dir_, "strict.policy",
                 {"witness " + b_.witness_key(), "witness " + c_.witness_key(),
                  "witness " + stranger_key},
                 3);
  ProcessResult refused =
      a_.office->Ctl({"--witness_policy", strict, "get", "wit/doc-2", "-o",
                      dir_.path() + "/refused"});
  EXPECT_EQ(refused.exit_code, 4) << Describe(refused);
  EXPECT_TRUE(absl::StrContains(refused.err, "missing: wit-stranger"))
      << refused.err;
  // A witness listed twice would count twice: such a policy is refused.
  std::string twice = PolicyFile(
      dir_, "twice.policy",
      {"witness " + b_.witness_key(), "witness " + b_.witness_key()}, 2);
  ProcessResult doubled =
      a_.office->Ctl({"--witness_policy", twice, "get", "wit/doc-2", "-o",
                      dir_.path() + "/doubled"});
  EXPECT_NE(doubled.exit_code, 0) << Describe(doubled);
  EXPECT_TRUE(absl::StrContains(doubled.err, "is listed twice")) << doubled.err;
}

// A backup taken after a witness cosigned holds the cosigned checkpoint; the
// archive restored from it takes its own signature from that note and runs.
TEST_F(WitnessTest, ABackupOfAWitnessedArchiveRestores) {
  ASSERT_FALSE(
      a_.office->PutText("wit/backed-up", "before the backup\n").empty());
  AwaitCosigned(a_, 1, 2);
  const std::string backup = dir_.path() + "/backup";
  ProcessResult backed_up = a_.office->Ctl({"backup", backup});
  ASSERT_EQ(backed_up.exit_code, 0) << Describe(backed_up);

  TestServer::Options options;
  options.origin = a_.office->origin();
  options.data_dir = dir_.path() + "/restored";
  fs::create_directories(options.data_dir);
  fs::copy(a_.office->data_dir() + "/keys", options.data_dir + "/keys",
           fs::copy_options::recursive);
  options.extra_flags = {"--restore_from=" + backup, "--accept_restored_log"};
  auto restored = TestServer::Start(options);
  ASSERT_TRUE(restored->running()) << restored->log();
  Cli cli(restored->address());
  ProcessResult get = cli.Run({"get", "wit/backed-up"});
  EXPECT_EQ(get.exit_code, 0) << Describe(get) << restored->log();
  EXPECT_EQ(get.out, "before the backup\n");
}

TEST_F(WitnessTest, AForkGetsNoCosignatureAndAPolicyClientRefusesIt) {
  for (int i = 0; i < 3; ++i) {
    ASSERT_FALSE(
        a_.office->PutText(absl::StrCat("true/doc-", i), "true\n").empty());
  }
  const std::string witnessed = AwaitCosigned(a_, 3, 2);
  ASSERT_EQ(SignatureLines(witnessed), 3) << witnessed;

  // The same key signing another history, asking the same witnesses.
  TempDir fork_dir;
  fs::create_directories(fork_dir.path() + "/data");
  fs::copy(a_.office->data_dir() + "/keys", fork_dir.path() + "/data/keys",
           fs::copy_options::recursive);
  const int fork_http = FreePort();
  TestServer::Options fork_options;
  fork_options.origin = a_.office->origin();
  fork_options.data_dir = fork_dir.path() + "/data";
  fork_options.extra_flags = {
      absl::StrCat("--http_listen=127.0.0.1:", fork_http),
      "--witnesses=" + a_.witnesses_file};
  auto fork = TestServer::Start(fork_options);
  Cli fork_cli(fork->address());
  for (int i = 0; i < 5; ++i) {
    const std::string path = fork_dir.path() + "/f.txt";
    WriteFileOrDie(path, absl::StrCat("forked history ", i, "\n"));
    ASSERT_EQ(
        fork_cli.Run({"put", path, "--id", absl::StrCat("fork/", i)}).exit_code,
        0);
  }
  // The witnesses answer it 409 and 422 and keep the evidence.
  for (int i = 0; i < 100; ++i) {
    auto state = HttpGet(b_.http_port, "/witness/state");
    if (state && absl::StrContains(state->body, "\nevidence ") &&
        !absl::StrContains(state->body, "\nevidence 0")) {
      break;
    }
    absl::SleepFor(absl::Milliseconds(100));
  }
  auto fork_note = HttpGet(fork_http, "/log/checkpoint");
  ASSERT_TRUE(fork_note);
  EXPECT_EQ(SignatureLines(fork_note->body), 1) << fork_note->body;
  auto b_state = HttpGet(b_.http_port, "/witness/state");
  ASSERT_TRUE(b_state);
  EXPECT_TRUE(absl::StrContains(b_state->body, "cosigned wit-a.example 3"))
      << b_state->body;
  EXPECT_FALSE(absl::StrContains(b_state->body, "evidence 0")) << b_state->body;

  // A first-time client without a policy takes the fork on trust; one with
  // the policy refuses it, and still accepts the true log.
  std::string policy = PolicyFile(
      dir_, "a.policy",
      {"witness " + b_.witness_key(), "witness " + c_.witness_key()}, 2);
  Cli naive(fork->address());
  EXPECT_EQ(
      naive.Run({"get", "fork/0", "-o", fork_dir.path() + "/n"}).exit_code, 0);
  Cli careful(fork->address());
  ProcessResult refused = careful.Run({"--witness_policy", policy, "get",
                                       "fork/0", "-o", fork_dir.path() + "/c"});
  EXPECT_EQ(refused.exit_code, 4) << Describe(refused);
  EXPECT_TRUE(absl::StrContains(refused.err, "quorum of 2")) << refused.err;

  // A witness killed and restarted still refuses the fork, at the spec's
  // statuses, to hand-made requests.
  b_.office->server().Kill();
  ASSERT_TRUE(b_.office->server().Restart());
  std::string plain_fork = fork_note->body;
  auto stale = HttpPost(b_.http_port, "/witness/add-checkpoint",
                        "old 0\n\n" + plain_fork);
  ASSERT_TRUE(stale);
  EXPECT_EQ(stale->status, 409);
  EXPECT_EQ(stale->body, "3\n");
  EXPECT_EQ(stale->get_header_value("Content-Type"), "text/x.tlog.size");
  auto unproven = HttpPost(b_.http_port, "/witness/add-checkpoint",
                           "old 3\n\n" + plain_fork);
  ASSERT_TRUE(unproven);
  EXPECT_EQ(unproven->status, 422);
  auto malformed =
      HttpPost(b_.http_port, "/witness/add-checkpoint", "old three\n\n");
  ASSERT_TRUE(malformed);
  EXPECT_EQ(malformed->status, 400);
  auto stranger = Office::Start("wit-stranger.example");
  auto unknown = HttpPost(b_.http_port, "/witness/add-checkpoint",
                          "old 0\n\n" + stranger->Ctl({"checkpoint"}).out);
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->status, 404);

  // A server whose sync holds the policy pulls the witnessed log and refuses
  // the fork.
  auto d = Office::Start(
      Office::Options{"wit-d.example", "", {"--witness_policy=" + policy}, 0});
  d->Trust({a_.office.get()});
  EXPECT_EQ(d->Sync(a_.office->address()).exit_code, 0);
  auto e = Office::Start(
      Office::Options{"wit-e.example", "", {"--witness_policy=" + policy}, 0});
  e->Trust({a_.office.get()});
  ProcessResult pulled_fork = e->Sync(fork->address());
  EXPECT_NE(pulled_fork.exit_code, 0) << Describe(pulled_fork);
  EXPECT_TRUE(absl::StrContains(pulled_fork.err, "witness policy"))
      << Describe(pulled_fork);
}

}  // namespace
}  // namespace archive::testing
