// UTF-8 as RFC 3629 defines it: the one decoder every layer uses, so that
// "valid UTF-8" means the same thing to the statement format, search, the
// origin rules and the diffs. Pure functions; thread-safe.
#ifndef ARCHIVE_STORAGE_BASE_UTF8_H_
#define ARCHIVE_STORAGE_BASE_UTF8_H_

#include <cstddef>

#include "absl/strings/string_view.h"

namespace archive {

// Validates a UTF-8 string (no overlongs, no surrogates, <= U+10FFFF).
bool IsValidUtf8(absl::string_view s);
// Decodes the code point at s[*pos] and advances *pos past it. False (and
// *pos unchanged) if the bytes there are not well-formed UTF-8 (RFC 3629).
// Requires *pos < s.size().
bool DecodeUtf8(absl::string_view s, size_t* pos, char32_t* out);

}  // namespace archive

#endif  // ARCHIVE_STORAGE_BASE_UTF8_H_
