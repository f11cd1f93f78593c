// Issue 11, defect 3: a hostile server must not be able to substitute anything
// the client accepts. A HostileProxy (hostile_proxy.h) in front of a real
// archived answers archivectl's read commands with genuine material that is
// not what was asked for: another document's signed revision, another revision
// of the same document, relabelled descriptions, another statement or its
// bytes, stale, forked or altered checkpoints, altered or swapped proofs, and
// histories with entries dropped, reordered or smuggled in. Every read command
// (get, get --rev, get --head, verify, history, check, statement, proof,
// export, diff) must refuse every lie that reaches it: a non-zero exit, a
// reason on stderr, and nothing written to -o or the bag directory. Through
// the same proxy telling the truth, every command succeeds.
#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "clients/api/archive_client.h"
#include "storage/format/signing_key.h"
#include "storage/verify/trust_store.h"
#include "tests/integration/hostile_proxy.h"
#include "tests/integration/test_harness.h"

namespace archive::testing {
namespace {

namespace fs = std::filesystem;

constexpr char kOrigin[] = "hostile.archive.example";
constexpr char kDocA[] = "hostile-a";
constexpr char kDocB[] = "hostile-b";
constexpr char kOldContent[] = "what was here before\n";

// What a command asks the archive for, and what a lie alters.
enum Uses : unsigned {
  kGet = 1,          // Get headers and receipts
  kContent = 2,      // Get content
  kHistory = 4,      // History
  kStatement = 8,    // GetStatement
  kCheckpoint = 16,  // GetCheckpoint
  kInclusion = 32,   // GetInclusionProof
  kConsistency = 64  // GetConsistencyProof
};

unsigned Touches(Lie lie) {
  switch (lie) {
    case Lie::kNone:
      return 0;
    case Lie::kOtherDocument:
      return kGet | kHistory | kStatement | kInclusion;
    case Lie::kOtherRevision:
      return kGet | kInclusion;
    case Lie::kRelabel:
      return kGet | kHistory | kStatement;
    case Lie::kOtherStatement:
      return kGet | kStatement;
    case Lie::kOtherContent:
    case Lie::kOtherInlineContent:
      return kContent;
    case Lie::kStaleCheckpoint:
    case Lie::kForkedCheckpoint:
    case Lie::kAlteredCheckpoint:
      return kCheckpoint | kGet;
    case Lie::kAlteredInclusion:
    case Lie::kSwappedInclusion:
      return kGet | kInclusion;
    case Lie::kAlteredConsistency:
    case Lie::kSwappedConsistency:
      return kConsistency;
    case Lie::kHistoryDropped:
    case Lie::kHistoryReordered:
    case Lie::kHistoryForeign:
      return kHistory;
  }
  return 0;
}

enum class Output { kNone, kFile, kBag };

struct ReadCommand {
  std::string name;
  unsigned uses;
  Output output;
};

const std::vector<ReadCommand>& ReadCommands() {
  static const auto* commands = new std::vector<ReadCommand>{
      {"get", kGet | kContent | kConsistency, Output::kFile},
      {"get-rev", kGet | kContent | kConsistency, Output::kFile},
      {"get-head", kGet | kContent | kConsistency, Output::kFile},
      {"verify", kGet | kConsistency, Output::kNone},
      {"verify-rev", kGet | kConsistency, Output::kNone},
      {"history", kHistory | kGet | kConsistency, Output::kNone},
      {"check",
       kHistory | kGet | kContent | kCheckpoint | kConsistency | kStatement,
       Output::kNone},
      {"statement", kStatement, Output::kNone},
      {"proof-inclusion", kCheckpoint | kConsistency | kStatement | kInclusion,
       Output::kNone},
      {"proof-inclusion-size",
       kCheckpoint | kConsistency | kStatement | kInclusion, Output::kNone},
      {"proof-consistency", kCheckpoint | kConsistency, Output::kNone},
      {"export", kCheckpoint | kHistory | kGet | kContent | kConsistency,
       Output::kBag},
      {"diff", kGet | kContent | kConsistency, Output::kNone},
  };
  return *commands;
}

// One archive with document A (a1, a2 in force, a3 a draft head) and B (b1),
// the proxy in front of it, and what the tests compare against.
struct World {
  std::unique_ptr<TestServer> server;
  std::unique_ptr<SigningKey> key;
  std::unique_ptr<HostileProxy> proxy;
  std::unique_ptr<TempDir> files;
  std::string a1, a2, a3, b1;  // revision ids
  std::string cp2, cp3;        // checkpoints at sizes 2 and 3 (of 4)
  std::string trust_file;
  std::string Path(const std::string& name) const {
    return files->path() + "/" + name;
  }
  static std::string Text(const std::string& rev_name) {
    return absl::StrCat("The text of revision ", rev_name, ".\n");
  }
};

World* world = nullptr;

std::string LatestCheckpoint(const std::string& address) {
  auto reply = ArchiveClient(ArchiveClient::Dial(address)).GetCheckpoint();
  EXPECT_TRUE(reply.ok()) << reply.status();
  return reply.ok() ? reply->checkpoint() : "";
}

std::string Put(Cli& cli, const std::string& name, const std::string& doc,
                const std::vector<std::string>& flags = {}) {
  WriteFileOrDie(world->Path(name + ".txt"), World::Text(name));
  std::vector<std::string> args = {"put", world->Path(name + ".txt"), "--id",
                                   doc};
  args.insert(args.end(), flags.begin(), flags.end());
  ProcessResult r = cli.Run(args);
  EXPECT_EQ(r.exit_code, 0) << Describe(r);
  return std::string(absl::StripSuffix(r.out, "\n"));
}

class HostileServer : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    world = new World;
    TestServer::Options options;
    options.origin = kOrigin;
    world->server = TestServer::Start(options);
    world->files = std::make_unique<TempDir>();
    Cli cli(world->server->address());
    const std::string address = world->server->address();
    world->a1 = Put(cli, "a1", kDocA);
    world->a2 = Put(cli, "a2", kDocA);
    world->cp2 = LatestCheckpoint(address);
    world->a3 = Put(cli, "a3", kDocA, {"--status", "draft"});
    world->cp3 = LatestCheckpoint(address);
    world->b1 = Put(cli, "b1", kDocB);
    const std::string keys = world->server->data_dir() + "/keys/";
    auto key =
        SigningKey::FromPkcs8Pem(kOrigin, ReadFileOrDie(keys + "signing.pem"));
    ASSERT_TRUE(key.ok()) << key.status();
    world->key = std::move(*key);
    world->trust_file = world->Path("trusted");
    WriteFileOrDie(world->trust_file, ReadFileOrDie(keys + "verifier.key"));
    world->proxy = std::make_unique<HostileProxy>(address, world->key.get());
  }
  static void TearDownTestSuite() {
    delete world;
    world = nullptr;
  }

  void SetUp() override {
    ASSERT_NE(world->server, nullptr);
    ASSERT_EQ(world->b1.size(), 64u) << "setup failed";
  }

  // A fresh client that trusts the archive's key and last saw the checkpoint
  // of size 3, so every read also proves consistency from 3 to 4.
  static std::unique_ptr<Cli> FreshClient() {
    auto cli = std::make_unique<Cli>(world->proxy->address());
    absl::Status saved =
        SeenCheckpoints(cli->config_home() + "/archivectl/checkpoints")
            .Save(kOrigin, world->cp3);
    EXPECT_TRUE(saved.ok()) << saved;
    return cli;
  }

  // The revision a lie puts in place of what `command` asks for.
  static std::string Substitute(const std::string& command) {
    if (command == "get" || command == "verify") return world->a3;  // a draft
    if (command == "proof-inclusion-size") return world->a1;
    return world->a2;
  }

  // The file `verify` is handed: the one the lie wants accepted.
  static std::string FileToVerify(const std::string& command, Lie lie) {
    if (lie == Lie::kOtherDocument) return world->Path("b1.txt");
    bool substituted =
        lie == Lie::kOtherRevision || lie == Lie::kOtherStatement ||
        lie == Lie::kOtherContent || lie == Lie::kOtherInlineContent;
    if (command == "verify")
      return world->Path(substituted ? "a3.txt" : "a2.txt");
    return world->Path(substituted ? "a2.txt" : "a1.txt");
  }

  struct Run {
    std::shared_ptr<Cli> cli;  // owns the directory `out` is in
    ProcessResult result;
    std::string out;  // the -o file or bag directory
  };

  static Run RunThroughProxy(const ReadCommand& command, Lie lie) {
    LieScript script;
    script.lie = lie;
    script.other_document = kDocB;
    script.other_revision = Substitute(command.name);
    script.stale_checkpoint = world->cp2;
    world->proxy->Tell(script);
    Run run;
    run.cli = FreshClient();
    Cli* cli = run.cli.get();
    run.out = cli->config_home() + "/out";
    if (command.output == Output::kFile) WriteFileOrDie(run.out, kOldContent);
    const std::string& n = command.name;
    const World& w = *world;
    std::vector<std::string> args;
    if (n == "get") args = {"get", kDocA, "-o", run.out};
    if (n == "get-rev") args = {"get", kDocA, "--rev", w.a1, "-o", run.out};
    if (n == "get-head") args = {"get", kDocA, "--head", "-o", run.out};
    if (n == "verify" || n == "verify-rev")
      args = {"verify", FileToVerify(n, lie), "--id", kDocA};
    if (n == "verify-rev") args.insert(args.end(), {"--rev", w.a1});
    if (n == "history") args = {"history", kDocA};
    if (n == "check") args = {"check", kDocA};
    if (n == "statement") args = {"statement", w.a1};
    if (n == "proof-inclusion") args = {"proof", "inclusion", w.a1};
    if (n == "proof-inclusion-size")
      args = {"proof", "inclusion", w.a2, "--size", "3"};
    if (n == "proof-consistency") args = {"proof", "consistency", "1", "3"};
    if (n == "export") args = {"export", "--bagit", run.out, "--id", kDocA};
    if (n == "diff") args = {"diff", kDocA, w.a1, w.a3};
    args.insert(args.end(), {"--trust", w.trust_file});
    run.result = cli->Run(args);
    world->proxy->Tell(LieScript{});
    return run;
  }

  // The lie was refused: non-zero exit (not a usage error or a crash), a
  // reason on stderr, and nothing written where the output goes.
  static ::testing::AssertionResult Refused(const ReadCommand& command,
                                            const Run& run) {
    const ProcessResult& r = run.result;
    if (r.exit_code == 0 || r.exit_code == 2 || r.exit_code > 7) {
      return ::testing::AssertionFailure()
             << "accepted (or crashed): " << Describe(r);
    }
    if (!absl::StartsWith(r.err, "archivectl: ") || r.err.size() < 30) {
      return ::testing::AssertionFailure()
             << "no reason on stderr: " << Describe(r);
    }
    std::error_code ec;
    if (command.output == Output::kFile &&
        ReadFileOrDie(run.out) != kOldContent) {
      return ::testing::AssertionFailure() << "the -o file was overwritten";
    }
    if (command.output == Output::kBag && fs::exists(run.out, ec) &&
        !fs::is_empty(run.out, ec)) {
      return ::testing::AssertionFailure() << "the bag was written";
    }
    return ::testing::AssertionSuccess();
  }

  static const ReadCommand& Command(const std::string& name) {
    for (const ReadCommand& c : ReadCommands())
      if (c.name == name) return c;
    ADD_FAILURE() << "no command " << name;
    return ReadCommands()[0];
  }
};

TEST_F(HostileServer, EveryReadCommandSucceedsThroughAnHonestProxy) {
  for (const ReadCommand& command : ReadCommands()) {
    Run run = RunThroughProxy(command, Lie::kNone);
    EXPECT_EQ(run.result.exit_code, 0)
        << command.name << ": " << Describe(run.result);
    if (command.name == "get") {
      EXPECT_EQ(ReadFileOrDie(run.out), World::Text("a2"));
    }
    if (command.name == "get-rev") {
      EXPECT_EQ(ReadFileOrDie(run.out), World::Text("a1"));
    }
    if (command.name == "get-head") {
      EXPECT_EQ(ReadFileOrDie(run.out), World::Text("a3"));
    }
    if (command.name == "export") {
      EXPECT_FALSE(FilesUnder(run.out).empty()) << Describe(run.result);
    }
  }
}

TEST_F(HostileServer, GetOfAnotherDocumentIsRefused) {
  Run run = RunThroughProxy(Command("get"), Lie::kOtherDocument);
  EXPECT_TRUE(Refused(Command("get"), run));
  EXPECT_TRUE(absl::StrContains(run.result.err, kDocA) &&
              absl::StrContains(run.result.err, kDocB) &&
              absl::StrContains(run.result.err, world->b1))
      << "the reason should name both documents and B's revision: "
      << Describe(run.result);
}

TEST_F(HostileServer, GetRevOfAnotherRevisionIsRefused) {
  Run run = RunThroughProxy(Command("get-rev"), Lie::kOtherRevision);
  EXPECT_TRUE(Refused(Command("get-rev"), run));
  EXPECT_TRUE(absl::StrContains(run.result.err, world->a1) &&
              absl::StrContains(run.result.err, world->a2))
      << "the reason should name the revision asked for and the one sent: "
      << Describe(run.result);
}

TEST_F(HostileServer, AuthoritativeGetOfADraftIsRefused) {
  Run run = RunThroughProxy(Command("get"), Lie::kOtherRevision);
  EXPECT_TRUE(Refused(Command("get"), run));
  EXPECT_TRUE(absl::StrContains(run.result.err, "draft"))
      << Describe(run.result);
}

TEST_F(HostileServer, VerifyOfAnotherDocumentsFileIsRefused) {
  Run run = RunThroughProxy(Command("verify"), Lie::kOtherDocument);
  EXPECT_TRUE(Refused(Command("verify"), run));
  EXPECT_FALSE(absl::StrContains(run.result.out, "OK")) << Describe(run.result);
}

TEST_F(HostileServer, RelabelledDescriptionIsRefused) {
  for (const char* name : {"get", "history", "statement"}) {
    Run run = RunThroughProxy(Command(name), Lie::kRelabel);
    EXPECT_TRUE(Refused(Command(name), run)) << name;
    EXPECT_TRUE(absl::StrContains(run.result.err, "signed statement"))
        << name << ": " << Describe(run.result);
  }
}

TEST_F(HostileServer, HistoryWithADroppedReorderedOrForeignEntryIsRefused) {
  const std::pair<Lie, const char*> lies[] = {
      {Lie::kHistoryDropped, "leaves out"},
      {Lie::kHistoryReordered, "before its child"},
      {Lie::kHistoryForeign, kDocB}};
  for (const auto& [lie, says] : lies) {
    for (const char* name : {"history", "check", "export"}) {
      Run run = RunThroughProxy(Command(name), lie);
      EXPECT_TRUE(Refused(Command(name), run)) << name << " " << LieName(lie);
      EXPECT_TRUE(absl::StrContains(run.result.err, says))
          << name << " " << LieName(lie) << ": " << Describe(run.result);
    }
  }
}

TEST_F(HostileServer, StaleLatestCheckpointIsRefused) {
  Run run = RunThroughProxy(Command("proof-inclusion"), Lie::kStaleCheckpoint);
  EXPECT_TRUE(Refused(Command("proof-inclusion"), run));
  EXPECT_TRUE(absl::StrContains(run.result.err, "stale"))
      << Describe(run.result);
}

TEST_F(HostileServer, AlteredOrSwappedProofsAreRefused) {
  for (Lie lie : {Lie::kAlteredInclusion, Lie::kSwappedInclusion,
                  Lie::kAlteredConsistency, Lie::kSwappedConsistency}) {
    for (const char* name :
         {"proof-inclusion", "proof-inclusion-size", "proof-consistency"}) {
      if ((Touches(lie) & Command(name).uses) == 0) continue;
      Run run = RunThroughProxy(Command(name), lie);
      EXPECT_TRUE(Refused(Command(name), run)) << name << " " << LieName(lie);
    }
  }
}

// Every (read command x lie) pair where the lie reaches the command.
class HostileServerSweep : public HostileServer,
                           public ::testing::WithParamInterface<Lie> {};

TEST_P(HostileServerSweep, EveryReadCommandRefusesTheLie) {
  Lie lie = GetParam();
  std::vector<std::string> refused, accepted;
  for (const ReadCommand& command : ReadCommands()) {
    if ((Touches(lie) & command.uses) == 0) continue;
    Run run = RunThroughProxy(command, lie);
    ::testing::AssertionResult ok = Refused(command, run);
    (ok ? refused : accepted).push_back(command.name);
    EXPECT_TRUE(ok) << command.name << " with the lie " << LieName(lie);
  }
  // For the report: how many pairs this lie swept, and how many got through.
  std::cout << "[sweep] lie " << LieName(lie) << ": "
            << refused.size() + accepted.size() << " pairs, " << accepted.size()
            << " accepted (" << absl::StrJoin(accepted, ", ") << ")\n";
  EXPECT_FALSE(refused.empty() && accepted.empty()) << "no command swept";
}

std::vector<Lie> AllLies() {
  std::vector<Lie> lies;
  for (int i = 1; i < kLieCount; ++i) lies.push_back(static_cast<Lie>(i));
  return lies;
}

INSTANTIATE_TEST_SUITE_P(Lies, HostileServerSweep,
                         ::testing::ValuesIn(AllLies()),
                         [](const ::testing::TestParamInfo<Lie>& info) {
                           return std::string(LieName(info.param));
                         });

}  // namespace
}  // namespace archive::testing
