#include "storage/verify/ed25519_small_order.h"

#include <array>
#include <cstdint>
#include <cstring>

namespace archive {
namespace {

using Bytes32 = std::array<uint8_t, 32>;

// The y coordinates (little-endian) of edwards25519's 8 points of small order:
// the torsion subgroup, {[L]P} for points P, where L is the prime subgroup's
// order. Each y but 1 and p-1 belongs to two points (x and -x); y = 1 and
// y = p-1 have x = 0. Computed with the curve's formulas (RFC 8032 5.1).
constexpr Bytes32 kSmallOrderY[] = {
    // y = 0: the two points of order 4, (+-sqrt(-1), 0).
    {},
    // y = 1: the identity (0, 1), order 1.
    {0x01},
    // y = p-1: (0, -1), order 2.
    {0xec, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
     0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
     0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f},
    // The four points of order 8.
    {0x26, 0xe8, 0x95, 0x8f, 0xc2, 0xb2, 0x27, 0xb0, 0x45, 0xc3, 0xf4,
     0x89, 0xf2, 0xef, 0x98, 0xf0, 0xd5, 0xdf, 0xac, 0x05, 0xd3, 0xc6,
     0x33, 0x39, 0xb1, 0x38, 0x02, 0x88, 0x6d, 0x53, 0xfc, 0x05},
    {0xc7, 0x17, 0x6a, 0x70, 0x3d, 0x4d, 0xd8, 0x4f, 0xba, 0x3c, 0x0b,
     0x76, 0x0d, 0x10, 0x67, 0x0f, 0x2a, 0x20, 0x53, 0xfa, 0x2c, 0x39,
     0xcc, 0xc6, 0x4e, 0xc7, 0xfd, 0x77, 0x92, 0xac, 0x03, 0x7a},
};

// y with the sign bit cleared and reduced mod p = 2^255 - 19. An encoding may
// carry y in [p, 2^255), i.e. y + p for y < 19: byte 0 >= 0xed, then all 0xff
// up to a final 0x7f.
Bytes32 ReducedY(absl::string_view key) {
  Bytes32 y;
  std::memcpy(y.data(), key.data(), 32);
  y[31] &= 0x7f;
  bool at_least_p = y[0] >= 0xed && y[31] == 0x7f;
  for (int i = 1; i < 31 && at_least_p; ++i) at_least_p = y[i] == 0xff;
  if (at_least_p) {
    uint8_t low = y[0] - 0xed;
    y.fill(0);
    y[0] = low;
  }
  return y;
}

}  // namespace

bool IsSmallOrderEd25519Key(absl::string_view public_key32) {
  if (public_key32.size() != 32) return false;
  Bytes32 y = ReducedY(public_key32);
  for (const Bytes32& small : kSmallOrderY) {
    if (y == small) return true;
  }
  return false;
}

}  // namespace archive
