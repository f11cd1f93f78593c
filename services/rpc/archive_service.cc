#include "services/rpc/archive_service.h"

#include <memory>
#include <utility>

#include "services/rpc/call_support.h"
#include "services/rpc/proto_convert.h"
#include "services/rpc/put_reactor.h"
#include "services/rpc/read_reactors.h"
#include "services/rpc/request_log.h"

// The streaming calls' entry points: admission (role and the per-client stream
// limit), then the reactor of put_reactor.h or read_reactors.h. The unary
// calls are in unary_calls.cc and index_calls.cc, ImportRevision in
// import_revision.cc.
namespace archive {

using grpc::CallbackServerContext;

absl::Status ArchiveService::Authorize(const CallbackServerContext& ctx,
                                       Role needed, const char* method,
                                       RequestLog& log) const {
  Caller caller = access_->Identify(ctx);
  log.set_identity(caller.identity);
  return AccessControl::Check(caller, needed, method);
}

template <typename Reactor>
Reactor* ArchiveService::Refuse(CallbackServerContext* ctx, const char* method,
                                const Caller& caller,
                                const std::string& document,
                                const absl::Status& status) const {
  RequestLog log(method, ctx->peer());
  log.set_identity(caller.identity);
  log.set_document(document);
  log.Write(ToGrpc(status));
  return new RefusedReactor<Reactor>(ToGrpc(status));
}
// ImportRevision (services/import_revision.cc) is refused through here too.
template grpc::ServerReadReactor<v1::ImportRevisionRequest>*
ArchiveService::Refuse(CallbackServerContext* ctx, const char* method,
                       const Caller& caller, const std::string& document,
                       const absl::Status& status) const;

absl::StatusOr<std::unique_ptr<StreamLimits::Ticket>>
ArchiveService::AdmitStream(CallbackServerContext* ctx, const Caller& caller,
                            Role needed, const char* method) {
  if (absl::Status s = AccessControl::Check(caller, needed, method); !s.ok()) {
    return s;
  }
  return streams_.Admit(StreamLimits::ClientOf(caller, ctx->peer()), ctx);
}

grpc::ServerReadReactor<v1::PutRequest>* ArchiveService::Put(
    CallbackServerContext* ctx, v1::PutResponse* response) {
  Caller caller = access_->Identify(*ctx);
  auto ticket = AdmitStream(ctx, caller, Role::kArchivist, "Put");
  if (!ticket.ok()) {
    // Refused before its header is read: the document is not known yet.
    return Refuse<grpc::ServerReadReactor<v1::PutRequest>>(ctx, "Put", caller,
                                                           "", ticket.status());
  }
  return NewPutReactor(ctx, archive_, limits_, std::move(caller),
                       std::move(*ticket), witness_ack_, response);
}

grpc::ServerWriteReactor<v1::GetResponse>* ArchiveService::Get(
    CallbackServerContext* ctx, const v1::GetRequest* request) {
  Caller caller = access_->Identify(*ctx);
  auto ticket = AdmitStream(ctx, caller, Role::kReader, "Get");
  if (!ticket.ok()) {
    return Refuse<grpc::ServerWriteReactor<v1::GetResponse>>(
        ctx, "Get", caller, request->document_id(), ticket.status());
  }
  return NewGetReactor(ctx, archive_, sync_, limits_, caller.identity,
                       std::move(*ticket), *request, queries());
}

grpc::ServerWriteReactor<v1::GetBlobResponse>* ArchiveService::GetBlob(
    CallbackServerContext* ctx, const v1::GetBlobRequest* request) {
  Caller caller = access_->Identify(*ctx);
  auto ticket = AdmitStream(ctx, caller, Role::kPeer, "GetBlob");
  if (!ticket.ok()) {
    return Refuse<grpc::ServerWriteReactor<v1::GetBlobResponse>>(
        ctx, "GetBlob", caller, "sha256:" + request->sha256(), ticket.status());
  }
  return NewGetBlobReactor(ctx, archive_, limits_, caller.identity,
                           std::move(*ticket), *request);
}

grpc::ServerWriteReactor<v1::ReadLogResponse>* ArchiveService::ReadLog(
    CallbackServerContext* ctx, const v1::ReadLogRequest* request) {
  Caller caller = access_->Identify(*ctx);
  auto ticket = AdmitStream(ctx, caller, Role::kPeer, "ReadLog");
  if (!ticket.ok()) {
    return Refuse<grpc::ServerWriteReactor<v1::ReadLogResponse>>(
        ctx, "ReadLog", caller, "", ticket.status());
  }
  return NewReadLogReactor(ctx, archive_, limits_, caller.identity,
                           std::move(*ticket), *request);
}

}  // namespace archive
