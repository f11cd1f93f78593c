#include "storage/s3/s3_blob_backend.h"

#include <algorithm>
#include <cstring>
#include <future>
#include <vector>

#include "absl/strings/str_cat.h"
#include "storage/base/hex.h"

namespace archive {
namespace {

constexpr size_t kMinPartBytes = 5 << 20;
constexpr uint64_t kMaxParts = 10000;

absl::Status CheckName(const std::string& sha256_hex) {
  if (IsSha256Hex(sha256_hex)) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat("not a sha256 digest: \"", sha256_hex, "\""));
}

}  // namespace

// One object being written: a single PUT at Commit, or a multipart upload
// started when a second part's bytes arrive. A full part is sent on another
// thread while the next one gathers, so receiving and sending overlap; at most
// one part is in flight, so a writer holds at most two parts.
class S3BlobBackend::ObjectUpload : public BlobBackend::Upload {
 public:
  ObjectUpload(S3Client* client, std::string bucket, std::string key,
               std::string sha256_hex, size_t part_bytes)
      : client_(client),
        bucket_(std::move(bucket)),
        key_(std::move(key)),
        sha256_hex_(std::move(sha256_hex)),
        part_bytes_(part_bytes) {}

  ~ObjectUpload() override {
    WaitForPart().IgnoreError();
    // Best effort: a store that cannot be reached now keeps the parts until
    // archived's next start (or the bucket's lifecycle rule) aborts them;
    // they are never visible as an object.
    if (!committed_ && !upload_id_.empty()) {
      client_->AbortMultipartUpload(bucket_, key_, upload_id_).IgnoreError();
    }
  }

  absl::Status Append(absl::string_view data) override {
    while (!data.empty()) {
      if (buffer_.size() == part_bytes_) {
        // More bytes after a full part: the blob is a multipart upload.
        if (absl::Status s = SendPart(); !s.ok()) return s;
      }
      if (buffer_.capacity() < part_bytes_) buffer_.reserve(part_bytes_);
      size_t n = std::min(data.size(), part_bytes_ - buffer_.size());
      buffer_.append(data.data(), n);
      data.remove_prefix(n);
    }
    return absl::OkStatus();
  }

  absl::Status Commit(const std::string& sha256_hex) override {
    if (sha256_hex != sha256_hex_) {
      // The object was named by the promised digest when the upload began.
      return absl::InternalError(
          absl::StrCat("blob upload for ", sha256_hex_, " committed as ",
                       sha256_hex, ": refusing to store it under either"));
    }
    absl::Status s;
    if (upload_id_.empty()) {
      s = client_->PutObject(bucket_, key_, buffer_);
    } else {
      if (!buffer_.empty()) s = SendPart();
      if (s.ok()) s = WaitForPart();
      if (s.ok()) {
        s = client_->CompleteMultipartUpload(bucket_, key_, upload_id_, parts_);
      }
    }
    if (s.ok()) committed_ = true;
    return s;
  }

 private:
  // Starts sending the gathered part once the one before it is acknowledged.
  absl::Status SendPart() {
    if (absl::Status s = WaitForPart(); !s.ok()) return s;
    if (upload_id_.empty()) {
      auto id = client_->CreateMultipartUpload(bucket_, key_);
      if (!id.ok()) return id.status();
      upload_id_ = std::move(*id);
    }
    const int number = static_cast<int>(parts_.size() + 1);
    in_flight_ = std::async(
        std::launch::async, [this, number, part = std::move(buffer_)]() {
          return client_->UploadPart(bucket_, key_, upload_id_, number, part);
        });
    buffer_ = std::string();
    return absl::OkStatus();
  }

  // The part in flight, if any, acknowledged (or why not).
  absl::Status WaitForPart() {
    if (!in_flight_.valid()) return absl::OkStatus();
    absl::StatusOr<UploadedPart> part = in_flight_.get();
    if (!part.ok()) return part.status();
    parts_.push_back(std::move(*part));
    return absl::OkStatus();
  }

  S3Client* client_;
  std::string bucket_, key_, sha256_hex_;
  size_t part_bytes_;
  std::string buffer_;  // the part being gathered
  std::string upload_id_;
  std::vector<UploadedPart> parts_;  // acknowledged, in order
  std::future<absl::StatusOr<UploadedPart>> in_flight_;
  bool committed_ = false;
};

// An object read a window at a time with ranged GETs. The next window is
// fetched on another thread while the current one is read, so the store and
// the archive's client are busy at once; a reader holds at most two windows.
class S3BlobBackend::ObjectReader : public SequentialFile {
 public:
  ObjectReader(S3Client* client, std::string bucket, std::string key,
               size_t window_bytes)
      : client_(client),
        bucket_(std::move(bucket)),
        key_(std::move(key)),
        window_bytes_(window_bytes) {}

  ~ObjectReader() override {
    if (ahead_.valid()) ahead_.wait();
  }

  // Fetches the first window (a small object in one request); NOT_FOUND if
  // there is no object.
  absl::Status Start() {
    Window first = Fetch(0);
    if (!first.total.ok()) return first.total.status();
    Take(std::move(first));
    return absl::OkStatus();
  }

  absl::StatusOr<absl::string_view> Read(size_t n, char* scratch) override {
    if (used_ == window_.size()) {
      if (!ahead_.valid()) return absl::string_view();  // the end
      Window next = ahead_.get();
      if (absl::IsNotFound(next.total.status())) {
        return absl::DataLossError(absl::StrCat(
            "object ", key_, " disappeared while it was being read"));
      }
      if (!next.total.ok()) return next.total.status();
      Take(std::move(next));
      if (window_.empty()) return absl::string_view();
    }
    n = std::min(n, window_.size() - used_);
    std::memcpy(scratch, window_.data() + used_, n);
    used_ += n;
    return absl::string_view(scratch, n);
  }

 private:
  struct Window {
    uint64_t offset = 0;
    absl::StatusOr<uint64_t> total;  // the object's size, as the store said
    std::string bytes;
  };

  Window Fetch(uint64_t offset) const {
    Window w;
    w.offset = offset;
    w.total = client_->GetRange(bucket_, key_, offset, window_bytes_, &w.bytes);
    return w;
  }

  // Makes `w` the window being read and starts fetching the one after it.
  void Take(Window w) {
    window_ = std::move(w.bytes);
    used_ = 0;
    const uint64_t next = w.offset + window_.size();
    if (!window_.empty() && next < *w.total) {
      ahead_ =
          std::async(std::launch::async, [this, next] { return Fetch(next); });
    }
  }

  S3Client* client_;
  std::string bucket_, key_;
  size_t window_bytes_;
  std::string window_;
  size_t used_ = 0;
  std::future<Window> ahead_;  // the next window; invalid at the end
};

S3BlobBackend::S3BlobBackend(S3BlobBackendOptions options,
                             std::unique_ptr<S3Client> client)
    : options_(std::move(options)), client_(std::move(client)) {
  options_.part_bytes = std::max(options_.part_bytes, kMinPartBytes);
  options_.read_window_bytes =
      std::max<size_t>(options_.read_window_bytes, 64 << 10);
}

absl::Status S3BlobBackend::Probe() {
  return client_->HeadBucket(options_.location.bucket);
}

absl::StatusOr<int> S3BlobBackend::AbortAbandonedUploads(
    absl::Duration older_than, absl::Time now) {
  struct Upload {
    std::string key, id;
  };
  std::vector<Upload> stale;
  absl::Status listed = client_->ListMultipartUploads(
      options_.location.bucket, options_.location.BlobPrefix(),
      [&](const std::string& key, const std::string& id, absl::Time started) {
        if (now - started > older_than) stale.push_back({key, id});
      });
  if (!listed.ok()) return listed;
  for (const Upload& u : stale) {
    absl::Status s =
        client_->AbortMultipartUpload(options_.location.bucket, u.key, u.id);
    if (!s.ok()) return s;
  }
  return static_cast<int>(stale.size());
}

std::string S3BlobBackend::Describe() const {
  return absl::StrCat(options_.location.ToString(), " at ",
                      client_->endpoint());
}

absl::StatusOr<std::unique_ptr<BlobBackend::Upload>> S3BlobBackend::NewUpload(
    const std::string& sha256_hex, uint64_t expected_size) {
  if (absl::Status s = CheckName(sha256_hex); !s.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "an object store upload is named before its bytes arrive, and this "
        "one has no digest: ",
        s.message()));
  }
  size_t part = options_.part_bytes;
  if (expected_size != UINT64_MAX && expected_size / part >= kMaxParts) {
    // Whole MiBs, enough that the parts stay within S3's 10,000.
    uint64_t need = expected_size / (kMaxParts - 1) + 1;
    part = static_cast<size_t>(((need >> 20) + 1) << 20);
  }
  return std::unique_ptr<Upload>(
      new ObjectUpload(client_.get(), options_.location.bucket,
                       options_.location.KeyFor(sha256_hex), sha256_hex, part));
}

absl::StatusOr<std::unique_ptr<SequentialFile>> S3BlobBackend::Open(
    const std::string& sha256_hex) {
  if (absl::Status s = CheckName(sha256_hex); !s.ok()) return s;
  auto reader = std::make_unique<ObjectReader>(
      client_.get(), options_.location.bucket,
      options_.location.KeyFor(sha256_hex), options_.read_window_bytes);
  if (absl::Status s = reader->Start(); !s.ok()) return s;
  return std::unique_ptr<SequentialFile>(std::move(reader));
}

absl::StatusOr<uint64_t> S3BlobBackend::Size(const std::string& sha256_hex) {
  if (absl::Status s = CheckName(sha256_hex); !s.ok()) return s;
  return client_->HeadObject(options_.location.bucket,
                             options_.location.KeyFor(sha256_hex));
}

absl::Status S3BlobBackend::List(
    const std::function<void(const std::string&, uint64_t)>& visit) {
  return client_->ListObjects(
      options_.location.bucket, options_.location.BlobPrefix(),
      [&](const std::string& key, uint64_t size) {
        std::string digest = options_.location.DigestOf(key);
        if (!digest.empty()) visit(digest, size);
      });
}

}  // namespace archive
