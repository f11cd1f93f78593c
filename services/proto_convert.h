// Conversions between storage types and the public API's messages, and from
// absl::Status to grpc::Status. Kept apart so the service holds request flow
// only.
#ifndef ARCHIVE_SERVICES_PROTO_CONVERT_H_
#define ARCHIVE_SERVICES_PROTO_CONVERT_H_

#include <grpcpp/grpcpp.h>

#include "absl/status/status.h"
#include "archive/v1/archive.pb.h"
#include "storage/archive.h"

namespace archive {

grpc::Status ToGrpc(const absl::Status& status);

void ToProto(const StoredRevision& revision, v1::Revision* out);
void ToProto(const Receipt& receipt, v1::Receipt* out);

// The statement fields a put header determines; origin, parents and
// submitted_at are filled by the archive.
Statement StatementFromPutHeader(const v1::PutHeader& header,
                                 const std::string& submitted_by);

}  // namespace archive

#endif  // ARCHIVE_SERVICES_PROTO_CONVERT_H_
