// ArchiveClient::PutOnePass: a large file read once. Each chunk is read into
// the request itself (no staging copy) and hashed on a helper thread while
// gRPC serializes and sends it, so hashing overlaps sending; the digest and
// the size go in the trailer (PutTrailer), and the archive stores nothing
// before it has checked them.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "clients/api/archive_client.h"
#include "storage/base/background_hasher.h"
#include "storage/base/hex.h"

namespace archive {
namespace {

// Fills `buf` from `fd` up to its size; returns the bytes read (short only at
// the end of the file) or -1 with errno set.
ssize_t ReadFull(int fd, std::string* buf) {
  size_t filled = 0;
  while (filled < buf->size()) {
    ssize_t n = ::read(fd, buf->data() + filled, buf->size() - filled);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return -1;
    if (n == 0) break;
    filled += static_cast<size_t>(n);
  }
  return static_cast<ssize_t>(filled);
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

// Whether a one-pass put's refusal means "send it the old way": an archive
// from before PutHeader.digest_in_trailer refuses the header for its missing
// digest, and one run with --max_message_bytes under kOnePassChunkBytes
// refuses the chunks (the old way's are smaller).
bool PutTheOldWay(const absl::Status& s) {
  if (!FromServer(s)) return false;
  if (absl::IsInvalidArgument(s)) {
    return absl::StartsWith(s.message(), "sha256: the header must give");
  }
  return absl::IsResourceExhausted(s) &&
         absl::StrContains(s.message(), "--max_message_bytes");
}

}  // namespace

absl::StatusOr<v1::PutResponse> ArchiveClient::PutOnePass(
    const std::string& path, v1::PutHeader* header, const Progress& progress,
    PutInspector* inspector, bool* fall_back) {
  *fall_back = true;
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    return absl::NotFoundError(
        absl::StrCat("cannot open ", path, ": ", std::strerror(errno)));
  }
  struct stat st;
  if (::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode) ||
      static_cast<uint64_t>(st.st_size) < kOnePassMinBytes) {
    return v1::PutResponse();  // the old way: it handles what this cannot
  }
  const uint64_t size = static_cast<uint64_t>(st.st_size);
  ::posix_fadvise(fd.get(), 0, 0, POSIX_FADV_SEQUENTIAL);
  auto read_error = [&path] {
    return absl::DataLossError(
        absl::StrCat("error reading ", path, ": ", std::strerror(errno)));
  };

  v1::PutRequest request;
  std::string* chunk = request.mutable_chunk();
  chunk->resize(kOnePassChunkBytes);
  ssize_t n = ReadFull(fd.get(), chunk);
  if (n < 0) return read_error();
  chunk->resize(static_cast<size_t>(n));
  if (inspector != nullptr && !inspector->Decided(*header)) {
    inspector->Chunk(*chunk);
    if (!inspector->Decided(*header)) {
      inspector->Restart();
      return v1::PutResponse();
    }
  }
  if (inspector != nullptr) inspector->Finish(header);
  header->clear_sha256();
  header->set_size(size);
  header->set_digest_in_trailer(true);
  *fall_back = false;

  grpc::ClientContext ctx;
  v1::PutResponse response;
  auto stream = stub_->Put(&ctx, &response);
  v1::PutRequest first;
  *first.mutable_header() = *header;
  bool open = stream->Write(first);
  BackgroundHasher hasher;
  uint64_t sent = 0;
  while (open && !chunk->empty()) {
    hasher.Start(*chunk);
    open = stream->Write(request);
    hasher.Wait();
    sent += chunk->size();
    if (progress) progress(sent, size);
    chunk->resize(kOnePassChunkBytes);
    n = ReadFull(fd.get(), chunk);
    if (n < 0) {
      absl::Status s = read_error();
      ctx.TryCancel();
      stream->Finish().IgnoreError();
      return s;
    }
    chunk->resize(static_cast<size_t>(n));
  }
  if (open && sent != size) {
    // Sending a trailer for other bytes than promised would only be refused.
    ctx.TryCancel();
    stream->Finish().IgnoreError();
    return absl::DataLossError(
        absl::StrCat(path, " changed while it was sent: ", sent,
                     " bytes instead of ", size, "; nothing was stored"));
  }
  if (open) {
    v1::PutRequest last;
    last.mutable_trailer()->set_sha256(ToHex(hasher.Finish()));
    last.mutable_trailer()->set_size(sent);
    header->set_sha256(last.trailer().sha256());
    stream->Write(last);
  }
  stream->WritesDone();
  absl::Status s = FromGrpc(stream->Finish());
  if (PutTheOldWay(s)) *fall_back = true;
  if (!s.ok()) return s;
  return response;
}

}  // namespace archive
