// archivectl: the Policy Archive command-line client. Every document it writes
// and every statement or checkpoint it prints has been verified first (see
// verified_fetch.h).
#include <cstdlib>
#include <iostream>
#include <optional>
#include <set>

#include "absl/strings/str_cat.h"
#include "clients/api/archive_client.h"
#include "clients/api/verified_fetch.h"
#include "clients/cli/cli_args.h"
#include "clients/cli/command_table.h"
#include "clients/cli/commands.h"
#include "clients/cli/completion.h"
#include "clients/cli/exit_codes.h"
#include "clients/cli/json_error.h"
#include "storage/base/build_version.h"
#include "storage/base/freed_memory.h"
#include "storage/verify/trust_store.h"

namespace archive {
namespace cli {
namespace {

// Reports failure `s` (one line on stderr; with --json also the error object
// on stdout, after or within `printed`, the command's JSON output) and
// returns its exit code.
int Fail(const absl::Status& s, bool json, const std::string& printed = "") {
  const std::string message = OneLine(s.message());
  std::cerr << "archivectl: " << message << "\n";
  if (json) std::cout << JsonFailureOutput(printed, s, message);
  return ExitCodeFor(s);
}

// help [COMMAND] and completion bash: no archive involved.
int LocalCommand(const Args& args, bool json) {
  const std::vector<std::string>& p = args.positional();
  if (args.command() == "completion") {
    if (p[0] != "bash") {
      return Fail(Usage(absl::StrCat("completion: unknown shell \"", p[0],
                                     "\" (only bash)")),
                  json);
    }
    std::cout << BashCompletion("archivectl", Table());
    return kExitOk;
  }
  if (p.empty()) {
    PrintHelp();
    return kExitOk;
  }
  auto it = Commands().find(p[0]);
  if (it == Commands().end()) {
    return Fail(Usage(absl::StrCat("help: unknown command \"", p[0],
                                   "\" (see archivectl help)")),
                json);
  }
  PrintCommandHelp(it->second);
  return kExitOk;
}

// The document a failed command was about, for the conflict check below.
std::string DocumentOf(const Args& args) {
  if (args.Has("id")) return args.Get("id");
  static const std::set<std::string> by_position = {"get", "status", "check"};
  if (by_position.count(args.command()) && !args.positional().empty())
    return args.positional()[0];
  return "";
}

int Main(int argc, char** argv) {
  auto args = Args::Parse(argc, argv, AllFlags());
  if (!args.ok()) {
    bool json = false;
    for (int i = 1; i < argc; ++i) json |= std::string(argv[i]) == "--json";
    return Fail(WithExit(args.status(), kExitUsage), json);
  }
  const bool json = args->Has("json");
  if (args->Has("version")) {
    std::cout << VersionLine("archivectl") << "\n";
    return kExitOk;
  }
  if (args->command().empty()) {
    PrintHelp();
    return args->Has("help") ? kExitOk : kExitUsage;
  }
  auto it = Commands().find(args->command());
  if (it == Commands().end()) {
    return Fail(Usage(absl::StrCat("unknown command \"", args->command(),
                                   "\" (see archivectl --help)")),
                json);
  }
  const Command& cmd = it->second;
  if (args->Has("help")) {
    PrintCommandHelp(cmd);
    return kExitOk;
  }
  for (const char* flag :
       {"id", "title", "rev", "parent", "size", "output", "receipt", "dir",
        "revision", "plain", "chars", "words", "color"}) {
    if (args->Has(flag) && !cmd.flags.count(flag)) {
      return Fail(Usage(absl::StrCat("--", flag, " does not apply to ",
                                     args->command())),
                  json);
    }
  }
  size_t n = args->positional().size();
  if (n < cmd.min_positional || n > cmd.max_positional) {
    return Fail(Usage(absl::StrCat("usage: archivectl ", cmd.usage)), json);
  }
  if (!cmd.run) return LocalCommand(*args, json);
  const char* env_server = std::getenv("ARCHIVE_SERVER");
  std::string server = args->Get(
      "server", env_server && *env_server ? env_server : "127.0.0.1:7070");
  TlsFiles tls{args->Get("tls_ca"), args->Get("tls_cert"),
               args->Get("tls_key")};
  auto channel = ArchiveClient::Dial(server, tls);
  if (!channel.ok()) return Fail(WithExit(channel.status(), kExitUsage), json);
  ArchiveClient client(std::move(*channel));
  VerifyOptions options;
  std::string config = DefaultClientConfigDir();
  options.trust_file = args->Get("trust", config + "/trusted");
  options.allow_trust_on_first_use = !args->Has("trust");
  options.seen_dir = config + "/checkpoints";
  options.server_address = server;
  options.known_archives_file = config + "/known_archives";
  options.witness_policy_file = args->Get("witness_policy");
  options.notice = [](const std::string& line) {
    std::cerr << "archivectl: " << line << "\n";
  };
  auto verifier = VerifyingClient::Create(&client, options);
  if (!verifier.ok()) return Fail(verifier.status(), json);
  Context context{*args, json, client, *verifier, server, tls.enabled()};
  // With --json the output is held until the outcome is known, so that a
  // failure can join the command's report (json_error.h).
  std::optional<StdoutCapture> capture;
  if (json) capture.emplace();
  absl::Status s = cmd.run(context);
  if (absl::Status explained = ExplainTlsRefusal(s, server, tls);
      explained != s) {
    // The server refused the client's certificate, or wanted one.
    s = WithExit(std::move(explained), kExitNotPermitted);
  }
  s = MarkSeveralHeads(client, DocumentOf(*args), std::move(s));
  std::string printed = capture ? capture->Release() : "";
  if (!s.ok()) return Fail(s, json, printed);
  std::cout << printed;
  return kExitOk;
}

}  // namespace
}  // namespace cli
}  // namespace archive

int main(int argc, char** argv) {
  archive::KeepFreedMemoryForReuse();
  return archive::cli::Main(argc, argv);
}
