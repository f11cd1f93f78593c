// The unary calls of archive.v1.Archive but the index's (index_calls.cc):
// history and listing, statements, checkpoints and proofs, the archive's
// description, and the admin's sync and scrub, which finish asynchronously.
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "clients/api/api_enums.h"
#include "services/rpc/archive_service.h"
#include "services/rpc/call_support.h"
#include "services/rpc/proto_convert.h"
#include "services/rpc/request_log.h"
#include "storage/base/build_version.h"
#include "storage/base/error_detail.h"

namespace archive {
namespace {

using grpc::CallbackServerContext;
using grpc::ServerUnaryReactor;

}  // namespace

ServerUnaryReactor* ArchiveService::History(CallbackServerContext* ctx,
                                            const v1::HistoryRequest* request,
                                            v1::HistoryResponse* response) {
  UnaryCall call(ctx, *access_, "History", Role::kReader);
  call.log().set_document(request->document_id());
  if (!call.allowed()) return call.Refuse();
  return FinishWith(call, queries().History(*request), response);
}

ServerUnaryReactor* ArchiveService::List(CallbackServerContext* ctx,
                                         const v1::ListRequest* request,
                                         v1::ListResponse* response) {
  UnaryCall call(ctx, *access_, "List", Role::kReader);
  if (!call.allowed()) return call.Refuse();
  return FinishWith(call, queries().List(*request), response);
}

ServerUnaryReactor* ArchiveService::GetStatement(
    CallbackServerContext* ctx, const v1::GetStatementRequest* request,
    v1::GetStatementResponse* response) {
  UnaryCall call(ctx, *access_, "GetStatement", Role::kReader);
  if (!call.allowed()) return call.Refuse();
  auto statement = queries().Statement(request->revision_id());
  if (statement.ok()) {
    call.log().set_document(statement->revision().document_id());
  }
  return FinishWith(call, std::move(statement), response);
}

ServerUnaryReactor* ArchiveService::GetCheckpoint(
    CallbackServerContext* ctx, const v1::GetCheckpointRequest* request,
    v1::GetCheckpointResponse* response) {
  UnaryCall call(ctx, *access_, "GetCheckpoint", Role::kReader);
  if (!call.allowed()) return call.Refuse();
  return FinishWith(call, queries().Checkpoint(*request), response);
}

ServerUnaryReactor* ArchiveService::GetInclusionProof(
    CallbackServerContext* ctx, const v1::GetInclusionProofRequest* request,
    v1::GetInclusionProofResponse* response) {
  UnaryCall call(ctx, *access_, "GetInclusionProof", Role::kReader);
  if (!call.allowed()) return call.Refuse();
  auto revision = archive_->GetRevision(request->revision_id());
  if (!revision.ok()) return call.Finish(ToGrpc(revision.status()));
  call.log().set_document(revision->statement.document);
  SignedCheckpoint cp = archive_->CheckpointCovering(revision->leaf_index);
  uint64_t size = request->tree_size() == 0 ? cp.size : request->tree_size();
  auto proof = archive_->InclusionProof(revision->leaf_index, size);
  if (!proof.ok()) return call.Finish(ToGrpc(proof.status()));
  v1::InclusionProof* out = response->mutable_proof();
  out->set_leaf_index(revision->leaf_index);
  out->set_tree_size(size);
  for (const std::string& h : *proof) out->add_hashes(h);
  response->set_checkpoint(cp.note);
  return call.Finish(grpc::Status::OK);
}

ServerUnaryReactor* ArchiveService::GetConsistencyProof(
    CallbackServerContext* ctx, const v1::GetConsistencyProofRequest* request,
    v1::GetConsistencyProofResponse* response) {
  UnaryCall call(ctx, *access_, "GetConsistencyProof", Role::kReader);
  if (!call.allowed()) return call.Refuse();
  return FinishWith(call, queries().Consistency(*request), response);
}

ServerUnaryReactor* ArchiveService::GetArchiveInfo(
    CallbackServerContext* ctx, const v1::GetArchiveInfoRequest*,
    v1::GetArchiveInfoResponse* response) {
  UnaryCall call(ctx, *access_, "GetArchiveInfo", Role::kReader);
  if (!call.allowed()) return call.Refuse();
  auto scrub = archive_->LastScrub();
  if (!scrub.ok()) return call.Finish(ToGrpc(scrub.status()));
  SignedCheckpoint cp = archive_->LatestCheckpoint();
  response->set_origin(archive_->origin());
  response->set_verifier_key(archive_->key().VerifierKey());
  response->set_log_size(cp.size);
  response->set_checkpoint(cp.note);
  if (scrub->has_value()) {
    response->set_scrubbed(true);
    ToProto(**scrub, response->mutable_last_scrub());
  }
  const Caller& caller = call.caller();
  response->set_caller_identity(caller.identity);
  response->set_caller_authenticated(caller.authenticated);
  for (std::string& role : AccessControl::RoleNames(caller))
    response->add_caller_roles(std::move(role));
  access_->Describe(response->mutable_access());
  response->set_server_version(VersionString());
  return call.Finish(grpc::Status::OK);
}

ServerUnaryReactor* ArchiveService::Sync(CallbackServerContext* ctx,
                                         const v1::SyncRequest* request,
                                         v1::SyncResponse* response) {
  auto log = std::make_shared<RequestLog>("Sync", ctx->peer());
  log->set_document(request->peer());
  if (absl::Status s = Authorize(*ctx, Role::kAdmin, "Sync", *log); !s.ok()) {
    return FinishUnary(ctx, *log, ToGrpc(s));
  }
  if (sync_ == nullptr) {
    return FinishUnary(ctx, *log,
                       grpc::Status(grpc::StatusCode::UNAVAILABLE,
                                    "this server does not sync"));
  }
  if (request->peer().empty()) {
    return FinishUnary(ctx, *log,
                       Invalid("peer", "peer: give the peer's HOST:PORT"));
  }
  ServerUnaryReactor* reactor = ctx->DefaultReactor();
  sync_->PullAsync(request->peer(), [reactor, response,
                                     log](absl::StatusOr<v1::SyncResponse> r) {
    grpc::Status status = r.ok() ? grpc::Status::OK : ToGrpc(r.status());
    if (r.ok()) *response = std::move(*r);
    log->Write(status);
    reactor->Finish(status);
  });
  return reactor;
}

ServerUnaryReactor* ArchiveService::Scrub(CallbackServerContext* ctx,
                                          const v1::ScrubRequest* request,
                                          v1::ScrubResponse* response) {
  auto log = std::make_shared<RequestLog>("Scrub", ctx->peer());
  if (absl::Status s = Authorize(*ctx, Role::kAdmin, "Scrub", *log); !s.ok()) {
    return FinishUnary(ctx, *log, ToGrpc(s));
  }
  if (sync_ == nullptr) {
    return FinishUnary(ctx, *log,
                       grpc::Status(grpc::StatusCode::UNAVAILABLE,
                                    "this server has no background worker"));
  }
  ServerUnaryReactor* reactor = ctx->DefaultReactor();
  std::vector<std::string> peers(request->peers().begin(),
                                 request->peers().end());
  sync_->ScrubAsync(
      request->repair(), std::move(peers),
      [reactor, response, log](absl::StatusOr<v1::ScrubResponse> r) {
        grpc::Status status = r.ok() ? grpc::Status::OK : ToGrpc(r.status());
        if (r.ok()) *response = std::move(*r);
        log->Write(status);
        reactor->Finish(status);
      });
  return reactor;
}

}  // namespace archive
