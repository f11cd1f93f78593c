// GET /api/v1/documents/<id>/content[?rev=REV] (api_routes.h): a revision's
// bytes as they were archived, re-hashed as they are read, so a damaged copy
// is never served whole: a content of up to BlobChunks::kVerifyWholeBelow
// bytes is verified before the first byte goes out (500, DATA_LOSS), a larger
// one streams and the response is cut short if its re-hash fails at the end.
// A Range request gets the one range it asks for (206); a range of a large
// content is sent unverified, as a client cannot verify a part either.
//
// Headers: Content-Type the revision's media type; ETag "<sha256 hex>";
// X-Archive-Revision the revision id; Accept-Ranges bytes; Content-Disposition
// naming a file after the document id. Without `rev`, the authoritative
// revision (FAILED_PRECONDITION with several heads, as archivectl get).
//
// Thread-safety: thread-safe; the archive must outlive the responses.
#ifndef ARCHIVE_SERVICES_RPC_CONTENT_ROUTE_H_
#define ARCHIVE_SERVICES_RPC_CONTENT_ROUTE_H_

#include <string>

#include "absl/status/statusor.h"
#include "services/http/http_listener.h"
#include "storage/db/archive.h"

namespace archive {

// The response for `revision_id` of `document_id` ("" = authoritative).
absl::StatusOr<HttpResponse> ContentResponse(Archive& archive,
                                             const std::string& document_id,
                                             const std::string& revision_id);

}  // namespace archive

#endif  // ARCHIVE_SERVICES_RPC_CONTENT_ROUTE_H_
