// ArchiveClient::PutOnePass: a large file read once. Each chunk is read into
// the request itself (no staging copy) and hashed on a helper thread while
// gRPC serializes and sends it, so hashing overlaps sending; the digest and
// the size go in the trailer (PutTrailer), and the archive stores nothing
// before it has checked them.

#include <cstring>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "clients/api/archive_client.h"
#include "storage/base/background_hasher.h"
#include "storage/base/env.h"
#include "storage/base/hex.h"

namespace archive {
namespace {

// Fills `buf` from `file` up to its size and trims it to what was read
// (short only at the end of the file).
absl::Status ReadFull(SequentialFile& file, std::string* buf) {
  size_t filled = 0;
  while (filled < buf->size()) {
    auto got = file.Read(buf->size() - filled, buf->data() + filled);
    if (!got.ok()) return got.status();
    if (got->empty()) break;
    if (got->data() != buf->data() + filled) {
      std::memmove(buf->data() + filled, got->data(), got->size());
    }
    filled += got->size();
  }
  buf->resize(filled);
  return absl::OkStatus();
}

// Whether a one-pass put's refusal means "send it the old way": an archive
// from before PutHeader.digest_in_trailer refuses the header for its missing
// digest.
bool PutTheOldWay(const absl::Status& s) {
  return FromServer(s) && absl::IsInvalidArgument(s) &&
         absl::StartsWith(s.message(), "sha256: the header must give");
}

}  // namespace

absl::StatusOr<v1::PutResponse> ArchiveClient::PutOnePass(
    const std::string& path, v1::PutHeader* header, const Progress& progress,
    PutInspector* inspector, size_t chunk_bytes, bool* fall_back) {
  *fall_back = true;
  auto size = Env::Default()->FileSize(path);
  if (!size.ok() || *size < kOnePassMinBytes) {
    return v1::PutResponse();  // the old way: it handles what this cannot
  }
  auto file = Env::Default()->NewSequentialFile(path);
  if (!file.ok()) return v1::PutResponse();  // the old way says why
  auto read_error = [&path](const absl::Status& s) {
    return absl::DataLossError(
        absl::StrCat("error reading ", path, ": ", s.message()));
  };

  v1::PutRequest request;
  std::string* chunk = request.mutable_chunk();
  chunk->resize(chunk_bytes);
  if (absl::Status s = ReadFull(**file, chunk); !s.ok()) return read_error(s);
  if (inspector != nullptr && !inspector->Decided(*header)) {
    inspector->Chunk(*chunk);
    if (!inspector->Decided(*header)) {
      inspector->Restart();
      return v1::PutResponse();
    }
  }
  if (inspector != nullptr) inspector->Finish(header);
  header->clear_sha256();
  header->set_size(*size);
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
    if (progress) progress(sent, *size);
    chunk->resize(chunk_bytes);
    if (absl::Status s = ReadFull(**file, chunk); !s.ok()) {
      ctx.TryCancel();
      stream->Finish().IgnoreError();
      return read_error(s);
    }
  }
  if (open && sent != *size) {
    // Sending a trailer for other bytes than promised would only be refused.
    ctx.TryCancel();
    stream->Finish().IgnoreError();
    return absl::DataLossError(
        absl::StrCat(path, " changed while it was sent: ", sent,
                     " bytes instead of ", *size, "; nothing was stored"));
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
