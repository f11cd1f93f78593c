#include "services/rpc/api_routes.h"

#include <google/protobuf/util/json_util.h>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "services/rpc/content_route.h"
#include "storage/base/error_detail.h"
#include "storage/base/log_line.h"

namespace archive {
namespace {

constexpr char kJson[] = "application/json; charset=utf-8";

// The proto3 JSON of `message`, with the .proto field names and every field
// written (a leaf index of 0, an empty list), so a reader need not know the
// defaults.
std::string ToJson(const google::protobuf::Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  options.always_print_primitive_fields = true;
  std::string out;
  if (!google::protobuf::util::MessageToJsonString(message, &out, options)
           .ok()) {
    return "{}";
  }
  return out;
}

HttpResponse Json(std::string body) {
  HttpResponse response;
  response.content_type = kJson;
  response.body = std::move(body);
  response.headers.push_back({"Cache-Control", "no-cache"});
  return response;
}

template <typename Message>
HttpResponse JsonOf(const absl::StatusOr<Message>& result) {
  if (!result.ok()) return JsonError(result.status());
  return Json(ToJson(*result));
}

int HttpStatusOf(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kOutOfRange:
      return 400;
    case absl::StatusCode::kUnauthenticated:
      return 401;
    case absl::StatusCode::kPermissionDenied:
      return 403;
    case absl::StatusCode::kNotFound:
      return 404;
    case absl::StatusCode::kFailedPrecondition:
    case absl::StatusCode::kAborted:
      return 409;
    case absl::StatusCode::kResourceExhausted:
      return 429;
    case absl::StatusCode::kUnavailable:
      return 503;
    case absl::StatusCode::kDeadlineExceeded:
      return 504;
    default:
      return 500;
  }
}

// archivectl's exit code for the same refusal (ARCHITECTURE.md, "Exit codes").
int ExitCodeOf(const absl::Status& status) {
  const std::string reason = DetailOf(status).reason;
  if (reason == kReasonSeveralHeads || reason == kReasonHeadMoved) return 7;
  switch (status.code()) {
    case absl::StatusCode::kNotFound:
      return 3;
    case absl::StatusCode::kDataLoss:
      return 4;
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kDeadlineExceeded:
      return 5;
    case absl::StatusCode::kUnauthenticated:
    case absl::StatusCode::kPermissionDenied:
      return 6;
    case absl::StatusCode::kAborted:
      return 7;
    default:
      return 1;
  }
}

// The query parameter `name`, or "".
std::string Param(const HttpRequest& request, const std::string& name) {
  auto it = request.params.find(name);
  return it == request.params.end() ? "" : it->second;
}

// An unsigned query parameter (0 when absent); INVALID_ARGUMENT naming it.
absl::StatusOr<uint64_t> NumberParam(const HttpRequest& request,
                                     const std::string& name) {
  std::string text = Param(request, name);
  uint64_t value = 0;
  if (!text.empty() && !absl::SimpleAtoi(text, &value)) {
    return InvalidFieldError(
        name, absl::StrCat(name, ": \"", text, "\" is not a whole number"));
  }
  return value;
}

absl::StatusOr<uint32_t> PageSizeParam(const HttpRequest& request) {
  auto n = NumberParam(request, "page_size");
  if (!n.ok()) return n.status();
  if (*n > UINT32_MAX) {
    return InvalidFieldError("page_size", "page_size: too large");
  }
  return static_cast<uint32_t>(*n);
}

}  // namespace

HttpResponse JsonError(const absl::Status& status) {
  HttpResponse response =
      Json(absl::StrCat("{\"error\":{\"code\":",
                        JsonString(absl::StatusCodeToString(status.code())),
                        ",\"exit\":", ExitCodeOf(status),
                        ",\"message\":", JsonString(status.message()), "}}"));
  response.status = HttpStatusOf(status.code());
  return response;
}

void ApiRoutes::AddRoutes(HttpListener* listener) {
  listener->Handle("GET", "/api/v1/(.*)", [this](const HttpRequest& request) {
    return Serve(request);
  });
}

HttpResponse ApiRoutes::Serve(const HttpRequest& request) {
  if (absl::Status allowed =
          AccessControl::Check(caller_, Role::kReader, "the HTTP API");
      !allowed.ok()) {
    return JsonError(allowed);
  }
  const std::string& path = request.matches[0];
  constexpr absl::string_view kDocuments = "documents/";
  if (path == "documents") return Documents(request);
  if (absl::StartsWith(path, kDocuments)) {
    absl::string_view id = absl::string_view(path).substr(kDocuments.size());
    if (absl::ConsumeSuffix(&id, "/history")) {
      return History(std::string(id), request);
    }
    if (absl::ConsumeSuffix(&id, "/content")) {
      auto content =
          ContentResponse(*archive_, std::string(id), Param(request, "rev"));
      return content.ok() ? std::move(*content) : JsonError(content.status());
    }
    return Document(std::string(id));
  }
  if (absl::StartsWith(path, "revisions/")) {
    return Revision(path.substr(sizeof("revisions/") - 1));
  }
  if (path == "search") return Search(request);
  if (path == "checkpoint") {
    return JsonOf(queries_.Checkpoint(v1::GetCheckpointRequest()));
  }
  if (path == "proofs/consistency") return Consistency(request);
  if (path == "keys") return Keys();
  return JsonError(
      absl::NotFoundError(absl::StrCat("no such API route: /api/v1/", path)));
}

HttpResponse ApiRoutes::Documents(const HttpRequest& request) {
  v1::ListRequest list;
  list.set_region(Param(request, "region"));
  list.set_issuer(Param(request, "issuer"));
  list.set_number(Param(request, "number"));
  list.set_status(Param(request, "status"));
  list.set_date_from(Param(request, "from"));
  list.set_date_to(Param(request, "to"));
  list.set_query(Param(request, "query"));
  list.set_page_token(Param(request, "page_token"));
  auto page = PageSizeParam(request);
  if (!page.ok()) return JsonError(page.status());
  list.set_page_size(*page);
  return JsonOf(queries_.List(list));
}

HttpResponse ApiRoutes::Document(const std::string& id) {
  auto summary = queries_.Document(id);
  if (!summary.ok()) return JsonError(summary.status());
  std::string body = absl::StrCat("{\"document\":", ToJson(*summary));
  if (!summary->authoritative().empty()) {
    auto authoritative = queries_.Statement(summary->authoritative());
    if (!authoritative.ok()) return JsonError(authoritative.status());
    absl::StrAppend(&body, ",\"authoritative_revision\":",
                    ToJson(authoritative->revision()));
  }
  v1::RelationsRequest relations_request;
  relations_request.set_document_id(id);
  auto relations = queries_.Relations(relations_request);
  std::vector<std::string> edges;
  if (relations.ok()) {
    for (const v1::RelationEdge& e : relations->relations()) {
      edges.push_back(ToJson(e));
    }
  }
  absl::StrAppend(&body, ",\"relations\":[", absl::StrJoin(edges, ","), "]}");
  return Json(std::move(body));
}

HttpResponse ApiRoutes::History(const std::string& id,
                                const HttpRequest& request) {
  v1::HistoryRequest history;
  history.set_document_id(id);
  history.set_page_token(Param(request, "page_token"));
  auto page = PageSizeParam(request);
  if (!page.ok()) return JsonError(page.status());
  history.set_page_size(*page);
  return JsonOf(queries_.History(history));
}

HttpResponse ApiRoutes::Revision(const std::string& id) {
  auto statement = queries_.Statement(id);
  if (!statement.ok()) return JsonError(statement.status());
  auto receipt = queries_.ReceiptOf(id);
  if (!receipt.ok()) return JsonError(receipt.status());
  return Json(absl::StrCat(
      "{\"revision\":", ToJson(statement->revision()),
      ",\"signed_statement\":", JsonString(statement->signed_statement()),
      ",\"receipt\":", ToJson(*receipt), "}"));
}

HttpResponse ApiRoutes::Search(const HttpRequest& request) {
  v1::SearchRequest search;
  search.set_query(Param(request, "q"));
  auto limit = NumberParam(request, "limit");
  if (!limit.ok()) return JsonError(limit.status());
  if (*limit > UINT32_MAX) {
    return JsonError(InvalidFieldError("limit", "limit: too large"));
  }
  search.set_limit(static_cast<uint32_t>(*limit));
  return JsonOf(queries_.Search(search));
}

HttpResponse ApiRoutes::Consistency(const HttpRequest& request) {
  auto old_size = NumberParam(request, "old");
  if (!old_size.ok()) return JsonError(old_size.status());
  auto new_size = NumberParam(request, "new");
  if (!new_size.ok()) return JsonError(new_size.status());
  v1::GetConsistencyProofRequest proof;
  proof.set_old_size(*old_size);
  proof.set_new_size(*new_size);
  return JsonOf(queries_.Consistency(proof));
}

HttpResponse ApiRoutes::Keys() {
  auto trusted = trusted_keys_();
  if (!trusted.ok()) return JsonError(trusted.status());
  const std::string own = archive_->key().VerifierKey();
  std::vector<std::string> keys = {JsonString(own)};
  for (const std::string& key : *trusted) {
    if (key != own) keys.push_back(JsonString(key));
  }
  return Json(absl::StrCat("{\"origin\":", JsonString(archive_->origin()),
                           ",\"keys\":[", absl::StrJoin(keys, ","), "]}"));
}

}  // namespace archive
