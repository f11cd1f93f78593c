// gRPC server metrics under the go-grpc-prometheus names, collected by a
// server interceptor, so every method of every service is counted the same
// way without touching the reactors:
//   grpc_server_started_total{grpc_type,grpc_service,grpc_method}
//   grpc_server_handled_total{grpc_type,grpc_service,grpc_method,grpc_code}
//   grpc_server_handling_seconds{grpc_type,grpc_service,grpc_method}
//   (histogram) grpc_server_msg_received_total / grpc_server_msg_sent_total
//   grpc_server_msg_received_bytes_total / grpc_server_msg_sent_bytes_total
//   (the serialized messages of the archive's own API: what a federation's
//   bench adds up as bytes moved; framing and headers are not counted)
// grpc_code is the Go name of the status code ("OK", "InvalidArgument", ...),
// grpc_type one of unary, client_stream, server_stream, bidi_stream.
//
// Thread-safety: the factory and its interceptors may be used from every
// gRPC thread at once. The registry must outlive the factory, and the factory
// the server it is installed in.
#ifndef ARCHIVE_SERVICES_METRICS_GRPC_METRICS_H_
#define ARCHIVE_SERVICES_METRICS_GRPC_METRICS_H_

#include <grpcpp/support/server_interceptor.h>

#include <string>

#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"

namespace archive {

// The Go name of a gRPC status code, as go-grpc-prometheus labels it.
const char* GoCodeName(grpc::StatusCode code);

class GrpcMetrics
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  explicit GrpcMetrics(prometheus::Registry& registry);

  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override;

 private:
  friend class CallMetrics;
  prometheus::Family<prometheus::Counter>& started_;
  prometheus::Family<prometheus::Counter>& handled_;
  prometheus::Family<prometheus::Histogram>& seconds_;
  prometheus::Family<prometheus::Counter>& received_;
  prometheus::Family<prometheus::Counter>& sent_;
  prometheus::Family<prometheus::Counter>& received_bytes_;
  prometheus::Family<prometheus::Counter>& sent_bytes_;
};

}  // namespace archive

#endif  // ARCHIVE_SERVICES_METRICS_GRPC_METRICS_H_
