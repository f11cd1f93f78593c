// The Put call's reactor (client streaming): header, then chunks hashed and
// written to a temp blob as they arrive; at the end the blob is verified and
// made durable, then the revision is queued to the sequencer, whose callback
// finishes the call once the revision is durable and checkpointed (and, with
// --witness_quorum_for_ack, once witnesses cosigned it: witness_ack.h). Errors
// name the request field (ErrorDetail) and change nothing.
#ifndef ARCHIVE_SERVICES_RPC_PUT_REACTOR_H_
#define ARCHIVE_SERVICES_RPC_PUT_REACTOR_H_

#include <grpcpp/grpcpp.h>

#include <memory>

#include "archive/v1/archive.grpc.pb.h"
#include "services/rpc/access_control.h"
#include "services/rpc/service_limits.h"
#include "services/rpc/stream_limits.h"
#include "services/rpc/witness_ack.h"
#include "storage/db/archive.h"

namespace archive {

// A reactor for one Put, which deletes itself when done. `archive`, `limits`
// and `ack` (null: answer without waiting for witnesses) must outlive it; it
// owns `ticket`; `response` is gRPC's.
grpc::ServerReadReactor<v1::PutRequest>* NewPutReactor(
    grpc::CallbackServerContext* ctx, Archive* archive,
    const ServiceLimits& limits, Caller caller,
    std::unique_ptr<StreamLimits::Ticket> ticket, WitnessAck* ack,
    v1::PutResponse* response);

}  // namespace archive

#endif  // ARCHIVE_SERVICES_RPC_PUT_REACTOR_H_
