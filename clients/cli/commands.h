// archivectl's commands: what each one is given, and the helpers the command
// families share. Internal to clients/cli (archivectl_main.cc runs them,
// command_table.cc lists them).
//
// A command runs once, on the main thread, and reports through its return
// value: OK, or a Status whose exit code exit_codes.h derives. It prints its
// result to stdout (JSON with --json; Main holds that output until the outcome
// is known) and progress or notices to stderr. Nothing it prints about the
// archive's content has escaped verification (verified_fetch.h), except where
// --no-verify says so.
#ifndef ARCHIVE_CLIENTS_CLI_COMMANDS_H_
#define ARCHIVE_CLIENTS_CLI_COMMANDS_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "archive/v1/archive.pb.h"
#include "clients/api/archive_client.h"
#include "clients/api/verified_fetch.h"
#include "clients/cli/cli_args.h"
#include "clients/cli/cli_output.h"

namespace archive {
namespace cli {

// What a command runs with; every reference outlives the command.
struct Context {
  const Args& args;
  bool json;
  ArchiveClient& client;
  VerifyingClient& verifier;
  std::string server;  // HOST:PORT
  bool tls;            // the connection uses TLS
};

// Prints `j` as one line on stdout.
void PrintJson(const Json& j);

// `message` with line breaks turned into spaces: errors are one line.
std::string OneLine(absl::string_view message);

// The user's mistake in calling archivectl: exit 2 (exit_codes.h).
absl::Status Usage(const std::string& message);

// The single head of `doc`, or why there is none to build on (exit 7 when
// it has several).
absl::StatusOr<v1::Revision> SingleHead(Context& c, const std::string& doc);

// `reply`'s receipt, verified for `doc` and its revision; DATA_LOSS if it
// does not verify. A put is reported only once its receipt verifies.
absl::StatusOr<VerifiedReceipt> VerifyPutReceipt(Context& c,
                                                 const std::string& doc,
                                                 const v1::PutResponse& reply);

// put_get_commands.cc: writing, reading and checking one document.
absl::Status RunPut(Context& c);
absl::Status RunGet(Context& c);
absl::Status RunVerify(Context& c);

// browse_commands.cc: what the archive holds.
absl::Status RunHistory(Context& c);
absl::Status RunList(Context& c);
absl::Status RunStatus(Context& c);
absl::Status RunRelations(Context& c);
absl::Status RunSearch(Context& c);
absl::Status RunDiff(Context& c);

// log_commands.cc: the signed log itself.
absl::Status RunStatement(Context& c);
absl::Status RunCheckpoint(Context& c);
absl::Status RunProof(Context& c);
absl::Status RunVersion(Context& c);

// admin_commands.cc: whole-archive work.
absl::Status RunImport(Context& c);
absl::Status RunSync(Context& c);
absl::Status RunScrub(Context& c);
absl::Status RunCheck(Context& c);
absl::Status RunExport(Context& c);

// backup_command.cc: an online backup of the whole archive.
absl::Status RunBackup(Context& c);

}  // namespace cli
}  // namespace archive

#endif  // ARCHIVE_CLIENTS_CLI_COMMANDS_H_
