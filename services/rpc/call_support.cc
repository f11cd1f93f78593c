#include "services/rpc/call_support.h"

#include <algorithm>

#include "services/rpc/proto_convert.h"
#include "storage/base/error_detail.h"

namespace archive {

grpc::Status Invalid(absl::string_view field, const std::string& message) {
  return ToGrpc(InvalidFieldError(field, message));
}

grpc::ServerUnaryReactor* FinishUnary(grpc::CallbackServerContext* ctx,
                                      const RequestLog& log,
                                      const grpc::Status& status) {
  log.Write(status);
  grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
  reactor->Finish(status);
  return reactor;
}

uint32_t PageSize(uint32_t requested, uint32_t max) {
  return std::max<uint32_t>(1, std::min(requested == 0 ? 100 : requested, max));
}

}  // namespace archive
