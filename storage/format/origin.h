// Origins: the name of an archive's log, which is also the key name of every
// note it signs (C2SP tlog-checkpoint, signed-note). One rule, used by
// archived for --origin and by clients for what a server claims, and one
// mapping from an origin to a file name, for clients that keep a file per
// archive.
#ifndef ARCHIVE_STORAGE_FORMAT_ORIGIN_H_
#define ARCHIVE_STORAGE_FORMAT_ORIGIN_H_

#include <cstddef>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace archive {

// Longer origins are refused: the origin is repeated in every statement, and a
// statement must fit the 65,535 bytes of a tlog-tiles entry.
inline constexpr size_t kMaxOriginBytes = 256;

// OK iff `origin` is one C2SP allows as a key name (non-empty UTF-8 without
// Unicode spaces or '+', no ASCII control characters) and that a statement
// can carry: 1-kMaxOriginBytes bytes, no DEL or C1 controls, and none of the
// invisible characters (U+180E, U+200B, U+2060, U+FEFF) a name must not hold.
// '/', ':' and any other printable character are allowed, so schema-less URLs
// such as "archive.example.gov.cn/gx" are origins. INVALID_ARGUMENT naming
// the problem otherwise.
absl::Status ValidateOrigin(absl::string_view origin);

// A file name for `origin`, for any string at all (a server may claim
// anything): bytes outside [A-Za-z0-9._-] and a leading '.' become "%XX"
// (uppercase hex), so the name never holds '/', is never "", "." or "..", and
// distinct origins get distinct names; common origins such as
// "gx.archive.example" keep their spelling. A result longer than
// kMaxOriginFileNameBytes keeps its first part and ends in "~" and 32 hex
// digits of the origin's SHA-256 ('~' is always encoded, so such a name cannot
// equal a short one).
inline constexpr size_t kMaxOriginFileNameBytes = 200;
std::string OriginFileName(absl::string_view origin);

// Shared by the file-name encodings here and in clients/bagit.h: `escaped`
// (the "%XX" encoding of `name`, in which '~' is always escaped) if it fits
// `max_bytes`, else its first part, never cut inside an escape, then "~" and
// the first `hash_hex_digits` hex digits of SHA-256(name).
std::string CapEscapedName(std::string escaped, absl::string_view name,
                           size_t max_bytes, size_t hash_hex_digits);

}  // namespace archive

#endif  // ARCHIVE_STORAGE_FORMAT_ORIGIN_H_
