#include "storage/format/cosignature.h"

#include "absl/strings/str_cat.h"
#include "storage/base/hex.h"

namespace archive {

std::string CosignedMessage(uint64_t timestamp,
                            absl::string_view checkpoint_text) {
  return absl::StrCat("cosignature/v1\ntime ", timestamp, "\n",
                      checkpoint_text);
}

NoteSignature Cosign(const SigningKey& witness, uint64_t timestamp,
                     absl::string_view checkpoint_text) {
  NoteSignature sig;
  sig.key_name = witness.name();
  sig.key_id =
      NoteKeyId(witness.name(), kCosignatureV1Type, witness.public_key());
  std::string field(8, '\0');
  for (int i = 0; i < 8; ++i) {
    field[i] = static_cast<char>(timestamp >> (56 - 8 * i));
  }
  sig.signature =
      field + witness.Sign(CosignedMessage(timestamp, checkpoint_text));
  return sig;
}

std::string CosignerVerifierKey(const SigningKey& witness) {
  uint32_t id =
      NoteKeyId(witness.name(), kCosignatureV1Type, witness.public_key());
  std::string id_bytes;
  for (int shift = 24; shift >= 0; shift -= 8) {
    id_bytes.push_back(static_cast<char>(id >> shift));
  }
  return absl::StrCat(
      witness.name(), "+", ToHex(id_bytes), "+",
      Base64Encode(absl::StrCat(std::string(1, kCosignatureV1Type),
                                witness.public_key())));
}

}  // namespace archive
