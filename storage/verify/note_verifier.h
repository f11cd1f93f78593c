// Verifier keys and signed-note verification: the one place that decides
// whether a note was signed by a key we trust. Used by archivectl and by the
// server's sync.
#ifndef ARCHIVE_STORAGE_VERIFY_NOTE_VERIFIER_H_
#define ARCHIVE_STORAGE_VERIFY_NOTE_VERIFIER_H_

#include <openssl/evp.h>

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "storage/format/signed_note.h"

namespace archive {

// An Ed25519 verifier key "<name>+<8 hex key id>+<base64(0x01 || 32-byte
// key)>".
//
// Immutable once made, so thread-safe: Verify makes a fresh OpenSSL context
// per call and may run concurrently. Parse and FromPublicKey return a key
// owned by the caller; the key owns its EVP_PKEY. Verify returns false, never
// an error, for a signature that does not verify.
class VerifierKey {
 public:
  ~VerifierKey();
  VerifierKey(const VerifierKey&) = delete;
  VerifierKey& operator=(const VerifierKey&) = delete;

  // Rejects a wrong algorithm byte, a key id that does not match the name and
  // key, bad hex/base64, a malformed name, or a small-order public key
  // (INVALID_ARGUMENT naming the problem). FromPublicKey checks the same for
  // its arguments.
  static absl::StatusOr<std::unique_ptr<VerifierKey>> Parse(
      absl::string_view vkey);
  // A witness's cosigner key (C2SP tlog-cosignature, signature type 0x04:
  // timestamped cosignature/v1 signatures; its key id hashes 0x04 in).
  static absl::StatusOr<std::unique_ptr<VerifierKey>> ParseCosigner(
      absl::string_view vkey);
  static absl::StatusOr<std::unique_ptr<VerifierKey>> FromPublicKey(
      absl::string_view name, absl::string_view public_key32,
      char type = kNoteEd25519Type);

  const std::string& name() const { return name_; }
  uint32_t key_id() const { return key_id_; }
  const std::string& public_key() const { return public_key_; }
  char type() const { return type_; }  // kNoteEd25519Type or kCosignatureV1Type
  std::string ToString() const;        // the verifier key string

  bool Verify(absl::string_view message, absl::string_view signature) const;

 private:
  VerifierKey(std::string name, std::string public_key, char type,
              EVP_PKEY* pkey);
  static absl::StatusOr<std::unique_ptr<VerifierKey>> ParseOfType(
      absl::string_view vkey, char type);
  std::string name_;
  std::string public_key_;
  char type_;
  uint32_t key_id_;
  EVP_PKEY* pkey_;  // owned
};

// Parses `note` and checks that it carries a valid signature by `key` (other
// signatures are ignored, as the signed-note spec says). Returns the verified
// text. Thread-safe; `key` is only borrowed for the call. Errors name the
// failure: INVALID_ARGUMENT for a malformed note, UNAUTHENTICATED when it has
// no signature by <name>+<key id> or one of those signatures is invalid.
absl::StatusOr<std::string> VerifyNote(absl::string_view note,
                                       const VerifierKey& key);

}  // namespace archive

#endif  // ARCHIVE_STORAGE_VERIFY_NOTE_VERIFIER_H_
