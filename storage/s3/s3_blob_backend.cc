#include "storage/s3/s3_blob_backend.h"

#include <algorithm>
#include <cstring>
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
// started when a second part's bytes arrive.
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
    // Best effort: a store that cannot be reached now keeps the parts until
    // its lifecycle rule expires them; they are never visible as an object.
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
      if (s.ok()) {
        s = client_->CompleteMultipartUpload(bucket_, key_, upload_id_, parts_);
      }
    }
    if (s.ok()) committed_ = true;
    return s;
  }

 private:
  absl::Status SendPart() {
    if (upload_id_.empty()) {
      auto id = client_->CreateMultipartUpload(bucket_, key_);
      if (!id.ok()) return id.status();
      upload_id_ = std::move(*id);
    }
    auto part =
        client_->UploadPart(bucket_, key_, upload_id_,
                            static_cast<int>(parts_.size() + 1), buffer_);
    if (!part.ok()) return part.status();
    parts_.push_back(std::move(*part));
    buffer_.clear();
    return absl::OkStatus();
  }

  S3Client* client_;
  std::string bucket_, key_, sha256_hex_;
  size_t part_bytes_;
  std::string buffer_;  // the part being gathered
  std::string upload_id_;
  std::vector<UploadedPart> parts_;
  bool committed_ = false;
};

// An object read a window at a time with ranged GETs.
class S3BlobBackend::ObjectReader : public SequentialFile {
 public:
  ObjectReader(S3Client* client, std::string bucket, std::string key,
               size_t window_bytes)
      : client_(client),
        bucket_(std::move(bucket)),
        key_(std::move(key)),
        window_bytes_(window_bytes) {}

  // Fetches the first window (a small object in one request); NOT_FOUND if
  // there is no object.
  absl::Status Start() { return Fetch(); }

  absl::StatusOr<absl::string_view> Read(size_t n, char* scratch) override {
    if (used_ == window_.size()) {
      if (next_ >= total_) return absl::string_view();
      if (absl::Status s = Fetch(); !s.ok()) {
        if (!absl::IsNotFound(s)) return s;
        return absl::DataLossError(absl::StrCat(
            "object ", key_, " disappeared while it was being read"));
      }
      if (window_.empty()) return absl::string_view();
    }
    n = std::min(n, window_.size() - used_);
    std::memcpy(scratch, window_.data() + used_, n);
    used_ += n;
    return absl::string_view(scratch, n);
  }

 private:
  absl::Status Fetch() {
    auto total =
        client_->GetRange(bucket_, key_, next_, window_bytes_, &window_);
    if (!total.ok()) return total.status();
    total_ = *total;
    next_ += window_.size();
    used_ = 0;
    return absl::OkStatus();
  }

  S3Client* client_;
  std::string bucket_, key_;
  size_t window_bytes_;
  std::string window_;
  size_t used_ = 0;
  uint64_t next_ = 0;   // offset of the byte after the window
  uint64_t total_ = 0;  // the object's size, as the last answer said
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
