// What archivectl scrub prints: what the archive checked, each damaged blob
// and metadata record (and the peer that repaired it), each damaged block
// still in the store and every other problem, or all of it as JSON.
#ifndef ARCHIVE_CLIENTS_CLI_SCRUB_REPORT_H_
#define ARCHIVE_CLIENTS_CLI_SCRUB_REPORT_H_

#include <ostream>

#include "absl/status/status.h"
#include "archive/v1/archive.pb.h"

namespace archive {

// Prints `report` to `out`. OK if nothing is left damaged; DATA_LOSS saying
// how many problems remain (and to try --repair if `repaired` is false).
absl::Status PrintScrubReport(const v1::ScrubResponse& report, bool json,
                              bool repaired, std::ostream& out);

}  // namespace archive

#endif  // ARCHIVE_CLIENTS_CLI_SCRUB_REPORT_H_
