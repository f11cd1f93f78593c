// What archivectl import prints: a line per manifest row as it finishes and a
// summary at the end, or all of it as one JSON document with --json.
#ifndef ARCHIVE_CLIENTS_CLI_IMPORT_REPORT_H_
#define ARCHIVE_CLIENTS_CLI_IMPORT_REPORT_H_

#include <cstdint>
#include <ostream>
#include <string>

#include "absl/status/status.h"
#include "clients/bulk/bulk_import.h"
#include "clients/bulk/manifest.h"
#include "clients/cli/cli_output.h"

namespace archive {

// Not thread-safe: report rows from one thread, in order. `out` is not owned
// and must outlive the report; nothing is written to it in JSON mode until
// Finish.
class ImportReport {
 public:
  ImportReport(bool json, std::ostream* out) : json_(json), out_(out) {}

  void Row(const ManifestRow& row, const RowResult& result);
  // A row left alone because an earlier one stopped the import
  // (RowResult::stops_import).
  void NotAttempted(const ManifestRow& row);

  // Prints the summary (or the JSON document). OK if every row was imported
  // or already present; otherwise FAILED_PRECONDITION naming each failed row
  // by row number, line and id (rows not attempted included). Call it once.
  absl::Status Finish(const std::string& manifest, const ImportLayout& layout);

 private:
  bool json_;
  std::ostream* out_;
  Json rows_ = Json::array();
  int imported_ = 0, present_ = 0, not_attempted_ = 0, revisions_ = 0;
  std::vector<std::string> failures_;  // "row 3 (line 4) gx-…"
  uint64_t bytes_checked_ = 0, bytes_sent_ = 0;
};

}  // namespace archive

#endif  // ARCHIVE_CLIENTS_CLI_IMPORT_REPORT_H_
