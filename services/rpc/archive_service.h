// The archive.v1.Archive gRPC service (callback API): request flow, limits and
// error mapping only. All storage logic is in storage/db/archive.h.
//
// Thread-safe: gRPC runs the handlers concurrently on its own threads; the
// service holds only the borrowed objects (thread-safe themselves) and the
// per-client stream counts (StreamLimits, locked). set_catalog is not
// synchronized: call it before the server starts. Each reactor a handler
// returns belongs to gRPC and deletes itself when the call is done, so the
// service must outlive every call (shut the server down first).
//
// Errors: a refused call fails with PERMISSION_DENIED (the caller lacks the
// role) or, for a streaming call, RESOURCE_EXHAUSTED (too many streams open
// for this client); INVALID_ARGUMENT names a bad request field; UNAVAILABLE
// for Sync, Scrub and ImportRevision without a SyncManager (which holds the
// trust), and Relations and Search without a catalog; a stream whose client
// stays idle past --idle_stream_seconds ends with DEADLINE_EXCEEDED. Any other
// failure is the archive's status, code unchanged (a full disk becomes
// RESOURCE_EXHAUSTED saying nothing was stored; see ToGrpc).
#ifndef ARCHIVE_SERVICES_RPC_ARCHIVE_SERVICE_H_
#define ARCHIVE_SERVICES_RPC_ARCHIVE_SERVICE_H_

#include <cstdint>

#include "archive/v1/archive.grpc.pb.h"
#include "services/rpc/access_control.h"
#include "services/rpc/read_queries.h"
#include "services/rpc/request_log.h"
#include "services/rpc/service_limits.h"
#include "services/rpc/stream_limits.h"
#include "services/rpc/witness_ack.h"
#include "services/sync/sync_manager.h"
#include "storage/db/archive.h"
#include "storage/index/catalog.h"

namespace archive {

class ArchiveService final : public v1::Archive::CallbackService {
 public:
  // `sync` may be null (then Sync and Scrub are UNAVAILABLE, and damage found
  // while serving is not repaired). `access` decides who may call what; all
  // three are not owned and must outlive the service.
  ArchiveService(Archive* archive, SyncManager* sync,
                 const AccessControl* access, ServiceLimits limits)
      : archive_(archive),
        sync_(sync),
        access_(access),
        limits_(limits),
        streams_(limits.max_streams_per_client,
                 absl::Seconds(limits.idle_stream_seconds)) {}

  grpc::ServerReadReactor<v1::PutRequest>* Put(
      grpc::CallbackServerContext* ctx, v1::PutResponse* response) override;
  grpc::ServerWriteReactor<v1::GetResponse>* Get(
      grpc::CallbackServerContext* ctx, const v1::GetRequest* request) override;
  grpc::ServerUnaryReactor* History(grpc::CallbackServerContext* ctx,
                                    const v1::HistoryRequest* request,
                                    v1::HistoryResponse* response) override;
  grpc::ServerUnaryReactor* List(grpc::CallbackServerContext* ctx,
                                 const v1::ListRequest* request,
                                 v1::ListResponse* response) override;
  grpc::ServerUnaryReactor* GetStatement(
      grpc::CallbackServerContext* ctx, const v1::GetStatementRequest* request,
      v1::GetStatementResponse* response) override;
  grpc::ServerUnaryReactor* GetCheckpoint(
      grpc::CallbackServerContext* ctx, const v1::GetCheckpointRequest* request,
      v1::GetCheckpointResponse* response) override;
  grpc::ServerUnaryReactor* GetInclusionProof(
      grpc::CallbackServerContext* ctx,
      const v1::GetInclusionProofRequest* request,
      v1::GetInclusionProofResponse* response) override;
  grpc::ServerUnaryReactor* GetConsistencyProof(
      grpc::CallbackServerContext* ctx,
      const v1::GetConsistencyProofRequest* request,
      v1::GetConsistencyProofResponse* response) override;
  grpc::ServerWriteReactor<v1::GetBlobResponse>* GetBlob(
      grpc::CallbackServerContext* ctx,
      const v1::GetBlobRequest* request) override;
  grpc::ServerUnaryReactor* Scrub(grpc::CallbackServerContext* ctx,
                                  const v1::ScrubRequest* request,
                                  v1::ScrubResponse* response) override;
  grpc::ServerUnaryReactor* Sync(grpc::CallbackServerContext* ctx,
                                 const v1::SyncRequest* request,
                                 v1::SyncResponse* response) override;
  grpc::ServerUnaryReactor* GetArchiveInfo(
      grpc::CallbackServerContext* ctx,
      const v1::GetArchiveInfoRequest* request,
      v1::GetArchiveInfoResponse* response) override;
  // In services/import_revision.cc.
  grpc::ServerReadReactor<v1::ImportRevisionRequest>* ImportRevision(
      grpc::CallbackServerContext* ctx,
      v1::ImportRevisionResponse* response) override;
  grpc::ServerWriteReactor<v1::ReadLogResponse>* ReadLog(
      grpc::CallbackServerContext* ctx,
      const v1::ReadLogRequest* request) override;
  grpc::ServerUnaryReactor* Relations(grpc::CallbackServerContext* ctx,
                                      const v1::RelationsRequest* request,
                                      v1::RelationsResponse* response) override;
  grpc::ServerUnaryReactor* Search(grpc::CallbackServerContext* ctx,
                                   const v1::SearchRequest* request,
                                   v1::SearchResponse* response) override;

  // The indexes behind Relations and Search (UNAVAILABLE without one); must
  // outlive the service.
  void set_catalog(Catalog* catalog) { catalog_ = catalog; }
  // The read-only questions, answered as the HTTP API answers them.
  ReadQueries queries() const {
    return ReadQueries(archive_, catalog_, limits_, cosigners_);
  }
  // Whose cosignatures the checkpoints served carry (may stay unset). Call
  // before the server starts.
  void set_cosigners(ServedCosigners cosigners) { cosigners_ = cosigners; }
  // Holds each put until witnesses cosigned it (witness_ack.h); may stay
  // unset. Must outlive every call.
  void set_witness_ack(WitnessAck* ack) { witness_ack_ = ack; }

 private:
  // Identifies the caller (for the log) and checks it holds `needed`.
  absl::Status Authorize(const grpc::CallbackServerContext& ctx, Role needed,
                         const char* method, RequestLog& log) const;
  template <typename Reactor>
  Reactor* Refuse(grpc::CallbackServerContext* ctx, const char* method,
                  const Caller& caller, const std::string& document,
                  const absl::Status& status) const;
  // Checks the caller holds `needed` and may open one more stream: its
  // ticket, or the refusal.
  absl::StatusOr<std::unique_ptr<StreamLimits::Ticket>> AdmitStream(
      grpc::CallbackServerContext* ctx, const Caller& caller, Role needed,
      const char* method);

  Archive* archive_;
  SyncManager* sync_;
  const AccessControl* access_;
  ServiceLimits limits_;
  Catalog* catalog_ = nullptr;
  ServedCosigners cosigners_;
  WitnessAck* witness_ack_ = nullptr;
  StreamLimits streams_;
};

}  // namespace archive

#endif  // ARCHIVE_SERVICES_RPC_ARCHIVE_SERVICE_H_
