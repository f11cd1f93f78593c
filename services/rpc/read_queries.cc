#include "services/rpc/read_queries.h"

#include <algorithm>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "clients/api/api_enums.h"
#include "services/rpc/call_support.h"
#include "services/rpc/proto_convert.h"
#include "storage/base/error_detail.h"
#include "storage/base/utf8.h"

namespace archive {
namespace {

// How long Relations and Search wait for the index to catch up with the log,
// so a search right after a put or a sync sees it.
constexpr absl::Duration kIndexWait = absl::Seconds(3);
constexpr size_t kMaxQueryBytes = 1024;

absl::Status NoIndex() {
  return absl::UnavailableError("this server keeps no index");
}

}  // namespace

std::string ReadQueries::Cosigned(const std::string& note) const {
  std::string out = cosigners_.witnesses == nullptr
                        ? note
                        : cosigners_.witnesses->Cosigned(note);
  if (cosigners_.mirrors != nullptr) out += cosigners_.mirrors->LinesFor(note);
  return out;
}

std::string ReadQueries::ServedCheckpoint(const LogReader& log) const {
  const std::string& note = log.checkpoint().note;
  if (log.origin() == archive_->origin()) return Cosigned(note);
  if (cosigners_.mirror == nullptr) return note;
  // Read back from the metadata store, so stored durably in full.
  auto cosigned = cosigners_.mirror->Cosigned(note);
  return cosigned.ok() ? *cosigned : note;
}

std::string ReadQueries::AuthoritativeId(const std::string& document) const {
  auto revision = archive_->Authoritative(document, false);
  return revision.ok() ? revision->id : "";
}

absl::StatusOr<v1::HistoryResponse> ReadQueries::History(
    const v1::HistoryRequest& request) const {
  uint64_t before = UINT64_MAX;
  if (!request.page_token().empty() &&
      !absl::SimpleAtoi(request.page_token(), &before)) {
    return InvalidFieldError("page_token",
                             "page_token: not a token this server issued");
  }
  auto doc = archive_->GetDocument(request.document_id());
  if (!doc.ok()) return doc.status();
  uint32_t page = PageSize(request.page_size(), limits_.max_page_size);
  std::vector<std::string> damage;
  auto revisions =
      archive_->History(request.document_id(), before, page + 1, &damage);
  if (!revisions.ok()) return revisions.status();
  v1::HistoryResponse response;
  for (const std::string& d : damage) response.add_damage(d);
  for (size_t i = 0; i < revisions->size() && i < page; ++i) {
    ToProto((*revisions)[i], response.add_revisions());
  }
  if (revisions->size() > page) {
    response.set_next_page_token(
        absl::StrCat((*revisions)[page - 1].leaf_index));
  }
  for (const std::string& h : doc->heads) response.add_heads(h);
  response.set_authoritative(AuthoritativeId(doc->id));
  return response;
}

absl::StatusOr<v1::ListResponse> ReadQueries::List(
    const v1::ListRequest& request) const {
  v1::ListRequest resolved = request;
  // Names "lifecycle", a ListRequest field, if it disagrees with status.
  if (absl::Status s = ResolveEnums(&resolved); !s.ok()) return s;
  DocumentFilter filter{resolved.region(),    resolved.issuer(),
                        resolved.number(),    resolved.status(),
                        resolved.date_from(), resolved.date_to(),
                        resolved.query()};
  if (!filter.status.empty() && !IsKnownStatus(filter.status)) {
    return InvalidFieldError("status", absl::StrCat("status: unknown status \"",
                                                    filter.status, "\""));
  }
  uint32_t page = PageSize(request.page_size(), limits_.max_page_size);
  std::vector<std::string> damage;
  auto docs =
      archive_->ListDocuments(filter, request.page_token(), page + 1, &damage);
  if (!docs.ok()) return docs.status();
  v1::ListResponse response;
  for (const std::string& d : damage) response.add_damage(d);
  for (size_t i = 0; i < docs->size() && i < page; ++i) {
    const auto& [info, latest] = (*docs)[i];
    v1::DocumentSummary* d = response.add_documents();
    d->set_document_id(info.id);
    for (const std::string& h : info.heads) d->add_heads(h);
    d->set_revision_count(info.revision_count);
    ToProto(latest, d->mutable_latest());
    d->set_authoritative(AuthoritativeId(info.id));
  }
  if (docs->size() > page) {
    response.set_next_page_token((*docs)[page - 1].first.id);
  }
  return response;
}

absl::StatusOr<v1::RelationsResponse> ReadQueries::Relations(
    const v1::RelationsRequest& request) const {
  if (catalog_ == nullptr) return NoIndex();
  if (auto doc = archive_->GetDocument(request.document_id()); !doc.ok()) {
    return doc.status();
  }
  catalog_->WaitIndexed(archive_->LatestCheckpoint().size, kIndexWait);
  auto edges = catalog_->Relations(request.document_id());
  if (!edges.ok()) return edges.status();
  v1::RelationsResponse response;
  for (const RelationEdge& e : *edges) {
    v1::RelationEdge* out = response.add_relations();
    out->set_kind(e.kind);
    out->set_type(RelationKindOf(e.kind));
    out->set_other(e.other);
    out->set_declared_by(e.declared_by);
    out->set_revision_id(e.revision_id);
  }
  response.set_indexed_through(catalog_->indexed_through());
  return response;
}

absl::StatusOr<v1::SearchResponse> ReadQueries::Search(
    const v1::SearchRequest& request) const {
  if (catalog_ == nullptr) return NoIndex();
  if (request.query().size() > kMaxQueryBytes) {
    return InvalidFieldError(
        "query", absl::StrCat("query: longer than ", kMaxQueryBytes, " bytes"));
  }
  if (!IsValidUtf8(request.query())) {
    return InvalidFieldError("query", "query: not valid UTF-8");
  }
  // Read your own writes: a search right after a put or a sync sees it.
  const uint64_t log_size = archive_->LatestCheckpoint().size;
  catalog_->WaitIndexed(log_size, kIndexWait);
  uint32_t limit = request.limit() == 0
                       ? 20
                       : std::min(request.limit(), limits_.max_page_size);
  auto result = catalog_->Search(request.query(), limit);
  if (!result.ok()) return result.status();
  v1::SearchResponse response;
  for (const SearchHit& h : result->hits) {
    v1::SearchHit* out = response.add_hits();
    out->set_document_id(h.document);
    out->set_revision_id(h.revision_id);
    out->set_title(h.title);
    out->set_snippet(h.snippet);
    out->set_occurrences(h.occurrences);
    out->set_score(h.score);
  }
  response.set_total_matches(result->total_matches);
  response.set_indexed_through(result->indexed_through);
  response.set_log_size(log_size);
  return response;
}

absl::StatusOr<v1::GetStatementResponse> ReadQueries::Statement(
    const std::string& revision_id) const {
  auto revision = archive_->GetRevision(revision_id);
  if (!revision.ok()) return revision.status();
  v1::GetStatementResponse response;
  response.set_signed_statement(revision->signed_statement);
  ToProto(*revision, response.mutable_revision());
  return response;
}

absl::StatusOr<v1::DocumentSummary> ReadQueries::Document(
    const std::string& id) const {
  auto info = archive_->GetDocument(id);
  if (!info.ok()) return info.status();
  // The newest revision of a document is always one of its heads.
  auto newest = archive_->History(id, UINT64_MAX, 1, nullptr);
  if (!newest.ok()) return newest.status();
  v1::DocumentSummary summary;
  summary.set_document_id(info->id);
  for (const std::string& h : info->heads) summary.add_heads(h);
  summary.set_revision_count(info->revision_count);
  if (!newest->empty()) ToProto(newest->front(), summary.mutable_latest());
  summary.set_authoritative(AuthoritativeId(info->id));
  return summary;
}

absl::StatusOr<v1::Receipt> ReadQueries::ReceiptOf(
    const std::string& revision_id) const {
  auto revision = archive_->GetRevision(revision_id);
  if (!revision.ok()) return revision.status();
  auto receipt = archive_->ReceiptFor(*revision);
  if (!receipt.ok()) return receipt.status();
  v1::Receipt out;
  ToProto(*receipt, &out);
  out.set_checkpoint(Cosigned(out.checkpoint()));
  return out;
}

absl::StatusOr<v1::GetCheckpointResponse> ReadQueries::Checkpoint(
    const v1::GetCheckpointRequest& request) const {
  auto log = archive_->ServedLog(request.mirror_origin());
  if (!log.ok()) return log.status();
  v1::GetCheckpointResponse response;
  response.set_checkpoint(ServedCheckpoint(*log));
  response.set_tree_size(log->checkpoint().size);
  // A mirror's checkpoint is the peer's, signed with the peer's key.
  if (log->origin() == archive_->origin()) {
    response.set_verifier_key(archive_->key().VerifierKey());
  }
  return response;
}

absl::StatusOr<v1::GetConsistencyProofResponse> ReadQueries::Consistency(
    const v1::GetConsistencyProofRequest& request) const {
  auto log = archive_->ServedLog(request.mirror_origin());
  if (!log.ok()) return log.status();
  const SignedCheckpoint& cp = log->checkpoint();
  uint64_t new_size = request.new_size() == 0 ? cp.size : request.new_size();
  auto proof = log->Consistency(request.old_size(), new_size);
  if (!proof.ok()) return proof.status();
  v1::GetConsistencyProofResponse response;
  v1::ConsistencyProof* out = response.mutable_proof();
  out->set_old_size(request.old_size());
  out->set_new_size(new_size);
  for (const std::string& h : *proof) out->add_hashes(h);
  response.set_checkpoint(cp.note);
  return response;
}

}  // namespace archive
