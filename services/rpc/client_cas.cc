#include "services/rpc/client_cas.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/synchronization/mutex.h"
#include "storage/base/env.h"
#include "storage/base/hex.h"
#include "storage/base/sha256.h"

namespace archive {

using Cert = std::shared_ptr<X509>;

struct ClientCas::State {
  std::vector<Cert> certs;  // parallel to cas_
  // IssuerOf() answers by the SHA-256 of the presented chain: one signature
  // check per CA and connection instead of per call. Cleared when full, so it
  // stays small (4096 digests).
  static constexpr size_t kMaxCached = 4096;
  mutable absl::Mutex mu;
  mutable absl::flat_hash_map<std::string, int> cache ABSL_GUARDED_BY(mu);
};

namespace {

// Every certificate in `pem`, in order.
std::vector<Cert> ParsePem(absl::string_view pem) {
  std::vector<Cert> certs;
  if (pem.empty()) return certs;
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(
      BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), BIO_free);
  while (X509* x = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
    certs.emplace_back(x, X509_free);
  }
  ERR_clear_error();  // the read that ends the loop leaves "no start line"
  return certs;
}

std::string Fingerprint(X509* cert) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  X509_digest(cert, EVP_sha256(), md, &len);
  return ToHex(absl::string_view(reinterpret_cast<char*>(md), len));
}

std::string SubjectOf(X509* cert) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
  X509_NAME_print_ex(bio.get(), X509_get_subject_name(cert), 0,
                     XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, len > 0 ? len : 0);
}

// True if `issuer`'s key signed `subject`, and the names and key identifiers
// agree.
bool Issued(X509* issuer, X509* subject) {
  return X509_check_issued(issuer, subject) == X509_V_OK &&
         X509_verify(subject, X509_get0_pubkey(issuer)) == 1;
}

bool IsCaName(absl::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    if (!absl::ascii_isalnum(c) && c != '.' && c != '-' && c != '_')
      return false;
  }
  return true;
}

absl::Status EntryError(const archive_config::v1::ClientCa& entry,
                        absl::string_view what) {
  return absl::InvalidArgumentError(
      absl::StrCat("client_cas entry \"", entry.name(), "\": ", what));
}

// The fingerprint an entry names, from its sha256 or its certificate_file.
absl::StatusOr<std::string> EntryFingerprint(
    const archive_config::v1::ClientCa& entry) {
  if (entry.sha256().empty() == entry.certificate_file().empty()) {
    return EntryError(entry, "give exactly one of certificate_file and sha256");
  }
  if (!entry.sha256().empty()) {
    std::string hex =
        absl::AsciiStrToLower(absl::StrReplaceAll(entry.sha256(), {{":", ""}}));
    if (!IsSha256Hex(hex)) {
      return EntryError(entry, absl::StrCat("sha256 \"", entry.sha256(),
                                            "\" is not 64 hex digits"));
    }
    return hex;
  }
  auto pem = Env::Default()->ReadFile(entry.certificate_file());
  if (!pem.ok()) {
    return EntryError(
        entry, absl::StrCat("certificate_file: ", pem.status().message()));
  }
  std::vector<Cert> certs = ParsePem(*pem);
  if (certs.size() != 1) {
    return EntryError(
        entry,
        absl::StrCat("certificate_file ", entry.certificate_file(), " holds ",
                     certs.size(), " certificates; name one CA per entry"));
  }
  return Fingerprint(certs[0].get());
}

}  // namespace

absl::StatusOr<ClientCas> ClientCas::Create(
    const std::string& bundle_pem, const std::string& server_cert_pem,
    const archive_config::v1::ServerConfig& config) {
  ClientCas cas;
  cas.state_ = std::make_shared<State>();
  cas.state_->certs = ParsePem(bundle_pem);
  if (cas.state_->certs.empty()) {
    return absl::InvalidArgumentError(
        "--tls_client_ca holds no PEM certificate");
  }
  for (const Cert& cert : cas.state_->certs) {
    Ca ca;
    ca.sha256 = Fingerprint(cert.get());
    ca.subject = SubjectOf(cert.get());
    ca.name = "ca-" + ca.sha256.substr(0, 16);
    cas.cas_.push_back(std::move(ca));
  }
  std::vector<bool> named(cas.cas_.size(), false);
  for (const archive_config::v1::ClientCa& entry : config.client_cas()) {
    if (!IsCaName(entry.name())) {
      return EntryError(entry,
                        "a name is 1-64 ASCII letters, digits, '.', '-' or "
                        "'_'");
    }
    auto fingerprint = EntryFingerprint(entry);
    if (!fingerprint.ok()) return fingerprint.status();
    int index = kNone;
    for (size_t i = 0; i < cas.cas_.size(); ++i) {
      if (cas.cas_[i].sha256 == *fingerprint) index = static_cast<int>(i);
    }
    // A CA may keep the "ca-…" name a denial showed, but no other may take it.
    if (int taken = cas.Find(entry.name()); taken != kNone && taken != index) {
      return EntryError(entry, "the name is taken by another CA");
    }
    if (index == kNone) {
      return EntryError(entry, absl::StrCat("no CA of --tls_client_ca has "
                                            "the SHA-256 fingerprint ",
                                            *fingerprint));
    }
    if (named[index]) {
      return EntryError(entry, absl::StrCat("CA ", cas.cas_[index].subject,
                                            " is already named \"",
                                            cas.cas_[index].name, "\""));
    }
    named[index] = true;
    cas.cas_[index].name = entry.name();
    if (entry.own()) {
      if (cas.own_ != kNone) {
        return EntryError(entry, absl::StrCat("\"", cas.cas_[cas.own_].name,
                                              "\" is already the own CA"));
      }
      cas.own_ = index;
    }
  }
  // The server certificate's chain follows it in the --tls_cert file.
  if (cas.own_ == kNone)
    cas.own_ = cas.IssuerOf(server_cert_pem, server_cert_pem);
  if (cas.own_ == kNone && cas.cas_.size() == 1) cas.own_ = 0;
  return cas;
}

int ClientCas::Find(absl::string_view name) const {
  for (size_t i = 0; i < cas_.size(); ++i) {
    if (cas_[i].name == name) return static_cast<int>(i);
  }
  return kNone;
}

int ClientCas::IssuerOf(absl::string_view leaf_pem,
                        absl::string_view chain_pem) const {
  if (state_ == nullptr) return kNone;
  Sha256 digest;
  digest.Update(leaf_pem);
  digest.Update("\n");
  digest.Update(chain_pem);
  std::string key = digest.Finish();
  {
    absl::MutexLock lock(&state_->mu);
    if (auto it = state_->cache.find(key); it != state_->cache.end())
      return it->second;
  }
  std::vector<Cert> leaf = ParsePem(leaf_pem);
  std::vector<Cert> chain = ParsePem(chain_pem);
  int found = kNone;
  X509* current = leaf.empty() ? nullptr : leaf[0].get();
  // Up the presented chain until a bundle CA signed the certificate in hand;
  // the depth bound stops a chain that loops.
  for (size_t depth = 0; current != nullptr && depth <= chain.size(); ++depth) {
    for (size_t i = 0; i < state_->certs.size() && found == kNone; ++i) {
      if (Issued(state_->certs[i].get(), current)) found = static_cast<int>(i);
    }
    if (found != kNone) break;
    X509* next = nullptr;
    for (const Cert& c : chain) {
      if (X509_cmp(c.get(), current) != 0 && Issued(c.get(), current)) {
        next = c.get();
        break;
      }
    }
    current = next;
  }
  absl::MutexLock lock(&state_->mu);
  if (state_->cache.size() >= State::kMaxCached) state_->cache.clear();
  state_->cache[key] = found;
  return found;
}

std::string ClientCas::Describe(int ca) const {
  if (ca < 0 || ca >= static_cast<int>(cas_.size())) return "unknown CA";
  return absl::StrCat(cas_[ca].name, " (", ca == own_ ? "own, " : "",
                      cas_[ca].subject, ", sha256 ", cas_[ca].sha256, ")");
}

}  // namespace archive
