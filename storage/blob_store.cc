#include "storage/blob_store.h"

#include <unistd.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "storage/hex.h"

namespace archive {

absl::StatusOr<std::unique_ptr<BlobStore>> BlobStore::Open(
    Env* env, const std::string& dir) {
  absl::Status s = env->CreateDirs(dir + "/tmp");
  if (!s.ok()) return s;
  // Temp files belong to puts that never committed; a crash left them behind.
  auto leftovers = env->ListDir(dir + "/tmp");
  if (!leftovers.ok()) return leftovers.status();
  for (const std::string& name : *leftovers) {
    env->RemoveFile(absl::StrCat(dir, "/tmp/", name)).IgnoreError();
  }
  return std::unique_ptr<BlobStore>(new BlobStore(env, dir));
}

std::string BlobStore::PathFor(absl::string_view hex) const {
  return absl::StrCat(dir_, "/", hex.substr(0, 2), "/", hex);
}

bool BlobStore::Contains(const std::string& sha256_hex) {
  return IsSha256Hex(sha256_hex) && env_->FileExists(PathFor(sha256_hex));
}

absl::StatusOr<uint64_t> BlobStore::StoredSize(const std::string& sha256_hex) {
  return env_->FileSize(PathFor(sha256_hex));
}

absl::StatusOr<std::unique_ptr<BlobStore::Writer>> BlobStore::NewWriter() {
  std::string temp = absl::StrCat(dir_, "/tmp/", ::getpid(), ".",
                                  next_temp_.fetch_add(1), ".part");
  auto file = env_->NewWritableFile(temp);
  if (!file.ok()) return file.status();
  return std::unique_ptr<Writer>(new Writer(this, temp, std::move(*file)));
}

BlobStore::Writer::Writer(BlobStore* store, std::string temp_path,
                          std::unique_ptr<WritableFile> file)
    : store_(store), temp_path_(std::move(temp_path)), file_(std::move(file)) {}

BlobStore::Writer::~Writer() {
  if (!done_) {
    file_->Close().IgnoreError();
    store_->env_->RemoveFile(temp_path_).IgnoreError();
  }
}

absl::Status BlobStore::Writer::Append(absl::string_view data) {
  hasher_.Update(data);
  size_ += data.size();
  return file_->Append(data);
}

absl::StatusOr<std::string> BlobStore::Writer::Commit(
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
  if (!s.ok()) return s;
  done_ = true;
  return digest;
}

absl::StatusOr<std::unique_ptr<BlobStore::Reader>> BlobStore::NewReader(
    const std::string& sha256_hex, uint64_t size) {
  if (!IsSha256Hex(sha256_hex)) {
    return absl::InvalidArgumentError(
        absl::StrCat("not a sha256 digest: ", sha256_hex));
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
  std::string out;
  out.reserve(size);
  std::string scratch(256 * 1024, '\0');
  while (true) {
    auto chunk = (*reader)->Read(scratch.size(), scratch.data());
    if (!chunk.ok()) return chunk.status();
    if (chunk->empty()) return out;
    out.append(chunk->data(), chunk->size());
  }
}

}  // namespace archive
