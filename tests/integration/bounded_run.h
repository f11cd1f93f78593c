// archivectl runs that must not hang or eat the machine's memory even when the
// code under test misbehaves (reads /dev/zero, blocks on a FIFO): the run is
// killed after `seconds` and its address space is capped, so a test of such a
// defect fails instead of taking the test run down with it.
#ifndef ARCHIVE_TESTS_INTEGRATION_BOUNDED_RUN_H_
#define ARCHIVE_TESTS_INTEGRATION_BOUNDED_RUN_H_

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "tests/integration/test_harness.h"

namespace archive::testing {

// As cli.Run(args) against `server`, but killed (exit 124 or 137) after
// `seconds` and limited to 2 GiB of address space.
inline ProcessResult RunBounded(const Cli& cli, const std::string& server,
                                const std::vector<std::string>& args,
                                int seconds = 30) {
  std::vector<std::string> argv = {
      "/bin/sh", "-c",
      absl::StrCat("ulimit -v 2097152; exec timeout -s KILL ", seconds,
                   " \"$@\""),
      "sh", ArchivectlPath()};
  argv.insert(argv.end(), args.begin(), args.end());
  return RunProcess(argv, {{"XDG_CONFIG_HOME", cli.config_home()},
                           {"ARCHIVE_SERVER", server}});
}

}  // namespace archive::testing

#endif  // ARCHIVE_TESTS_INTEGRATION_BOUNDED_RUN_H_
