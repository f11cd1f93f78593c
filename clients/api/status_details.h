// The wire form of a status's ErrorDetail (storage/error_detail.h): gRPC's
// rich error status, a google.rpc.Status sent in the grpc-status-details-bin
// trailer, holding an archive.v1.ErrorDetail and, when a request field was
// wrong, a google.rpc.BadRequest for generic tools
// (proto/archive/v1/error_detail.proto). The server encodes, archivectl
// decodes; both through this one pair. Stateless; thread-safe.
#ifndef ARCHIVE_CLIENTS_API_STATUS_DETAILS_H_
#define ARCHIVE_CLIENTS_API_STATUS_DETAILS_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace archive {

// The serialized google.rpc.Status for `status` sent with `message` (the
// bounded message the call carries); "" when `status` carries no detail, so
// the trailer is left out.
std::string RichStatusOf(const absl::Status& status, absl::string_view message);

// `status` carrying the ErrorDetail found in `rich_status` (the trailer's
// bytes). Unchanged when they are empty, do not parse, hold no
// archive.v1.ErrorDetail, or disagree with the status's code: the detail only
// explains a status, it never changes one.
absl::Status WithDetailFrom(absl::Status status,
                            const std::string& rich_status);

}  // namespace archive

#endif  // ARCHIVE_CLIENTS_API_STATUS_DETAILS_H_
