#include "clients/cli/scrub_report.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "clients/cli/cli_output.h"

namespace archive {
namespace {

int Unrepaired(const v1::ScrubResponse& report) {
  int unrepaired = report.log_problems_size() + report.damaged_blocks_size();
  for (const v1::DamagedBlob& b : report.damaged()) {
    if (b.repaired_from().empty()) ++unrepaired;
  }
  for (const v1::DamagedRecord& r : report.damaged_records()) {
    if (r.repaired_from().empty()) ++unrepaired;
  }
  return unrepaired;
}

Json ReportJson(const v1::ScrubResponse& report) {
  Json j;
  j["revisions_checked"] = report.revisions_checked();
  j["blobs_checked"] = report.blobs_checked();
  j["bytes_checked"] = report.bytes_checked();
  j["damaged"] = Json::array();
  for (const v1::DamagedBlob& b : report.damaged()) {
    Json d;
    d["sha256"] = b.sha256();
    d["size"] = b.size();
    d["problem"] = b.problem();
    d["repaired_from"] = b.repaired_from();
    d["documents"] = Json::array();
    for (const std::string& doc : b.documents()) d["documents"].push_back(doc);
    j["damaged"].push_back(d);
  }
  j["damaged_records"] = Json::array();
  for (const v1::DamagedRecord& r : report.damaged_records()) {
    j["damaged_records"].push_back({{"leaf_index", r.leaf_index()},
                                    {"revision_id", r.revision_id()},
                                    {"problem", r.problem()},
                                    {"repaired_from", r.repaired_from()}});
  }
  j["damaged_blocks"] = Json::array();
  for (const std::string& b : report.damaged_blocks())
    j["damaged_blocks"].push_back(b);
  j["store_rewritten"] = report.store_rewritten();
  j["log_problems"] = Json::array();
  for (const std::string& p : report.log_problems())
    j["log_problems"].push_back(p);
  return j;
}

void PrintText(const v1::ScrubResponse& report, std::ostream& out) {
  out << "checked " << report.revisions_checked() << " revisions, "
      << report.blobs_checked() << " blobs ("
      << HumanSize(report.bytes_checked()) << " intact)\n";
  for (const v1::DamagedBlob& b : report.damaged()) {
    out << "damaged sha256:" << b.sha256() << " ("
        << absl::StrJoin(b.documents(), ", ") << "): " << b.problem();
    if (!b.repaired_from().empty())
      out << "; repaired from " << b.repaired_from();
    out << "\n";
  }
  for (const v1::DamagedRecord& r : report.damaged_records()) {
    out << "damaged record of revision " << r.revision_id() << " (log entry "
        << r.leaf_index() << "): " << r.problem();
    if (!r.repaired_from().empty())
      out << "; restored from " << r.repaired_from();
    out << "\n";
  }
  if (report.store_rewritten()) {
    out << "metadata store rewritten without its damaged blocks, then "
           "scrubbed again\n";
  }
  for (const std::string& b : report.damaged_blocks())
    out << "damaged block in the metadata store: " << b << "\n";
  for (const std::string& p : report.log_problems())
    out << "log: " << p << "\n";
}

}  // namespace

absl::Status PrintScrubReport(const v1::ScrubResponse& report, bool json,
                              bool repaired, std::ostream& out) {
  if (json) {
    out << ReportJson(report).dump() << "\n";
  } else {
    PrintText(report, out);
  }
  int unrepaired = Unrepaired(report);
  if (unrepaired == 0) return absl::OkStatus();
  return absl::DataLossError(absl::StrCat(unrepaired, " problem(s) remain",
                                          repaired ? "" : " (try --repair)"));
}

}  // namespace archive
