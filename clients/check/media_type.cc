#include "clients/check/media_type.h"

namespace archive {

void MediaTypeGuesser::Chunk(absl::string_view chunk) {
  content_.Update(chunk);
}

void MediaTypeGuesser::Finish(v1::PutHeader* header) {
  if (!header->metadata().media_type().empty()) return;
  header->mutable_metadata()->set_media_type(Guess());
}

// The sniffer that archivectl check uses, so put's guess and check's verdict
// can never disagree about the same bytes.
std::string MediaTypeGuesser::Guess() const { return GuessMediaType(content_); }

}  // namespace archive
