#include "services/rpc/content_route.h"

#include <memory>
#include <utility>

#include "absl/strings/str_cat.h"
#include "services/rpc/blob_chunks.h"

namespace archive {
namespace {

constexpr uint32_t kChunkBytes = 256 << 10;

// The bytes of one content handed to the listener range by range. The
// listener asks for increasing offsets; bytes before an offset are read and
// dropped (so the re-hash still sees them).
class ContentStream {
 public:
  explicit ContentStream(std::unique_ptr<BlobChunks> chunks)
      : chunks_(std::move(chunks)) {}

  bool Provide(uint64_t offset, uint64_t length, const HttpWrite& write) {
    // The stream cannot go back (a second range of a multi-range request).
    if (offset < written_end_) return false;
    written_end_ = offset + length;
    while (length > 0) {
      if (pending_.empty()) {
        absl::Status s = chunks_->Next(&pending_);
        // A re-hash that fails (or a content cut short) ends the response.
        if (!s.ok() || pending_.empty()) return false;
        pending_start_ = position_;
        position_ += pending_.size();
      }
      if (offset >= position_) {  // before the range: drop it
        pending_.clear();
        continue;
      }
      uint64_t from = offset > pending_start_ ? offset - pending_start_ : 0;
      uint64_t n = std::min<uint64_t>(pending_.size() - from, length);
      if (!write(pending_.data() + from, n)) return false;
      offset += n;
      length -= n;
      if (from + n == pending_.size()) pending_.clear();
    }
    return true;
  }

 private:
  std::unique_ptr<BlobChunks> chunks_;
  std::string pending_;         // the chunk read last
  uint64_t pending_start_ = 0;  // its offset in the content
  uint64_t position_ = 0;       // bytes read so far
  uint64_t written_end_ = 0;    // end of the last range asked for
};

// A file name for the download: the document id's last path element.
std::string FileNameOf(const std::string& document_id) {
  std::string name = document_id.substr(document_id.rfind('/') + 1);
  for (char& c : name) {
    if (c == '"' || c == '\\' || static_cast<unsigned char>(c) < 0x20) c = '_';
  }
  return name.empty() ? "content" : name;
}

}  // namespace

absl::StatusOr<HttpResponse> ContentResponse(Archive& archive,
                                             const std::string& document_id,
                                             const std::string& revision_id) {
  absl::StatusOr<StoredRevision> revision =
      revision_id.empty() ? archive.Authoritative(document_id, false)
                          : archive.GetRevision(revision_id);
  if (!revision.ok()) return revision.status();
  const Statement& st = revision->statement;
  if (st.document != document_id) {
    return absl::NotFoundError(absl::StrCat(
        "revision ", revision_id, " is not of document ", document_id));
  }
  auto chunks = std::make_unique<BlobChunks>();
  if (absl::Status s = chunks->Open(archive.blobs(), st.content_sha256,
                                    st.content_size, kChunkBytes);
      !s.ok()) {
    return s;
  }
  HttpResponse response;
  response.content_type = st.media_type;
  response.headers = {
      {"ETag", absl::StrCat("\"", st.content_sha256, "\"")},
      {"X-Archive-Revision", revision->id},
      {"Accept-Ranges", "bytes"},
      {"Cache-Control", revision_id.empty() ? "no-cache"
                                            : "public, max-age=31536000, "
                                              "immutable"},
      {"Content-Disposition",
       absl::StrCat("inline; filename=\"", FileNameOf(document_id), "\"")}};
  auto stream = std::make_shared<ContentStream>(std::move(chunks));
  response.stream_length = st.content_size;
  response.stream = [stream](uint64_t offset, uint64_t length,
                             const HttpWrite& write) {
    return stream->Provide(offset, length, write);
  };
  return response;
}

}  // namespace archive
