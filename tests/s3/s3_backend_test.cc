// The S3 blob backend, under the archive's BlobStore, against a real Ceph RGW:
// single PUTs and multipart uploads round-trip byte-exact through ranged
// reads, an upload refused or abandoned leaves no object (and no upload in
// progress), the listing finds what was stored, and wrong credentials, a
// missing bucket and a store that is not there are told apart.
#include <gtest/gtest.h>

#include <map>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "storage/base/sha256.h"
#include "storage/db/blob_store.h"
#include "storage/s3/curl_transport.h"
#include "storage/s3/s3_blob_backend.h"
#include "tests/s3/s3_test_util.h"

namespace archive::testing {
namespace {

// Pseudo-random bytes (no repeats a store could dedupe or compress away).
std::string Bytes(size_t n, uint64_t seed) {
  std::string out(n, '\0');
  uint64_t x = seed | 1;
  for (size_t i = 0; i < n; ++i) {
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    out[i] = static_cast<char>((x * 0x2545F4914F6CDD1Dull) >> 56);
  }
  return out;
}

class S3Backend : public ::testing::Test {
 protected:
  void SetUp() override {
    env_ = LoadS3Env();
    ASSERT_TRUE(env_.ok());
    bucket_ = NewBucket();
  }

  std::shared_ptr<S3BlobBackend> Backend(S3Credentials credentials,
                                         std::string bucket,
                                         std::string endpoint = "") {
    S3ClientOptions client;
    client.endpoint = endpoint.empty() ? env_.endpoint : endpoint;
    client.credentials = std::move(credentials);
    client.attempts = 2;
    client.first_backoff = absl::Milliseconds(10);
    auto made = S3Client::Create(
        client, std::make_unique<CurlTransport>(CurlTransportOptions{}));
    EXPECT_TRUE(made.ok()) << made.status();
    S3BlobBackendOptions options;
    options.location.bucket = std::move(bucket);
    options.location.prefix = "office/a";
    options.part_bytes = 5 << 20;           // S3's smallest part
    options.read_window_bytes = 100 << 10;  // many windows per blob
    return std::make_shared<S3BlobBackend>(options, std::move(*made));
  }
  std::shared_ptr<S3BlobBackend> Backend() {
    return Backend({env_.access_key_id, env_.secret_access_key, ""}, bucket_);
  }

  S3Env env_;
  std::string bucket_;
};

absl::Status Store(BlobStore& store, const std::string& bytes,
                   size_t chunk = 64 << 10) {
  auto writer = store.NewWriter(Sha256::HexDigest(bytes), bytes.size());
  if (!writer.ok()) return writer.status();
  for (size_t i = 0; i < bytes.size(); i += chunk) {
    absl::Status s =
        (*writer)->Append(absl::string_view(bytes).substr(i, chunk));
    if (!s.ok()) return s;
  }
  return (*writer)->Commit(Sha256::HexDigest(bytes), bytes.size()).status();
}

TEST_F(S3Backend, SinglePutAndMultipartRoundTripThroughRangedReads) {
  auto store = BlobStore::OnBackend(Backend(), nullptr).value();
  std::map<std::string, std::string> stored;
  // Empty, small, exactly one part (one PUT), one byte over (two parts), and
  // two and a half parts.
  for (size_t size : {size_t{0}, size_t{1000}, size_t{5} << 20,
                      (size_t{5} << 20) + 1, (size_t{25} << 19) + 7}) {
    std::string bytes = Bytes(size, size + 1);
    ASSERT_TRUE(Store(*store, bytes).ok()) << size;
    stored[Sha256::HexDigest(bytes)] = bytes;
  }
  for (const auto& [hex, bytes] : stored) {
    auto read = store->ReadVerified(hex, bytes.size());
    ASSERT_TRUE(read.ok()) << read.status();
    EXPECT_TRUE(*read == bytes) << "size " << bytes.size();
    auto size = store->StoredSize(hex);
    ASSERT_TRUE(size.ok()) << size.status();
    EXPECT_EQ(*size, bytes.size());
    // An independent client finds the bytes under the digest.
    ProcessResult r = S3Tool({"sha256", bucket_, ObjectKey("office/a", hex)});
    ASSERT_EQ(r.exit_code, 0) << Describe(r);
    Json j = ParseJson(r);
    EXPECT_EQ(j["sha256"], hex);
  }
  std::map<std::string, uint64_t> listed;
  ASSERT_TRUE(store->backend()
                  .List([&](const std::string& hex, uint64_t size) {
                    listed[hex] = size;
                  })
                  .ok());
  EXPECT_EQ(listed.size(), stored.size());
  for (const auto& [hex, bytes] : stored) EXPECT_EQ(listed[hex], bytes.size());
}

TEST_F(S3Backend, RefusedOrAbandonedUploadsLeaveNothing) {
  auto store = BlobStore::OnBackend(Backend(), nullptr).value();
  const std::string bytes = Bytes(12 << 20, 7);  // three parts
  const std::string hex = Sha256::HexDigest(bytes);
  {
    // Bytes that do not match the promise: refused at Commit, after two
    // parts went out; the multipart upload is aborted.
    auto writer = store->NewWriter(hex, bytes.size());
    ASSERT_TRUE(writer.ok());
    std::string wrong = bytes;
    wrong[100] ^= 1;
    ASSERT_TRUE((*writer)->Append(wrong).ok());
    auto commit = (*writer)->Commit(hex, bytes.size());
    EXPECT_TRUE(absl::IsDataLoss(commit.status())) << commit.status();
  }
  {
    // A client that went away half-way.
    auto writer = store->NewWriter(hex, bytes.size());
    ASSERT_TRUE(writer.ok());
    ASSERT_TRUE(
        (*writer)->Append(absl::string_view(bytes).substr(0, 11 << 20)).ok());
  }
  EXPECT_FALSE(store->Contains(hex));
  auto read = store->ReadVerified(hex, bytes.size());
  EXPECT_TRUE(absl::IsDataLoss(read.status())) << read.status();
  EXPECT_TRUE(absl::StrContains(read.status().message(), "missing"))
      << read.status();
  ProcessResult uploads = S3Tool({"uploads", bucket_, "office/a/"});
  ASSERT_EQ(uploads.exit_code, 0) << Describe(uploads);
  EXPECT_EQ(ParseJson(uploads).size(), 0u) << uploads.out;
  ProcessResult objects = S3Tool({"list", bucket_, "office/a/"});
  EXPECT_EQ(ParseJson(objects).size(), 0u) << objects.out;
}

TEST_F(S3Backend, UploadsACrashAbandonedAreAbortedOnceOldEnough) {
  // What a SIGKILL between two parts leaves: an upload never completed.
  S3ClientOptions options;
  options.endpoint = env_.endpoint;
  options.credentials = {env_.access_key_id, env_.secret_access_key, ""};
  auto client = S3Client::Create(
      options, std::make_unique<CurlTransport>(CurlTransportOptions{}));
  ASSERT_TRUE(client.ok());
  const std::string key = ObjectKey("office/a", Sha256::HexDigest("x"));
  auto id = (*client)->CreateMultipartUpload(bucket_, key);
  ASSERT_TRUE(id.ok()) << id.status();
  ASSERT_TRUE(
      (*client)->UploadPart(bucket_, key, *id, 1, Bytes(5 << 20, 3)).ok());

  auto backend = Backend();
  auto aborted = backend->AbortAbandonedUploads(absl::Hours(1), absl::Now());
  ASSERT_TRUE(aborted.ok()) << aborted.status();
  EXPECT_EQ(*aborted, 0) << "a young upload may be another archive's";
  EXPECT_EQ(ParseJson(S3Tool({"uploads", bucket_, "office/a/"})).size(), 1u);
  aborted = backend->AbortAbandonedUploads(absl::Hours(1),
                                           absl::Now() + absl::Hours(2));
  ASSERT_TRUE(aborted.ok()) << aborted.status();
  EXPECT_EQ(*aborted, 1);
  EXPECT_EQ(ParseJson(S3Tool({"uploads", bucket_, "office/a/"})).size(), 0u);
}

TEST_F(S3Backend, WithoutADigestAnUploadIsRefused) {
  auto store = BlobStore::OnBackend(Backend(), nullptr).value();
  auto writer = store->NewWriter();
  EXPECT_TRUE(absl::IsInvalidArgument(writer.status())) << writer.status();
}

TEST_F(S3Backend, CredentialsBucketAndReachabilityAreToldApart) {
  EXPECT_TRUE(Backend()->Probe().ok());
  absl::Status wrong_secret =
      Backend({env_.access_key_id, "not-the-secret", ""}, bucket_)->Probe();
  EXPECT_TRUE(absl::IsPermissionDenied(wrong_secret)) << wrong_secret;
  absl::Status no_bucket =
      Backend({env_.access_key_id, env_.secret_access_key, ""},
              "no-such-bucket-here")
          ->Probe();
  EXPECT_TRUE(absl::IsFailedPrecondition(no_bucket)) << no_bucket;
  EXPECT_TRUE(absl::StrContains(no_bucket.message(), "no-such-bucket-here"));
  absl::Status down =
      Backend({env_.access_key_id, env_.secret_access_key, ""}, bucket_,
              absl::StrCat("http://127.0.0.1:", FreePort()))
          ->Probe();
  EXPECT_TRUE(absl::IsUnavailable(down)) << down;
  EXPECT_TRUE(
      absl::StrContains(down.message(), "object store http://127.0.0.1:"))
      << down;
}

}  // namespace
}  // namespace archive::testing
