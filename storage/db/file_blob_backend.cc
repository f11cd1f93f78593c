#include "storage/db/file_blob_backend.h"

#include <unistd.h>

#include "absl/strings/str_cat.h"
#include "storage/base/hex.h"

namespace archive {
namespace {

// How much of an upload is appended between two writeback hints.
constexpr uint64_t kWritebackBytes = 8 << 20;

absl::Status CheckName(const std::string& sha256_hex) {
  if (IsSha256Hex(sha256_hex)) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat("not a sha256 digest: ", sha256_hex));
}

}  // namespace

// A temp file in DIR/tmp, renamed into place by Commit.
class FileBlobBackend::FileUpload : public BlobBackend::Upload {
 public:
  FileUpload(FileBlobBackend* backend, std::string temp_path,
             std::unique_ptr<WritableFile> file)
      : backend_(backend),
        temp_path_(std::move(temp_path)),
        file_(std::move(file)) {}
  ~FileUpload() override {
    if (committed_) return;
    file_->Close().IgnoreError();
    backend_->env_->RemoveFile(temp_path_).IgnoreError();
  }
  absl::Status Append(absl::string_view data) override {
    absl::Status s = file_->Append(data);
    unhinted_ += data.size();
    if (unhinted_ >= kWritebackBytes) {
      // A large blob is flushed to the disk in stages while the rest
      // arrives, so Commit's fsync waits for the last few MiB, not the whole
      // blob.
      file_->StartWriteback();
      unhinted_ = 0;
    }
    return s;
  }
  absl::Status Commit(const std::string& sha256_hex) override {
    if (absl::Status s = CheckName(sha256_hex); !s.ok()) return s;
    Env* env = backend_->env_;
    absl::Status s = file_->Sync();
    if (s.ok()) s = file_->Close();
    std::string final_path = backend_->PathFor(sha256_hex);
    std::string shard = final_path.substr(0, final_path.rfind('/'));
    if (s.ok()) s = env->CreateDirs(shard);
    // Renaming over an existing copy is deliberate: the new bytes were just
    // verified, so this also repairs a copy that rotted on disk.
    if (s.ok()) s = env->RenameFile(temp_path_, final_path);
    if (s.ok()) committed_ = true;  // the temp file is gone either way now
    if (s.ok()) s = env->SyncDir(shard);
    if (s.ok()) s = env->SyncDir(backend_->dir_);
    return s;
  }

 private:
  FileBlobBackend* backend_;
  std::string temp_path_;
  std::unique_ptr<WritableFile> file_;
  bool committed_ = false;
  uint64_t unhinted_ = 0;  // appended since the last StartWriteback
};

absl::StatusOr<std::unique_ptr<FileBlobBackend>> FileBlobBackend::Open(
    Env* env, const std::string& dir) {
  absl::Status s = env->CreateDirs(dir + "/tmp");
  if (!s.ok()) return s;
  // Temp files belong to puts that never committed; a crash left them behind.
  auto leftovers = env->ListDir(dir + "/tmp");
  if (!leftovers.ok()) return leftovers.status();
  for (const std::string& name : *leftovers) {
    env->RemoveFile(absl::StrCat(dir, "/tmp/", name)).IgnoreError();
  }
  return std::unique_ptr<FileBlobBackend>(new FileBlobBackend(env, dir));
}

std::string FileBlobBackend::Describe() const {
  return absl::StrCat("files under ", dir_);
}

std::string FileBlobBackend::PathFor(absl::string_view hex) const {
  return absl::StrCat(dir_, "/", hex.substr(0, 2), "/", hex);
}

absl::StatusOr<std::unique_ptr<BlobBackend::Upload>> FileBlobBackend::NewUpload(
    const std::string& /*sha256_hex*/, uint64_t /*expected_size*/) {
  std::string temp = absl::StrCat(dir_, "/tmp/", ::getpid(), ".",
                                  next_temp_.fetch_add(1), ".part");
  auto file = env_->NewWritableFile(temp);
  if (!file.ok()) return file.status();
  return std::unique_ptr<Upload>(new FileUpload(this, temp, std::move(*file)));
}

absl::StatusOr<std::unique_ptr<SequentialFile>> FileBlobBackend::Open(
    const std::string& sha256_hex) {
  if (absl::Status s = CheckName(sha256_hex); !s.ok()) return s;
  return env_->NewSequentialFile(PathFor(sha256_hex));
}

absl::StatusOr<uint64_t> FileBlobBackend::Size(const std::string& sha256_hex) {
  if (absl::Status s = CheckName(sha256_hex); !s.ok()) return s;
  return env_->FileSize(PathFor(sha256_hex));
}

absl::Status FileBlobBackend::List(
    const std::function<void(const std::string&, uint64_t)>& visit) {
  auto fanout = env_->ListDir(dir_);
  if (!fanout.ok()) return fanout.status();
  for (const std::string& sub : *fanout) {
    if (sub.size() != 2) continue;  // tmp/ and anything not a digest prefix
    auto names = env_->ListDir(absl::StrCat(dir_, "/", sub));
    if (!names.ok()) return names.status();
    for (const std::string& name : *names) {
      if (!IsSha256Hex(name)) continue;
      auto size = env_->FileSize(absl::StrCat(dir_, "/", sub, "/", name));
      if (!size.ok()) continue;  // removed meanwhile (a repair's rename)
      visit(name, *size);
    }
  }
  return absl::OkStatus();
}

}  // namespace archive
