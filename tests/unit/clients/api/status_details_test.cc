// The error detail's two halves: the payloads a status carries
// (storage/error_detail.h) and their wire form (clients/status_details.h).
#include "clients/api/status_details.h"

#include <gtest/gtest.h>

#include "storage/base/error_detail.h"

namespace archive {
namespace {

TEST(StatusDetails, EveryPartSurvivesTheWire) {
  ErrorDetail sent{kReasonLimitExceeded,
                   "header.size",
                   ErrorLimit{"document_bytes", 1000, "--max_document_bytes"},
                   {{"document", "gx-1"}, {"note", "a=b\nc"}}};
  absl::Status s = WithDetail(absl::ResourceExhaustedError("too big"), sent);
  std::string wire = RichStatusOf(s, "too big");
  ASSERT_FALSE(wire.empty());
  ErrorDetail got =
      DetailOf(WithDetailFrom(absl::ResourceExhaustedError("too big"), wire));
  EXPECT_EQ(got.reason, sent.reason);
  EXPECT_EQ(got.field, sent.field);
  ASSERT_TRUE(got.limit.has_value());
  EXPECT_EQ(got.limit->name, "document_bytes");
  EXPECT_EQ(got.limit->maximum, 1000u);
  EXPECT_EQ(got.limit->flag, "--max_document_bytes");
  EXPECT_EQ(got.metadata, sent.metadata);
}

TEST(StatusDetails, NoDetailSendsNoTrailer) {
  EXPECT_EQ(RichStatusOf(absl::InternalError("x"), "x"), "");
}

TEST(StatusDetails, DetailNeverChangesTheStatus) {
  absl::Status sent = InvalidFieldError("page_token", "page_token: forged");
  std::string wire = RichStatusOf(sent, sent.message());
  // Another code than the trailer's: the trailer is not this status's.
  absl::Status other = WithDetailFrom(absl::NotFoundError("x"), wire);
  EXPECT_EQ(DetailOf(other).reason, "");
  EXPECT_TRUE(absl::IsNotFound(other));
  // Garbage is ignored.
  absl::Status garbage =
      WithDetailFrom(absl::InvalidArgumentError("x"), "\xff\xff\xff not proto");
  EXPECT_EQ(DetailOf(garbage).reason, "");
  EXPECT_EQ(garbage.message(), "x");
  // The matching code takes it.
  EXPECT_EQ(
      DetailOf(WithDetailFrom(absl::InvalidArgumentError("x"), wire)).field,
      "page_token");
}

TEST(ErrorDetail, NewDetailReplacesTheOld) {
  absl::Status s = WithReason(absl::NotFoundError("x"), kReasonDocumentNotFound,
                              {{"document", "a"}, {"extra", "1"}});
  s = WithReason(s, kReasonRevisionNotFound, {{"revision", "b"}});
  ErrorDetail d = DetailOf(s);
  EXPECT_EQ(d.reason, kReasonRevisionNotFound);
  EXPECT_EQ(d.metadata,
            (std::map<std::string, std::string>{{"revision", "b"}}));
  EXPECT_TRUE(WithReason(absl::OkStatus(), kReasonDiskFull).ok());
}

TEST(ErrorDetail, StatementKeyIsKeptForTheService) {
  absl::Status s = StatementFieldError("title", "contains a tab");
  EXPECT_EQ(s.message(), "title: contains a tab");
  EXPECT_EQ(DetailOf(s).field, "");
  EXPECT_EQ(DetailOf(s).metadata.at("statement_key"), "title");
  EXPECT_EQ(
      DetailOf(UnderField(InvalidFieldError("lifecycle", "m"), "header")).field,
      "header.lifecycle");
}

}  // namespace
}  // namespace archive
