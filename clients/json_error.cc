#include "clients/json_error.h"

#include <iostream>

#include "clients/cli_output.h"
#include "clients/exit_codes.h"

namespace archive {
namespace {

Json ErrorObject(const absl::Status& s, const std::string& message) {
  Json error;
  error["exit"] = static_cast<int>(ExitCodeFor(s));
  error["code"] = ErrorCodeName(s);
  error["message"] = message;
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
