// archivectl's command table: every command's usage, help, flags and how many
// arguments it takes, and the help and completion built from it. Internal to
// clients/cli. The table is built once, on first use, and never changes, so
// it may be read from any thread.
#ifndef ARCHIVE_CLIENTS_CLI_COMMAND_TABLE_H_
#define ARCHIVE_CLIENTS_CLI_COMMAND_TABLE_H_

#include <functional>
#include <map>
#include <set>
#include <string>

#include "absl/status/status.h"
#include "clients/cli/cli_args.h"
#include "clients/cli/commands.h"
#include "clients/cli/completion.h"

namespace archive {
namespace cli {

struct Command {
  const char* usage;
  const char* help;
  std::set<std::string> flags;  // command-specific flags allowed
  size_t min_positional, max_positional;
  // Null for the commands that need no archive (help, completion).
  std::function<absl::Status(Context&)> run;
};

// Every command, by name.
const std::map<std::string, Command>& Commands();

// The flags any command accepts, for Args::Parse: the global ones and each
// command's.
FlagSpec AllFlags();

// The command table as help and completion see it (completion.h).
CliTable Table();

// archivectl --help: the commands, the global options and the exit codes.
void PrintHelp();

// archivectl COMMAND --help.
void PrintCommandHelp(const Command& cmd);

}  // namespace cli
}  // namespace archive

#endif  // ARCHIVE_CLIENTS_CLI_COMMAND_TABLE_H_
