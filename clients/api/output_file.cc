#include "clients/api/output_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "storage/base/env.h"
#include "storage/base/staged_flush.h"

namespace archive {
namespace {

std::string BaseName(const std::string& path) {
  size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

}  // namespace

absl::StatusOr<std::unique_ptr<OutputFile>> OutputFile::Create(
    const std::string& destination) {
  std::unique_ptr<OutputFile> out(new OutputFile());
  out->destination_ = destination;
  struct stat st;
  bool exists = destination != "-" && ::lstat(destination.c_str(), &st) == 0;
  if (exists && S_ISDIR(st.st_mode)) {
    return absl::InvalidArgumentError(
        absl::StrCat("-o ", destination, " is a directory; name a file"));
  }
  out->rename_into_place_ =
      destination != "-" &&
      (!exists || S_ISREG(st.st_mode) || S_ISLNK(st.st_mode));
  std::string pattern;
  if (out->rename_into_place_) {
    // In the destination's directory, so the rename is atomic.
    pattern = absl::StrCat(ParentDir(destination), "/.", BaseName(destination),
                           ".archivectl-XXXXXX");
  } else {
    const char* tmp = std::getenv("TMPDIR");
    pattern = absl::StrCat(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp",
                           "/archivectl-get-XXXXXX");
  }
  int fd = ::mkstemp(pattern.data());
  if (fd < 0) {
    return absl::PermissionDeniedError(
        absl::StrCat("cannot create a temporary file ", pattern, ": ",
                     std::strerror(errno)));
  }
  out->temp_ = pattern;
  out->file_ = ::fdopen(fd, "wb");
  if (out->file_ == nullptr) {
    ::close(fd);
    return absl::PermissionDeniedError("cannot open " + pattern);
  }
  out->stages_ = std::make_unique<StagedFlush>(fd);
  return out;
}

OutputFile::~OutputFile() {
  stages_.reset();  // waits for a stage, before the descriptor closes
  if (file_ != nullptr) std::fclose(file_);
  if (!committed_ && !temp_.empty()) std::remove(temp_.c_str());
}

absl::Status OutputFile::StreamInto(int fd) {
  int in = ::open(temp_.c_str(), O_RDONLY | O_NOFOLLOW);
  if (in < 0) return absl::PermissionDeniedError("cannot read " + temp_);
  char buffer[1 << 16];
  absl::Status status;
  while (status.ok()) {
    ssize_t n = ::read(in, buffer, sizeof buffer);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      status = absl::DataLossError("cannot read " + temp_);
      break;
    }
    for (ssize_t done = 0; done < n && status.ok();) {
      ssize_t w = ::write(fd, buffer + done, n - done);
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) {
        status = absl::ResourceExhaustedError(absl::StrCat(
            "cannot write to ", destination_, ": ", std::strerror(errno)));
      } else {
        done += w;
      }
    }
  }
  ::close(in);
  return status;
}

absl::Status OutputFile::Write(absl::string_view bytes) {
  if (std::fwrite(bytes.data(), 1, bytes.size(), file_) != bytes.size()) {
    return absl::ResourceExhaustedError(absl::StrCat("cannot write ", temp_));
  }
  written_ += bytes.size();
  // Only what stdio has handed to the kernel can be flushed; a stage that
  // fails is reported by Commit.
  if (stages_->Due(written_) && std::fflush(file_) == 0) {
    stages_->Written(written_);
  }
  return absl::OkStatus();
}

absl::Status OutputFile::Commit() {
  // A failed write is caught here too, not only by whoever called Write: a
  // file missing a chunk must never be renamed into place.
  bool ok = !std::ferror(file_) && std::fflush(file_) == 0 &&
            stages_->Finish() == 0 && ::fsync(fileno(file_)) == 0;
  stages_.reset();
  ok = std::fclose(file_) == 0 && ok;
  file_ = nullptr;
  if (!ok) return absl::ResourceExhaustedError("cannot write " + temp_);
  if (rename_into_place_) {
    if (std::rename(temp_.c_str(), destination_.c_str()) != 0) {
      return absl::PermissionDeniedError(
          absl::StrCat("cannot rename ", temp_, " to ", destination_, ": ",
                       std::strerror(errno)));
    }
    committed_ = true;
    return absl::OkStatus();
  }
  if (destination_ == "-") return StreamInto(STDOUT_FILENO);
  // A device or FIFO: opened without creating or following anything, and
  // only now, once the bytes are verified.
  int fd = ::open(destination_.c_str(), O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) {
    return absl::PermissionDeniedError(
        absl::StrCat("cannot open ", destination_, ": ", std::strerror(errno)));
  }
  absl::Status s = StreamInto(fd);
  ::close(fd);
  return s;
}

}  // namespace archive
