// The read-only HTTP JSON API under /api/v1/ (README, "The HTTP API"): the
// same questions as the gRPC calls, answered by the same code (read_queries.h)
// and written as the proto3 JSON of the same messages, with the proto field
// names and every field present (64-bit numbers as strings, bytes as base64,
// as proto3 JSON has them). Routes:
//
//   GET /api/v1/documents?region=&issuer=&number=&status=&from=&to=&query=
//       &page_size=&page_token=            ListResponse
//   GET /api/v1/documents/<id>              {"document": DocumentSummary,
//       "authoritative_revision": Revision, "relations": [RelationEdge]}
//   GET /api/v1/documents/<id>/history?page_size=&page_token=  HistoryResponse
//   GET /api/v1/documents/<id>/content[?rev=REV]   the bytes (content_route.h)
//   GET /api/v1/revisions/<rev>             {"revision", "signed_statement",
//       "receipt": Receipt}
//   GET /api/v1/search?q=&limit=            SearchResponse
//   GET /api/v1/checkpoint                  GetCheckpointResponse
//   GET /api/v1/proofs/consistency?old=&new=   GetConsistencyProofResponse
//   GET /api/v1/keys                        {"origin", "keys": [verifier keys]}
//
// A document id is the rest of the path, percent-decoded, so it may hold '/';
// an id ending in "/history" or "/content" is read as that route. Errors are
// JSON {"error": {"code": "NOT_FOUND", "exit": 3, "message": "..."}} with the
// HTTP status for the code and archivectl's exit code for it.
//
// Who may read: the HTTP listener takes no client certificates, so a request
// is AccessControl::HttpCaller() (every role on a plaintext loopback server,
// else "anonymous", a reader unless the config binds it otherwise); a caller
// without the reader role gets 403.
//
// Thread-safety: thread-safe. The archive and catalog are not owned and must
// outlive the listener serving these routes.
#ifndef ARCHIVE_SERVICES_RPC_API_ROUTES_H_
#define ARCHIVE_SERVICES_RPC_API_ROUTES_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "services/http/http_listener.h"
#include "services/rpc/access_control.h"
#include "services/rpc/read_queries.h"
#include "storage/db/archive.h"

namespace archive {

// The verifier keys this archive trusts (its own and the other offices').
using TrustedKeys = std::function<absl::StatusOr<std::vector<std::string>>()>;

class ApiRoutes {
 public:
  ApiRoutes(Archive* archive, ReadQueries queries, Caller caller,
            TrustedKeys trusted_keys)
      : archive_(archive),
        queries_(queries),
        caller_(std::move(caller)),
        trusted_keys_(std::move(trusted_keys)) {}

  void AddRoutes(HttpListener* listener);

  // One request (the path below /api/v1/ and the query), answered.
  HttpResponse Serve(const HttpRequest& request);

 private:
  HttpResponse Documents(const HttpRequest& request);
  HttpResponse Document(const std::string& id);
  HttpResponse History(const std::string& id, const HttpRequest& request);
  HttpResponse Revision(const std::string& id);
  HttpResponse Search(const HttpRequest& request);
  HttpResponse Consistency(const HttpRequest& request);
  HttpResponse Keys();

  Archive* archive_;
  ReadQueries queries_;
  Caller caller_;
  TrustedKeys trusted_keys_;
};

// An error as the API writes it.
HttpResponse JsonError(const absl::Status& status);

}  // namespace archive

#endif  // ARCHIVE_SERVICES_RPC_API_ROUTES_H_
