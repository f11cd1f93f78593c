// The calls the catalog answers (Relations, Search). Each first waits, briefly,
// for the index to catch up with the log, so a search right after a put or a
// sync sees it.
#include <algorithm>

#include "absl/strings/str_cat.h"
#include "clients/api/api_enums.h"
#include "services/rpc/archive_service.h"
#include "services/rpc/call_support.h"
#include "services/rpc/proto_convert.h"
#include "services/rpc/request_log.h"
#include "storage/base/error_detail.h"
#include "storage/base/utf8.h"

namespace archive {
namespace {

using grpc::CallbackServerContext;
using grpc::ServerUnaryReactor;

// How long Relations and Search wait for the index to catch up with the log.
constexpr absl::Duration kIndexWait = absl::Seconds(3);
constexpr size_t kMaxQueryBytes = 1024;

}  // namespace

ServerUnaryReactor* ArchiveService::Relations(
    CallbackServerContext* ctx, const v1::RelationsRequest* request,
    v1::RelationsResponse* response) {
  UnaryCall call(ctx, *access_, "Relations", Role::kReader);
  call.log().set_document(request->document_id());
  if (!call.allowed()) return call.Refuse();
  if (catalog_ == nullptr) {
    return call.Finish(grpc::Status(grpc::StatusCode::UNAVAILABLE,
                                    "this server keeps no index"));
  }
  if (auto doc = archive_->GetDocument(request->document_id()); !doc.ok()) {
    return call.Finish(ToGrpc(doc.status()));
  }
  catalog_->WaitIndexed(archive_->LatestCheckpoint().size, kIndexWait);
  auto edges = catalog_->Relations(request->document_id());
  if (!edges.ok()) return call.Finish(ToGrpc(edges.status()));
  for (const RelationEdge& e : *edges) {
    v1::RelationEdge* out = response->add_relations();
    out->set_kind(e.kind);
    out->set_type(RelationKindOf(e.kind));
    out->set_other(e.other);
    out->set_declared_by(e.declared_by);
    out->set_revision_id(e.revision_id);
  }
  response->set_indexed_through(catalog_->indexed_through());
  return call.Finish(grpc::Status::OK);
}

ServerUnaryReactor* ArchiveService::Search(CallbackServerContext* ctx,
                                           const v1::SearchRequest* request,
                                           v1::SearchResponse* response) {
  UnaryCall call(ctx, *access_, "Search", Role::kReader);
  if (!call.allowed()) return call.Refuse();
  if (catalog_ == nullptr) {
    return call.Finish(grpc::Status(grpc::StatusCode::UNAVAILABLE,
                                    "this server keeps no index"));
  }
  if (request->query().size() > kMaxQueryBytes) {
    return call.Finish(
        Invalid("query",
                absl::StrCat("query: longer than ", kMaxQueryBytes, " bytes")));
  }
  if (!IsValidUtf8(request->query())) {
    return call.Finish(Invalid("query", "query: not valid UTF-8"));
  }
  // Read your own writes: a search right after a put or a sync sees it.
  const uint64_t log_size = archive_->LatestCheckpoint().size;
  catalog_->WaitIndexed(log_size, kIndexWait);
  uint32_t limit = request->limit() == 0
                       ? 20
                       : std::min(request->limit(), limits_.max_page_size);
  auto result = catalog_->Search(request->query(), limit);
  if (!result.ok()) return call.Finish(ToGrpc(result.status()));
  for (const SearchHit& h : result->hits) {
    v1::SearchHit* out = response->add_hits();
    out->set_document_id(h.document);
    out->set_revision_id(h.revision_id);
    out->set_title(h.title);
    out->set_snippet(h.snippet);
    out->set_occurrences(h.occurrences);
    out->set_score(h.score);
  }
  response->set_total_matches(result->total_matches);
  response->set_indexed_through(result->indexed_through);
  response->set_log_size(log_size);
  return call.Finish(grpc::Status::OK);
}

}  // namespace archive
