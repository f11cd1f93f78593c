// Small-order Ed25519 public keys. A point of order 1, 2, 4 or 8 is a "key"
// whose signatures prove nothing: with cofactored or lax verification, one
// signature can verify for many messages, and the owner holds no secret. A
// verifier key must never be one.
#ifndef ARCHIVE_STORAGE_VERIFY_ED25519_SMALL_ORDER_H_
#define ARCHIVE_STORAGE_VERIFY_ED25519_SMALL_ORDER_H_

#include "absl/strings/string_view.h"

namespace archive {

// True if `public_key32` (an RFC 8032 encoding: little-endian y, top bit the
// sign of x) encodes one of the 8 points of small order, canonically or not
// (y given as y + p, or a sign bit on x = 0). False for any other 32 bytes and
// for a wrong size.
bool IsSmallOrderEd25519Key(absl::string_view public_key32);

}  // namespace archive

#endif  // ARCHIVE_STORAGE_VERIFY_ED25519_SMALL_ORDER_H_
