#include "storage/s3/s3_client.h"

#include <openssl/evp.h>

#include <algorithm>
#include <random>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "storage/base/hex.h"
#include "storage/base/sha256.h"
#include "storage/s3/s3_xml.h"

namespace archive {
namespace {

std::string Md5(absl::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), out, &len, EVP_md5(), nullptr);
  return std::string(reinterpret_cast<const char*>(out), len);
}

std::string Unquoted(absl::string_view etag) {
  absl::ConsumePrefix(&etag, "\"");
  absl::ConsumeSuffix(&etag, "\"");
  return std::string(etag);
}

// S3 stores answer with the MD5 they computed as the ETag (hex, or "HEX-N"
// for a multipart object). A store that encrypts may answer something else,
// which says nothing either way; an MD5-shaped ETag that differs is proof
// the store holds other bytes than were sent.
absl::Status CheckEtag(absl::string_view what, absl::string_view etag,
                       const std::string& expected) {
  std::string got = Unquoted(etag);
  absl::string_view hex = got;
  if (size_t dash = hex.find('-'); dash != absl::string_view::npos) {
    hex = hex.substr(0, dash);
  }
  bool md5_shaped = hex.size() == 32 && FromHex(hex).has_value();
  if (!md5_shaped || got == expected) return absl::OkStatus();
  return absl::DataLossError(
      absl::StrCat(what, ": the object store acknowledged ETag ", got,
                   " but the bytes sent have ", expected));
}

// What may succeed if asked again shortly: the store overloaded, restarting
// or failing for a moment. Not a full store (507) or an unsupported call.
bool Retriable(int http_status, absl::string_view code) {
  return (http_status >= 500 && http_status != 501 && http_status != 507) ||
         http_status == 429 || http_status == 408 || code == "SlowDown" ||
         code == "RequestTimeout" || code == "InternalError";
}

// Splits scheme://host[:port] into the URL base and the Host header.
absl::Status ParseEndpoint(const std::string& endpoint, std::string* host) {
  absl::string_view rest = endpoint;
  if (!absl::ConsumePrefix(&rest, "http://") &&
      !absl::ConsumePrefix(&rest, "https://")) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--s3_endpoint: \"", endpoint,
        "\" is not an http:// or https:// URL (e.g. http://127.0.0.1:7480)"));
  }
  absl::ConsumeSuffix(&rest, "/");
  if (rest.empty() || absl::StrContains(rest, "/") ||
      absl::StrContains(rest, "?") || absl::StrContains(rest, "@")) {
    return absl::InvalidArgumentError(
        absl::StrCat("--s3_endpoint: \"", endpoint,
                     "\" must be scheme://host[:port], without a path, "
                     "query or user"));
  }
  *host = std::string(rest);
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<S3Client>> S3Client::Create(
    S3ClientOptions options, std::unique_ptr<HttpTransport> transport) {
  std::string host;
  if (absl::Status s = ParseEndpoint(options.endpoint, &host); !s.ok()) {
    return s;
  }
  options.endpoint = std::string(absl::StripSuffix(options.endpoint, "/"));
  if (options.attempts < 1) options.attempts = 1;
  if (!options.sleep)
    options.sleep = [](absl::Duration d) { absl::SleepFor(d); };
  if (!options.now) options.now = [] { return absl::Now(); };
  return std::unique_ptr<S3Client>(
      new S3Client(std::move(options), std::move(transport), std::move(host)));
}

absl::StatusOr<HttpResponse> S3Client::Send(const Call& call) {
  std::string path = absl::StrCat("/", call.bucket);
  if (!call.key.empty()) absl::StrAppend(&path, "/", UriEncode(call.key, true));
  std::string url = absl::StrCat(options_.endpoint, path);
  if (!call.query.empty())
    absl::StrAppend(&url, "?", CanonicalQuery(call.query));
  SigV4Request sign{call.method, host_,        path,
                    call.query,  call.headers, Sha256::HexDigest(call.body)};
  thread_local std::minstd_rand jitter(std::random_device{}());
  absl::Duration backoff = options_.first_backoff;
  absl::Status last;
  for (int attempt = 1;; ++attempt) {
    HttpRequest request{call.method, url, call.headers, call.body};
    request.headers.emplace_back("Host", host_);
    for (auto& h :
         SignV4(sign, options_.credentials, options_.region, options_.now())) {
      request.headers.push_back(std::move(h));
    }
    absl::StatusOr<HttpResponse> response = transport_->Send(request);
    if (response.ok() && response->status >= 200 && response->status < 300) {
      return response;
    }
    bool retry;
    if (response.ok()) {
      last = ErrorFor(call, *response);
      retry = Retriable(response->status, XmlText(response->body, "Code"));
    } else {
      last = response.status();
      retry = absl::IsUnavailable(last) || absl::IsDeadlineExceeded(last);
    }
    if (!retry) return last;
    if (attempt >= options_.attempts) break;
    std::uniform_int_distribution<int64_t> draw(
        absl::ToInt64Microseconds(backoff) / 2,
        absl::ToInt64Microseconds(backoff));
    options_.sleep(absl::Microseconds(draw(jitter)));
    backoff = std::min(backoff * 2, options_.max_backoff);
  }
  // The store could not be reached or kept failing: say where, what and how
  // often, so an operator sees at once that the store is down.
  absl::StatusCode code = absl::IsDeadlineExceeded(last)
                              ? absl::StatusCode::kDeadlineExceeded
                              : absl::StatusCode::kUnavailable;
  std::string message(last.message());
  if (!absl::StartsWith(message, "object store")) {
    message = absl::StrCat("object store ", options_.endpoint, ": ", call.what,
                           ": ", message);
  }
  return absl::Status(
      code, absl::StrCat(message, " (", options_.attempts, " attempts)"));
}

absl::Status S3Client::ErrorFor(const Call& call,
                                const HttpResponse& response) const {
  std::string code = XmlText(response.body, "Code");
  std::string text = XmlText(response.body, "Message");
  std::string prefix =
      absl::StrCat("object store ", options_.endpoint, ": ", call.what,
                   ": HTTP ", response.status, code.empty() ? "" : " ", code,
                   text.empty() ? "" : " (", text, text.empty() ? "" : ")");
  const int status = response.status;
  if (code == "NoSuchBucket" || (status == 404 && call.key.empty())) {
    return absl::FailedPreconditionError(absl::StrCat(
        prefix, ": bucket ", call.bucket, " does not exist; create it first"));
  }
  if (status == 404) return absl::NotFoundError(prefix);
  if (status == 403 || code == "InvalidAccessKeyId" ||
      code == "SignatureDoesNotMatch" || code == "AccessDenied") {
    return absl::PermissionDeniedError(
        absl::StrCat(prefix,
                     ": check AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY (or "
                     "--s3_credentials_file) and --s3_region"));
  }
  if (code == "BadDigest" || code == "InvalidDigest" ||
      code == "XAmzContentSHA256Mismatch") {
    return absl::DataLossError(
        absl::StrCat(prefix,
                     ": the store refused the bytes as not matching their "
                     "checksum"));
  }
  if (status == 507 || status == 413 || code == "QuotaExceeded" ||
      code == "EntityTooLarge") {
    return absl::ResourceExhaustedError(prefix);
  }
  if (status == 416) return absl::OutOfRangeError(prefix);
  if (Retriable(status, code)) return absl::UnavailableError(prefix);
  return absl::InternalError(prefix);
}

absl::Status S3Client::HeadBucket(const std::string& bucket) {
  return Send(Call("HEAD " + bucket, "HEAD", bucket)).status();
}

absl::StatusOr<uint64_t> S3Client::HeadObject(const std::string& bucket,
                                              const std::string& key) {
  Call call(absl::StrCat("HEAD ", bucket, "/", key), "HEAD", bucket, key);
  auto response = Send(call);
  if (!response.ok()) return response.status();
  uint64_t size = 0;
  auto it = response->headers.find("content-length");
  if (it == response->headers.end() || !absl::SimpleAtoi(it->second, &size)) {
    return absl::InternalError(absl::StrCat("object store ", options_.endpoint,
                                            ": ", call.what,
                                            ": no Content-Length"));
  }
  return size;
}

absl::Status S3Client::PutObject(const std::string& bucket,
                                 const std::string& key,
                                 absl::string_view body) {
  const std::string md5 = Md5(body);
  Call call(absl::StrCat("PUT ", bucket, "/", key), "PUT", bucket, key);
  call.headers = {{"Content-MD5", Base64Encode(md5)}};
  call.body = body;
  auto response = Send(call);
  if (!response.ok()) return response.status();
  return CheckEtag(call.what, response->headers["etag"], ToHex(md5));
}

absl::StatusOr<std::string> S3Client::CreateMultipartUpload(
    const std::string& bucket, const std::string& key) {
  Call call(absl::StrCat("POST ", bucket, "/", key, "?uploads"), "POST", bucket,
            key);
  call.query = {{"uploads", ""}};
  auto response = Send(call);
  if (!response.ok()) return response.status();
  std::string id = XmlText(response->body, "UploadId");
  if (id.empty()) {
    return absl::InternalError(absl::StrCat("object store ", options_.endpoint,
                                            ": ", call.what,
                                            ": no UploadId in the answer"));
  }
  return id;
}

absl::StatusOr<UploadedPart> S3Client::UploadPart(const std::string& bucket,
                                                  const std::string& key,
                                                  const std::string& upload_id,
                                                  int part_number,
                                                  absl::string_view body) {
  UploadedPart part;
  part.md5 = Md5(body);
  Call call(absl::StrCat("PUT ", bucket, "/", key, " part ", part_number),
            "PUT", bucket, key);
  call.query = {{"partNumber", absl::StrCat(part_number)},
                {"uploadId", upload_id}};
  call.headers = {{"Content-MD5", Base64Encode(part.md5)}};
  call.body = body;
  auto response = Send(call);
  if (!response.ok()) return response.status();
  part.etag = response->headers["etag"];
  if (absl::Status s = CheckEtag(call.what, part.etag, ToHex(part.md5));
      !s.ok()) {
    return s;
  }
  return part;
}

absl::Status S3Client::CompleteMultipartUpload(
    const std::string& bucket, const std::string& key,
    const std::string& upload_id, const std::vector<UploadedPart>& parts) {
  std::string xml = "<CompleteMultipartUpload>";
  std::string md5s;
  for (size_t i = 0; i < parts.size(); ++i) {
    absl::StrAppend(&xml, "<Part><PartNumber>", i + 1, "</PartNumber><ETag>",
                    XmlEscape(parts[i].etag), "</ETag></Part>");
    md5s += parts[i].md5;
  }
  xml += "</CompleteMultipartUpload>";
  const std::string expected =
      absl::StrCat(ToHex(Md5(md5s)), "-", parts.size());
  Call call(absl::StrCat("POST ", bucket, "/", key, " complete"), "POST",
            bucket, key);
  call.query = {{"uploadId", upload_id}};
  call.headers = {{"Content-MD5", Base64Encode(Md5(xml))}};
  call.body = xml;
  absl::StatusOr<HttpResponse> response;
  // The answer is 200 even when the store fails while assembling the object:
  // the error is then in the body, and a retry is the cure.
  for (int attempt = 1;; ++attempt) {
    response = Send(call);
    if (!response.ok() || !absl::StrContains(response->body, "<Error>")) break;
    response->status = 500;
    absl::Status failed = ErrorFor(call, *response);
    if (attempt >= options_.attempts) return failed;
    options_.sleep(options_.first_backoff * attempt);
  }
  if (absl::IsNotFound(response.status())) {
    // An earlier attempt may have completed it before its answer was lost;
    // then the object is there with the ETag these parts make.
    Call head(absl::StrCat("HEAD ", bucket, "/", key), "HEAD", bucket, key);
    auto there = Send(head);
    if (there.ok() && Unquoted(there->headers["etag"]) == expected) {
      return absl::OkStatus();
    }
    return response.status();
  }
  if (!response.ok()) return response.status();
  return CheckEtag(call.what, XmlText(response->body, "ETag"), expected);
}

absl::Status S3Client::AbortMultipartUpload(const std::string& bucket,
                                            const std::string& key,
                                            const std::string& upload_id) {
  Call call(absl::StrCat("DELETE ", bucket, "/", key, " upload"), "DELETE",
            bucket, key);
  call.query = {{"uploadId", upload_id}};
  absl::Status s = Send(call).status();
  return absl::IsNotFound(s) ? absl::OkStatus() : s;
}

absl::StatusOr<uint64_t> S3Client::GetRange(const std::string& bucket,
                                            const std::string& key,
                                            uint64_t offset, uint64_t length,
                                            std::string* out) {
  out->clear();
  Call call(absl::StrCat("GET ", bucket, "/", key), "GET", bucket, key);
  call.headers = {
      {"Range", absl::StrCat("bytes=", offset, "-",
                             offset + std::max<uint64_t>(length, 1) - 1)}};
  auto response = Send(call);
  if (absl::IsOutOfRange(response.status())) {
    // Past the end (or an empty object): no bytes; the size is in the HEAD.
    return HeadObject(bucket, key);
  }
  if (!response.ok()) return response.status();
  if (response->status == 200) {
    // A store that ignored the range sent the whole object.
    uint64_t total = response->body.size();
    if (offset >= total) return total;
    *out = response->body.substr(offset, length);
    return total;
  }
  // 206: Content-Range: bytes FIRST-LAST/TOTAL.
  absl::string_view range = response->headers["content-range"];
  uint64_t first = 0, total = 0;
  size_t slash = range.rfind('/');
  size_t dash = range.find('-');
  if (!absl::ConsumePrefix(&range, "bytes ") ||
      slash == absl::string_view::npos || dash == absl::string_view::npos ||
      !absl::SimpleAtoi(range.substr(0, range.find('-')), &first) ||
      !absl::SimpleAtoi(range.substr(range.rfind('/') + 1), &total) ||
      first != offset || response->body.size() > length) {
    return absl::DataLossError(absl::StrCat(
        "object store ", options_.endpoint, ": ", call.what,
        ": answered bytes that are not the range asked for (Content-Range \"",
        response->headers["content-range"], "\")"));
  }
  *out = std::move(response->body);
  return total;
}

absl::Status S3Client::ListMultipartUploads(
    const std::string& bucket, const std::string& prefix,
    const std::function<void(const std::string&, const std::string&,
                             absl::Time)>& visit) {
  std::string key_marker, id_marker;
  while (true) {
    Call call(absl::StrCat("GET ", bucket, "?uploads&prefix=", prefix), "GET",
              bucket);
    call.query = {{"uploads", ""}, {"prefix", prefix}, {"max-uploads", "1000"}};
    if (!key_marker.empty()) {
      call.query.emplace_back("key-marker", key_marker);
      call.query.emplace_back("upload-id-marker", id_marker);
    }
    auto response = Send(call);
    if (!response.ok()) return response.status();
    for (absl::string_view upload : XmlElements(response->body, "Upload")) {
      absl::Time initiated;
      std::string error;
      if (!absl::ParseTime("%Y-%m-%dT%H:%M:%E*SZ", XmlText(upload, "Initiated"),
                           &initiated, &error)) {
        continue;  // cannot tell its age: leave it
      }
      visit(XmlText(upload, "Key"), XmlText(upload, "UploadId"), initiated);
    }
    key_marker = XmlText(response->body, "NextKeyMarker");
    id_marker = XmlText(response->body, "NextUploadIdMarker");
    if (XmlText(response->body, "IsTruncated") != "true" ||
        key_marker.empty()) {
      return absl::OkStatus();
    }
  }
}

absl::Status S3Client::ListObjects(
    const std::string& bucket, const std::string& prefix,
    const std::function<void(const std::string&, uint64_t)>& visit) {
  std::string token;
  while (true) {
    Call call(absl::StrCat("GET ", bucket, "?list-type=2&prefix=", prefix),
              "GET", bucket);
    call.query = {{"list-type", "2"}, {"prefix", prefix}, {"max-keys", "1000"}};
    if (!token.empty()) call.query.emplace_back("continuation-token", token);
    auto response = Send(call);
    if (!response.ok()) return response.status();
    for (absl::string_view contents : XmlElements(response->body, "Contents")) {
      uint64_t size = 0;
      std::string key = XmlText(contents, "Key");
      if (key.empty() || !absl::SimpleAtoi(XmlText(contents, "Size"), &size)) {
        continue;
      }
      visit(key, size);
    }
    token = XmlText(response->body, "NextContinuationToken");
    if (XmlText(response->body, "IsTruncated") != "true" || token.empty()) {
      return absl::OkStatus();
    }
  }
}

}  // namespace archive
