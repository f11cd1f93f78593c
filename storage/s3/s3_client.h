// The S3 operations the blob backend needs, over an HttpTransport, signed with
// SigV4 (sigv4.h) and addressed path-style (ENDPOINT/BUCKET/KEY, which Ceph
// RGW, MinIO and AWS all accept). Each operation is one request, retried with
// exponential backoff and jitter when the store is unreachable, stalls or
// answers 5xx/429/SlowDown; everything else is answered at once.
//
// Checksums: every body is signed by its SHA-256 (x-amz-content-sha256) and
// carries its Content-MD5; the store refuses bytes that match neither
// (DATA_LOSS here). The ETag the store answers with is checked too where it
// is the MD5 an S3 store computes (of the object, or "MD5 of the parts' MD5s
// -N" for a multipart upload), so a put is taken as done only once the store
// confirmed exactly these bytes.
//
// Thread-safety: all methods may be called concurrently (the transport's
// are). The transport is owned.
//
// Errors, each naming the endpoint, the operation and the object:
// NOT_FOUND for an absent object or upload; FAILED_PRECONDITION for a bucket
// that does not exist; PERMISSION_DENIED for refused credentials or
// signatures; DATA_LOSS for bytes refused as not matching their checksum (or
// an ETag that contradicts them); RESOURCE_EXHAUSTED for a full store or a
// quota; UNAVAILABLE (or DEADLINE_EXCEEDED) once every attempt failed to get
// an answer, with the last reason; INTERNAL for any other refusal, with the
// store's error code and message.
#ifndef ARCHIVE_STORAGE_S3_S3_CLIENT_H_
#define ARCHIVE_STORAGE_S3_S3_CLIENT_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "storage/s3/http_transport.h"
#include "storage/s3/sigv4.h"

namespace archive {

// A part of a multipart upload as the store acknowledged it.
struct UploadedPart {
  std::string etag;  // as the store returned it, quotes included
  std::string md5;   // raw MD5 of the part's bytes (16 bytes)
};

struct S3ClientOptions {
  // scheme://host[:port], http or https, no path (--s3_endpoint).
  std::string endpoint;
  std::string region = "us-east-1";
  S3Credentials credentials;
  // Tries per request (1: no retry), and the pause before the second, which
  // doubles for each further one up to max_backoff (each pause is drawn
  // between half and all of that, so clients that failed together do not
  // retry together).
  int attempts = 4;
  absl::Duration first_backoff = absl::Milliseconds(250);
  absl::Duration max_backoff = absl::Seconds(4);
  // Seams for tests; null for absl::SleepFor and absl::Now.
  std::function<void(absl::Duration)> sleep;
  std::function<absl::Time()> now;
};

class S3Client {
 public:
  // INVALID_ARGUMENT for an endpoint that is not scheme://host[:port].
  static absl::StatusOr<std::unique_ptr<S3Client>> Create(
      S3ClientOptions options, std::unique_ptr<HttpTransport> transport);

  const std::string& endpoint() const { return options_.endpoint; }

  // FAILED_PRECONDITION if the bucket does not exist; PERMISSION_DENIED if
  // the credentials are refused.
  absl::Status HeadBucket(const std::string& bucket);
  // The object's size; NOT_FOUND if absent.
  absl::StatusOr<uint64_t> HeadObject(const std::string& bucket,
                                      const std::string& key);
  // One PUT of the whole object.
  absl::Status PutObject(const std::string& bucket, const std::string& key,
                         absl::string_view body);
  // Multipart upload: Create returns the upload id; parts are numbered from
  // 1 and (but the last) at least 5 MiB; Complete makes the object visible,
  // all at once, under `key`.
  absl::StatusOr<std::string> CreateMultipartUpload(const std::string& bucket,
                                                    const std::string& key);
  absl::StatusOr<UploadedPart> UploadPart(const std::string& bucket,
                                          const std::string& key,
                                          const std::string& upload_id,
                                          int part_number,
                                          absl::string_view body);
  // `parts` in order, as UploadPart returned them.
  absl::Status CompleteMultipartUpload(const std::string& bucket,
                                       const std::string& key,
                                       const std::string& upload_id,
                                       const std::vector<UploadedPart>& parts);
  absl::Status AbortMultipartUpload(const std::string& bucket,
                                    const std::string& key,
                                    const std::string& upload_id);
  // Bytes [offset, offset + length) of the object, or fewer at its end, into
  // *out (replaced); returns the object's whole size. An offset at or past
  // the end gives no bytes. NOT_FOUND if absent.
  absl::StatusOr<uint64_t> GetRange(const std::string& bucket,
                                    const std::string& key, uint64_t offset,
                                    uint64_t length, std::string* out);
  // Every multipart upload in progress whose key starts with `prefix`, with
  // when it was started, a thousand a request.
  absl::Status ListMultipartUploads(
      const std::string& bucket, const std::string& prefix,
      const std::function<void(const std::string& key,
                               const std::string& upload_id,
                               absl::Time initiated)>& visit);
  // Every object whose key starts with `prefix`, in key order, a thousand a
  // request.
  absl::Status ListObjects(
      const std::string& bucket, const std::string& prefix,
      const std::function<void(const std::string& key, uint64_t size)>& visit);

 private:
  struct Call {
    Call(std::string what, std::string method, std::string bucket,
         std::string key = "")
        : what(std::move(what)),
          method(std::move(method)),
          bucket(std::move(bucket)),
          key(std::move(key)) {}
    std::string what;  // "PUT bucket/key", for messages
    std::string method;
    std::string bucket;
    std::string key;  // empty: the bucket itself
    std::vector<std::pair<std::string, std::string>> query;
    std::vector<std::pair<std::string, std::string>> headers;
    absl::string_view body;
  };
  S3Client(S3ClientOptions options, std::unique_ptr<HttpTransport> transport,
           std::string host)
      : options_(std::move(options)),
        transport_(std::move(transport)),
        host_(std::move(host)) {}
  // Sends `call`, signed afresh for each attempt, retrying what may succeed
  // on a later try. A response that is not 2xx comes back as its status.
  absl::StatusOr<HttpResponse> Send(const Call& call);
  // The status for an error response to `call`.
  absl::Status ErrorFor(const Call& call, const HttpResponse& response) const;

  S3ClientOptions options_;
  std::unique_ptr<HttpTransport> transport_;
  std::string host_;  // the Host header: name[:port]
};

}  // namespace archive

#endif  // ARCHIVE_STORAGE_S3_S3_CLIENT_H_
