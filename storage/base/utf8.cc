#include "storage/base/utf8.h"

namespace archive {

bool DecodeUtf8(absl::string_view s, size_t* pos, char32_t* out) {
  const unsigned char lead = s[*pos];
  size_t len;
  char32_t cp, min;
  if (lead < 0x80) {
    len = 1, cp = lead, min = 0;
  } else if ((lead & 0xE0) == 0xC0) {
    len = 2, cp = lead & 0x1F, min = 0x80;
  } else if ((lead & 0xF0) == 0xE0) {
    len = 3, cp = lead & 0x0F, min = 0x800;
  } else if ((lead & 0xF8) == 0xF0) {
    len = 4, cp = lead & 0x07, min = 0x10000;
  } else {
    return false;  // a continuation byte or 0xF8..0xFF
  }
  if (s.size() - *pos < len) return false;  // truncated
  for (size_t i = 1; i < len; ++i) {
    const unsigned char b = s[*pos + i];
    if ((b & 0xC0) != 0x80) return false;
    cp = (cp << 6) | (b & 0x3F);
  }
  // `min` rejects overlong forms, which would give one text two spellings.
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
    return false;
  }
  *pos += len;
  *out = cp;
  return true;
}

bool IsValidUtf8(absl::string_view s) {
  size_t pos = 0;
  char32_t cp;
  while (pos < s.size()) {
    if (!DecodeUtf8(s, &pos, &cp)) return false;
  }
  return true;
}

}  // namespace archive
