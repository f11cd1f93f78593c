#include "services/rpc/blob_chunks.h"

#include <algorithm>
#include <cstring>
#include <utility>

namespace archive {

absl::Status BlobChunks::Open(BlobStore& blobs, const std::string& sha256,
                              uint64_t size, uint32_t chunk_bytes) {
  chunk_bytes_ = chunk_bytes;
  if (size <= kVerifyWholeBelow) {
    auto bytes = blobs.ReadVerified(sha256, size);
    if (!bytes.ok()) return bytes.status();
    small_ = std::move(*bytes);
    return absl::OkStatus();
  }
  auto reader = blobs.NewReader(sha256, size);
  if (!reader.ok()) return reader.status();
  reader_ = std::move(*reader);
  chunk_bytes_ = std::max(chunk_bytes, kStreamChunkBytes);
  return absl::OkStatus();
}

absl::Status BlobChunks::Next(std::string* chunk) {
  if (reader_ == nullptr) {
    size_t n = std::min<size_t>(chunk_bytes_, small_.size() - offset_);
    chunk->assign(small_, offset_, n);
    offset_ += n;
    return absl::OkStatus();
  }
  // Read straight into the message: no copy on the way out.
  chunk->resize(chunk_bytes_);
  auto got = reader_->Read(chunk->size(), chunk->data());
  if (!got.ok()) return got.status();
  if (got->data() != chunk->data() && !got->empty()) {
    std::memmove(chunk->data(), got->data(), got->size());
  }
  chunk->resize(got->size());
  return absl::OkStatus();
}

}  // namespace archive
