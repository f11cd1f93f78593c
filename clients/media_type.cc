#include "clients/media_type.h"

#include "storage/statement.h"

namespace archive {
namespace {

// Length of `s` without a trailing, possibly incomplete UTF-8 sequence, so
// chunk boundaries never split a character's check.
size_t CompletePrefix(const std::string& s) {
  size_t n = s.size();
  for (size_t back = 1; back <= 3 && back <= n; ++back) {
    unsigned char c = s[n - back];
    if ((c & 0xC0) != 0x80) {  // a lead byte: is its sequence complete?
      size_t need = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
      return need > back ? n - back : n;
    }
  }
  return n;
}

}  // namespace

void MediaTypeGuesser::Chunk(absl::string_view chunk) {
  if (first_.size() < 5) {
    absl::string_view head = chunk.substr(0, 5 - first_.size());
    first_.append(head.data(), head.size());
  }
  if (!utf8_) return;
  pending_.append(chunk.data(), chunk.size());
  size_t cut = CompletePrefix(pending_);
  utf8_ = IsValidUtf8(absl::string_view(pending_).substr(0, cut));
  pending_.erase(0, cut);
}

void MediaTypeGuesser::Finish(v1::PutHeader* header) {
  if (!header->metadata().media_type().empty()) return;
  header->mutable_metadata()->set_media_type(Guess());
}

std::string MediaTypeGuesser::Guess() const {
  if (first_ == "%PDF-") return "application/pdf";
  if (utf8_ && pending_.empty()) return "text/plain; charset=utf-8";
  return "application/octet-stream";
}

}  // namespace archive
