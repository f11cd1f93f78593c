#include "storage/base/small_files.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>

#include "absl/strings/str_cat.h"
#include "storage/base/env.h"

namespace archive {
namespace {

const char* KindOf(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a regular file";
}

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }

 private:
  int fd_;
};

}  // namespace

absl::StatusOr<std::string> ReadRegularFile(const std::string& path,
                                            size_t max_bytes, Links links) {
  int flags = O_RDONLY | O_NONBLOCK | O_CLOEXEC;
  if (links == Links::kRefuse) flags |= O_NOFOLLOW;
  Fd fd(::open(path.c_str(), flags));
  if (fd.get() < 0) {
    int err = errno;
    if (err == ENOENT) return absl::NotFoundError(absl::StrCat(path, ": none"));
    if (err == ELOOP && links == Links::kRefuse) {
      return absl::FailedPreconditionError(absl::StrCat(
          path,
          " is a symbolic link, not a regular file; refusing to read it"));
    }
    return absl::FailedPreconditionError(
        absl::StrCat("cannot open ", path, ": ", std::strerror(err)));
  }
  struct stat st;
  if (::fstat(fd.get(), &st) != 0) {
    return absl::InternalError(
        absl::StrCat("cannot stat ", path, ": ", std::strerror(errno)));
  }
  if (!S_ISREG(st.st_mode)) {
    return absl::FailedPreconditionError(
        absl::StrCat(path, " is ", KindOf(st.st_mode),
                     ", not a regular file; refusing to read it"));
  }
  // One byte more than allowed tells a file that grew past the limit.
  std::string out(max_bytes + 1, '\0');
  size_t got = 0;
  while (got < out.size()) {
    ssize_t n = ::read(fd.get(), out.data() + got, out.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      return absl::InternalError(
          absl::StrCat("cannot read ", path, ": ", std::strerror(errno)));
    }
    if (n == 0) break;
    got += static_cast<size_t>(n);
  }
  if (got > max_bytes) {
    return absl::FailedPreconditionError(absl::StrCat(
        path, " is longer than ", max_bytes, " bytes; refusing to read it"));
  }
  out.resize(got);
  return out;
}

absl::Status AppendLine(const std::string& path, const std::string& line,
                        size_t max_bytes) {
  auto contents = ReadRegularFile(path, max_bytes, Links::kFollow);
  if (absl::IsNotFound(contents.status())) contents = std::string();
  if (!contents.ok()) return contents.status();
  if (!contents->empty() && contents->back() != '\n') *contents += '\n';
  absl::StrAppend(&*contents, line, "\n");
  Env* env = Env::Default();
  if (absl::Status s = env->CreateDirs(ParentDir(path)); !s.ok()) return s;
  return env->WriteFileAtomic(path, *contents);
}

}  // namespace archive
