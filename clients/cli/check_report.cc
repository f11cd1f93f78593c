#include "clients/cli/check_report.h"

#include <array>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "storage/base/env.h"

namespace archive {
namespace {

constexpr Property kProperties[] = {Property::kAuthenticity,
                                    Property::kIntegrity, Property::kUsability,
                                    Property::kSecurity};

std::string Upper(Verdict v) { return absl::AsciiStrToUpper(VerdictName(v)); }

Json StringList(const google::protobuf::RepeatedPtrField<std::string>& list) {
  Json out = Json::array();
  for (const std::string& s : list) out.push_back(s);
  return out;
}

Json ArchiveJson(const ArchiveFacts& facts) {
  Json j;
  j["server"] = facts.server;
  j["connection_tls"] = facts.connection_tls;
  if (!facts.info_status.ok()) {
    j["error"] = StatusText(facts.info_status);
    return j;
  }
  const v1::GetArchiveInfoResponse& info = facts.info;
  j["origin"] = info.origin();
  j["verifier_key"] = info.verifier_key();
  j["log_size"] = info.log_size();
  j["transport"] = info.access().transport();
  j["caller"] = {{"identity", info.caller_identity()},
                 {"authenticated", info.caller_authenticated()},
                 {"roles", StringList(info.caller_roles())}};
  j["access"] = {{"readers", StringList(info.access().readers())},
                 {"archivists", StringList(info.access().archivists())},
                 {"peers", StringList(info.access().peers())},
                 {"admins", StringList(info.access().admins())}};
  if (!info.scrubbed()) {
    j["last_scrub"] = nullptr;
  } else {
    const v1::ScrubSummary& s = info.last_scrub();
    j["last_scrub"] = {{"started_at", s.started_at()},
                       {"finished_at", s.finished_at()},
                       {"revisions_checked", s.revisions_checked()},
                       {"blobs_checked", s.blobs_checked()},
                       {"bytes_checked", s.bytes_checked()},
                       {"damaged_blobs", s.damaged_blobs()},
                       {"repaired_blobs", s.repaired_blobs()},
                       {"log_problems", s.log_problems()},
                       {"clean", s.damaged_blobs() == s.repaired_blobs() &&
                                     s.log_problems() == 0}};
  }
  return j;
}

Json RevisionReportJson(const RevisionReport& r) {
  Json j;
  const v1::Revision& rev = r.revision;
  j["revision_id"] = rev.revision_id();
  j["head"] = r.head;
  j["status"] = rev.metadata().status();
  j["origin"] = rev.origin();
  j["submitted_by"] = rev.submitted_by();
  j["submitted_at"] = rev.submitted_at();
  j["result"] = VerdictName(r.verdict());
  Json properties;
  for (Property p : kProperties) {
    Json checks = Json::array();
    for (const Finding& f : r.of(p)) {
      checks.push_back({{"check", f.check},
                        {"result", VerdictName(f.verdict)},
                        {"detail", f.detail}});
    }
    properties[PropertyName(p)] = {{"name_zh", PropertyChineseName(p)},
                                   {"result", VerdictName(r.verdict(p))},
                                   {"checks", checks}};
  }
  j["properties"] = properties;
  Json missing = Json::array();
  for (const std::string& m : r.missing_metadata) missing.push_back(m);
  j["facts"] = {{"signer_key", r.signer_key},
                {"leaf_index", r.leaf_index},
                {"checkpoint_size", r.checkpoint_size},
                {"sha256", rev.sha256()},
                {"size", rev.size()},
                {"media_type", rev.metadata().media_type()},
                {"content_read", r.content_read},
                {"missing_metadata", missing}};
  return j;
}

// Revisions passing, warning and failing.
std::array<int, 3> VerdictCounts(const CheckRun& run) {
  std::array<int, 3> counts = {0, 0, 0};
  for (const RevisionReport& r : run.revisions)
    ++counts[static_cast<int>(r.verdict())];
  return counts;
}

}  // namespace

Verdict CheckRun::verdict() const {
  Verdict worst = Verdict::kPass;
  for (const RevisionReport& r : revisions)
    worst = std::max(worst, r.verdict());
  return worst;
}

Json CheckRunJson(const CheckRun& run) {
  Json j;
  j["document_id"] = run.document_id;
  j["checked_at"] = FormatRfc3339(absl::ToUnixSeconds(run.checked_at));
  j["result"] = VerdictName(run.verdict());
  std::array<int, 3> counts = VerdictCounts(run);
  j["summary"] = {{"revisions", run.revisions.size()},
                  {"pass", counts[0]},
                  {"warn", counts[1]},
                  {"fail", counts[2]}};
  j["archive"] = ArchiveJson(*run.archive);
  j["revisions"] = Json::array();
  for (const RevisionReport& r : run.revisions)
    j["revisions"].push_back(RevisionReportJson(r));
  return j;
}

std::string CheckRunText(const CheckRun& run) {
  const ArchiveFacts& a = *run.archive;
  std::string out =
      absl::StrCat("四性检测 four-property check of ", run.document_id, "\n");
  if (a.info_status.ok()) {
    absl::StrAppend(&out, "archive ", a.info.origin(), " at ", a.server,
                    ", log size ", a.info.log_size(), ", ",
                    a.info.access().transport(), "; checked ",
                    FormatRfc3339(absl::ToUnixSeconds(run.checked_at)), "\n");
  } else {
    absl::StrAppend(&out, "archive at ", a.server, "; checked ",
                    FormatRfc3339(absl::ToUnixSeconds(run.checked_at)), "\n");
  }
  for (const RevisionReport& r : run.revisions) {
    const v1::Revision& rev = r.revision;
    absl::StrAppend(&out, "\nrevision ", rev.revision_id(),
                    r.head ? "  (head)" : "", "\n  ", rev.metadata().status(),
                    ", submitted ", rev.submitted_at(), " by ",
                    rev.submitted_by(), " at ", rev.origin(), "\n");
    for (Property p : kProperties) {
      std::string name = PropertyName(p);
      name.resize(13, ' ');
      absl::StrAppend(&out, "  ", PropertyChineseName(p), " ", name,
                      Upper(r.verdict(p)), "\n");
      for (const Finding& f : r.of(p)) {
        std::string check = f.check;
        if (check.size() < 13) check.resize(13, ' ');
        absl::StrAppend(&out, "      ", VerdictName(f.verdict), "  ", check,
                        " ", f.detail, "\n");
      }
    }
    absl::StrAppend(&out, "  => ", Upper(r.verdict()), "\n");
  }
  std::array<int, 3> counts = VerdictCounts(run);
  absl::StrAppend(&out, "\nresult: ", Upper(run.verdict()), " (",
                  run.revisions.size(), " revision(s): ", counts[0], " pass, ",
                  counts[1], " warn, ", counts[2], " fail)\n");
  return out;
}

std::string FirstFailure(const CheckRun& run) {
  for (const RevisionReport& r : run.revisions) {
    for (Property p : kProperties) {
      for (const Finding& f : r.of(p)) {
        if (f.verdict != Verdict::kFail) continue;
        return absl::StrCat("revision ", r.revision.revision_id().substr(0, 12),
                            " fails ", PropertyName(p), " ",
                            PropertyChineseName(p), " (", f.check, ": ",
                            f.detail, ")");
      }
    }
  }
  return "";
}

}  // namespace archive
