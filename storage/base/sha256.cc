#include "storage/base/sha256.h"

#include <cstdlib>

#include "storage/base/hex.h"

namespace archive {
namespace {

// Fetched once: EVP_MD_fetch is costly and the result is immutable and
// shareable.
const EVP_MD* Sha256Md() {
  static const EVP_MD* md = [] {
    EVP_MD* fetched = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    if (fetched == nullptr) std::abort();
    return fetched;
  }();
  return md;
}

}  // namespace

Sha256::Sha256() : ctx_(EVP_MD_CTX_new()) {
  if (ctx_ == nullptr || EVP_DigestInit_ex(ctx_, Sha256Md(), nullptr) != 1)
    std::abort();
}

Sha256::~Sha256() { EVP_MD_CTX_free(ctx_); }

void Sha256::Update(absl::string_view data) {
  EVP_DigestUpdate(ctx_, data.data(), data.size());
}

std::string Sha256::Finish() {
  std::string out(32, '\0');
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx_, reinterpret_cast<unsigned char*>(out.data()), &len);
  return out;
}

std::string Sha256::Digest(absl::string_view data) {
  Sha256 h;
  h.Update(data);
  return h.Finish();
}

std::string Sha256::HexDigest(absl::string_view data) {
  return ToHex(Digest(data));
}

}  // namespace archive
