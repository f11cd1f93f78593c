// Conversions between storage types and the public API's messages, and from
// absl::Status to grpc::Status. Kept apart so the service holds request flow
// only.
#ifndef ARCHIVE_SERVICES_RPC_PROTO_CONVERT_H_
#define ARCHIVE_SERVICES_RPC_PROTO_CONVERT_H_

#include <grpcpp/grpcpp.h>

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "archive/v1/archive.pb.h"
#include "storage/db/archive.h"

namespace archive {

// At most kMaxStatusMessageBytes of `message` (cut at a UTF-8 boundary, the cut
// said). A status message may quote a client's value; it travels back in a
// gRPC trailer, which clients refuse above 8 KiB ("received initial metadata
// size exceeds limit"), and into the request log.
constexpr size_t kMaxStatusMessageBytes = 1024;
std::string BoundedMessage(absl::string_view message);

// The same code, with the message bounded by BoundedMessage, and the status's
// ErrorDetail (storage/error_detail.h) as gRPC's rich status
// (clients/status_details.h). A full disk becomes DISK_FULL, its path kept for
// the operator's log.
grpc::Status ToGrpc(const absl::Status& status);

void ToProto(const StoredRevision& revision, v1::Revision* out);
void ToProto(const Receipt& receipt, v1::Receipt* out);
void ToProto(const ScrubRecord& record, v1::ScrubSummary* out);

// The statement fields a put header determines; origin, parents and
// submitted_at are filled by the archive.
Statement StatementFromPutHeader(const v1::PutHeader& header,
                                 const std::string& submitted_by);

// The PutRequest field that carries statement key `key` ("title" is
// "header.metadata.title"); "header" for a key no header field carries.
std::string PutHeaderField(absl::string_view key);

// `status` (from checking a statement made of a put header) naming the header
// field its statement key came from (ErrorDetail.field).
absl::Status InPutHeader(absl::Status status);

}  // namespace archive

#endif  // ARCHIVE_SERVICES_RPC_PROTO_CONVERT_H_
