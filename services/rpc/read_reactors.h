// The server-streaming reactors (streaming_reactor.h): Get (one header with the
// revision, its receipt and the document's heads, then the content's
// chunks), GetBlob (a blob's bytes, for replication and repair) and ReadLog
// (signed statements in log order, each with its inclusion proof if asked).
// Bytes are re-hashed as they are read; damage is DATA_LOSS, never sent as
// good. Each reactor deletes itself when done; `archive`, `sync` and `limits`
// must outlive it; it owns its ticket.
#ifndef ARCHIVE_SERVICES_RPC_READ_REACTORS_H_
#define ARCHIVE_SERVICES_RPC_READ_REACTORS_H_

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "archive/v1/archive.grpc.pb.h"
#include "services/rpc/read_queries.h"
#include "services/rpc/service_limits.h"
#include "services/rpc/stream_limits.h"
#include "services/sync/sync_manager.h"
#include "storage/db/archive.h"

namespace archive {

// `sync` may be null (then damage found while serving is not repaired).
grpc::ServerWriteReactor<v1::GetResponse>* NewGetReactor(
    grpc::CallbackServerContext* ctx, Archive* archive, SyncManager* sync,
    const ServiceLimits& limits, const std::string& identity,
    std::unique_ptr<StreamLimits::Ticket> ticket, const v1::GetRequest& request,
    const ReadQueries& queries);

grpc::ServerWriteReactor<v1::GetBlobResponse>* NewGetBlobReactor(
    grpc::CallbackServerContext* ctx, Archive* archive,
    const ServiceLimits& limits, const std::string& identity,
    std::unique_ptr<StreamLimits::Ticket> ticket,
    const v1::GetBlobRequest& request);

grpc::ServerWriteReactor<v1::ReadLogResponse>* NewReadLogReactor(
    grpc::CallbackServerContext* ctx, Archive* archive,
    const ServiceLimits& limits, const std::string& identity,
    std::unique_ptr<StreamLimits::Ticket> ticket,
    const v1::ReadLogRequest& request);

}  // namespace archive

#endif  // ARCHIVE_SERVICES_RPC_READ_REACTORS_H_
