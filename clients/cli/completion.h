// archivectl's command table as --help and the shell see it: each command's
// name and flags, and the global flags. `archivectl help`, `COMMAND --help` and
// `archivectl completion bash` are all generated from it, so a flag the parser
// accepts cannot be missing from one of them.
#ifndef ARCHIVE_CLIENTS_CLI_COMPLETION_H_
#define ARCHIVE_CLIENTS_CLI_COMPLETION_H_

#include <set>
#include <string>
#include <vector>

namespace archive {

struct CommandFlags {
  std::string name;                // "put"
  std::vector<std::string> flags;  // without "--": "id", "title", ...
  std::vector<std::string> words;  // fixed first arguments ("inclusion")
};

struct CliTable {
  std::vector<CommandFlags> commands;
  std::vector<std::string> global_flags;  // without "--"
  std::set<std::string> with_value;       // flags that take a value
};

// "--id DOC"-style list of a command's flags for its --help: "--id, --rev".
std::string FlagList(const std::vector<std::string>& flags);

// A bash completion script for `program`: commands first, then the command's
// flags and the global flags; after a flag that takes a value, and for other
// arguments, bash's default (file names).
std::string BashCompletion(const std::string& program, const CliTable& table);

}  // namespace archive

#endif  // ARCHIVE_CLIENTS_CLI_COMPLETION_H_
