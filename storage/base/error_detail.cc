#include "storage/base/error_detail.h"

#include <vector>

#include "absl/strings/cord.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace archive {
namespace {

// Each part of the detail is its own payload under this prefix, so no part
// needs an encoding of its own.
constexpr absl::string_view kPrefix = "archive/error/";
constexpr absl::string_view kMetadataPrefix = "archive/error/metadata/";

std::string Url(absl::string_view part) { return absl::StrCat(kPrefix, part); }

std::string Part(const absl::Status& status, absl::string_view part) {
  auto value = status.GetPayload(Url(part));
  return value.has_value() ? std::string(*value) : std::string();
}

void ClearDetail(absl::Status& status) {
  std::vector<std::string> urls;
  status.ForEachPayload([&urls](absl::string_view url, const absl::Cord&) {
    if (absl::StartsWith(url, kPrefix)) urls.emplace_back(url);
  });
  for (const std::string& url : urls) status.ErasePayload(url);
}

void SetPart(absl::Status& status, absl::string_view part,
             absl::string_view value) {
  if (!value.empty()) status.SetPayload(Url(part), absl::Cord(value));
}

}  // namespace

absl::Status WithDetail(absl::Status status, const ErrorDetail& detail) {
  if (status.ok()) return status;
  ClearDetail(status);
  SetPart(status, "reason", detail.reason);
  SetPart(status, "field", detail.field);
  if (detail.limit.has_value()) {
    SetPart(status, "limit/name", detail.limit->name);
    SetPart(status, "limit/maximum", absl::StrCat(detail.limit->maximum));
    SetPart(status, "limit/flag", detail.limit->flag);
  }
  for (const auto& [key, value] : detail.metadata) {
    status.SetPayload(absl::StrCat(kMetadataPrefix, key), absl::Cord(value));
  }
  return status;
}

absl::Status WithReason(absl::Status status, absl::string_view reason,
                        std::map<std::string, std::string> metadata) {
  ErrorDetail detail;
  detail.reason = std::string(reason);
  detail.metadata = std::move(metadata);
  return WithDetail(std::move(status), detail);
}

ErrorDetail DetailOf(const absl::Status& status) {
  ErrorDetail detail;
  detail.reason = Part(status, "reason");
  if (detail.reason.empty()) return detail;
  detail.field = Part(status, "field");
  std::string maximum = Part(status, "limit/maximum");
  if (!maximum.empty()) {
    ErrorLimit limit;
    limit.name = Part(status, "limit/name");
    limit.flag = Part(status, "limit/flag");
    if (!absl::SimpleAtoi(maximum, &limit.maximum)) limit.maximum = 0;
    detail.limit = std::move(limit);
  }
  status.ForEachPayload(
      [&detail](absl::string_view url, const absl::Cord& value) {
        if (absl::ConsumePrefix(&url, kMetadataPrefix)) {
          detail.metadata[std::string(url)] = std::string(value);
        }
      });
  return detail;
}

absl::Status InvalidFieldError(absl::string_view field,
                               absl::string_view message) {
  ErrorDetail detail;
  detail.reason = kReasonInvalidField;
  detail.field = std::string(field);
  return WithDetail(absl::InvalidArgumentError(message), detail);
}

absl::Status StatementFieldError(absl::string_view key,
                                 absl::string_view problem) {
  ErrorDetail detail;
  detail.reason = kReasonInvalidField;
  detail.metadata["statement_key"] = std::string(key);
  return WithDetail(
      absl::InvalidArgumentError(absl::StrCat(key, ": ", problem)), detail);
}

absl::Status LimitExceededError(ErrorLimit limit, absl::string_view field,
                                absl::string_view message) {
  ErrorDetail detail;
  detail.reason = kReasonLimitExceeded;
  detail.field = std::string(field);
  detail.limit = std::move(limit);
  return WithDetail(absl::ResourceExhaustedError(message), detail);
}

absl::Status UnderField(absl::Status status, absl::string_view prefix) {
  ErrorDetail detail = DetailOf(status);
  if (detail.reason.empty()) return status;
  detail.field = detail.field.empty() ? std::string(prefix)
                                      : absl::StrCat(prefix, ".", detail.field);
  return WithDetail(std::move(status), detail);
}

}  // namespace archive
