#include "services/metrics/grpc_metrics.h"

#include <grpcpp/support/byte_buffer.h>

#include <chrono>

#include "absl/strings/match.h"
#include "google/protobuf/message_lite.h"

namespace archive {
namespace {

using grpc::experimental::InterceptionHookPoints;
using grpc::experimental::ServerRpcInfo;

const char* TypeName(ServerRpcInfo::Type type) {
  switch (type) {
    case ServerRpcInfo::Type::CLIENT_STREAMING:
      return "client_stream";
    case ServerRpcInfo::Type::SERVER_STREAMING:
      return "server_stream";
    case ServerRpcInfo::Type::BIDI_STREAMING:
      return "bidi_stream";
    case ServerRpcInfo::Type::UNARY:
      break;
  }
  return "unary";
}

// go-grpc-prometheus's default buckets (Prometheus's DefBuckets).
const prometheus::Histogram::BucketBoundaries& HandlingBuckets() {
  static const auto* buckets = new prometheus::Histogram::BucketBoundaries{
      0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
  return *buckets;
}

}  // namespace

const char* GoCodeName(grpc::StatusCode code) {
  static const char* kNames[] = {"OK",
                                 "Canceled",
                                 "Unknown",
                                 "InvalidArgument",
                                 "DeadlineExceeded",
                                 "NotFound",
                                 "AlreadyExists",
                                 "PermissionDenied",
                                 "ResourceExhausted",
                                 "FailedPrecondition",
                                 "Aborted",
                                 "OutOfRange",
                                 "Unimplemented",
                                 "Internal",
                                 "Unavailable",
                                 "DataLoss",
                                 "Unauthenticated"};
  int i = static_cast<int>(code);
  return (i >= 0 && i <= 16) ? kNames[i] : "Unknown";
}

// One call's figures: counted started when gRPC creates it, handled when the
// status is sent (or, for a call that ends without one, as Canceled when it
// is destroyed).
class CallMetrics : public grpc::experimental::Interceptor {
 public:
  CallMetrics(GrpcMetrics* metrics, ServerRpcInfo* info)
      : metrics_(metrics), start_(std::chrono::steady_clock::now()) {
    std::string full = info->method() != nullptr ? info->method() : "";
    // "/package.Service/Method"
    size_t slash = full.rfind('/');
    labels_ = {{"grpc_type", TypeName(info->type())},
               {"grpc_service", slash == std::string::npos || slash == 0
                                    ? "unknown"
                                    : full.substr(1, slash - 1)},
               {"grpc_method",
                slash == std::string::npos ? full : full.substr(slash + 1)}};
    metrics_->started_.Add(labels_).Increment();
    // Only the archive's own API: its messages are generated protobuf
    // classes. (gRPC's default health service hands interceptors raw
    // ByteBuffers instead.)
    if (absl::StartsWith(full, "/archive.")) {
      received_bytes_ = &metrics_->received_bytes_.Add(labels_);
      sent_bytes_ = &metrics_->sent_bytes_.Add(labels_);
    }
  }

  ~CallMetrics() override {
    if (!handled_) Handled(grpc::StatusCode::CANCELLED);
  }

  void Intercept(
      grpc::experimental::InterceptorBatchMethods* methods) override {
    // A read that found the stream ended has no message: not counted.
    if (methods->QueryInterceptionHookPoint(
            InterceptionHookPoints::POST_RECV_MESSAGE) &&
        methods->GetRecvMessage() != nullptr) {
      metrics_->received_.Add(labels_).Increment();
      if (received_bytes_ != nullptr) {
        received_bytes_->Increment(static_cast<double>(
            static_cast<const google::protobuf::MessageLite*>(
                methods->GetRecvMessage())
                ->ByteSizeLong()));
      }
    }
    if (methods->QueryInterceptionHookPoint(
            InterceptionHookPoints::PRE_SEND_MESSAGE)) {
      metrics_->sent_.Add(labels_).Increment();
      // Serializes the message now rather than later (gRPC then sends this
      // buffer): not a second serialization.
      if (sent_bytes_ != nullptr) {
        sent_bytes_->Increment(
            static_cast<double>(methods->GetSerializedSendMessage()->Length()));
      }
    }
    if (methods->QueryInterceptionHookPoint(
            InterceptionHookPoints::PRE_SEND_STATUS)) {
      Handled(methods->GetSendStatus().error_code());
    }
    methods->Proceed();
  }

 private:
  void Handled(grpc::StatusCode code) {
    handled_ = true;
    std::chrono::duration<double> elapsed =
        std::chrono::steady_clock::now() - start_;
    prometheus::Labels with_code = labels_;
    with_code["grpc_code"] = GoCodeName(code);
    metrics_->handled_.Add(with_code).Increment();
    metrics_->seconds_.Add(labels_, HandlingBuckets()).Observe(elapsed.count());
  }

  GrpcMetrics* metrics_;
  prometheus::Labels labels_;
  std::chrono::steady_clock::time_point start_;
  bool handled_ = false;
  // Null for methods outside the archive's API (not counted in bytes).
  prometheus::Counter* received_bytes_ = nullptr;
  prometheus::Counter* sent_bytes_ = nullptr;
};

GrpcMetrics::GrpcMetrics(prometheus::Registry& registry)
    : started_(prometheus::BuildCounter()
                   .Name("grpc_server_started_total")
                   .Help("Total number of RPCs started on the server.")
                   .Register(registry)),
      handled_(prometheus::BuildCounter()
                   .Name("grpc_server_handled_total")
                   .Help("Total number of RPCs completed on the server, "
                         "regardless of success or failure.")
                   .Register(registry)),
      seconds_(prometheus::BuildHistogram()
                   .Name("grpc_server_handling_seconds")
                   .Help("Histogram of response latency (seconds) of gRPC "
                         "that had been application-level handled by the "
                         "server.")
                   .Register(registry)),
      received_(prometheus::BuildCounter()
                    .Name("grpc_server_msg_received_total")
                    .Help("Total number of RPC stream messages received on "
                          "the server.")
                    .Register(registry)),
      sent_(prometheus::BuildCounter()
                .Name("grpc_server_msg_sent_total")
                .Help("Total number of gRPC stream messages sent by the "
                      "server.")
                .Register(registry)),
      received_bytes_(prometheus::BuildCounter()
                          .Name("grpc_server_msg_received_bytes_total")
                          .Help("Serialized bytes of the messages the server "
                                "received (the archive's API only; no "
                                "framing or headers).")
                          .Register(registry)),
      sent_bytes_(prometheus::BuildCounter()
                      .Name("grpc_server_msg_sent_bytes_total")
                      .Help("Serialized bytes of the messages the server sent "
                            "(the archive's API only; no framing or "
                            "headers).")
                      .Register(registry)) {}

grpc::experimental::Interceptor* GrpcMetrics::CreateServerInterceptor(
    ServerRpcInfo* info) {
  return new CallMetrics(this, info);
}

}  // namespace archive
