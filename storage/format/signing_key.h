// The archive's Ed25519 identity: creates, loads and uses the signing key.
//
// Contract (ARCHITECTURE.md, "Keys and the data directory"): keys/signing.pem
// is PKCS#8 PEM (mode 0600), keys/public.pem is SubjectPublicKeyInfo PEM,
// keys/verifier.key is the verifier key string "<name>+<8 hex key
// id>+<base64(0x01 || public key)>".
#ifndef ARCHIVE_STORAGE_FORMAT_SIGNING_KEY_H_
#define ARCHIVE_STORAGE_FORMAT_SIGNING_KEY_H_

#include <openssl/evp.h>

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace archive {

// Thread-safe after construction: Sign() may be called concurrently.
class SigningKey {
 public:
  ~SigningKey();
  SigningKey(const SigningKey&) = delete;
  SigningKey& operator=(const SigningKey&) = delete;

  // `name` is the key name (the archive's origin).
  static absl::StatusOr<std::unique_ptr<SigningKey>> Generate(
      absl::string_view name);
  static absl::StatusOr<std::unique_ptr<SigningKey>> FromPkcs8Pem(
      absl::string_view name, absl::string_view pem);
  static absl::StatusOr<std::unique_ptr<SigningKey>> FromSeed(
      absl::string_view name, absl::string_view seed32);

  const std::string& name() const { return name_; }
  const std::string& public_key() const { return public_key_; }  // 32 raw bytes
  uint32_t key_id() const { return key_id_; }

  std::string PrivatePem() const;   // PKCS#8
  std::string PublicPem() const;    // SubjectPublicKeyInfo
  std::string VerifierKey() const;  // "<name>+<hex id>+<base64(0x01||pub)>"

  std::string Sign(
      absl::string_view message) const;  // 64-byte Ed25519 signature
  // Signs `text` (must end in "\n") as a signed note with this key; returns the
  // note.
  std::string SignNote(absl::string_view text) const;

 private:
  SigningKey(std::string name, EVP_PKEY* pkey);
  std::string name_;
  EVP_PKEY* pkey_;  // owned
  std::string public_key_;
  uint32_t key_id_;
};

}  // namespace archive

#endif  // ARCHIVE_STORAGE_FORMAT_SIGNING_KEY_H_
