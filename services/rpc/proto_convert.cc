#include "services/rpc/proto_convert.h"

#include <cstdio>

#include "absl/strings/str_cat.h"
#include "clients/api/revision_view.h"
#include "clients/api/status_details.h"
#include "storage/base/env.h"
#include "storage/base/error_detail.h"
#include "storage/base/log_line.h"

namespace archive {

std::string BoundedMessage(absl::string_view message) {
  if (message.size() <= kMaxStatusMessageBytes) return std::string(message);
  size_t end = kMaxStatusMessageBytes;
  while (end > 0 && (static_cast<unsigned char>(message[end]) & 0xC0) == 0x80) {
    --end;  // do not split a UTF-8 sequence
  }
  return absl::StrCat(message.substr(0, end), "... (message cut from ",
                      message.size(), " bytes)");
}

grpc::Status ToGrpc(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  if (IsDiskFull(status)) {
    // The operator needs the path; the client needs to know it is not its
    // fault and that nothing was stored.
    LogLine(absl::StrCat("archived: disk full: ", status.message()),
            LogLevel::kError);
    absl::Status full = WithDetail(
        absl::ResourceExhaustedError(
            "the archive's disk is full: nothing was stored; try again once "
            "its operator has freed space"),
        ErrorDetail{kReasonDiskFull, "", std::nullopt, {}});
    return grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                        std::string(full.message()),
                        RichStatusOf(full, full.message()));
  }
  // absl and gRPC share the canonical code numbering.
  std::string message = BoundedMessage(status.message());
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()), message,
                      RichStatusOf(status, message));
}

void ToProto(const StoredRevision& r, v1::Revision* out) {
  out->set_revision_id(r.id);
  if (!r.damage.empty()) {
    out->set_damage(r.damage);
    return;
  }
  // The client rebuilds descriptions with the same function to check them.
  RevisionToProto(r.id, r.statement, r.statement_text, r.leaf_index, out);
}

void ToProto(const Receipt& receipt, v1::Receipt* out) {
  out->set_signed_statement(receipt.signed_statement);
  out->set_checkpoint(receipt.checkpoint.note);
  v1::InclusionProof* proof = out->mutable_inclusion();
  proof->set_leaf_index(receipt.leaf_index);
  proof->set_tree_size(receipt.checkpoint.size);
  for (const std::string& h : receipt.inclusion) proof->add_hashes(h);
}

Statement StatementFromPutHeader(const v1::PutHeader& header,
                                 const std::string& submitted_by) {
  const v1::Metadata& m = header.metadata();
  Statement s;
  s.document = header.document_id();
  s.content_sha256 = header.sha256();
  s.content_size = header.size();
  s.media_type =
      m.media_type().empty() ? "application/octet-stream" : m.media_type();
  s.status = m.status().empty() ? "in_force" : m.status();
  s.title = m.title();
  s.issuer = m.issuer();
  s.number = m.number();
  s.region = m.region();
  s.date = m.date();
  s.source = m.source();
  s.note = m.note();
  s.effective = m.effective();
  s.expires = m.expires();
  for (const v1::Relation& r : m.relations()) {
    s.relations.push_back({r.kind(), r.document_id()});
  }
  s.submitted_by = submitted_by;
  return s;
}

std::string PutHeaderField(absl::string_view key) {
  static constexpr std::pair<absl::string_view, absl::string_view> kFields[] = {
      {"document", "header.document_id"},
      {"content", "header.sha256"},
      {"parent", "header.expected_parents"},
      {"submitted-by", "header.as_name"},
      {"media-type", "header.metadata.media_type"},
      {"status", "header.metadata.status"},
      {"relation", "header.metadata.relations"},
  };
  for (const auto& [statement_key, field] : kFields) {
    if (statement_key == key) return std::string(field);
  }
  // The other keys are Metadata fields of the same name.
  static constexpr absl::string_view kSameName[] = {
      "title",  "issuer", "number",    "region", "date",
      "source", "note",   "effective", "expires"};
  for (absl::string_view name : kSameName) {
    if (name == key) return absl::StrCat("header.metadata.", name);
  }
  return "header";
}

absl::Status InPutHeader(absl::Status status) {
  ErrorDetail detail = DetailOf(status);
  auto key = detail.metadata.find("statement_key");
  if (!detail.field.empty() || key == detail.metadata.end()) return status;
  detail.field = PutHeaderField(key->second);
  return WithDetail(std::move(status), detail);
}

void ToProto(const ScrubRecord& record, v1::ScrubSummary* out) {
  out->set_started_at(FormatRfc3339(record.started_at));
  out->set_finished_at(FormatRfc3339(record.finished_at));
  out->set_revisions_checked(record.revisions_checked);
  out->set_blobs_checked(record.blobs_checked);
  out->set_bytes_checked(record.bytes_checked);
  out->set_damaged_blobs(record.damaged_blobs);
  out->set_repaired_blobs(record.repaired_blobs);
  out->set_log_problems(record.log_problems);
}

}  // namespace archive
