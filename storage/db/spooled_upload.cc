#include "storage/db/spooled_upload.h"

#include <unistd.h>

#include <string>
#include <utility>

#include "absl/strings/str_cat.h"

namespace archive {
namespace {

// Read back in pieces of this size: the backend gathers them into its parts.
constexpr size_t kReadBackBytes = 1 << 20;

class SpooledUpload : public BlobBackend::Upload {
 public:
  SpooledUpload(Env* env, std::string path, std::unique_ptr<WritableFile> file,
                BlobBackend* backend, uint64_t expected_size)
      : env_(env),
        path_(std::move(path)),
        file_(std::move(file)),
        backend_(backend),
        expected_size_(expected_size) {}
  ~SpooledUpload() override {
    if (file_ != nullptr) file_->Close().IgnoreError();
    env_->RemoveFile(path_).IgnoreError();
  }

  absl::Status Append(absl::string_view data) override {
    if (file_ == nullptr) {
      return absl::FailedPreconditionError("spooled upload already committed");
    }
    return file_->Append(data);
  }

  absl::Status Commit(const std::string& sha256_hex) override {
    if (file_ == nullptr) {
      return absl::FailedPreconditionError("spooled upload already committed");
    }
    // No fsync: the spool only has to last until the backend has the bytes,
    // and the backend's Commit is what makes them durable.
    absl::Status s = file_->Close();
    file_.reset();
    if (!s.ok()) return s;
    s = SendTo(sha256_hex);
    // Commit is called once: the spool is of no more use, whatever happened.
    env_->RemoveFile(path_).IgnoreError();
    return s;
  }

 private:
  // The spooled bytes, read back, to the backend under `sha256_hex`.
  absl::Status SendTo(const std::string& sha256_hex) {
    auto upload = backend_->NewUpload(sha256_hex, expected_size_);
    if (!upload.ok()) return upload.status();
    auto in = env_->NewSequentialFile(path_);
    if (!in.ok()) return in.status();
    std::string scratch(kReadBackBytes, '\0');
    while (true) {
      auto got = (*in)->Read(scratch.size(), scratch.data());
      if (!got.ok()) return got.status();
      if (got->empty()) break;
      if (absl::Status a = (*upload)->Append(*got); !a.ok()) return a;
    }
    return (*upload)->Commit(sha256_hex);
  }

  Env* env_;
  std::string path_;
  std::unique_ptr<WritableFile> file_;  // null once Commit began
  BlobBackend* backend_;
  uint64_t expected_size_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<BlobBackend::Upload>> NewSpooledUpload(
    Env* env, const std::string& dir, std::atomic<uint64_t>* counter,
    BlobBackend* backend, uint64_t expected_size) {
  if (absl::Status s = env->CreateDirs(dir); !s.ok()) return s;
  std::string path =
      absl::StrCat(dir, "/", ::getpid(), ".", counter->fetch_add(1), ".spool");
  auto file = env->NewWritableFile(path);
  if (!file.ok()) return file.status();
  return std::unique_ptr<BlobBackend::Upload>(new SpooledUpload(
      env, std::move(path), std::move(*file), backend, expected_size));
}

absl::Status ClearSpool(Env* env, const std::string& dir) {
  if (!env->FileExists(dir)) return absl::OkStatus();
  auto leftovers = env->ListDir(dir);
  if (!leftovers.ok()) return leftovers.status();
  for (const std::string& name : *leftovers) {
    env->RemoveFile(absl::StrCat(dir, "/", name)).IgnoreError();
  }
  return absl::OkStatus();
}

}  // namespace archive
