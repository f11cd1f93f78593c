// Verifier keys that are small-order Ed25519 points are refused (issue 5):
// anyone can "sign" for such a key.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "storage/base/hex.h"
#include "storage/format/signed_note.h"
#include "storage/format/signing_key.h"
#include "storage/verify/ed25519_small_order.h"
#include "storage/verify/note_verifier.h"

namespace archive {
namespace {

constexpr char kName[] = "small.archive.example";

std::string Bytes(const std::string& hex) {
  std::optional<std::string> b = FromHex(hex);
  EXPECT_TRUE(b.has_value()) << hex;
  return b.value_or("");
}

// A verifier key string that is well formed in every other way: its key id
// matches the name and key.
std::string VerifierKeyFor(const std::string& public_key) {
  return absl::StrCat(kName, "+",
                      absl::StrFormat("%08x", Ed25519KeyId(kName, public_key)),
                      "+", Base64Encode(std::string(1, '\x01') + public_key));
}

void ExpectRefused(const std::string& hex) {
  SCOPED_TRACE(hex);
  const std::string key = Bytes(hex);
  EXPECT_TRUE(IsSmallOrderEd25519Key(key));
  auto parsed = VerifierKey::Parse(VerifierKeyFor(key));
  ASSERT_FALSE(parsed.ok()) << "accepted a small-order key";
  EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_PRED_FORMAT2(::testing::IsSubstring, "small-order",
                      std::string(parsed.status().message()));
  EXPECT_PRED_FORMAT2(::testing::IsSubstring, kName,
                      std::string(parsed.status().message()));
  auto direct = VerifierKey::FromPublicKey(kName, key);
  EXPECT_FALSE(direct.ok()) << "FromPublicKey accepted a small-order key";
}

TEST(SmallOrderKeyTest, TheIdentityPointIsRefused) {
  ExpectRefused("01" + std::string(62, '0'));
}

TEST(SmallOrderKeyTest, EveryPointOfSmallOrderIsRefused) {
  const std::vector<std::string> canonical = {
      // order 2: (0, -1)
      "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
      // order 4: (+-sqrt(-1), 0)
      "0000000000000000000000000000000000000000000000000000000000000000",
      "0000000000000000000000000000000000000000000000000000000000000080",
      // order 8
      "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
      "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85",
      "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
      "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa",
  };
  for (const std::string& hex : canonical) ExpectRefused(hex);
}

TEST(SmallOrderKeyTest, NonCanonicalEncodingsAreRefusedToo) {
  // y = p + 1 (the identity's y plus p), with either sign bit.
  ExpectRefused(
      "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f");
  ExpectRefused(
      "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff");
  // y = p (that is, 0).
  ExpectRefused(
      "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f");
  // The identity and (0, -1) with the sign bit set on x = 0.
  ExpectRefused("01" + std::string(60, '0') + "80");
  ExpectRefused(
      "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff");
}

TEST(SmallOrderKeyTest, OrdinaryKeysAreAccepted) {
  for (int i = 0; i < 20; ++i) {
    auto key = SigningKey::Generate(kName);
    ASSERT_TRUE(key.ok()) << key.status();
    std::string vkey = (*key)->VerifierKey();
    auto parsed = VerifierKey::Parse(vkey);
    ASSERT_TRUE(parsed.ok()) << vkey << ": " << parsed.status();
    EXPECT_FALSE(IsSmallOrderEd25519Key((*parsed)->public_key()));
  }
  // Near misses (y = 2, y = p - 2) and a key of the wrong size.
  EXPECT_FALSE(IsSmallOrderEd25519Key(Bytes("02" + std::string(62, '0'))));
  EXPECT_FALSE(IsSmallOrderEd25519Key(Bytes(
      "ebffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f")));
  EXPECT_FALSE(IsSmallOrderEd25519Key(std::string(31, '\0')));
}

}  // namespace
}  // namespace archive
