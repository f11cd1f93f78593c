#include "storage/db/blob_store.h"

#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "storage/base/hex.h"

namespace archive {
namespace {

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
  absl::Status s = env->CreateDirs(dir + "/tmp");
  if (!s.ok()) return s;
  // Temp files belong to puts that never committed; a crash left them behind.
  auto leftovers = env->ListDir(dir + "/tmp");
  if (!leftovers.ok()) return leftovers.status();
  for (const std::string& name : *leftovers) {
    env->RemoveFile(absl::StrCat(dir, "/tmp/", name)).IgnoreError();
  }
  return std::unique_ptr<BlobStore>(new BlobStore(env, dir, inline_blobs));
}

std::string BlobStore::PathFor(absl::string_view hex) const {
  return absl::StrCat(dir_, "/", hex.substr(0, 2), "/", hex);
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
  return env_->FileSize(PathFor(sha256_hex));
}

absl::StatusOr<std::unique_ptr<BlobStore::Writer>> BlobStore::NewWriter() {
  std::string temp = absl::StrCat(dir_, "/tmp/", ::getpid(), ".",
                                  next_temp_.fetch_add(1), ".part");
  auto file = env_->NewWritableFile(temp);
  if (!file.ok()) return file.status();
  return std::unique_ptr<Writer>(new Writer(this, temp, std::move(*file)));
}

absl::StatusOr<std::unique_ptr<BlobStore::Writer>> BlobStore::NewWriter(
    uint64_t expected_size) {
  if (inline_ == nullptr || !inline_->Fits(expected_size)) return NewWriter();
  std::unique_ptr<Writer> writer(new Writer(this, "", nullptr));
  writer->limit_ = expected_size;
  writer->buffer_.reserve(expected_size);
  return writer;
}

BlobStore::Writer::Writer(BlobStore* store, std::string temp_path,
                          std::unique_ptr<WritableFile> file)
    : store_(store), temp_path_(std::move(temp_path)), file_(std::move(file)) {}

BlobStore::Writer::~Writer() {
  if (!done_ && file_ != nullptr) {
    file_->Close().IgnoreError();
    store_->env_->RemoveFile(temp_path_).IgnoreError();
  }
}

absl::Status BlobStore::Writer::Append(absl::string_view data) {
  if (file_ == nullptr && size_ + data.size() > limit_) {
    // Memory is bounded by the promise, not by what a client chooses to send.
    return absl::InvalidArgumentError(absl::StrCat(
        "size: received more than the ", limit_, " bytes the header promised"));
  }
  hasher_.Update(data);
  size_ += data.size();
  if (file_ == nullptr) {
    buffer_.append(data.data(), data.size());
    return absl::OkStatus();
  }
  return file_->Append(data);
}

absl::StatusOr<std::string> BlobStore::Writer::Check(
    absl::string_view expected_sha256_hex, uint64_t expected_size) {
  if (size_ != expected_size) {
    return absl::InvalidArgumentError(
        absl::StrCat("size: received ", size_,
                     " bytes but the header promised ", expected_size));
  }
  std::string digest = ToHex(hasher_.Finish());
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
  absl::Status s = file_ == nullptr
                       ? store_->inline_->PutDurable(*digest, buffer_)
                       : CommitFile(*digest);
  if (!s.ok()) return s;
  done_ = true;
  return digest;
}

absl::StatusOr<std::shared_ptr<const VerifiedBlob>> BlobStore::Writer::Seal(
    absl::string_view expected_sha256_hex, uint64_t expected_size) {
  if (file_ != nullptr) {
    auto digest = Commit(expected_sha256_hex, expected_size);
    if (!digest.ok()) return digest.status();
    return nullptr;
  }
  auto digest = Check(expected_sha256_hex, expected_size);
  if (!digest.ok()) return digest.status();
  done_ = true;
  return std::shared_ptr<const VerifiedBlob>(
      new VerifiedBlob(std::move(*digest), std::move(buffer_)));
}

absl::Status BlobStore::Writer::CommitFile(const std::string& digest) {
  Env* env = store_->env_;
  absl::Status s = file_->Sync();
  if (s.ok()) s = file_->Close();
  std::string final_path = store_->PathFor(digest);
  std::string shard = final_path.substr(0, final_path.rfind('/'));
  if (s.ok()) s = env->CreateDirs(shard);
  // Renaming over an existing copy is deliberate: the new bytes were just
  // verified, so this also repairs a copy that rotted on disk.
  if (s.ok()) s = env->RenameFile(temp_path_, final_path);
  if (s.ok()) s = env->SyncDir(shard);
  if (s.ok()) s = env->SyncDir(store_->dir_);
  return s;
}

absl::StatusOr<std::unique_ptr<BlobStore::Reader>> BlobStore::NewReader(
    const std::string& sha256_hex, uint64_t size) {
  if (!IsSha256Hex(sha256_hex)) {
    return absl::InvalidArgumentError(
        absl::StrCat("not a sha256 digest: ", sha256_hex));
  }
  if (inline_ != nullptr && inline_->Fits(size)) {
    auto bytes = inline_->Get(sha256_hex);
    if (bytes.ok()) {
      return std::unique_ptr<Reader>(new Reader(
          sha256_hex, size, std::make_unique<StringFile>(std::move(*bytes))));
    }
    if (!absl::IsNotFound(bytes.status())) return bytes.status();
  }
  auto file = env_->NewSequentialFile(PathFor(sha256_hex));
  if (absl::IsNotFound(file.status())) {
    return absl::DataLossError(
        absl::StrCat("blob ", sha256_hex, " is missing from the store"));
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

}  // namespace archive
