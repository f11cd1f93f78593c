// Lowercase hex and standard base64 (with padding), as the public formats use
// them.
#ifndef ARCHIVE_STORAGE_BASE_HEX_H_
#define ARCHIVE_STORAGE_BASE_HEX_H_

#include <optional>
#include <string>

#include "absl/strings/string_view.h"

namespace archive {

std::string ToHex(absl::string_view bytes);  // lowercase
// Accepts only lowercase hex of even length; nullopt otherwise.
std::optional<std::string> FromHex(absl::string_view hex);
// True iff `s` is exactly 64 lowercase hex characters (a SHA-256 in hex).
bool IsSha256Hex(absl::string_view s);

std::string Base64Encode(
    absl::string_view bytes);  // RFC 4648 standard alphabet, padded
// Strict: standard alphabet, correct padding, no whitespace; nullopt otherwise.
std::optional<std::string> Base64Decode(absl::string_view b64);

}  // namespace archive

#endif  // ARCHIVE_STORAGE_BASE_HEX_H_
