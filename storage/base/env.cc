#include "storage/base/env.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "storage/base/staged_flush.h"

namespace archive {
namespace {

absl::Status PosixError(absl::string_view what, const std::string& path,
                        int err) {
  std::string msg = absl::StrCat(what, " ", path, ": ", std::strerror(err));
  if (err == ENOENT) return absl::NotFoundError(msg);
  if (err == ENOSPC || err == EDQUOT) return absl::ResourceExhaustedError(msg);
  if (err == EACCES || err == EPERM) return absl::PermissionDeniedError(msg);
  return absl::InternalError(msg);
}

class PosixWritableFile : public WritableFile {
 public:
  PosixWritableFile(std::string path, int fd)
      : path_(std::move(path)), fd_(fd), stages_(fd) {}
  ~PosixWritableFile() override {
    stages_.Finish();  // before the descriptor closes under the helper
    if (fd_ >= 0) ::close(fd_);
  }
  absl::Status Append(absl::string_view data) override {
    while (!data.empty()) {
      ssize_t n = ::write(fd_, data.data(), data.size());
      if (n < 0) {
        if (errno == EINTR) continue;
        return PosixError("write", path_, errno);
      }
      data.remove_prefix(n);
      appended_ += static_cast<uint64_t>(n);
    }
    return absl::OkStatus();
  }
  void StartWriteback() override { stages_.Written(appended_); }
  absl::Status WriteZerosAhead(uint64_t bytes) override {
    static const std::string* const zeros = new std::string(1 << 20, '\0');
    for (uint64_t done = 0; done < bytes;) {
      size_t n =
          static_cast<size_t>(std::min<uint64_t>(bytes - done, zeros->size()));
      ssize_t wrote =
          ::pwrite(fd_, zeros->data(), n, static_cast<off_t>(appended_ + done));
      if (wrote < 0) {
        if (errno == EINTR) continue;
        return PosixError("write", path_, errno);
      }
      done += static_cast<uint64_t>(wrote);
    }
    return absl::OkStatus();
  }
  absl::Status Sync() override {
    if (int err = stages_.Finish(); err != 0) {
      return PosixError("fsync", path_, err);
    }
    if (::fdatasync(fd_) != 0) return PosixError("fsync", path_, errno);
    return absl::OkStatus();
  }
  absl::Status Close() override {
    stages_.Finish();  // its error, if any, is Sync's to report
    int fd = fd_;
    fd_ = -1;
    if (fd >= 0 && ::close(fd) != 0) return PosixError("close", path_, errno);
    return absl::OkStatus();
  }

 private:
  std::string path_;
  int fd_;
  uint64_t appended_ = 0;  // bytes written by Append
  StagedFlush stages_;     // flushes in stages what StartWriteback hints at
};

class PosixSequentialFile : public SequentialFile {
 public:
  PosixSequentialFile(std::string path, int fd)
      : path_(std::move(path)), fd_(fd) {}
  ~PosixSequentialFile() override { ::close(fd_); }
  absl::StatusOr<absl::string_view> Read(size_t n, char* scratch) override {
    while (true) {
      ssize_t got = ::read(fd_, scratch, n);
      if (got >= 0) return absl::string_view(scratch, got);
      if (errno != EINTR) return PosixError("read", path_, errno);
    }
  }

 private:
  std::string path_;
  int fd_;
};

class PosixRandomAccessFile : public RandomAccessFile {
 public:
  PosixRandomAccessFile(std::string path, int fd)
      : path_(std::move(path)), fd_(fd) {}
  ~PosixRandomAccessFile() override { ::close(fd_); }
  absl::StatusOr<absl::string_view> Read(uint64_t offset, size_t n,
                                         char* scratch) const override {
    size_t got = 0;
    while (got < n) {
      ssize_t r = ::pread(fd_, scratch + got, n - got,
                          static_cast<off_t>(offset + got));
      if (r < 0 && errno == EINTR) continue;
      if (r < 0) return PosixError("read", path_, errno);
      if (r == 0) break;
      got += static_cast<size_t>(r);
    }
    return absl::string_view(scratch, got);
  }

 private:
  std::string path_;
  int fd_;
};

// Opens `path` read-only with `flags` added and fsyncs it; `what` names the
// kind in errors ("directory"), or is empty for a file.
absl::Status OpenAndSync(const std::string& path, int flags,
                         const std::string& what) {
  const std::string suffix = what.empty() ? "" : " " + what;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | flags);
  if (fd < 0) return PosixError("open" + suffix, path, errno);
  int rc = ::fsync(fd);
  int err = errno;
  ::close(fd);
  if (rc != 0) return PosixError("fsync" + suffix, path, err);
  return absl::OkStatus();
}

class PosixEnv : public Env {
 public:
  absl::StatusOr<std::unique_ptr<WritableFile>> NewWritableFile(
      const std::string& path, int mode) override {
    ::unlink(path.c_str());  // so `mode` applies even if a stale file was left
                             // behind
    int fd =
        ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    if (fd < 0) return PosixError("create", path, errno);
    return std::make_unique<PosixWritableFile>(path, fd);
  }
  absl::StatusOr<std::unique_ptr<SequentialFile>> NewSequentialFile(
      const std::string& path) override {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return PosixError("open", path, errno);
    ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
    return std::make_unique<PosixSequentialFile>(path, fd);
  }
  absl::StatusOr<std::unique_ptr<RandomAccessFile>> NewRandomAccessFile(
      const std::string& path) override {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return PosixError("open", path, errno);
    return std::make_unique<PosixRandomAccessFile>(path, fd);
  }
  absl::Status RenameFile(const std::string& from,
                          const std::string& to) override {
    if (::rename(from.c_str(), to.c_str()) != 0)
      return PosixError("rename", from, errno);
    return absl::OkStatus();
  }
  absl::Status SyncDir(const std::string& dir) override {
    return OpenAndSync(dir, O_DIRECTORY, "directory");
  }
  absl::Status SyncFile(const std::string& path) override {
    return OpenAndSync(path, 0, "");
  }
  absl::Status RemoveFile(const std::string& path) override {
    if (::unlink(path.c_str()) != 0) return PosixError("remove", path, errno);
    return absl::OkStatus();
  }
  absl::Status CreateDirs(const std::string& dir, int mode) override {
    for (size_t pos = 1; pos <= dir.size(); ++pos) {
      if (pos != dir.size() && dir[pos] != '/') continue;
      std::string prefix = dir.substr(0, pos);
      if (::mkdir(prefix.c_str(), mode) != 0 && errno != EEXIST) {
        return PosixError("mkdir", prefix, errno);
      }
    }
    return absl::OkStatus();
  }
  bool FileExists(const std::string& path) override {
    return ::access(path.c_str(), F_OK) == 0;
  }
  absl::StatusOr<uint64_t> FileSize(const std::string& path) override {
    struct stat st;
    if (::stat(path.c_str(), &st) != 0) return PosixError("stat", path, errno);
    return static_cast<uint64_t>(st.st_size);
  }
  absl::StatusOr<std::vector<std::string>> ListDir(
      const std::string& dir) override {
    DIR* d = ::opendir(dir.c_str());
    if (d == nullptr) return PosixError("list", dir, errno);
    std::vector<std::string> names;
    while (struct dirent* e = ::readdir(d)) {
      std::string name = e->d_name;
      if (name != "." && name != "..") names.push_back(std::move(name));
    }
    ::closedir(d);
    return names;
  }
  int64_t NowSeconds() override { return NowMicros() / 1000000; }
  int64_t NowMicros() override {
    return std::chrono::duration_cast<std::chrono::microseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
};

}  // namespace

std::string ParentDir(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

Env* Env::Default() {
  static Env* env = new PosixEnv;
  return env;
}

absl::StatusOr<std::string> Env::ReadFile(const std::string& path) {
  auto file = NewSequentialFile(path);
  if (!file.ok()) return file.status();
  std::string out;
  char buf[65536];
  while (true) {
    auto chunk = (*file)->Read(sizeof buf, buf);
    if (!chunk.ok()) return chunk.status();
    if (chunk->empty()) return out;
    out.append(chunk->data(), chunk->size());
  }
}

bool IsDiskFull(const absl::Status& status) {
  return absl::IsResourceExhausted(status) &&
         (absl::StrContains(status.message(), std::strerror(ENOSPC)) ||
          absl::StrContains(status.message(), std::strerror(EDQUOT)));
}

absl::Status Env::WriteFileAtomic(const std::string& path,
                                  absl::string_view data, int mode) {
  // A name of its own per writer: two processes sharing a directory (two
  // archivectl runs with one config dir) must not rename each other's file.
  static std::atomic<uint64_t> counter{0};
  std::string tmp = absl::StrCat(path, ".tmp.", getpid(), ".", counter++);
  auto file = NewWritableFile(tmp, mode);
  if (!file.ok()) return file.status();
  absl::Status s = (*file)->Append(data);
  if (s.ok()) s = (*file)->Sync();
  if (s.ok()) s = (*file)->Close();
  if (s.ok()) s = RenameFile(tmp, path);
  if (s.ok()) s = SyncDir(ParentDir(path));
  if (!s.ok()) RemoveFile(tmp).IgnoreError();
  return s;
}

std::string FormatRfc3339(int64_t unix_seconds) {
  time_t t = static_cast<time_t>(unix_seconds);
  struct tm tm;
  gmtime_r(&t, &tm);
  return absl::StrFormat("%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900,
                         tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                         tm.tm_sec);
}

}  // namespace archive
