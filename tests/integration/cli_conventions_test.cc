// archivectl's habits for scripts (issue 12): --version of both binaries and
// `archivectl version` with the server's, `help [COMMAND]`, `completion bash`
// driven by bash itself, and the exit codes of ARCHITECTURE.md ("Exit codes of
// archivectl"), each provoked for real against a real archived, with the
// --json error object.
#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <regex>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "tests/integration/test_harness.h"
#include "tests/integration/tls_test_util.h"

namespace archive::testing {
namespace {

constexpr char kCliConventionsDoc[] = "gx-2024-cli-1";
constexpr char kText[] = "第一条 为了规范档案管理。\n";

// project(policy_archive VERSION X.Y.Z) in CMakeLists.txt, the one place.
std::string CMakeVersion() {
  std::smatch m;
  std::string cmake = ReadFileOrDie(SourceDir() + "/CMakeLists.txt");
  std::regex project(R"(project\(policy_archive VERSION ([0-9.]+))");
  EXPECT_TRUE(std::regex_search(cmake, m, project)) << "no project(VERSION)";
  return m.size() > 1 ? m[1].str() : "?";
}

// `git rev-parse --short HEAD` of the source tree, or "" outside git.
std::string SourceCommit() {
  ProcessResult r = RunProcess({"/usr/bin/env", "git", "-C", SourceDir(),
                                "rev-parse", "--short", "HEAD"});
  if (r.exit_code != 0) return "";
  return std::string(absl::StripAsciiWhitespace(r.out));
}

// The {"error": {...}} member of a failed --json run, checked for its shape:
// exit equal to the process's, the message on stderr too.
Json ErrorOf(const ProcessResult& r) {
  Json j = ParseJson(r);
  if (!j.is_object() || !j.contains("error")) {
    ADD_FAILURE() << "no error object: " << Describe(r);
    return Json::object();
  }
  const Json& e = j["error"];
  EXPECT_EQ(e.value("exit", -1), r.exit_code) << Describe(r);
  EXPECT_FALSE(e.value("message", "").empty()) << Describe(r);
  EXPECT_TRUE(absl::StrContains(r.err, e.value("message", "")))
      << "the one-line reason stays on stderr: " << Describe(r);
  return e;
}

class CliConventions : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = TestServer::Start();
    ASSERT_TRUE(server_->running());
    cli_ = std::make_unique<Cli>(server_->address());
    path_ = dir_.path() + "/doc.txt";
    WriteFileOrDie(path_, kText);
  }

  // Puts `text` as kCliConventionsDoc; returns the revision id.
  std::string Put(const std::string& text,
                  const std::vector<std::string>& extra = {}) {
    std::string path = dir_.path() + "/put.txt";
    WriteFileOrDie(path, text);
    std::vector<std::string> args = {"put", path, "--id", kCliConventionsDoc};
    args.insert(args.end(), extra.begin(), extra.end());
    ProcessResult r = cli_->Run(args);
    EXPECT_EQ(r.exit_code, 0) << Describe(r);
    return std::string(absl::StripAsciiWhitespace(r.out));
  }

  TempDir dir_;
  std::unique_ptr<TestServer> server_;
  std::unique_ptr<Cli> cli_;
  std::string path_;
};

TEST_F(CliConventions, VersionsNameTheCMakeVersionAndTheCommit) {
  const std::string version = CMakeVersion();
  const std::string commit = SourceCommit();
  // Built from a git checkout (.git is a directory, or a file in a worktree),
  // the commit must be known.
  EXPECT_TRUE(!commit.empty() ||
              !std::filesystem::exists(SourceDir() + "/.git"));
  for (const std::string& program : {ArchivectlPath(), ArchivedPath()}) {
    ProcessResult r = RunProcess({program, "--version"});
    EXPECT_EQ(r.exit_code, 0) << program << ": " << Describe(r);
    EXPECT_TRUE(absl::StrContains(r.out, " " + version + " (commit "))
        << program << ": " << Describe(r);
    if (!commit.empty()) {
      EXPECT_TRUE(absl::StrContains(r.out, "commit " + commit))
          << "the source is at commit " << commit << " but " << program
          << " says otherwise (or was built before the last commit: "
          << "cmake --build again): " << Describe(r);
    }
    EXPECT_FALSE(absl::StrContains(r.out, "NDEBUG")) << Describe(r);
  }

  // `archivectl version` shows both, the server's from GetArchiveInfo.
  ProcessResult archived = RunProcess({ArchivedPath(), "--version"});
  std::string server_version = std::string(
      absl::StripAsciiWhitespace(absl::StripPrefix(archived.out, "archived ")));
  ProcessResult text = cli_->Run({"version"});
  ASSERT_EQ(text.exit_code, 0) << Describe(text);
  EXPECT_TRUE(absl::StrContains(text.out, "archivectl " + version))
      << Describe(text);
  EXPECT_TRUE(absl::StrContains(text.out, "archived " + server_version))
      << Describe(text);
  ProcessResult json = cli_->Run({"version", "--json"});
  ASSERT_EQ(json.exit_code, 0) << Describe(json);
  Json j = ParseJson(json);
  EXPECT_EQ(j.value("server_version", ""), server_version) << j.dump();
  EXPECT_TRUE(absl::StartsWith(j.value("client_version", ""), version))
      << j.dump();

  // Without a server the client's version is still printed; exit 5.
  ASSERT_EQ(server_->Stop(), 0);
  ProcessResult down = cli_->Run({"version"});
  EXPECT_EQ(down.exit_code, 5) << Describe(down);
  EXPECT_TRUE(absl::StrContains(down.out, "archivectl " + version))
      << Describe(down);
  ProcessResult down_json = cli_->Run({"version", "--json"});
  EXPECT_EQ(down_json.exit_code, 5) << Describe(down_json);
  EXPECT_TRUE(absl::StartsWith(ParseJson(down_json).value("client_version", ""),
                               version));
  EXPECT_EQ(ErrorOf(down_json).value("code", ""), "UNAVAILABLE");
}

TEST_F(CliConventions, NotFoundExits3) {
  Put(kText);
  ProcessResult get =
      cli_->Run({"get", "gx-no-such-doc", "-o", dir_.path() + "/x"});
  EXPECT_EQ(get.exit_code, 3) << Describe(get);
  ProcessResult history = cli_->Run({"history", "gx-no-such-doc", "--json"});
  EXPECT_EQ(history.exit_code, 3) << Describe(history);
  EXPECT_EQ(ErrorOf(history).value("code", ""), "NOT_FOUND");
  ProcessResult rev = cli_->Run({"statement", std::string(64, 'a')});
  EXPECT_EQ(rev.exit_code, 3) << Describe(rev);
}

TEST_F(CliConventions, FileThatDiffersExits4WithItsReport) {
  Put(kText);
  std::string changed = dir_.path() + "/changed.txt";
  WriteFileOrDie(changed, std::string(kText) + "第二条 篡改。\n");
  ProcessResult r = cli_->Run({"verify", changed, "--id", kCliConventionsDoc});
  EXPECT_EQ(r.exit_code, 4) << Describe(r);
  // --json: the verify report, with the error as its member.
  ProcessResult j =
      cli_->Run({"verify", changed, "--id", kCliConventionsDoc, "--json"});
  EXPECT_EQ(j.exit_code, 4) << Describe(j);
  EXPECT_EQ(ParseJson(j).value("matches", true), false) << Describe(j);
  EXPECT_EQ(ErrorOf(j).value("code", ""), "FAILED_PRECONDITION");
  // The same file verifies.
  EXPECT_EQ(cli_->Run({"verify", path_, "--id", kCliConventionsDoc}).exit_code,
            0);
}

TEST_F(CliConventions, UnreachableArchiveExits5) {
  ASSERT_EQ(server_->Stop(), 0);
  ProcessResult r = cli_->Run({"ls", "--json"});
  EXPECT_EQ(r.exit_code, 5) << Describe(r);
  EXPECT_EQ(ErrorOf(r).value("code", ""), "UNAVAILABLE");
}

TEST_F(CliConventions, MovedHeadExits7) {
  std::string first = Put(kText);
  Put(std::string(kText) + "修订一。\n");
  std::string path = dir_.path() + "/late.txt";
  WriteFileOrDie(path, std::string(kText) + "修订二。\n");
  ProcessResult r = cli_->Run(
      {"put", path, "--id", kCliConventionsDoc, "--parent", first, "--json"});
  EXPECT_EQ(r.exit_code, 7) << Describe(r);
  Json e = ErrorOf(r);
  EXPECT_EQ(e.value("code", ""), "ABORTED");
  EXPECT_TRUE(absl::StrContains(e.value("message", ""), "has moved"))
      << e.dump();
}

TEST_F(CliConventions, UsageExits2WithCodeUsage) {
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{{"put", path_, "--json"},
                                             {"frobnicate", "--json"},
                                             {"ls", "--bogus", "--json"},
                                             {"completion", "zsh", "--json"}}) {
    ProcessResult r = cli_->Run(args);
    EXPECT_EQ(r.exit_code, 2) << args[0] << ": " << Describe(r);
    EXPECT_EQ(ErrorOf(r).value("code", ""), "USAGE") << Describe(r);
  }
}

// Every command: `help COMMAND` is `COMMAND --help`, and names each flag the
// command takes (the completion script's list, from the same table) and the
// global ones, TLS included; the top-level help lists the exit codes.
TEST_F(CliConventions, HelpNamesEveryFlag) {
  ProcessResult top = cli_->Run({"help"});
  ASSERT_EQ(top.exit_code, 0) << Describe(top);
  EXPECT_EQ(top.out, cli_->Run({"--help"}).out);
  for (const char* want : {"Exit codes:", "7  conflict",
                           "5  archive "
                           "unreachable",
                           "--tls_ca", "--tls_cert", "--tls_key"}) {
    EXPECT_TRUE(absl::StrContains(top.out, want)) << want << "\n" << top.out;
  }
  ProcessResult script = cli_->Run({"completion", "bash"});
  ASSERT_EQ(script.exit_code, 0) << Describe(script);
  // Lines "    NAME) flags="--a --b"; words="..." ;;".
  std::regex line(R"re(^    ([a-z]+)\) flags="([^"]*)")re");
  int commands = 0;
  for (absl::string_view l : absl::StrSplit(script.out, '\n')) {
    std::string s(l);
    std::smatch m;
    if (!std::regex_search(s, m, line)) continue;
    ++commands;
    const std::string name = m[1];
    ProcessResult help = cli_->Run({"help", name});
    ASSERT_EQ(help.exit_code, 0) << name << ": " << Describe(help);
    EXPECT_EQ(help.out, cli_->Run({name, "--help"}).out) << name;
    for (absl::string_view flag :
         absl::StrSplit(m[2].str(), ' ', absl::SkipEmpty())) {
      EXPECT_TRUE(absl::StrContains(help.out, flag))
          << name << " takes " << flag << " but its help does not say so:\n"
          << help.out;
    }
    for (const char* global : {"--server", "--json", "--trust", "--tls_ca",
                               "--tls_cert", "--tls_key"}) {
      EXPECT_TRUE(absl::StrContains(help.out, global))
          << name << ": " << global;
    }
  }
  EXPECT_GE(commands, 20) << script.out;
}

// Runs `script` in bash after sourcing the completion script.
ProcessResult Bash(const std::string& dir, const std::string& script) {
  std::string path = dir + "/complete.sh";
  WriteFileOrDie(path, absl::StrCat("source <(\"", ArchivectlPath(),
                                    "\" completion bash) || exit 9\n", script));
  return RunProcess({"/usr/bin/env", "bash", "--norc", "--noprofile", path});
}

TEST_F(CliConventions, CompletionScriptCompletesCommandsAndFlags) {
  ProcessResult script = cli_->Run({"completion", "bash"});
  ASSERT_EQ(script.exit_code, 0) << Describe(script);
  std::string path = dir_.path() + "/completion.bash";
  WriteFileOrDie(path, script.out);
  ProcessResult syntax = RunProcess({"/usr/bin/env", "bash", "-n", path});
  EXPECT_EQ(syntax.exit_code, 0) << Describe(syntax);

  struct Case {
    std::string words;  // COMP_WORDS, the last one being completed
    std::string want;   // COMPREPLY, space-separated
  };
  const Case cases[] = {
      {"archivectl ver", "verify version"},
      {"archivectl --server 127.0.0.1:1 put --keep", "--keep-metadata"},
      {"archivectl get --tls_", "--tls_ca --tls_cert --tls_key"},
      {"archivectl help sta", "statement status"},
      {"archivectl completion ", "bash"},
      {"archivectl proof in", "inclusion"},
      {"archivectl --js", "--json"},
  };
  for (const Case& c : cases) {
    std::vector<std::string> words = absl::StrSplit(c.words, ' ');
    std::string array;
    for (const std::string& w : words) absl::StrAppend(&array, " '", w, "'");
    ProcessResult r = Bash(
        dir_.path(),
        absl::StrCat("COMP_WORDS=(", array, ")\nCOMP_CWORD=", words.size() - 1,
                     "\n_archivectl\necho \"${COMPREPLY[*]}\"\n"));
    ASSERT_EQ(r.exit_code, 0) << c.words << ": " << Describe(r);
    EXPECT_EQ(absl::StripAsciiWhitespace(r.out), c.want) << c.words;
  }
  // Registered for the archivectl command.
  ProcessResult registered = Bash(dir_.path(), "complete -p archivectl\n");
  EXPECT_TRUE(absl::StrContains(registered.out, "-F _archivectl archivectl"))
      << Describe(registered);
}

// Role refused under mutual TLS: exit 6 with PERMISSION_DENIED.
TEST(CliConventionsTls, RoleRefusedExits6) {
  TempDir dir;
  OfficeCerts certs{dir.path() + "/certs"};
  ASSERT_NO_FATAL_FAILURE(
      MakeCerts(certs.dir, "a.archive.test", {"reader-bob", "admin"}));
  std::string config = dir.path() + "/archived.textproto";
  WriteFileOrDie(config,
                 "roles { identity: \"reader-bob\" roles: \"reader\" }\n"
                 "roles { identity: \"admin\" roles: \"admin\" }\n");
  auto server = TestServer::Start(
      certs.MutualTlsServer("a.archive.test", config, "admin"));
  ASSERT_TRUE(server->running());
  Cli cli(server->address());
  std::string path = dir.path() + "/doc.txt";
  WriteFileOrDie(path, kText);
  std::vector<std::string> args = certs.CtlFlags("reader-bob");
  args.insert(args.end(), {"put", path, "--id", kCliConventionsDoc, "--json"});
  ProcessResult r = cli.Run(args);
  EXPECT_EQ(r.exit_code, 6) << Describe(r);
  EXPECT_EQ(ErrorOf(r).value("code", ""), "PERMISSION_DENIED");
  // The reader may read: version works and shows the server's.
  args = certs.CtlFlags("reader-bob");
  args.push_back("version");
  ProcessResult v = cli.Run(args);
  EXPECT_EQ(v.exit_code, 0) << Describe(v);
  EXPECT_TRUE(absl::StrContains(v.out, "archived " + CMakeVersion()))
      << Describe(v);
}

}  // namespace
}  // namespace archive::testing
