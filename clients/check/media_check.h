// Does a document's content match its declared media type? The usability half
// of the four-property check (可用性). The guess archivectl makes when no
// media type is given is media_type.h's, from the same ContentSniffer, so the
// guess and the check never disagree about the same bytes.
//
// Content is streamed once through a ContentSniffer (no whole-document
// buffering), which keeps only what the checks need: the size, the first and
// last bytes, and whether the bytes so far are valid UTF-8 (RFC 3629: no
// overlong forms, no surrogates, nothing above U+10FFFF). Not thread-safe:
// one sniffer sees one stream.
#ifndef ARCHIVE_CLIENTS_CHECK_MEDIA_CHECK_H_
#define ARCHIVE_CLIENTS_CHECK_MEDIA_CHECK_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "clients/check/check_verdict.h"

namespace archive {

class ContentSniffer {
 public:
  static constexpr size_t kHeadBytes = 16;
  static constexpr size_t kTailBytes = 1024;

  // Chunks may split a UTF-8 sequence anywhere.
  void Update(absl::string_view chunk);

  uint64_t size() const { return size_; }
  const std::string& head() const { return head_; }  // first kHeadBytes
  const std::string& tail() const { return tail_; }  // last kTailBytes
  // Everything seen is valid UTF-8 and no sequence is left unfinished.
  bool valid_utf8() const { return utf8_ok_ && pending_ == 0; }
  bool ascii() const { return ascii_; }
  // A sequence already went wrong: no bytes that follow make it valid UTF-8.
  bool utf8_broken() const { return !utf8_ok_; }
  // Offset of the byte where the UTF-8 went wrong (the start of an unfinished
  // sequence at the end); meaningful only if !valid_utf8().
  uint64_t utf8_error_offset() const {
    return utf8_ok_ ? sequence_start_ : error_offset_;
  }

 private:
  void Utf8Byte(unsigned char c);

  uint64_t size_ = 0;
  std::string head_, tail_;
  bool ascii_ = true;
  bool utf8_ok_ = true;
  uint64_t error_offset_ = 0;
  // Inside a multi-byte sequence: continuation bytes still expected, the range
  // the next one must fall in, and where the sequence started.
  int pending_ = 0;
  unsigned char next_lo_ = 0x80, next_hi_ = 0xBF;
  uint64_t sequence_start_ = 0;
};

// Usability findings for content declared as `media_type`:
//  - "size": fail if empty;
//  - "media-type": fail if the type is malformed or the bytes contradict it
//    (text/*, JSON or XML declared UTF-8 or without charset that is not valid
//    UTF-8; a PDF without "%PDF-"; PNG, JPEG, GIF, TIFF, ZIP-based (OOXML, ODF,
//    OFD, EPUB) and OLE2 (legacy Office) files without their signature); warn
//    if the type cannot be checked (application/octet-stream, another charset,
//    an unknown type) or looks truncated (a PDF without "%%EOF" near its end).
std::vector<Finding> CheckMediaType(absl::string_view media_type,
                                    const ContentSniffer& content);

}  // namespace archive

#endif  // ARCHIVE_CLIENTS_CHECK_MEDIA_CHECK_H_
