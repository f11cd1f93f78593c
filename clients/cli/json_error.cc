#include "clients/cli/json_error.h"

#include <iostream>

#include "clients/cli/cli_output.h"
#include "clients/cli/exit_codes.h"
#include "storage/base/error_detail.h"

namespace archive {
namespace {

Json ErrorObject(const absl::Status& s, const std::string& message) {
  Json error;
  error["exit"] = static_cast<int>(ExitCodeFor(s));
  error["code"] = ErrorCodeName(s);
  error["message"] = message;
  // What a program acts on, when the archive said it (storage/error_detail.h).
  ErrorDetail detail = DetailOf(s);
  if (detail.reason.empty()) return error;
  error["reason"] = detail.reason;
  if (!detail.field.empty()) error["field"] = detail.field;
  if (detail.limit.has_value()) {
    error["limit"] = {{"name", detail.limit->name},
                      {"maximum", detail.limit->maximum},
                      {"flag", detail.limit->flag}};
  }
  if (!detail.metadata.empty()) error["metadata"] = detail.metadata;
  return error;
}

}  // namespace

StdoutCapture::StdoutCapture() : saved_(std::cout.rdbuf(buffer_.rdbuf())) {}

StdoutCapture::~StdoutCapture() {
  if (saved_ != nullptr) std::cout.rdbuf(saved_);
}

std::string StdoutCapture::Release() {
  std::cout.flush();
  if (saved_ != nullptr) std::cout.rdbuf(saved_);
  saved_ = nullptr;
  return buffer_.str();
}

std::string JsonFailureOutput(const std::string& printed, const absl::Status& s,
                              const std::string& message) {
  Json report = Json::parse(printed, nullptr, /*allow_exceptions=*/false);
  if (!report.is_discarded() && report.is_object() &&
      !report.contains("error")) {
    report["error"] = ErrorObject(s, message);
    return report.dump() + "\n";
  }
  Json only;
  only["error"] = ErrorObject(s, message);
  return printed + only.dump() + "\n";
}

}  // namespace archive
