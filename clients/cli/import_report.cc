#include "clients/cli/import_report.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"

namespace archive {
namespace {

const char* OutcomeName(RowResult::Outcome outcome) {
  switch (outcome) {
    case RowResult::Outcome::kImported:
      return "imported";
    case RowResult::Outcome::kPresent:
      return "present";
    case RowResult::Outcome::kFailed:
      return "failed";
  }
  return "failed";
}

// "raw" for "raw/<id>.txt"; "revision" for a file of the flat layout.
std::string KindOf(const std::string& label) {
  size_t slash = label.find('/');
  return slash == std::string::npos ? "revision" : label.substr(0, slash);
}

const char* RevisionChoiceName(RevisionChoice choice) {
  switch (choice) {
    case RevisionChoice::kRaw:
      return "raw";
    case RevisionChoice::kClean:
      return "clean";
    case RevisionChoice::kBoth:
      return "both";
  }
  return "";
}

}  // namespace

void ImportReport::Row(const ManifestRow& row, const RowResult& result) {
  bytes_checked_ += result.bytes_checked;
  bytes_sent_ += result.bytes_sent;
  for (const RowResult::Put& put : result.puts) revisions_ += put.created;
  switch (result.outcome) {
    case RowResult::Outcome::kImported:
      ++imported_;
      break;
    case RowResult::Outcome::kPresent:
      ++present_;
      break;
    case RowResult::Outcome::kFailed:
      failures_.push_back(
          absl::StrCat("row ", row.row, " (line ", row.line, ") ", row.id));
      break;
  }
  if (json_) {
    Json j;
    j["row"] = row.row;
    j["line"] = row.line;
    j["id"] = row.id;
    j["outcome"] = OutcomeName(result.outcome);
    j["revisions"] = Json::array();
    for (const RowResult::Put& put : result.puts) {
      j["revisions"].push_back({{"file", put.label},
                                {"revision_id", put.revision_id},
                                {"created", put.created}});
    }
    if (!result.head.empty()) j["head"] = result.head;
    if (!result.error.empty()) j["error"] = result.error;
    rows_.push_back(j);
    return;
  }
  if (result.outcome == RowResult::Outcome::kFailed) {
    *out_ << "FAILED    row " << row.row << " " << row.id << ": "
          << result.error << "\n";
    return;
  }
  *out_ << absl::StrFormat("%-9s %-34s", OutcomeName(result.outcome), row.id);
  if (result.puts.empty()) *out_ << " head " << result.head.substr(0, 12);
  for (const RowResult::Put& put : result.puts) {
    *out_ << " " << KindOf(put.label) << " " << put.revision_id.substr(0, 12);
  }
  *out_ << "\n";
}

void ImportReport::NotAttempted(const ManifestRow& row) {
  ++not_attempted_;
  failures_.push_back(absl::StrCat("row ", row.row, " (line ", row.line, ") ",
                                   row.id, " (not attempted)"));
  if (json_) {
    rows_.push_back({{"row", row.row},
                     {"line", row.line},
                     {"id", row.id},
                     {"outcome", "not_attempted"}});
  }
}

absl::Status ImportReport::Finish(const std::string& manifest,
                                  const ImportLayout& layout) {
  const int failed = static_cast<int>(failures_.size()) - not_attempted_;
  const int rows = imported_ + present_ + failed + not_attempted_;
  if (json_) {
    Json j;
    j["manifest"] = manifest;
    j["dir"] = layout.dir;
    j["layout"] = layout.raw_and_clean ? "raw+clean" : "flat";
    j["revision"] = RevisionChoiceName(layout.revision);
    j["rows"] = rows_;
    j["imported"] = imported_;
    j["present"] = present_;
    j["failed"] = failed;
    j["not_attempted"] = not_attempted_;
    j["revisions_created"] = revisions_;
    j["bytes_checked"] = bytes_checked_;
    j["bytes_sent"] = bytes_sent_;
    *out_ << j.dump() << "\n";
  } else {
    *out_ << rows << " documents: " << imported_ << " imported, " << present_
          << " already present, " << failed << " failed";
    if (not_attempted_ > 0) *out_ << ", " << not_attempted_ << " not attempted";
    *out_ << "; " << revisions_ << " revisions stored, "
          << HumanSize(bytes_sent_) << " sent, " << HumanSize(bytes_checked_)
          << " checked against " << manifest << "\n";
  }
  if (failures_.empty()) return absl::OkStatus();
  return absl::FailedPreconditionError(absl::StrCat(
      failures_.size(), " of ", rows,
      " rows not imported: ", absl::StrJoin(failures_, ", "),
      not_attempted_ > 0 ? "; the archive did not answer or refused access, "
                           "so later rows were not attempted: run the import "
                           "again to resume"
                         : ""));
}

}  // namespace archive
