// archivectl check's output: the four-property report as readable text, and as
// JSON for records systems (the structure is documented in README.md, "The
// four-property check"; keys are only ever added, never renamed).
#ifndef ARCHIVE_CLIENTS_CLI_CHECK_REPORT_H_
#define ARCHIVE_CLIENTS_CLI_CHECK_REPORT_H_

#include <string>
#include <vector>

#include "clients/check/record_check.h"
#include "clients/cli/cli_output.h"

namespace archive {

struct CheckRun {
  std::string document_id;
  absl::Time checked_at;
  const ArchiveFacts* archive = nullptr;
  std::vector<RevisionReport> revisions;  // newest first

  Verdict verdict() const;
};

Json CheckRunJson(const CheckRun& run);
std::string CheckRunText(const CheckRun& run);
// One line naming the first failure, for archivectl's stderr: "revision
// 1a2b3c4d5e6f fails integrity (digest: ...)".
std::string FirstFailure(const CheckRun& run);

}  // namespace archive

#endif  // ARCHIVE_CLIENTS_CLI_CHECK_REPORT_H_
