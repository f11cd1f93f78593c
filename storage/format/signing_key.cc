#include "storage/format/signing_key.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>

#include <climits>
#include <cstdio>
#include <cstdlib>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "storage/base/hex.h"
#include "storage/format/signed_note.h"

namespace archive {
namespace {

struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;
using BioPtr = std::unique_ptr<BIO, BioFree>;

// With a valid Ed25519 key, OpenSSL fails here only when memory runs out.
// Carrying on would hand out an empty signature or PEM that someone might store
// as a key file, so stop instead, as Sha256 does.
[[noreturn]] void CryptoFailure(const char* what) {
  std::fprintf(stderr, "fatal: OpenSSL failed to %s\n", what);
  std::abort();
}

const unsigned char* Bytes(absl::string_view s) {
  // EVP rejects a null pointer even with length 0, and an empty string_view may
  // hold one.
  return reinterpret_cast<const unsigned char*>(s.empty() ? "" : s.data());
}

std::string RawPublicKey(EVP_PKEY* pkey) {
  std::string out(32, '\0');
  size_t len = out.size();
  if (EVP_PKEY_get_raw_public_key(
          pkey, reinterpret_cast<unsigned char*>(out.data()), &len) != 1 ||
      len != 32) {
    return "";
  }
  return out;
}

std::string MemBioContents(BIO* bio) {
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  return std::string(data, len > 0 ? static_cast<size_t>(len) : 0);
}

// Refuses to prompt on the terminal for the passphrase of an encrypted PEM.
int NoPassphrase(char*, int, int, void*) { return 0; }

absl::Status CheckName(absl::string_view name) {
  if (IsValidKeyName(name)) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat("invalid key name \"", name,
                   "\": must be non-empty UTF-8 without spaces or '+'"));
}

}  // namespace

SigningKey::SigningKey(std::string name, EVP_PKEY* pkey)
    : name_(std::move(name)),
      pkey_(pkey),
      public_key_(RawPublicKey(pkey)),
      key_id_(Ed25519KeyId(name_, public_key_)) {}

SigningKey::~SigningKey() { EVP_PKEY_free(pkey_); }

absl::StatusOr<std::unique_ptr<SigningKey>> SigningKey::Generate(
    absl::string_view name) {
  if (absl::Status s = CheckName(name); !s.ok()) return s;
  EVP_PKEY* pkey = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
  if (pkey == nullptr) {
    return absl::InternalError("Ed25519 key generation failed");
  }
  return std::unique_ptr<SigningKey>(new SigningKey(std::string(name), pkey));
}

absl::StatusOr<std::unique_ptr<SigningKey>> SigningKey::FromPkcs8Pem(
    absl::string_view name, absl::string_view pem) {
  if (absl::Status s = CheckName(name); !s.ok()) return s;
  // BIO_new_mem_buf fails on a null buffer, as an empty string_view may hold.
  if (pem.empty() || pem.size() > INT_MAX) {
    return absl::InvalidArgumentError("signing key PEM is empty or too large");
  }
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (bio == nullptr) CryptoFailure("allocate a memory BIO");
  PkeyPtr pkey(
      PEM_read_bio_PrivateKey(bio.get(), nullptr, NoPassphrase, nullptr));
  if (pkey == nullptr) {
    ERR_clear_error();  // the reason is in our status; keep the thread's queue
                        // clean
    return absl::InvalidArgumentError(
        "signing key is not a readable PKCS#8 PEM key");
  }
  if (!EVP_PKEY_is_a(pkey.get(), "ED25519")) {
    return absl::InvalidArgumentError("signing key is not an Ed25519 key");
  }
  return std::unique_ptr<SigningKey>(
      new SigningKey(std::string(name), pkey.release()));
}

absl::StatusOr<std::unique_ptr<SigningKey>> SigningKey::FromSeed(
    absl::string_view name, absl::string_view seed32) {
  if (absl::Status s = CheckName(name); !s.ok()) return s;
  if (seed32.size() != 32) {
    return absl::InvalidArgumentError(
        absl::StrCat("Ed25519 seed must be 32 bytes, got ", seed32.size()));
  }
  EVP_PKEY* pkey = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr,
                                                Bytes(seed32), seed32.size());
  if (pkey == nullptr) {
    return absl::InternalError("Ed25519 key from seed failed");
  }
  return std::unique_ptr<SigningKey>(new SigningKey(std::string(name), pkey));
}

std::string SigningKey::PrivatePem() const {
  BioPtr bio(BIO_new(BIO_s_mem()));
  // PEM_write_bio_PrivateKey writes PKCS#8 ("BEGIN PRIVATE KEY"), the
  // contract's format.
  if (bio == nullptr ||
      PEM_write_bio_PrivateKey(bio.get(), pkey_, nullptr, nullptr, 0, nullptr,
                               nullptr) != 1) {
    CryptoFailure("write the private key PEM");
  }
  return MemBioContents(bio.get());
}

std::string SigningKey::PublicPem() const {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (bio == nullptr || PEM_write_bio_PUBKEY(bio.get(), pkey_) != 1) {
    CryptoFailure("write the public key PEM");
  }
  return MemBioContents(bio.get());
}

std::string SigningKey::VerifierKey() const {
  return absl::StrFormat("%s+%08x+%s", name_, key_id_,
                         Base64Encode(absl::StrCat("\x01", public_key_)));
}

std::string SigningKey::Sign(absl::string_view message) const {
  // A context per call keeps Sign() thread-safe; the costly part, the key, is
  // shared.
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  std::string sig(64, '\0');
  size_t len = sig.size();
  // Ed25519 hashes internally and signs in one shot: no digest, no
  // DigestSignUpdate.
  if (ctx == nullptr ||
      EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, pkey_) != 1 ||
      EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()),
                     &len, Bytes(message), message.size()) != 1 ||
      len != 64) {
    CryptoFailure("sign with Ed25519");
  }
  return sig;
}

std::string SigningKey::SignNote(absl::string_view text) const {
  Note note;
  note.text = std::string(text);
  note.signatures.push_back({name_, key_id_, Sign(text)});
  return FormatNote(note);
}

}  // namespace archive
