#include "storage/db/blob_store.h"

#include <algorithm>
#include <cstring>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "storage/base/hex.h"
#include "storage/db/file_blob_backend.h"
#include "storage/db/spooled_upload.h"

namespace archive {
namespace {

// A blob at least this large, written with AppendOwned, is hashed on a helper
// thread: below it, starting the thread costs more than the overlap saves.
constexpr uint64_t kBackgroundHashBytes = 8 << 20;

// An inline blob's bytes, read like a file so one Reader re-hashes both kinds.
class StringFile : public SequentialFile {
 public:
  explicit StringFile(std::string bytes) : bytes_(std::move(bytes)) {}
  absl::StatusOr<absl::string_view> Read(size_t n, char* scratch) override {
    n = std::min(n, bytes_.size() - offset_);
    std::memcpy(scratch, bytes_.data() + offset_, n);
    offset_ += n;
    return absl::string_view(scratch, n);
  }

 private:
  std::string bytes_;
  size_t offset_ = 0;
};

}  // namespace

absl::StatusOr<std::unique_ptr<BlobStore>> BlobStore::Open(
    Env* env, const std::string& dir, InlineBlobs* inline_blobs) {
  auto files = FileBlobBackend::Open(env, dir);
  if (!files.ok()) return files.status();
  return OnBackend(std::move(*files), inline_blobs);
}

absl::StatusOr<std::unique_ptr<BlobStore>> BlobStore::OnBackend(
    std::shared_ptr<BlobBackend> backend, InlineBlobs* inline_blobs, Env* env,
    std::string spool_dir) {
  std::unique_ptr<BlobStore> store(
      new BlobStore(std::move(backend), inline_blobs));
  if (env != nullptr && !spool_dir.empty()) {
    if (absl::Status s = ClearSpool(env, spool_dir); !s.ok()) return s;
    store->spool_env_ = env;
    store->spool_dir_ = std::move(spool_dir);
  }
  return store;
}

bool BlobStore::Contains(const std::string& sha256_hex) {
  return StoredSize(sha256_hex).ok();
}

absl::StatusOr<uint64_t> BlobStore::StoredSize(const std::string& sha256_hex) {
  if (!IsSha256Hex(sha256_hex)) {
    return absl::InvalidArgumentError(
        absl::StrCat("not a sha256 digest: ", sha256_hex));
  }
  if (inline_ != nullptr) {
    auto bytes = inline_->Get(sha256_hex);
    if (bytes.ok()) return bytes->size();
    if (!absl::IsNotFound(bytes.status())) return bytes.status();
  }
  return backend_->Size(sha256_hex);
}

absl::StatusOr<std::unique_ptr<BlobStore::Writer>> BlobStore::BackendWriter(
    const std::string& expected_sha256_hex, uint64_t expected_size) {
  if (!expected_sha256_hex.empty() && !IsSha256Hex(expected_sha256_hex)) {
    return absl::InvalidArgumentError(
        absl::StrCat("not a sha256 digest: ", expected_sha256_hex));
  }
  auto upload = expected_sha256_hex.empty() && backend_->NamesBlobsFirst() &&
                        spool_env_ != nullptr
                    ? NewSpooledUpload(spool_env_, spool_dir_, &next_spool_,
                                       backend_.get(), expected_size)
                    : backend_->NewUpload(expected_sha256_hex, expected_size);
  if (!upload.ok()) return upload.status();
  return std::unique_ptr<Writer>(
      new Writer(this, std::move(*upload), expected_size));
}

absl::StatusOr<std::unique_ptr<BlobStore::Writer>> BlobStore::NewWriter() {
  return BackendWriter("", UINT64_MAX);
}

absl::StatusOr<std::unique_ptr<BlobStore::Writer>> BlobStore::NewWriter(
    uint64_t expected_size) {
  return NewWriter("", expected_size);
}

absl::StatusOr<std::unique_ptr<BlobStore::Writer>> BlobStore::NewWriter(
    const std::string& expected_sha256_hex, uint64_t expected_size) {
  if (!InlineSize(expected_size)) {
    return BackendWriter(expected_sha256_hex, expected_size);
  }
  std::unique_ptr<Writer> writer(new Writer(this, nullptr, expected_size));
  writer->limit_ = expected_size;
  writer->buffer_.reserve(expected_size);
  return writer;
}

BlobStore::Writer::Writer(BlobStore* store,
                          std::unique_ptr<BlobBackend::Upload> upload,
                          uint64_t expected_size)
    : store_(store),
      upload_(std::move(upload)),
      expected_size_(expected_size) {}

void BlobStore::Writer::Hash(absl::string_view data) {
  if (background_ == nullptr) return hasher_.Update(data);
  background_->Wait();
  background_->Start(data);
  background_->Wait();
}

absl::Status BlobStore::Writer::AppendOwned(std::string* chunk) {
  if (upload_ == nullptr || expected_size_ == UINT64_MAX ||
      expected_size_ < kBackgroundHashBytes) {
    return Append(*chunk);  // the caller's buffer is as good a spare
  }
  if (background_ == nullptr) {
    background_ = std::make_unique<BackgroundHasher>();
  }
  background_->Wait();  // the chunk before is hashed: hashing_ is free
  std::swap(*chunk, hashing_);
  background_->Start(hashing_);
  size_ += hashing_.size();
  return upload_->Append(hashing_);
}

absl::Status BlobStore::Writer::Append(absl::string_view data) {
  if (upload_ == nullptr && size_ + data.size() > limit_) {
    // Memory is bounded by the promise, not by what a client chooses to send.
    return absl::InvalidArgumentError(absl::StrCat(
        "size: received more than the ", limit_, " bytes the header promised"));
  }
  Hash(data);
  size_ += data.size();
  if (upload_ == nullptr) {
    buffer_.append(data.data(), data.size());
    return absl::OkStatus();
  }
  return upload_->Append(data);
}

absl::StatusOr<std::string> BlobStore::Writer::Check(
    absl::string_view expected_sha256_hex, uint64_t expected_size) {
  if (size_ != expected_size) {
    return absl::InvalidArgumentError(
        absl::StrCat("size: received ", size_,
                     " bytes but the header promised ", expected_size));
  }
  if (background_ != nullptr) background_->Wait();
  std::string digest =
      ToHex(background_ != nullptr ? background_->Finish() : hasher_.Finish());
  if (digest != expected_sha256_hex) {
    return absl::DataLossError(
        absl::StrCat("sha256: received content hashes to ", digest, ", not ",
                     expected_sha256_hex));
  }
  return digest;
}

absl::StatusOr<std::string> BlobStore::Writer::Commit(
    absl::string_view expected_sha256_hex, uint64_t expected_size) {
  auto digest = Check(expected_sha256_hex, expected_size);
  if (!digest.ok()) return digest.status();
  absl::Status s = upload_ == nullptr
                       ? store_->inline_->PutDurable(*digest, buffer_)
                       : upload_->Commit(*digest);
  if (!s.ok()) return s;
  return digest;
}

absl::StatusOr<std::shared_ptr<const VerifiedBlob>> BlobStore::Writer::Seal(
    absl::string_view expected_sha256_hex, uint64_t expected_size) {
  if (upload_ != nullptr) {
    auto digest = Commit(expected_sha256_hex, expected_size);
    if (!digest.ok()) return digest.status();
    return nullptr;
  }
  auto digest = Check(expected_sha256_hex, expected_size);
  if (!digest.ok()) return digest.status();
  return std::shared_ptr<const VerifiedBlob>(
      new VerifiedBlob(std::move(*digest), std::move(buffer_)));
}

absl::StatusOr<std::unique_ptr<BlobStore::Reader>> BlobStore::NewReader(
    const std::string& sha256_hex, uint64_t size) {
  if (!IsSha256Hex(sha256_hex)) {
    return absl::InvalidArgumentError(
        absl::StrCat("not a sha256 digest: ", sha256_hex));
  }
  if (InlineSize(size)) {
    auto bytes = inline_->Get(sha256_hex);
    if (bytes.ok()) {
      return std::unique_ptr<Reader>(new Reader(
          sha256_hex, size, std::make_unique<StringFile>(std::move(*bytes))));
    }
    if (!absl::IsNotFound(bytes.status())) return bytes.status();
  }
  auto file = backend_->Open(sha256_hex);
  if (absl::IsNotFound(file.status())) {
    return absl::DataLossError(absl::StrCat("blob ", sha256_hex,
                                            " is missing from the store (",
                                            backend_->Describe(), ")"));
  }
  if (!file.ok()) return file.status();
  return std::unique_ptr<Reader>(
      new Reader(sha256_hex, size, std::move(*file)));
}

absl::StatusOr<absl::string_view> BlobStore::Reader::Read(size_t n,
                                                          char* scratch) {
  auto got = file_->Read(n, scratch);
  if (!got.ok()) return got.status();
  read_ += got->size();
  if (read_ > size_) {
    return absl::DataLossError(absl::StrCat("blob ", sha256_hex_,
                                            " is longer than ", size_,
                                            " bytes: stored copy is damaged"));
  }
  if (!got->empty()) {
    hasher_.Update(*got);
    return got;
  }
  if (read_ != size_) {
    return absl::DataLossError(absl::StrCat("blob ", sha256_hex_, " has ",
                                            read_, " bytes, expected ", size_,
                                            ": stored copy is damaged"));
  }
  if (ToHex(hasher_.Finish()) != sha256_hex_) {
    return absl::DataLossError(
        absl::StrCat("blob ", sha256_hex_,
                     " fails its SHA-256 check: stored copy is damaged"));
  }
  return got;
}

absl::StatusOr<std::string> BlobStore::ReadVerified(
    const std::string& sha256_hex, uint64_t size) {
  auto reader = NewReader(sha256_hex, size);
  if (!reader.ok()) return reader.status();
  // Read straight into the result, with one byte to spare so a copy longer
  // than `size` is seen (the Reader reports it); no scratch buffer to fill.
  std::string out(size + 1, '\0');
  size_t filled = 0;
  while (true) {
    auto chunk = (*reader)->Read(out.size() - filled, out.data() + filled);
    if (!chunk.ok()) return chunk.status();
    if (chunk->empty()) break;
    filled += chunk->size();
  }
  out.resize(filled);
  return out;
}

absl::Status BlobStore::MeasureBackend(uint64_t* blobs, uint64_t* bytes) {
  *blobs = 0;
  *bytes = 0;
  return backend_->List([&](const std::string&, uint64_t size) {
    ++*blobs;
    *bytes += size;
  });
}

}  // namespace archive
