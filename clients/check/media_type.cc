#include "clients/check/media_type.h"

#include "absl/strings/match.h"

namespace archive {

std::string GuessMediaType(const ContentSniffer& content) {
  if (absl::StartsWith(content.head(), "%PDF-")) return "application/pdf";
  if (content.valid_utf8()) return "text/plain; charset=utf-8";
  return "application/octet-stream";
}

void MediaTypeGuesser::Chunk(absl::string_view chunk) {
  content_.Update(chunk);
}

void MediaTypeGuesser::Finish(v1::PutHeader* header) {
  if (!header->metadata().media_type().empty()) return;
  header->mutable_metadata()->set_media_type(Guess());
}

bool MediaTypeGuesser::Decided(const v1::PutHeader& header) const {
  if (!header.metadata().media_type().empty()) return true;
  if (content_.size() < 5) return false;  // "%PDF-" may still come
  return absl::StartsWith(content_.head(), "%PDF-") || content_.utf8_broken();
}

std::string MediaTypeGuesser::Guess() const { return GuessMediaType(content_); }

}  // namespace archive
