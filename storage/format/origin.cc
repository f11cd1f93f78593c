#include "storage/format/origin.h"

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "storage/base/sha256.h"
#include "storage/base/utf8.h"
#include "storage/format/signed_note.h"
#include "storage/format/statement.h"

namespace archive {
namespace {

// Beyond C2SP: what a statement line refuses (DEL, C1, of which NEL breaks
// lines for some readers) and characters that show as nothing, so an origin
// reads back exactly as it was typed.
bool IsRefusedBeyondKeyName(char32_t cp) {
  return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || cp == 0x180E ||
         cp == 0x200B || cp == 0x2060 || cp == 0xFEFF;
}

absl::Status Invalid(absl::string_view origin, absl::string_view why) {
  return absl::InvalidArgumentError(
      absl::StrCat("origin \"", absl::CHexEscape(origin), "\" ", why,
                   " (an origin is a key name such as "
                   "archive.example.gov.cn/gx: 1-",
                   kMaxOriginBytes, " bytes of UTF-8, no spaces or '+')"));
}

}  // namespace

absl::Status ValidateOrigin(absl::string_view origin) {
  if (origin.empty() || origin.size() > kMaxOriginBytes) {
    return Invalid(origin, absl::StrCat("is ", origin.size(), " bytes long"));
  }
  size_t pos = 0;
  while (pos < origin.size()) {
    const size_t at = pos;
    char32_t cp;
    if (!DecodeUtf8(origin, &pos, &cp)) {
      return Invalid(origin, absl::StrCat("is not valid UTF-8 at byte ", at));
    }
    if (IsRefusedBeyondKeyName(cp)) {
      return Invalid(origin, absl::StrFormat("contains U+%04X",
                                             static_cast<uint32_t>(cp)));
    }
  }
  if (!IsValidKeyName(origin)) {
    return Invalid(origin, "contains a space or '+'");
  }
  return absl::OkStatus();
}

std::string OriginFileName(absl::string_view origin) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (size_t i = 0; i < origin.size(); ++i) {
    const unsigned char c = origin[i];
    if (absl::ascii_isalnum(c) || c == '_' || c == '-' || (c == '.' && i > 0)) {
      out.push_back(static_cast<char>(c));
    } else {
      absl::StrAppend(&out, "%", std::string(1, kHex[c >> 4]),
                      std::string(1, kHex[c & 15]));
    }
  }
  if (out.empty()) return "%";  // "" is no file name; "%" alone decodes to none
  return CapEscapedName(std::move(out), origin, kMaxOriginFileNameBytes, 32);
}

std::string CapEscapedName(std::string escaped, absl::string_view name,
                           size_t max_bytes, size_t hash_hex_digits) {
  if (escaped.size() <= max_bytes) return escaped;
  size_t keep = max_bytes - 1 - hash_hex_digits;
  // Never cut an escape in half: back up to before a '%' within two bytes.
  for (size_t back = 1; back <= 2; ++back) {
    if (escaped[keep - back] == '%') keep -= back;
  }
  escaped.resize(keep);
  return absl::StrCat(escaped, "~",
                      Sha256::HexDigest(name).substr(0, hash_hex_digits));
}

}  // namespace archive
