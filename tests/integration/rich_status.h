// A failed call's rich status as it travels (the grpc-status-details-bin
// trailer), decoded here straight from the protos, not through the client
// library, so a test sees what any gRPC client would.
#ifndef ARCHIVE_TESTS_INTEGRATION_RICH_STATUS_H_
#define ARCHIVE_TESTS_INTEGRATION_RICH_STATUS_H_

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <string>

#include "archive/v1/error_detail.pb.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"

namespace archive::testing {

struct RichStatus {
  bool present = false;  // the trailer was sent and parsed
  v1::ErrorDetail detail;
  std::string bad_request_field;  // "" without a google.rpc.BadRequest
};

// The rich status of `s`, checked to carry the call's own code and message.
inline RichStatus RichStatusOf(const grpc::Status& s) {
  RichStatus out;
  google::rpc::Status rich;
  if (s.error_details().empty() || !rich.ParseFromString(s.error_details())) {
    return out;
  }
  out.present = true;
  EXPECT_EQ(rich.code(), static_cast<int>(s.error_code()));
  EXPECT_EQ(rich.message(), s.error_message());
  for (const google::protobuf::Any& any : rich.details()) {
    google::rpc::BadRequest bad;
    if (any.UnpackTo(&out.detail)) continue;
    if (any.UnpackTo(&bad) && bad.field_violations_size() > 0) {
      out.bad_request_field = bad.field_violations(0).field();
    }
  }
  return out;
}

}  // namespace archive::testing

#endif  // ARCHIVE_TESTS_INTEGRATION_RICH_STATUS_H_
