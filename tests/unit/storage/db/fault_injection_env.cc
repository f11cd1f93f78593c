#include "tests/unit/storage/db/fault_injection_env.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

namespace archive {
namespace testing_util {
namespace {

const char kNoSpace[] = "No space left on device";

void ZeroFrom(const std::string& path, uint64_t from, uint64_t to) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  ASSERT_GE(fd, 0) << path;
  const std::string zeros(static_cast<size_t>(to - from), '\0');
  EXPECT_EQ(::pwrite(fd, zeros.data(), zeros.size(), static_cast<off_t>(from)),
            static_cast<ssize_t>(zeros.size()))
      << path;
  ::close(fd);
}

class FaultyLevelDbFile : public leveldb::WritableFile {
 public:
  FaultyLevelDbFile(FaultPlan* plan, std::string path,
                    leveldb::WritableFile* base)
      : plan_(plan), path_(std::move(path)), base_(base) {}
  leveldb::Status Append(const leveldb::Slice& data) override {
    if (plan_->ShouldFail(FileOp::kAppend)) {
      leveldb::Slice half(data.data(), data.size() / 2);
      if (base_->Append(half).ok() && base_->Flush().ok())
        plan_->Appended(path_, half.size());
      return leveldb::Status::IOError(path_, kNoSpace);
    }
    leveldb::Status s = base_->Append(data);
    if (s.ok()) plan_->Appended(path_, data.size());
    return s;
  }
  leveldb::Status Close() override { return base_->Close(); }
  leveldb::Status Flush() override { return base_->Flush(); }
  leveldb::Status Sync() override {
    if (plan_->ShouldFail(FileOp::kSync)) {
      return leveldb::Status::IOError(path_, "injected fsync failure");
    }
    leveldb::Status s = base_->Sync();
    if (s.ok()) plan_->Synced(path_);
    return s;
  }

 private:
  FaultPlan* plan_;
  std::string path_;
  std::unique_ptr<leveldb::WritableFile> base_;
};

class FaultyFile : public WritableFile {
 public:
  FaultyFile(FaultPlan* plan, std::string path,
             std::unique_ptr<WritableFile> base)
      : plan_(plan), path_(std::move(path)), base_(std::move(base)) {}
  absl::Status Append(absl::string_view data) override {
    if (plan_->ShouldFail(FileOp::kAppend)) {
      if (base_->Append(data.substr(0, data.size() / 2)).ok())
        plan_->Appended(path_, data.size() / 2);
      return absl::ResourceExhaustedError(std::string("write ") + path_ + ": " +
                                          kNoSpace);
    }
    absl::Status s = base_->Append(data);
    if (s.ok()) plan_->Appended(path_, data.size());
    return s;
  }
  absl::Status Sync() override {
    if (plan_->ShouldFail(FileOp::kSync)) {
      return absl::InternalError("fsync " + path_ + ": injected failure");
    }
    absl::Status s = base_->Sync();
    if (s.ok()) plan_->Synced(path_);
    return s;
  }
  absl::Status Close() override { return base_->Close(); }
  // Zeros ahead are written and synced like LevelDB's preallocated logs':
  // DropUnsyncedData zeroes what was appended over them unsynced.
  absl::Status WriteZerosAhead(uint64_t bytes) override {
    return base_->WriteZerosAhead(bytes);
  }

 private:
  FaultPlan* plan_;
  std::string path_;
  std::unique_ptr<WritableFile> base_;
};

}  // namespace

const char* FileOpName(FileOp op) {
  switch (op) {
    case FileOp::kCreate:
      return "create";
    case FileOp::kAppend:
      return "append";
    case FileOp::kSync:
      return "sync";
    case FileOp::kRename:
      return "rename";
    default:
      return "?";
  }
}

void FaultPlan::FailNth(FileOp op, int n) {
  std::lock_guard<std::mutex> lock(mu_);
  for (int& c : counts_) c = 0;
  fail_op_ = op;
  fail_at_ = n;
  fired_ = false;
}

bool FaultPlan::ShouldFail(FileOp op) {
  std::lock_guard<std::mutex> lock(mu_);
  int n = ++counts_[static_cast<int>(op)];
  if (op != fail_op_ || n != fail_at_) return false;
  fired_ = true;
  return true;
}

int FaultPlan::count(FileOp op) const {
  std::lock_guard<std::mutex> lock(mu_);
  return counts_[static_cast<int>(op)];
}

bool FaultPlan::fired() const {
  std::lock_guard<std::mutex> lock(mu_);
  return fired_;
}

void FaultPlan::Created(const std::string& path) {
  std::lock_guard<std::mutex> lock(mu_);
  files_[path] = Sizes{};
}

void FaultPlan::Appended(const std::string& path, size_t n) {
  std::lock_guard<std::mutex> lock(mu_);
  files_[path].written += n;
}

void FaultPlan::Synced(const std::string& path) {
  std::lock_guard<std::mutex> lock(mu_);
  Sizes& s = files_[path];
  s.synced = s.written;
}

void FaultPlan::Renamed(const std::string& from, const std::string& to) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = files_.find(from);
  if (it == files_.end()) return;
  files_[to] = it->second;
  files_.erase(from);
}

void FaultPlan::DropUnsyncedData() {
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [path, sizes] : files_) {
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) continue;
    const uint64_t size = std::filesystem::file_size(path, ec);
    if (sizes.synced == 0) {
      std::filesystem::remove(path, ec);
    } else if (size > sizes.written) {
      // Zeros written ahead of the appends (a preallocated log): the size
      // was synced with them, and what was written over them unsynced is
      // zeros again.
      ZeroFrom(path, sizes.synced, size);
    } else if (size > sizes.synced) {
      std::filesystem::resize_file(path, sizes.synced, ec);
    }
  }
  files_.clear();
}

FaultyLevelDbEnv::FaultyLevelDbEnv(FaultPlan* plan, leveldb::Env* target)
    : leveldb::EnvWrapper(target), plan_(plan) {}

leveldb::Status FaultyLevelDbEnv::NewWritableFile(
    const std::string& path, leveldb::WritableFile** result) {
  if (plan_->ShouldFail(FileOp::kCreate)) {
    *result = nullptr;
    return leveldb::Status::IOError(path, kNoSpace);
  }
  leveldb::Status s = target()->NewWritableFile(path, result);
  if (!s.ok()) return s;
  plan_->Created(path);
  *result = new FaultyLevelDbFile(plan_, path, *result);
  return s;
}

leveldb::Status FaultyLevelDbEnv::NewAppendableFile(
    const std::string& path, leveldb::WritableFile** result) {
  // Appending keeps what is there: only the new bytes count as unsynced.
  if (plan_->ShouldFail(FileOp::kCreate)) {
    *result = nullptr;
    return leveldb::Status::IOError(path, kNoSpace);
  }
  leveldb::Status s = target()->NewAppendableFile(path, result);
  if (!s.ok()) return s;
  uint64_t size = 0;
  target()->GetFileSize(path, &size);
  plan_->Created(path);
  plan_->Appended(path, size);
  plan_->Synced(path);
  *result = new FaultyLevelDbFile(plan_, path, *result);
  return s;
}

leveldb::Status FaultyLevelDbEnv::RenameFile(const std::string& from,
                                             const std::string& to) {
  if (plan_->ShouldFail(FileOp::kRename)) {
    return leveldb::Status::IOError(from, "injected rename failure");
  }
  leveldb::Status s = target()->RenameFile(from, to);
  if (s.ok()) plan_->Renamed(from, to);
  return s;
}

absl::StatusOr<std::unique_ptr<WritableFile>> FaultyEnv::NewWritableFile(
    const std::string& path, int mode) {
  if (plan_->ShouldFail(FileOp::kCreate)) {
    return absl::ResourceExhaustedError("open " + path + ": " + kNoSpace);
  }
  auto file = EnvWrapper::NewWritableFile(path, mode);
  if (!file.ok()) return file.status();
  plan_->Created(path);
  return std::unique_ptr<WritableFile>(
      new FaultyFile(plan_, path, std::move(*file)));
}

absl::Status FaultyEnv::RenameFile(const std::string& from,
                                   const std::string& to) {
  if (plan_->ShouldFail(FileOp::kRename)) {
    return absl::InternalError("rename " + from + ": injected failure");
  }
  absl::Status s = EnvWrapper::RenameFile(from, to);
  if (s.ok()) plan_->Renamed(from, to);
  return s;
}

absl::Status FaultyEnv::SyncFile(const std::string& path) {
  if (plan_->ShouldFail(FileOp::kSync)) {
    return absl::InternalError("fsync " + path + ": injected failure");
  }
  absl::Status s = EnvWrapper::SyncFile(path);
  if (s.ok()) plan_->Synced(path);
  return s;
}

}  // namespace testing_util
}  // namespace archive
