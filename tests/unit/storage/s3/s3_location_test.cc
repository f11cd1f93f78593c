#include "storage/s3/s3_location.h"

#include <gtest/gtest.h>

#include "absl/strings/match.h"

namespace archive {
namespace {

const std::string kHex =
    "324e507c2b0a77bd8c2a0ef0ae2e0e2cbc8a84ab79b5ee4bfcd57b2b3d1a1a6e";

TEST(S3Location, ParsesBucketAndPrefix) {
  auto loc = ParseS3Location("s3://policy-archive/gx/prod/");
  ASSERT_TRUE(loc.ok()) << loc.status();
  EXPECT_EQ(loc->bucket, "policy-archive");
  EXPECT_EQ(loc->prefix, "gx/prod");
  EXPECT_EQ(loc->KeyFor(kHex), "gx/prod/sha256/32/" + kHex);
  EXPECT_EQ(loc->DigestOf("gx/prod/sha256/32/" + kHex), kHex);
  EXPECT_EQ(loc->ToString(), "s3://policy-archive/gx/prod");
}

TEST(S3Location, BucketAloneHasAnEmptyPrefix) {
  auto loc = ParseS3Location("s3://archive.blobs");
  ASSERT_TRUE(loc.ok()) << loc.status();
  EXPECT_EQ(loc->prefix, "");
  EXPECT_EQ(loc->KeyFor(kHex), "sha256/32/" + kHex);
}

TEST(S3Location, DigestOfRefusesOtherKeys) {
  auto loc = ParseS3Location("s3://bucket/p");
  ASSERT_TRUE(loc.ok());
  EXPECT_EQ(loc->DigestOf("p/sha256/33/" + kHex), "") << "wrong shard";
  EXPECT_EQ(loc->DigestOf("q/sha256/32/" + kHex), "") << "other prefix";
  EXPECT_EQ(loc->DigestOf("p/sha256/32/" + kHex + ".part"), "");
  EXPECT_EQ(loc->DigestOf("p/sha256/32/" + kHex.substr(1)), "");
}

TEST(S3Location, BadInputIsNamed) {
  for (const char* bad : {"http://bucket/p", "s3://", "s3://ab", "s3://Upper/p",
                          "s3://-lead/p", "s3://under_score", "s3://bucket//p",
                          "s3://bucket/a/../b", "s3://bucket/a\tb"}) {
    auto loc = ParseS3Location(bad);
    EXPECT_TRUE(absl::IsInvalidArgument(loc.status())) << bad;
    EXPECT_TRUE(absl::StrContains(loc.status().message(), "--blob_store"))
        << loc.status();
  }
}

}  // namespace
}  // namespace archive
