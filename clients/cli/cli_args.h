// Command-line parsing for archivectl: a command name, positional arguments and
// --flags, where global flags may come before or after the command name.
//
// Thread-safe: Parse keeps no state, and a parsed Args is never changed, so its
// const methods may be called concurrently. Args copies what it keeps; argv
// and the FlagSpec need not outlive it.
//
// Errors: Parse returns INVALID_ARGUMENT for an unknown option, a boolean flag
// given a value, or a flag that takes a value given last with none; nothing
// else fails.
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
  // argv[0] is skipped. The first positional argument is the command; the
  // rest are positional() (for "proof", its "inclusion" or "consistency" is
  // positional()[0]: nothing here treats a command specially). Unknown flags
  // are an error naming the flag. After "--" every argument is positional;
  // "-" alone is positional. An alias takes no "=VALUE".
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
