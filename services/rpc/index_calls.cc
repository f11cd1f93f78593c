// The calls the catalog answers (Relations, Search). Each first waits, briefly,
// for the index to catch up with the log, so a search right after a put or a
// sync sees it.
#include <algorithm>

#include "absl/strings/str_cat.h"
#include "clients/api/api_enums.h"
#include "services/rpc/archive_service.h"
#include "services/rpc/call_support.h"
#include "services/rpc/proto_convert.h"
#include "services/rpc/request_log.h"
#include "storage/base/error_detail.h"
#include "storage/base/utf8.h"

namespace archive {
namespace {

using grpc::CallbackServerContext;
using grpc::ServerUnaryReactor;

// How long Relations and Search wait for the index to catch up with the log.
constexpr absl::Duration kIndexWait = absl::Seconds(3);
constexpr size_t kMaxQueryBytes = 1024;

}  // namespace

ServerUnaryReactor* ArchiveService::Relations(
    CallbackServerContext* ctx, const v1::RelationsRequest* request,
    v1::RelationsResponse* response) {
  UnaryCall call(ctx, *access_, "Relations", Role::kReader);
  call.log().set_document(request->document_id());
  if (!call.allowed()) return call.Refuse();
  return FinishWith(call, queries().Relations(*request), response);
}

ServerUnaryReactor* ArchiveService::Search(CallbackServerContext* ctx,
                                           const v1::SearchRequest* request,
                                           v1::SearchResponse* response) {
  UnaryCall call(ctx, *access_, "Search", Role::kReader);
  if (!call.allowed()) return call.Refuse();
  return FinishWith(call, queries().Search(*request), response);
}

}  // namespace archive
