// SigV4 against the worked examples in the Amazon S3 API reference
// ("Authenticating Requests: Using the Authorization Header", examples GET
// Object, PUT Object and GET Bucket), computed by AWS, not by us.
#include "storage/s3/sigv4.h"

#include <gtest/gtest.h>

#include <map>

#include "absl/strings/match.h"
#include "storage/base/sha256.h"

namespace archive {
namespace {

const S3Credentials kExampleKey{"AKIAIOSFODNN7EXAMPLE",
                                "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", ""};
const char kHost[] = "examplebucket.s3.amazonaws.com";

absl::Time May24() {
  return absl::FromCivil(absl::CivilSecond(2013, 5, 24, 0, 0, 0),
                         absl::UTCTimeZone());
}

std::map<std::string, std::string> Sign(const SigV4Request& r) {
  std::map<std::string, std::string> out;
  for (auto& [k, v] : SignV4(r, kExampleKey, "us-east-1", May24())) out[k] = v;
  return out;
}

TEST(SigV4, AwsExampleGetObject) {
  SigV4Request r{"GET",
                 kHost,
                 "/test.txt",
                 {},
                 {{"Range", "bytes=0-9"}},
                 Sha256::HexDigest("")};
  auto h = Sign(r);
  EXPECT_EQ(h["x-amz-date"], "20130524T000000Z");
  EXPECT_EQ(h["Authorization"],
            "AWS4-HMAC-SHA256 "
            "Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/"
            "aws4_request,SignedHeaders=host;range;x-amz-content-sha256;x-amz-"
            "date,Signature="
            "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
}

TEST(SigV4, AwsExamplePutObject) {
  const std::string body = "Welcome to Amazon S3.";
  SigV4Request r{"PUT",
                 kHost,
                 "/" + UriEncode("test$file.text", true),
                 {},
                 {{"Date", "Fri, 24 May 2013 00:00:00 GMT"},
                  {"x-amz-storage-class", "REDUCED_REDUNDANCY"}},
                 Sha256::HexDigest(body)};
  EXPECT_EQ(r.path, "/test%24file.text");
  EXPECT_EQ(r.payload_sha256_hex,
            "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072");
  auto h = Sign(r);
  EXPECT_TRUE(absl::EndsWith(
      h["Authorization"],
      "SignedHeaders=date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-"
      "class,Signature="
      "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd"))
      << h["Authorization"];
}

TEST(SigV4, AwsExampleListObjects) {
  SigV4Request r{"GET", kHost,
                 "/",   {{"prefix", "J"}, {"max-keys", "2"}},
                 {},    Sha256::HexDigest("")};
  EXPECT_EQ(CanonicalQuery(r.query), "max-keys=2&prefix=J");
  auto h = Sign(r);
  EXPECT_TRUE(absl::EndsWith(
      h["Authorization"],
      "Signature="
      "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7"))
      << h["Authorization"];
}

TEST(SigV4, SessionTokenIsSentAndSigned) {
  S3Credentials with_token = kExampleKey;
  with_token.session_token = "token/+=";
  SigV4Request r{"GET", kHost, "/a", {}, {}, Sha256::HexDigest("")};
  std::map<std::string, std::string> h;
  for (auto& [k, v] : SignV4(r, with_token, "us-east-1", May24())) h[k] = v;
  EXPECT_EQ(h["x-amz-security-token"], "token/+=");
  EXPECT_TRUE(absl::StrContains(h["Authorization"], "x-amz-security-token"));
}

TEST(SigV4, UriEncodeKeepsUnreservedOnly) {
  EXPECT_EQ(UriEncode("a-b_c.d~e/f g+h%", true), "a-b_c.d~e/f%20g%2Bh%25");
  EXPECT_EQ(UriEncode("a/b", false), "a%2Fb");
  EXPECT_EQ(UriEncode("\xe6\x94\xbf", true), "%E6%94%BF");
  EXPECT_EQ(CanonicalQuery({{"uploads", ""}}), "uploads=");
  EXPECT_EQ(CanonicalQuery({{"b", "2"}, {"a", "x y"}, {"a", "1"}}),
            "a=1&a=x%20y&b=2");
}

}  // namespace
}  // namespace archive
