#include "storage/verify/note_verifier.h"

#include <openssl/err.h>

#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "storage/base/hex.h"
#include "storage/verify/ed25519_small_order.h"

namespace archive {
namespace {

struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};

const unsigned char* Bytes(absl::string_view s) {
  // EVP rejects a null pointer even with length 0, and an empty string_view may
  // hold one.
  return reinterpret_cast<const unsigned char*>(s.empty() ? "" : s.data());
}

std::string KeyIdHex(uint32_t id) { return absl::StrFormat("%08x", id); }

absl::StatusOr<uint32_t> ParseKeyIdHex(absl::string_view hex) {
  std::optional<std::string> raw = FromHex(hex);
  if (hex.size() != 8 || !raw.has_value()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "verifier key: key id \"", hex, "\" is not 8 lowercase hex digits"));
  }
  uint32_t id = 0;
  for (unsigned char c : *raw) id = (id << 8) | c;
  return id;
}

// Names every signer of a note, for an error that says who did sign it.
std::string SignerList(const Note& note) {
  std::vector<std::string> names;
  for (const NoteSignature& sig : note.signatures) {
    names.push_back(absl::StrCat(sig.key_name, "+", KeyIdHex(sig.key_id)));
  }
  return absl::StrJoin(names, ", ");
}

}  // namespace

VerifierKey::VerifierKey(std::string name, std::string public_key, char type,
                         EVP_PKEY* pkey)
    : name_(std::move(name)),
      public_key_(std::move(public_key)),
      type_(type),
      key_id_(NoteKeyId(name_, type_, public_key_)),
      pkey_(pkey) {}

VerifierKey::~VerifierKey() { EVP_PKEY_free(pkey_); }

absl::StatusOr<std::unique_ptr<VerifierKey>> VerifierKey::FromPublicKey(
    absl::string_view name, absl::string_view public_key32, char type) {
  if (!IsValidKeyName(name)) {
    return absl::InvalidArgumentError(
        absl::StrCat("verifier key: invalid key name \"", name,
                     "\": must be non-empty UTF-8 without spaces or '+'"));
  }
  if (public_key32.size() != 32) {
    return absl::InvalidArgumentError(
        absl::StrCat("verifier key: Ed25519 public key must be 32 bytes, got ",
                     public_key32.size()));
  }
  if (IsSmallOrderEd25519Key(public_key32)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "verifier key for \"", name,
        "\": the public key is a small-order Ed25519 point, which anyone can "
        "sign for; refusing it"));
  }
  EVP_PKEY* pkey = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr,
                                               Bytes(public_key32), 32);
  if (pkey == nullptr) {
    return absl::InvalidArgumentError(
        "verifier key: not a usable Ed25519 public key");
  }
  return std::unique_ptr<VerifierKey>(new VerifierKey(
      std::string(name), std::string(public_key32), type, pkey));
}

// The name cannot contain "+" but base64 can, so split at the first two "+"
// only.
absl::StatusOr<std::unique_ptr<VerifierKey>> VerifierKey::Parse(
    absl::string_view vkey) {
  return ParseOfType(vkey, kNoteEd25519Type);
}

absl::StatusOr<std::unique_ptr<VerifierKey>> VerifierKey::ParseCosigner(
    absl::string_view vkey) {
  return ParseOfType(vkey, kCosignatureV1Type);
}

absl::StatusOr<std::unique_ptr<VerifierKey>> VerifierKey::ParseOfType(
    absl::string_view vkey, char type) {
  size_t plus1 = vkey.find('+');
  size_t plus2 =
      plus1 == absl::string_view::npos ? plus1 : vkey.find('+', plus1 + 1);
  if (plus2 == absl::string_view::npos) {
    return absl::InvalidArgumentError(
        "verifier key: expected \"<name>+<key id>+<base64 key>\"");
  }
  absl::StatusOr<uint32_t> id =
      ParseKeyIdHex(vkey.substr(plus1 + 1, plus2 - plus1 - 1));
  if (!id.ok()) return id.status();
  std::optional<std::string> key = Base64Decode(vkey.substr(plus2 + 1));
  if (!key.has_value()) {
    return absl::InvalidArgumentError(
        "verifier key: public key is not valid base64");
  }
  if (key->empty() || (*key)[0] != type) {
    return absl::InvalidArgumentError(
        type == kNoteEd25519Type
            ? "verifier key: unsupported signature type (only Ed25519, 0x01, "
              "is accepted)"
            : "cosigner key: unsupported signature type (only Ed25519 "
              "cosignature/v1, 0x04, is accepted)");
  }
  absl::StatusOr<std::unique_ptr<VerifierKey>> parsed =
      FromPublicKey(vkey.substr(0, plus1), key->substr(1), type);
  if (!parsed.ok()) return parsed.status();
  if ((*parsed)->key_id() != *id) {
    return absl::InvalidArgumentError(absl::StrCat(
        "verifier key: key id ", KeyIdHex(*id),
        " does not match name and key (", KeyIdHex((*parsed)->key_id()), ")"));
  }
  return parsed;
}

std::string VerifierKey::ToString() const {
  return absl::StrCat(
      name_, "+", KeyIdHex(key_id_), "+",
      Base64Encode(absl::StrCat(std::string(1, type_), public_key_)));
}

bool VerifierKey::Verify(absl::string_view message,
                         absl::string_view signature) const {
  if (signature.size() != 64) return false;
  // A context per call keeps Verify() thread-safe; Ed25519 verifies in one
  // shot.
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  bool valid =
      ctx != nullptr &&
      EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, pkey_) == 1 &&
      EVP_DigestVerify(ctx.get(), Bytes(signature), signature.size(),
                       Bytes(message), message.size()) == 1;
  // A bad signature is an answer, not an error: leave no trace in the thread's
  // OpenSSL error queue for unrelated code to trip over.
  if (!valid) ERR_clear_error();
  return valid;
}

// As the spec says, signatures whose name and id are not both ours are ignored,
// and any of ours that fails to verify rejects the note.
absl::StatusOr<std::string> VerifyNote(absl::string_view note,
                                       const VerifierKey& key) {
  absl::StatusOr<Note> parsed = ParseNote(note);
  if (!parsed.ok()) return parsed.status();
  int ours = 0;
  for (const NoteSignature& sig : parsed->signatures) {
    if (sig.key_name != key.name() || sig.key_id != key.key_id()) continue;
    if (!key.Verify(parsed->text, sig.signature)) {
      return absl::UnauthenticatedError(
          absl::StrCat("signature by ", key.name(), "+", KeyIdHex(key.key_id()),
                       " is invalid"));
    }
    ++ours;
  }
  if (ours == 0) {
    return absl::UnauthenticatedError(absl::StrCat(
        "note has no signature by ", key.name(), "+", KeyIdHex(key.key_id()),
        "; it is signed by ", SignerList(*parsed)));
  }
  return std::move(parsed->text);
}

}  // namespace archive
