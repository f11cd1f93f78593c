// Internal to services/rpc: what every call handler shares. A unary call's
// bookkeeping (identify, authorize, one log line), a streaming call refused
// before it starts, the INVALID_ARGUMENT that names a request field, and the
// page-size rule. Each object here belongs to one call and is used on that
// call's thread only.
#ifndef ARCHIVE_SERVICES_RPC_CALL_SUPPORT_H_
#define ARCHIVE_SERVICES_RPC_CALL_SUPPORT_H_

#include <grpcpp/grpcpp.h>

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "services/rpc/access_control.h"
#include "services/rpc/proto_convert.h"
#include "services/rpc/request_log.h"

namespace archive {

// INVALID_ARGUMENT `message` about the request's `field` (a path of proto
// field names, ErrorDetail.field).
grpc::Status Invalid(absl::string_view field, const std::string& message);

// Finishes a unary call and writes its log line.
grpc::ServerUnaryReactor* FinishUnary(grpc::CallbackServerContext* ctx,
                                      const RequestLog& log,
                                      const grpc::Status& status);

// One unary call's bookkeeping: identifies and authorizes the caller, and
// writes the request's log line when it finishes.
class UnaryCall {
 public:
  UnaryCall(grpc::CallbackServerContext* ctx, const AccessControl& access,
            const char* method, Role needed)
      : ctx_(ctx), log_(method, ctx->peer()), caller_(access.Identify(*ctx)) {
    log_.set_identity(caller_.identity);
    authorized_ = AccessControl::Check(caller_, needed, method);
  }
  bool allowed() const { return authorized_.ok(); }
  grpc::ServerUnaryReactor* Refuse() { return Finish(ToGrpc(authorized_)); }
  grpc::ServerUnaryReactor* Finish(const grpc::Status& status) {
    return FinishUnary(ctx_, log_, status);
  }
  RequestLog& log() { return log_; }
  const Caller& caller() const { return caller_; }

 private:
  grpc::CallbackServerContext* ctx_;
  RequestLog log_;
  Caller caller_;
  absl::Status authorized_;
};

// Finishes `call` with `result`: its value moved into `*response`, or its
// error.
template <typename Message>
grpc::ServerUnaryReactor* FinishWith(UnaryCall& call,
                                     absl::StatusOr<Message> result,
                                     Message* response) {
  if (!result.ok()) return call.Finish(ToGrpc(result.status()));
  *response = std::move(*result);
  return call.Finish(grpc::Status::OK);
}

// Finishes a streaming call at once: the caller may not make it.
template <typename Reactor>
class RefusedReactor : public Reactor {
 public:
  explicit RefusedReactor(const grpc::Status& status) { this->Finish(status); }
  void OnDone() override { delete this; }
};

// Page tokens are the last item's key, opaque to clients. The default page
// (100) is capped by --max_page_size too, and a page holds at least one item.
uint32_t PageSize(uint32_t requested, uint32_t max);

}  // namespace archive

#endif  // ARCHIVE_SERVICES_RPC_CALL_SUPPORT_H_
