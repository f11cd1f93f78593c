#include "storage/db/preallocated_log_env.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <memory>

#include "absl/strings/match.h"
#include "storage/base/little_endian.h"

namespace archive {
namespace {

// LevelDB 1.23's log format (db/log_format.h): 32 KiB blocks of physical
// records, each a 7-byte header (masked CRC32C of type and payload, 16-bit
// length, type) and its payload; a block's last < 7 bytes are zeros.
constexpr uint64_t kBlockSize = 32768;
constexpr uint64_t kHeaderSize = 7;
constexpr unsigned kLastRecordType = 4;  // kFullType .. kLastType are 1..4
constexpr uint32_t kMaskDelta = 0xa282ead8u;

std::array<uint32_t, 256> MakeCrc32cTable() {
  std::array<uint32_t, 256> table{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c >> 1) ^ ((c & 1) ? 0x82f63b78u : 0);
    table[i] = c;
  }
  return table;
}

// CRC32C as LevelDB's crc32c::Value; not in LevelDB's public headers.
uint32_t Crc32c(const char* data, size_t n) {
  static const std::array<uint32_t, 256> table = MakeCrc32cTable();
  uint32_t c = 0xffffffffu;
  for (size_t i = 0; i < n; ++i) {
    c = table[(c ^ static_cast<uint8_t>(data[i])) & 0xff] ^ (c >> 8);
  }
  return c ^ 0xffffffffu;
}

uint32_t Unmask(uint32_t masked) {
  uint32_t rot = masked - kMaskDelta;
  return (rot >> 17) | (rot << 15);
}

// The record starting at `at` in `block`: its length with header, or 0 if
// it is not a whole record with a good CRC.
uint64_t WholeRecord(const std::string& block, uint64_t at) {
  if (at + kHeaderSize > block.size()) return 0;
  const char* h = block.data() + at;
  const uint64_t length =
      static_cast<uint8_t>(h[4]) |
      (static_cast<uint64_t>(static_cast<uint8_t>(h[5])) << 8);
  const unsigned type = static_cast<uint8_t>(h[6]);
  if (type == 0 || type > kLastRecordType) return 0;
  if (at + kHeaderSize + length > block.size()) return 0;
  if (Unmask(static_cast<uint32_t>(ReadLittleEndian(
          absl::string_view(h, 4), 4))) != Crc32c(h + 6, 1 + length))
    return 0;
  return kHeaderSize + length;
}

// Where the record claimed by the header at `at` would end, or `at` plus a
// header if the header itself is cut short.
uint64_t ClaimedEnd(const std::string& block, uint64_t at) {
  if (at + kHeaderSize > block.size()) return at + kHeaderSize;
  const char* h = block.data() + at;
  return at + kHeaderSize +
         (static_cast<uint8_t>(h[4]) |
          (static_cast<uint64_t>(static_cast<uint8_t>(h[5])) << 8));
}

// The offset just past the last non-zero byte of `block`, or 0.
uint64_t EndOfData(const std::string& block) {
  for (uint64_t i = block.size(); i > 0; --i) {
    if (block[i - 1] != 0) return i;
  }
  return 0;
}

leveldb::Status PosixError(const std::string& path, int err) {
  return leveldb::Status::IOError(path, std::strerror(err));
}

// Writes into a file that zeros were written into ahead of time (see the
// header). Buffers appends like LevelDB's own PosixWritableFile, so each of
// the log writer's physical records (header, payload, Flush) is one write.
class PreallocatedLogFile final : public leveldb::WritableFile {
 public:
  PreallocatedLogFile(std::string path, int fd, uint64_t chunk)
      : path_(std::move(path)), fd_(fd), chunk_(chunk) {}
  ~PreallocatedLogFile() override {
    if (fd_ >= 0) ::close(fd_);
  }

  leveldb::Status Append(const leveldb::Slice& data) override {
    if (buffer_.size() + data.size() <= kBufferBytes) {
      buffer_.append(data.data(), data.size());
      return leveldb::Status::OK();
    }
    leveldb::Status s = Flush();
    if (!s.ok()) return s;
    if (data.size() <= kBufferBytes) {
      buffer_.append(data.data(), data.size());
      return s;
    }
    return WriteAt(data.data(), data.size());
  }

  leveldb::Status Flush() override {
    leveldb::Status s = WriteAt(buffer_.data(), buffer_.size());
    buffer_.clear();
    return s;
  }

  leveldb::Status Sync() override {
    leveldb::Status s = Flush();
    if (s.ok() && ::fdatasync(fd_) != 0) s = PosixError(path_, errno);
    return s;
  }

  leveldb::Status Close() override {
    leveldb::Status s = Flush();
    if (::close(fd_) != 0 && s.ok()) s = PosixError(path_, errno);
    fd_ = -1;
    return s;
  }

  // Writes zeros a chunk past `end` if the zeros end before it.
  leveldb::Status ZeroAhead(uint64_t end) {
    if (end <= zeroed_) return leveldb::Status::OK();
    static const std::string* zeros = new std::string(1 << 20, '\0');
    const uint64_t target = end + chunk_;
    while (zeroed_ < target) {
      size_t n = static_cast<size_t>(
          std::min<uint64_t>(zeros->size(), target - zeroed_));
      ssize_t w = ::pwrite(fd_, zeros->data(), n, static_cast<off_t>(zeroed_));
      if (w < 0 && errno == EINTR) continue;
      if (w < 0) return PosixError(path_, errno);
      zeroed_ += static_cast<uint64_t>(w);
    }
    return leveldb::Status::OK();
  }

 private:
  static constexpr size_t kBufferBytes = 65536;

  // Like LevelDB's writer, a failed write leaves the offset past what it
  // did write, so the next record goes behind the partial one.
  leveldb::Status WriteAt(const char* data, size_t n) {
    leveldb::Status s = ZeroAhead(offset_ + n);
    if (!s.ok()) return s;
    while (n > 0) {
      ssize_t w = ::pwrite(fd_, data, n, static_cast<off_t>(offset_));
      if (w < 0 && errno == EINTR) continue;
      if (w < 0) return PosixError(path_, errno);
      data += w;
      n -= static_cast<size_t>(w);
      offset_ += static_cast<uint64_t>(w);
    }
    return s;
  }

  const std::string path_;
  int fd_;
  const uint64_t chunk_;
  uint64_t offset_ = 0;  // where the next record goes
  uint64_t zeroed_ = 0;  // the file's size: zeros from offset_ to here
  std::string buffer_;
};

// Shows LevelDB's log reader the first `limit` bytes of `base` only.
class PrefixFile final : public leveldb::SequentialFile {
 public:
  PrefixFile(leveldb::SequentialFile* base, uint64_t limit)
      : base_(base), left_(limit) {}

  leveldb::Status Read(size_t n, leveldb::Slice* result,
                       char* scratch) override {
    n = static_cast<size_t>(std::min<uint64_t>(n, left_));
    leveldb::Status s = base_->Read(n, result, scratch);
    if (s.ok()) left_ -= result->size();
    return s;
  }
  leveldb::Status Skip(uint64_t n) override {
    n = std::min(n, left_);
    left_ -= n;
    return base_->Skip(n);
  }

 private:
  std::unique_ptr<leveldb::SequentialFile> base_;
  uint64_t left_;
};

}  // namespace

leveldb::Status ScanLog(leveldb::SequentialFile* file, LogScan* scan) {
  *scan = LogScan();
  std::unique_ptr<char[]> scratch(new char[kBlockSize]);
  bool stopped = false;      // the prefix ended
  uint64_t claimed_end = 0;  // of the record after the prefix
  uint64_t data_end = 0;     // just past the file's last non-zero byte
  for (uint64_t base = 0;; base += kBlockSize) {
    leveldb::Slice got;
    leveldb::Status s = file->Read(kBlockSize, &got, scratch.get());
    if (!s.ok()) return s;
    if (got.empty()) break;
    const std::string block(got.data(), got.size());
    scan->file_bytes = base + block.size();
    if (uint64_t end = EndOfData(block); end > 0) data_end = base + end;
    const bool was_stopped = stopped;
    uint64_t at = 0;
    while (!stopped && kBlockSize - at >= kHeaderSize) {
      uint64_t n = WholeRecord(block, at);
      if (n == 0) {
        stopped = true;
        claimed_end = base + ClaimedEnd(block, at);
        break;
      }
      at += n;
    }
    // A block's trailer (under a header's size) belongs to the prefix.
    if (!was_stopped) scan->valid_bytes = base + (stopped ? at : block.size());
    if (block.size() < kBlockSize) break;
  }
  // Leftovers of a crash lie within the one record that was being written
  // (a cut-short header, or a payload cut short: claimed_end is past them).
  scan->torn_tail =
      data_end <= scan->valid_bytes ||
      (data_end < claimed_end &&
       claimed_end <= (scan->valid_bytes / kBlockSize + 1) * kBlockSize);
  return leveldb::Status::OK();
}

bool PreallocatedLogEnv::IsLog(const std::string& path) {
  return absl::EndsWith(path, ".log");
}

leveldb::Status PreallocatedLogEnv::NewWritableFile(
    const std::string& path, leveldb::WritableFile** result) {
  if (!IsLog(path)) return target()->NewWritableFile(path, result);
  *result = nullptr;
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return PosixError(path, errno);
  auto file = std::make_unique<PreallocatedLogFile>(path, fd, chunk_bytes_);
  // Zeros now, so that the first record's sync is the one slow sync.
  leveldb::Status s = file->ZeroAhead(1);
  if (!s.ok()) return s;
  *result = file.release();
  return s;
}

leveldb::Status PreallocatedLogEnv::NewAppendableFile(
    const std::string& path, leveldb::WritableFile** result) {
  if (!IsLog(path)) return target()->NewAppendableFile(path, result);
  *result = nullptr;
  return leveldb::Status::NotSupported(path,
                                       "a preallocated log is not reused");
}

leveldb::Status PreallocatedLogEnv::NewSequentialFile(
    const std::string& path, leveldb::SequentialFile** result) {
  if (!IsLog(path)) return target()->NewSequentialFile(path, result);
  *result = nullptr;
  LogScan scan;
  {
    leveldb::SequentialFile* raw = nullptr;
    leveldb::Status s = target()->NewSequentialFile(path, &raw);
    if (!s.ok()) return s;
    std::unique_ptr<leveldb::SequentialFile> file(raw);
    s = ScanLog(file.get(), &scan);
    if (!s.ok()) return s;
  }
  leveldb::SequentialFile* raw = nullptr;
  leveldb::Status s = target()->NewSequentialFile(path, &raw);
  if (!s.ok()) return s;
  *result = new PrefixFile(raw, scan.shown_bytes());
  return s;
}

}  // namespace archive
