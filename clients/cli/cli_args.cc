#include "clients/cli/cli_args.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace archive {

absl::StatusOr<Args> Args::Parse(int argc, char** argv, const FlagSpec& spec) {
  Args args;
  bool flags_done = false;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (flags_done || arg == "-" || arg.size() < 2 || arg[0] != '-') {
      if (args.command_.empty()) {
        args.command_ = arg;
      } else {
        args.positional_.push_back(arg);
      }
      continue;
    }
    if (arg == "--") {
      flags_done = true;
      continue;
    }
    std::string name, value;
    bool has_value = false;
    if (auto alias = spec.aliases.find(arg); alias != spec.aliases.end()) {
      name = alias->second;
    } else if (absl::StartsWith(arg, "--")) {
      name = arg.substr(2);
      if (size_t eq = name.find('='); eq != std::string::npos) {
        value = name.substr(eq + 1);
        name = name.substr(0, eq);
        has_value = true;
      }
    } else {
      return absl::InvalidArgumentError(absl::StrCat("unknown option ", arg));
    }
    if (spec.boolean.count(name)) {
      if (has_value) {
        return absl::InvalidArgumentError(
            absl::StrCat("--", name, " takes no value"));
      }
      args.values_.emplace(name, "true");
    } else if (spec.with_value.count(name)) {
      if (!has_value) {
        if (i + 1 >= argc) {
          return absl::InvalidArgumentError(
              absl::StrCat("--", name, " needs a value"));
        }
        value = argv[++i];
      }
      args.values_.emplace(name, value);
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat("unknown option ", arg, " (see archivectl --help)"));
    }
  }
  return args;
}

std::string Args::Get(const std::string& flag,
                      const std::string& fallback) const {
  auto range = values_.equal_range(flag);
  if (range.first == range.second) return fallback;
  return std::prev(range.second)->second;
}

std::vector<std::string> Args::GetAll(const std::string& flag) const {
  std::vector<std::string> out;
  auto range = values_.equal_range(flag);
  for (auto it = range.first; it != range.second; ++it)
    out.push_back(it->second);
  return out;
}

}  // namespace archive
