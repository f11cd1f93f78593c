#include "clients/api/status_details.h"

#include "archive/v1/error_detail.pb.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "storage/base/error_detail.h"

namespace archive {
namespace {

v1::ErrorDetail ToProto(const ErrorDetail& detail) {
  v1::ErrorDetail out;
  out.set_reason(detail.reason);
  out.set_field(detail.field);
  if (detail.limit.has_value()) {
    out.mutable_limit()->set_name(detail.limit->name);
    out.mutable_limit()->set_maximum(detail.limit->maximum);
    out.mutable_limit()->set_flag(detail.limit->flag);
  }
  for (const auto& [key, value] : detail.metadata) {
    (*out.mutable_metadata())[key] = value;
  }
  return out;
}

ErrorDetail FromProto(const v1::ErrorDetail& in) {
  ErrorDetail detail;
  detail.reason = in.reason();
  detail.field = in.field();
  if (in.has_limit()) {
    detail.limit =
        ErrorLimit{in.limit().name(), in.limit().maximum(), in.limit().flag()};
  }
  detail.metadata.insert(in.metadata().begin(), in.metadata().end());
  return detail;
}

}  // namespace

std::string RichStatusOf(const absl::Status& status,
                         absl::string_view message) {
  ErrorDetail detail = DetailOf(status);
  if (detail.reason.empty()) return "";
  google::rpc::Status rich;
  rich.set_code(static_cast<int>(status.code()));
  rich.set_message(std::string(message));
  rich.add_details()->PackFrom(ToProto(detail));
  if (!detail.field.empty()) {
    google::rpc::BadRequest bad_request;
    auto* violation = bad_request.add_field_violations();
    violation->set_field(detail.field);
    violation->set_description(std::string(message));
    rich.add_details()->PackFrom(bad_request);
  }
  return rich.SerializeAsString();
}

absl::Status WithDetailFrom(absl::Status status,
                            const std::string& rich_status) {
  if (status.ok() || rich_status.empty()) return status;
  google::rpc::Status rich;
  if (!rich.ParseFromString(rich_status) ||
      rich.code() != static_cast<int>(status.code())) {
    return status;
  }
  for (const google::protobuf::Any& any : rich.details()) {
    v1::ErrorDetail detail;
    if (any.UnpackTo(&detail) && !detail.reason().empty()) {
      return WithDetail(std::move(status), FromProto(detail));
    }
  }
  return status;
}

}  // namespace archive
