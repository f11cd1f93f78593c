// The media type archivectl records when the user gives none, guessed from the
// bytes as the contract says: valid UTF-8 is "text/plain; charset=utf-8", a
// file starting "%PDF-" is "application/pdf", anything else
// "application/octet-stream". Used by put and import.
#ifndef ARCHIVE_CLIENTS_CHECK_MEDIA_TYPE_H_
#define ARCHIVE_CLIENTS_CHECK_MEDIA_TYPE_H_

#include <string>

#include "absl/strings/string_view.h"
#include "clients/api/archive_client.h"
#include "clients/check/media_check.h"

namespace archive {

// The contract's guess for the bytes `content` has seen: "application/pdf",
// "text/plain; charset=utf-8" or "application/octet-stream".
std::string GuessMediaType(const ContentSniffer& content);

// Sees a file's chunks in order (as a PutInspector while PutFile or HashFile
// reads it); chunk boundaries may fall inside a UTF-8 character. Not
// thread-safe: one guesser sees one file.
class MediaTypeGuesser : public PutInspector {
 public:
  void Chunk(absl::string_view chunk) override;
  // Sets the header's media type to Guess() unless it already has one.
  void Finish(v1::PutHeader* header) override;
  // Given a media type, or once the bytes seen start "%PDF-" or broke UTF-8.
  bool Decided(const v1::PutHeader& header) const override;
  void Restart() override { content_ = ContentSniffer(); }
  // The guess for the bytes seen so far, taken as the whole file.
  std::string Guess() const;

 private:
  ContentSniffer content_;
};

}  // namespace archive

#endif  // ARCHIVE_CLIENTS_CHECK_MEDIA_TYPE_H_
