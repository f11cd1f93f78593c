#include "clients/check/record_check.h"

#include <algorithm>
#include <optional>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "clients/check/media_check.h"
#include "storage/base/env.h"
#include "storage/base/hex.h"
#include "storage/base/sha256.h"
#include "storage/verify/receipt_checker.h"

namespace archive {
namespace {

std::string Short(const std::string& revision_id) {
  return revision_id.substr(0, 12);
}

std::string ListOrNobody(
    const google::protobuf::RepeatedPtrField<std::string>& identities) {
  return identities.empty() ? "nobody" : absl::StrJoin(identities, ", ");
}

bool Contains(const google::protobuf::RepeatedPtrField<std::string>& list,
              const std::string& item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

// The statement as far as it could be established: verified if the signature
// checked out, else the server's unverified description (said so in details).
struct StatementView {
  Statement statement;
  bool verified = false;
};

StatementView ViewOf(const std::optional<VerifiedStatement>& verified,
                     const v1::Revision& r) {
  if (verified.has_value()) return {verified->statement, true};
  StatementView view;
  Statement& s = view.statement;
  s.origin = r.origin();
  s.document = r.document_id();
  s.parents.assign(r.parents().begin(), r.parents().end());
  s.content_sha256 = r.sha256();
  s.content_size = r.size();
  s.media_type = r.metadata().media_type();
  s.status = r.metadata().status();
  s.title = r.metadata().title();
  s.issuer = r.metadata().issuer();
  s.number = r.metadata().number();
  s.date = r.metadata().date();
  s.submitted_by = r.submitted_by();
  s.submitted_at = r.submitted_at();
  return view;
}

std::optional<absl::Time> ParseTimestamp(const std::string& rfc3339) {
  absl::Time t;
  std::string error;
  if (!absl::ParseTime("%Y-%m-%dT%H:%M:%SZ", rfc3339, absl::UTCTimeZone(), &t,
                       &error)) {
    return std::nullopt;
  }
  return t;
}

}  // namespace

const char* PropertyName(Property p) {
  switch (p) {
    case Property::kAuthenticity:
      return "authenticity";
    case Property::kIntegrity:
      return "integrity";
    case Property::kUsability:
      return "usability";
    case Property::kSecurity:
      return "security";
  }
  return "?";
}

const char* PropertyChineseName(Property p) {
  switch (p) {
    case Property::kAuthenticity:
      return "真实性";
    case Property::kIntegrity:
      return "完整性";
    case Property::kUsability:
      return "可用性";
    case Property::kSecurity:
      return "安全性";
  }
  return "?";
}

Verdict RevisionReport::verdict() const {
  Verdict worst = Verdict::kPass;
  for (const auto& list : findings) worst = std::max(worst, Worst(list));
  return worst;
}

std::string StatusText(const absl::Status& status) {
  return absl::StrCat(absl::StatusCodeToString(status.code()), ": ",
                      status.message());
}

RecordChecker RecordChecker::Open(ArchiveClient* client,
                                  VerifyingClient* verifier,
                                  CheckOptions options) {
  RecordChecker checker(client, verifier, std::move(options));
  checker.LearnArchive();
  return checker;
}

void RecordChecker::LearnArchive() {
  facts_.server = options_.server;
  facts_.connection_tls = options_.connection_tls;
  auto info = client_->GetArchiveInfo();
  facts_.info_status = info.status();
  if (info.ok()) facts_.info = std::move(*info);
  // What this client remembered before this run, so the report can say which
  // checkpoint the current one was proven consistent with.
  if (facts_.info_status.ok()) {
    SeenCheckpoints seen(verifier_->options().seen_dir);
    auto note = seen.Load(facts_.info.origin());
    if (note.ok() && note->has_value()) {
      auto cp = ReceiptChecker(&verifier_->trust()).CheckCheckpoint(**note);
      if (cp.ok()) {
        facts_.seen_before = true;
        facts_.seen_before_size = cp->size;
      }
    }
  }
  auto latest = verifier_->LatestCheckpoint();
  facts_.checkpoint_status = latest.status();
  if (latest.ok()) facts_.checkpoint_size = latest->size;
  facts_.security = SecurityFindings();
}

std::vector<Finding> RecordChecker::SecurityFindings() const {
  std::vector<Finding> findings;
  if (!facts_.info_status.ok()) {
    findings.push_back({"connection",
                        facts_.connection_tls ? Verdict::kPass : Verdict::kWarn,
                        facts_.connection_tls ? "TLS" : "plaintext (no TLS)"});
    findings.push_back({"archive-info", Verdict::kFail,
                        absl::StrCat("the archive's access policy and scrub "
                                     "record are unavailable: ",
                                     StatusText(facts_.info_status))});
    return findings;
  }
  const v1::GetArchiveInfoResponse& info = facts_.info;
  const v1::AccessPolicy& access = info.access();
  const std::string& transport = access.transport();
  std::string you =
      absl::StrCat("you are ", info.caller_identity(),
                   info.caller_authenticated() ? " (certificate)" : "",
                   " with role(s) ", absl::StrJoin(info.caller_roles(), ", "));
  if (transport == "plaintext-loopback") {
    findings.push_back(
        {"connection", Verdict::kWarn,
         "plaintext on loopback (no TLS): traffic is not encrypted and no "
         "caller is authenticated"});
  } else if (transport == "mutual-tls") {
    findings.push_back(
        {"connection", Verdict::kPass, absl::StrCat("mutual TLS; ", you)});
  } else {
    findings.push_back(
        {"connection", Verdict::kPass,
         "TLS without client certificates: every caller is anonymous"});
  }

  std::string who = absl::StrCat(
      "read: ", ListOrNobody(access.readers()),
      "; archive (put): ", ListOrNobody(access.archivists()),
      "; sync (read log and blobs): ", ListOrNobody(access.peers()),
      "; administer (sync, scrub): ", ListOrNobody(access.admins()),
      " — roles apply archive-wide; ", you);
  if (transport == "plaintext-loopback") {
    findings.push_back(
        {"access", Verdict::kWarn,
         absl::StrCat("every user of the server's machine may read, archive, "
                      "sync and administer, as \"local\", unauthenticated; ",
                      you)});
  } else if (Contains(access.archivists(), "anonymous") ||
             Contains(access.admins(), "anonymous")) {
    findings.push_back(
        {"access", Verdict::kFail,
         absl::StrCat("anyone who can connect may change the archive: "
                      "\"anonymous\" may archive or administer (",
                      who, ")")});
  } else if (Contains(access.archivists(), "*") ||
             Contains(access.admins(), "*")) {
    findings.push_back(
        {"access", Verdict::kWarn,
         absl::StrCat("every client certificate from the CA may archive or "
                      "administer (\"*\"): ",
                      who)});
  } else {
    findings.push_back({"access", Verdict::kPass, who});
  }

  if (!info.scrubbed()) {
    findings.push_back(
        {"scrub", Verdict::kWarn,
         "never scrubbed: nobody has re-hashed the stored copies; an admin "
         "should run archivectl scrub"});
    return findings;
  }
  const v1::ScrubSummary& scrub = info.last_scrub();
  std::string when = absl::StrCat("last scrubbed ", scrub.finished_at());
  std::optional<absl::Time> finished = ParseTimestamp(scrub.finished_at());
  bool clean = scrub.damaged_blobs() == scrub.repaired_blobs() &&
               scrub.log_problems() == 0;
  if (!clean) {
    findings.push_back(
        {"scrub", Verdict::kWarn,
         absl::StrCat(when, ": found ", scrub.damaged_blobs(),
                      " damaged blob(s), ", scrub.repaired_blobs(),
                      " repaired, and ", scrub.log_problems(),
                      " log problem(s); run archivectl scrub --repair")});
  } else if (!finished.has_value() ||
             options_.now - *finished > options_.scrub_max_age) {
    findings.push_back(
        {"scrub", Verdict::kWarn,
         absl::StrCat(when, ", more than ",
                      absl::ToInt64Hours(options_.scrub_max_age) / 24,
                      " days ago: scrub again")});
  } else {
    findings.push_back(
        {"scrub", Verdict::kPass,
         absl::StrCat(when, ": ", scrub.revisions_checked(), " revisions and ",
                      scrub.blobs_checked(), " blobs checked, ",
                      scrub.damaged_blobs() == 0
                          ? "all intact"
                          : absl::StrCat("all ", scrub.damaged_blobs(),
                                         " damaged blob(s) repaired"))});
  }
  return findings;
}

namespace {

// Authenticity of the statement itself: signature, revision id, document.
void CheckSignature(const RevisionReport& in,
                    const absl::StatusOr<VerifiedStatement>& verified,
                    const TrustStore& trust, std::vector<Finding>* out,
                    std::string* signer_key) {
  const v1::Revision& r = in.revision;
  if (!verified.ok()) {
    out->push_back(
        {"signature", Verdict::kFail, StatusText(verified.status())});
    return;
  }
  const VerifierKey* key = trust.Find(verified->statement.origin);
  *signer_key = key != nullptr ? key->ToString() : "";
  out->push_back({"signature", Verdict::kPass,
                  absl::StrCat("signed by ", verified->statement.origin,
                               " with trusted key ", *signer_key)});
  if (verified->revision_id != r.revision_id() ||
      verified->statement.document != r.document_id()) {
    out->push_back(
        {"revision-id", Verdict::kFail,
         absl::StrCat("the statement is revision ", verified->revision_id,
                      " of ", verified->statement.document, ", not ",
                      r.revision_id(), " of ", r.document_id())});
  } else {
    out->push_back({"revision-id", Verdict::kPass,
                    "the statement's SHA-256 is the revision id"});
  }
}

}  // namespace

void RecordChecker::CheckProvenance(const Statement& st, bool verified,
                                    std::vector<Finding>* out) {
  std::string qualifier = verified ? "" : " (unverified statement)";
  std::vector<std::string> missing;
  if (st.origin.empty()) missing.push_back("origin");
  if (st.submitted_by.empty()) missing.push_back("submitted-by");
  if (st.submitted_at.empty()) missing.push_back("submitted-at");
  if (!missing.empty()) {
    out->push_back(
        {"provenance", Verdict::kFail,
         absl::StrCat("missing ", absl::StrJoin(missing, ", "), qualifier)});
  } else {
    out->push_back(
        {"provenance", Verdict::kPass,
         absl::StrCat("origin ", st.origin, ", submitted by ", st.submitted_by,
                      " at ", st.submitted_at, qualifier)});
  }
  if (absl::StartsWith(st.submitted_by, "local") ||
      st.submitted_by == "anonymous") {
    out->push_back(
        {"submitter", Verdict::kWarn,
         absl::StrCat("submitted by \"", st.submitted_by,
                      "\": without mutual TLS nobody vouched for who "
                      "submitted it")});
  } else if (!st.submitted_by.empty()) {
    out->push_back(
        {"submitter", Verdict::kPass,
         absl::StrCat(st.submitted_by, " is a certificate identity")});
  }
  std::optional<absl::Time> at = ParseTimestamp(st.submitted_at);
  if (!at.has_value()) {
    out->push_back({"submitted-at", Verdict::kFail,
                    absl::StrCat("\"", st.submitted_at,
                                 "\" is not an RFC 3339 UTC time")});
  } else if (*at > options_.now + options_.clock_skew) {
    out->push_back(
        {"submitted-at", Verdict::kFail,
         absl::StrCat(st.submitted_at, " is in the future (now ",
                      FormatRfc3339(absl::ToUnixSeconds(options_.now)), ")")});
  } else {
    out->push_back({"submitted-at", Verdict::kPass, "not in the future"});
  }
  CheckParents(st, at, out);
}

void RecordChecker::CheckParents(const Statement& st,
                                 std::optional<absl::Time> submitted_at,
                                 std::vector<Finding>* out) {
  if (st.parents.empty()) {
    out->push_back({"parents", Verdict::kPass, "none: the first revision"});
    return;
  }
  size_t before = out->size();
  for (const std::string& parent : st.parents) {
    auto found = client_->GetStatement(parent);
    if (!found.ok()) {
      out->push_back(
          {"parents", Verdict::kFail,
           absl::StrCat("parent ", Short(parent), " is not in this archive: ",
                        StatusText(found.status()))});
      continue;
    }
    const v1::Revision& p = found->revision();
    if (p.document_id() != st.document) {
      out->push_back({"parents", Verdict::kFail,
                      absl::StrCat("parent ", Short(parent), " belongs to ",
                                   p.document_id(), ", not ", st.document)});
      continue;
    }
    std::optional<absl::Time> parent_at = ParseTimestamp(p.submitted_at());
    if (submitted_at.has_value() && parent_at.has_value() &&
        *parent_at > *submitted_at + options_.clock_skew) {
      out->push_back(
          {"parents", Verdict::kWarn,
           absl::StrCat("parent ", Short(parent), " was submitted at ",
                        p.submitted_at(), ", after this revision (",
                        st.submitted_at, "): clocks of offices disagree?")});
    }
  }
  if (out->size() == before) {
    std::vector<std::string> ids;
    for (const std::string& parent : st.parents) ids.push_back(Short(parent));
    out->push_back(
        {"parents", Verdict::kPass,
         absl::StrCat(st.parents.size(), " parent(s) present in this archive: ",
                      absl::StrJoin(ids, ", "))});
  }
}

void RecordChecker::CheckReceipt(const v1::Receipt& receipt,
                                 RevisionReport* report) {
  auto& out = report->findings[static_cast<int>(Property::kIntegrity)];
  auto included =
      ReceiptChecker(&verifier_->trust()).Check(ReceiptFromProto(receipt));
  if (!included.ok()) {
    out.push_back({"inclusion", Verdict::kFail, StatusText(included.status())});
    out.push_back({"consistency", Verdict::kWarn,
                   "not checked: the receipt did not verify"});
    return;
  }
  report->leaf_index = receipt.inclusion().leaf_index();
  report->checkpoint_size = included->checkpoint.size;
  out.push_back(
      {"inclusion", Verdict::kPass,
       absl::StrCat("leaf ", report->leaf_index, " of the checkpoint of size ",
                    report->checkpoint_size, " signed by ",
                    included->checkpoint.origin)});
  // The same receipt, now also against the checkpoints seen before.
  auto consistent = verifier_->VerifyReceipt(
      receipt,
      {report->revision.document_id(), report->revision.revision_id()});
  if (!facts_.checkpoint_status.ok()) {
    out.push_back({"consistency", Verdict::kFail,
                   absl::StrCat("the archive's current checkpoint: ",
                                StatusText(facts_.checkpoint_status))});
  } else if (!consistent.ok()) {
    out.push_back(
        {"consistency", Verdict::kFail, StatusText(consistent.status())});
  } else {
    out.push_back(
        {"consistency", Verdict::kPass,
         absl::StrCat(
             "checkpoint ", report->checkpoint_size,
             " is consistent with the archive's current checkpoint (size ",
             facts_.checkpoint_size, ") and ",
             facts_.seen_before
                 ? absl::StrCat("the newest this client had seen before (size ",
                                facts_.seen_before_size, ")")
                 : "is now remembered (this client had seen none before)")});
  }
}

void RecordChecker::CheckContent(const Statement& st, bool verified,
                                 RevisionReport* report) {
  auto& integrity = report->findings[static_cast<int>(Property::kIntegrity)];
  auto& usability = report->findings[static_cast<int>(Property::kUsability)];
  v1::GetRequest request;
  request.set_document_id(report->revision.document_id());
  request.set_revision_id(report->revision.revision_id());
  Sha256 hasher;
  ContentSniffer content;
  auto fetched = client_->Get(request, [&](absl::string_view chunk) {
    hasher.Update(chunk);
    content.Update(chunk);
    return absl::OkStatus();
  });
  if (!fetched.ok()) {
    std::string why = absl::StrCat("the content could not be read: ",
                                   StatusText(fetched.status()));
    integrity.push_back({"digest", Verdict::kFail, why});
    usability.push_back({"readable", Verdict::kFail, why});
    return;
  }
  report->content_read = true;
  std::string digest = ToHex(hasher.Finish());
  absl::Status matches = CheckContentMatches(st, digest, content.size());
  if (matches.ok()) {
    integrity.push_back(
        {"digest", Verdict::kPass,
         absl::StrCat("re-hashed ", content.size(), " bytes: sha256:", digest,
                      " as the ", verified ? "signed" : "unverified",
                      " statement says")});
  } else {
    integrity.push_back({"digest", Verdict::kFail, StatusText(matches)});
  }
  usability.push_back({"readable", Verdict::kPass,
                       absl::StrCat("all ", content.size(), " bytes read")});
  for (Finding& f : CheckMediaType(st.media_type, content))
    usability.push_back(std::move(f));
}

void RecordChecker::CheckMetadata(const Statement& st, RevisionReport* report) {
  const std::pair<const char*, const std::string*> required[] = {
      {"title", &st.title},
      {"issuer", &st.issuer},
      {"number", &st.number},
      {"date", &st.date}};
  for (const auto& [name, value] : required) {
    if (value->empty()) report->missing_metadata.push_back(name);
  }
  auto& out = report->findings[static_cast<int>(Property::kIntegrity)];
  if (report->missing_metadata.empty()) {
    out.push_back({"metadata", Verdict::kPass,
                   "title, issuer, number and date are present"});
  } else {
    out.push_back(
        {"metadata", Verdict::kWarn,
         absl::StrCat("missing ", absl::StrJoin(report->missing_metadata, ", "),
                      " (a policy record needs title, issuer 发文机关, number "
                      "文号 and date)")});
  }
}

RevisionReport RecordChecker::Check(const v1::Revision& revision, bool head) {
  RevisionReport report;
  report.revision = revision;
  report.head = head;
  auto& authenticity =
      report.findings[static_cast<int>(Property::kAuthenticity)];
  report.findings[static_cast<int>(Property::kSecurity)] = facts_.security;

  // The statement and its receipt without the content first, so a damaged
  // blob does not keep the statement from being checked.
  v1::GetRequest request;
  request.set_document_id(revision.document_id());
  request.set_revision_id(revision.revision_id());
  request.set_header_only(true);
  auto header =
      client_->Get(request, [](absl::string_view) { return absl::OkStatus(); });
  std::optional<VerifiedStatement> verified;
  if (!header.ok()) {
    std::string why = absl::StrCat("cannot fetch the statement and receipt: ",
                                   StatusText(header.status()));
    authenticity.push_back({"signature", Verdict::kFail, why});
    report.findings[static_cast<int>(Property::kIntegrity)].push_back(
        {"inclusion", Verdict::kFail, why});
  } else {
    auto statement = ReceiptChecker(&verifier_->trust())
                         .CheckStatement(header->receipt().signed_statement());
    CheckSignature(report, statement, verifier_->trust(), &authenticity,
                   &report.signer_key);
    if (statement.ok()) verified = std::move(*statement);
  }
  StatementView view = ViewOf(verified, revision);
  CheckProvenance(view.statement, view.verified, &authenticity);
  if (header.ok()) CheckReceipt(header->receipt(), &report);
  CheckContent(view.statement, view.verified, &report);
  CheckMetadata(view.statement, &report);
  return report;
}

}  // namespace archive
