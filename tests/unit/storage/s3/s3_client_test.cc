// S3Client's retries, backoff and error mapping, through the transport seam:
// a scripted transport answers each request in turn (or fails it as a broken
// connection would) and records what was sent. The client against a real
// store is tested in tests/s3/.
#include "storage/s3/s3_client.h"

#include <gtest/gtest.h>

#include <deque>

#include "absl/strings/match.h"
#include "absl/synchronization/mutex.h"
#include "storage/base/hex.h"

namespace archive {
namespace {

class ScriptedTransport : public HttpTransport {
 public:
  // Each entry answers one request: a response, or a transport failure.
  std::deque<absl::StatusOr<HttpResponse>> script;
  std::vector<HttpRequest> sent;
  std::vector<std::string> bodies;

  absl::StatusOr<HttpResponse> Send(const HttpRequest& request) override {
    sent.push_back(request);
    bodies.emplace_back(request.body);
    if (script.empty()) return absl::InternalError("script ran out");
    auto next = std::move(script.front());
    script.pop_front();
    return next;
  }
};

HttpResponse Answer(int status, std::string body = "",
                    std::map<std::string, std::string> headers = {}) {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  r.headers = std::move(headers);
  return r;
}

std::string ErrorXml(const std::string& code) {
  return "<?xml version=\"1.0\"?><Error><Code>" + code +
         "</Code><Message>it said so</Message></Error>";
}

std::string Header(const HttpRequest& r, const std::string& name) {
  for (const auto& [k, v] : r.headers) {
    if (k == name) return v;
  }
  return "";
}

class S3ClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto transport = std::make_unique<ScriptedTransport>();
    transport_ = transport.get();
    S3ClientOptions options;
    options.endpoint = "http://127.0.0.1:7480";
    options.credentials = {"AKID", "SECRET", ""};
    options.attempts = 4;
    options.first_backoff = absl::Milliseconds(100);
    options.max_backoff = absl::Milliseconds(300);
    options.sleep = [this](absl::Duration d) { sleeps_.push_back(d); };
    auto client = S3Client::Create(std::move(options), std::move(transport));
    ASSERT_TRUE(client.ok()) << client.status();
    client_ = std::move(*client);
  }

  ScriptedTransport* transport_ = nullptr;
  std::unique_ptr<S3Client> client_;
  std::vector<absl::Duration> sleeps_;
};

TEST_F(S3ClientTest, PutSendsChecksumsAndChecksTheEtag) {
  // MD5("hello") = 5d41402abc4b2a76b9719d911017c592
  transport_->script.push_back(
      Answer(200, "", {{"etag", "\"5d41402abc4b2a76b9719d911017c592\""}}));
  ASSERT_TRUE(client_->PutObject("bucket", "p/sha256/ab/x", "hello").ok());
  const HttpRequest& r = transport_->sent.at(0);
  EXPECT_EQ(r.method, "PUT");
  EXPECT_EQ(r.url, "http://127.0.0.1:7480/bucket/p/sha256/ab/x");
  EXPECT_EQ(Header(r, "Content-MD5"), "XUFAKrxLKna5cZ2REBfFkg==");
  EXPECT_EQ(Header(r, "x-amz-content-sha256"),
            "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
  EXPECT_EQ(Header(r, "Host"), "127.0.0.1:7480");
  EXPECT_TRUE(absl::StartsWith(Header(r, "Authorization"),
                               "AWS4-HMAC-SHA256 Credential=AKID/"));
}

TEST_F(S3ClientTest, AnEtagThatIsNotTheBytesMd5IsDataLoss) {
  transport_->script.push_back(
      Answer(200, "", {{"etag", "\"00000000000000000000000000000000\""}}));
  absl::Status s = client_->PutObject("bucket", "k", "hello");
  EXPECT_TRUE(absl::IsDataLoss(s)) << s;
}

TEST_F(S3ClientTest, RetriesAnUnreachableStoreWithGrowingBackoff) {
  for (int i = 0; i < 3; ++i) {
    transport_->script.push_back(absl::UnavailableError("Connection refused"));
  }
  transport_->script.push_back(Answer(200, "", {{"content-length", "42"}}));
  auto size = client_->HeadObject("bucket", "k");
  ASSERT_TRUE(size.ok()) << size.status();
  EXPECT_EQ(*size, 42u);
  ASSERT_EQ(sleeps_.size(), 3u);
  // Each pause is drawn from [half, all] of 100, 200, 300 (capped) ms.
  EXPECT_GE(sleeps_[0], absl::Milliseconds(50));
  EXPECT_LE(sleeps_[0], absl::Milliseconds(100));
  EXPECT_GE(sleeps_[1], absl::Milliseconds(100));
  EXPECT_LE(sleeps_[1], absl::Milliseconds(200));
  EXPECT_GE(sleeps_[2], absl::Milliseconds(150));
  EXPECT_LE(sleeps_[2], absl::Milliseconds(300));
}

TEST_F(S3ClientTest, GivesUpWithAClearUnavailableError) {
  for (int i = 0; i < 4; ++i) {
    transport_->script.push_back(absl::UnavailableError("Connection refused"));
  }
  absl::Status s = client_->PutObject("bucket", "k", "hello");
  EXPECT_TRUE(absl::IsUnavailable(s)) << s;
  EXPECT_TRUE(absl::StrContains(s.message(), "object store"));
  EXPECT_TRUE(absl::StrContains(s.message(), "http://127.0.0.1:7480"));
  EXPECT_TRUE(absl::StrContains(s.message(), "PUT bucket/k"));
  EXPECT_TRUE(absl::StrContains(s.message(), "Connection refused"));
  EXPECT_TRUE(absl::StrContains(s.message(), "4 attempts"));
  EXPECT_EQ(transport_->sent.size(), 4u);
  EXPECT_TRUE(transport_->script.empty());
}

TEST_F(S3ClientTest, ServerErrorsAndSlowDownAreRetried) {
  transport_->script.push_back(Answer(503, ErrorXml("SlowDown")));
  transport_->script.push_back(Answer(500, ErrorXml("InternalError")));
  transport_->script.push_back(Answer(200, "", {{"content-length", "7"}}));
  auto size = client_->HeadObject("bucket", "k");
  ASSERT_TRUE(size.ok()) << size.status();
  EXPECT_EQ(transport_->sent.size(), 3u);
}

TEST_F(S3ClientTest, RefusalsAreNotRetriedAndSayWhy) {
  struct Case {
    int status;
    std::string code;
    absl::StatusCode expected;
  } cases[] = {
      {404, "NoSuchKey", absl::StatusCode::kNotFound},
      {404, "NoSuchBucket", absl::StatusCode::kFailedPrecondition},
      {403, "SignatureDoesNotMatch", absl::StatusCode::kPermissionDenied},
      {403, "InvalidAccessKeyId", absl::StatusCode::kPermissionDenied},
      {400, "BadDigest", absl::StatusCode::kDataLoss},
      {400, "XAmzContentSHA256Mismatch", absl::StatusCode::kDataLoss},
      {400, "InvalidArgument", absl::StatusCode::kInternal},
      {507, "InsufficientCapacity", absl::StatusCode::kResourceExhausted},
  };
  for (const Case& c : cases) {
    transport_->sent.clear();
    transport_->script.clear();
    for (int i = 0; i < 4; ++i) {
      transport_->script.push_back(Answer(c.status, ErrorXml(c.code)));
    }
    absl::Status s = client_->PutObject("bucket", "k", "x");
    EXPECT_EQ(s.code(), c.expected) << c.code << ": " << s;
    EXPECT_TRUE(absl::StrContains(s.message(), c.code)) << s;
    EXPECT_EQ(transport_->sent.size(), 1u) << c.code;
  }
}

TEST_F(S3ClientTest, MultipartCompletesWithTheEtagOfItsParts) {
  transport_->script.push_back(
      Answer(200,
             "<InitiateMultipartUploadResult><UploadId>u-1</UploadId>"
             "</InitiateMultipartUploadResult>"));
  auto id = client_->CreateMultipartUpload("bucket", "k");
  ASSERT_TRUE(id.ok()) << id.status();
  EXPECT_EQ(*id, "u-1");
  EXPECT_EQ(transport_->sent[0].url, "http://127.0.0.1:7480/bucket/k?uploads=");

  std::vector<UploadedPart> parts;
  for (const char* body : {"hello", "world"}) {
    // The store's ETag for a part is its MD5.
    std::string md5_hex = body == std::string("hello")
                              ? "5d41402abc4b2a76b9719d911017c592"
                              : "7d793037a0760186574b0282f2f435e7";
    transport_->script.push_back(
        Answer(200, "", {{"etag", "\"" + md5_hex + "\""}}));
    auto part = client_->UploadPart("bucket", "k", *id,
                                    static_cast<int>(parts.size() + 1), body);
    ASSERT_TRUE(part.ok()) << part.status();
    parts.push_back(*part);
  }
  EXPECT_EQ(transport_->sent[2].url,
            "http://127.0.0.1:7480/bucket/k?partNumber=2&uploadId=u-1");
  // A 200 that carries an error (the store failed while assembling) is
  // retried; then a wrong ETag is refused.
  transport_->script.push_back(Answer(200, ErrorXml("InternalError")));
  transport_->script.push_back(
      Answer(200,
             "<CompleteMultipartUploadResult><ETag>&quot;"
             "00000000000000000000000000000000-2&quot;</ETag>"
             "</CompleteMultipartUploadResult>"));
  absl::Status s = client_->CompleteMultipartUpload("bucket", "k", *id, parts);
  EXPECT_TRUE(absl::IsDataLoss(s)) << s;
  EXPECT_TRUE(absl::StrContains(transport_->bodies.back(),
                                "<Part><PartNumber>2</PartNumber><ETag>&quot;"
                                "7d793037a0760186574b0282f2f435e7&quot;"))
      << transport_->bodies.back();
}

TEST_F(S3ClientTest, RangedGetReadsContentRange) {
  transport_->script.push_back(
      Answer(206, "cdef", {{"content-range", "bytes 2-5/10"}}));
  std::string out;
  auto total = client_->GetRange("bucket", "k", 2, 4, &out);
  ASSERT_TRUE(total.ok()) << total.status();
  EXPECT_EQ(*total, 10u);
  EXPECT_EQ(out, "cdef");
  EXPECT_EQ(Header(transport_->sent[0], "Range"), "bytes=2-5");

  // A range that does not start where asked is not taken.
  transport_->script.push_back(
      Answer(206, "abcd", {{"content-range", "bytes 0-3/10"}}));
  total = client_->GetRange("bucket", "k", 2, 4, &out);
  EXPECT_TRUE(absl::IsDataLoss(total.status())) << total.status();
}

TEST_F(S3ClientTest, ListFollowsContinuationTokens) {
  transport_->script.push_back(
      Answer(200,
             "<ListBucketResult><IsTruncated>true</IsTruncated>"
             "<Contents><Key>p/a</Key><Size>1</Size></Contents>"
             "<NextContinuationToken>t+1</NextContinuationToken>"
             "</ListBucketResult>"));
  transport_->script.push_back(
      Answer(200,
             "<ListBucketResult><IsTruncated>false</IsTruncated>"
             "<Contents><Key>p/b</Key><Size>22</Size></Contents>"
             "</ListBucketResult>"));
  std::vector<std::pair<std::string, uint64_t>> seen;
  absl::Status s = client_->ListObjects(
      "bucket", "p/",
      [&](const std::string& k, uint64_t n) { seen.emplace_back(k, n); });
  ASSERT_TRUE(s.ok()) << s;
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[1], std::make_pair(std::string("p/b"), uint64_t{22}));
  EXPECT_TRUE(
      absl::StrContains(transport_->sent[1].url, "continuation-token=t%2B1"))
      << transport_->sent[1].url;
}

TEST(S3ClientCreate, RefusesAnEndpointThatIsNotAUrl) {
  for (const char* bad : {"127.0.0.1:7480", "ftp://x", "http://h/path",
                          "http://user@h", "http://"}) {
    S3ClientOptions options;
    options.endpoint = bad;
    auto client =
        S3Client::Create(options, std::make_unique<ScriptedTransport>());
    EXPECT_TRUE(absl::IsInvalidArgument(client.status())) << bad;
    EXPECT_TRUE(absl::StrContains(client.status().message(), "--s3_endpoint"));
  }
}

}  // namespace
}  // namespace archive
