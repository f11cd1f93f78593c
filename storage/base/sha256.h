// Streaming SHA-256 on OpenSSL 3's EVP interface.
#ifndef ARCHIVE_STORAGE_BASE_SHA256_H_
#define ARCHIVE_STORAGE_BASE_SHA256_H_

#include <openssl/evp.h>

#include <string>

#include "absl/strings/string_view.h"

namespace archive {

// Incremental hasher. Not thread-safe; one per stream.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void Update(absl::string_view data);
  // Returns the 32-byte raw digest. The hasher must not be used afterwards.
  std::string Finish();

  // One-shot helpers.
  static std::string Digest(absl::string_view data);  // 32 raw bytes
  static std::string HexDigest(
      absl::string_view data);  // 64 lowercase hex chars

 private:
  EVP_MD_CTX* ctx_;
};

}  // namespace archive

#endif  // ARCHIVE_STORAGE_BASE_SHA256_H_
