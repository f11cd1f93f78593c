#include "storage/db/pread_env.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace archive {
namespace {

leveldb::Status PosixError(const std::string& path, int err) {
  if (err == ENOENT) return leveldb::Status::NotFound(path, std::strerror(err));
  return leveldb::Status::IOError(path, std::strerror(err));
}

class PreadFile : public leveldb::RandomAccessFile {
 public:
  PreadFile(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  ~PreadFile() override { ::close(fd_); }

  leveldb::Status Read(uint64_t offset, size_t n, leveldb::Slice* result,
                       char* scratch) const override {
    size_t got = 0;
    while (got < n) {
      ssize_t r = ::pread(fd_, scratch + got, n - got, offset + got);
      if (r < 0 && errno == EINTR) continue;
      if (r < 0) {
        *result = leveldb::Slice(scratch, 0);
        return PosixError(path_, errno);
      }
      if (r == 0) break;  // end of file: a short read, as LevelDB expects
      got += static_cast<size_t>(r);
    }
    *result = leveldb::Slice(scratch, got);
    return leveldb::Status::OK();
  }

 private:
  std::string path_;
  int fd_;
};

}  // namespace

leveldb::Env* PreadEnv::Default() {
  static PreadEnv* env = new PreadEnv(leveldb::Env::Default());
  return env;
}

leveldb::Status PreadEnv::NewRandomAccessFile(
    const std::string& path, leveldb::RandomAccessFile** result) {
  *result = nullptr;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return PosixError(path, errno);
  *result = new PreadFile(path, fd);
  return leveldb::Status::OK();
}

}  // namespace archive
