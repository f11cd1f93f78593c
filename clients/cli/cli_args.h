// Command-line parsing for archivectl: a command name, positional arguments and
// --flags, where global flags may come before or after the command name.
#ifndef ARCHIVE_CLIENTS_CLI_CLI_ARGS_H_
#define ARCHIVE_CLIENTS_CLI_CLI_ARGS_H_

#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace archive {

struct FlagSpec {
  std::set<std::string> with_value;            // --name VALUE or --name=VALUE
  std::set<std::string> boolean;               // --name
  std::map<std::string, std::string> aliases;  // "-o" -> "output"
};

class Args {
 public:
  // argv[0] is skipped. The first positional argument is the command (and for
  // "proof", the first two). Unknown flags are an error naming the flag.
  static absl::StatusOr<Args> Parse(int argc, char** argv,
                                    const FlagSpec& spec);

  const std::string& command() const { return command_; }
  const std::vector<std::string>& positional() const { return positional_; }
  bool Has(const std::string& flag) const { return values_.count(flag) > 0; }
  // The last value given, or `fallback`.
  std::string Get(const std::string& flag,
                  const std::string& fallback = "") const;
  // Every value given, in order (for repeatable flags like --parent).
  std::vector<std::string> GetAll(const std::string& flag) const;

 private:
  std::string command_;
  std::vector<std::string> positional_;
  std::multimap<std::string, std::string> values_;
};

}  // namespace archive

#endif  // ARCHIVE_CLIENTS_CLI_CLI_ARGS_H_
