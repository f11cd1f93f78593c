// The CAs of archived's --tls_client_ca bundle, each with the short name that
// identities carry. Under mutual TLS an identity is the pair (issuing CA,
// name): with another office's CA in the bundle (for sync), its certificate
// "CN=admin" must not be this office's admin (issue 11, defect 5). Which CA
// issued a certificate is decided by checking the certificate's signature with
// each CA's key, never by the issuer name alone, which anyone can write.
//
// The own CA is the one whose identities are written bare ("admin") and which
// role bindings without `ca` bind: the client_cas entry marked `own`, else the
// bundle CA that issued the server's --tls_cert, else the bundle's only CA.
// Every other CA's identities are written NAME@CA.
//
// Thread-safe after construction: IssuerOf() may be called concurrently.
// Copies share the parsed certificates and the lookup cache.
#ifndef ARCHIVE_SERVICES_RPC_CLIENT_CAS_H_
#define ARCHIVE_SERVICES_RPC_CLIENT_CAS_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "archive_config/v1/config.pb.h"

namespace archive {

class ClientCas {
 public:
  struct Ca {
    std::string name;     // its client_cas name, or "ca-" + 16 hex digits
    std::string subject;  // e.g. "CN=gx.archive.example Archive CA"
    std::string sha256;   // the certificate's fingerprint, lowercase hex
  };
  static constexpr int kNone = -1;

  // No bundle: plaintext, or TLS without client certificates.
  ClientCas() = default;

  // `bundle_pem` is the --tls_client_ca file, `server_cert_pem` the --tls_cert
  // file (it tells the own CA when no entry is marked own). INVALID_ARGUMENT,
  // naming the entry, for a bundle without certificates and for a client_cas
  // entry whose name is malformed or taken, that gives neither or both of
  // certificate_file and sha256, whose file is unreadable or holds other than
  // one certificate, that matches no CA of the bundle or one another entry
  // named, or that is a second `own`.
  static absl::StatusOr<ClientCas> Create(
      const std::string& bundle_pem, const std::string& server_cert_pem,
      const archive_config::v1::ServerConfig& config);

  const std::vector<Ca>& cas() const { return cas_; }
  // Index into cas() of this office's own CA; kNone when the bundle has
  // several CAs, none marked own and none issued --tls_cert.
  int own() const { return own_; }
  // Index of the CA called `name`, or kNone.
  int Find(absl::string_view name) const;
  // Index of the bundle CA that issued `leaf_pem`, directly or through the
  // intermediates in `chain_pem` (the chain the peer presented, may be
  // empty), or kNone if none did.
  int IssuerOf(absl::string_view leaf_pem, absl::string_view chain_pem) const;

  // "NAME (CN=…, sha256 …)", with "own, " first for the own CA.
  std::string Describe(int ca) const;

 private:
  struct State;
  std::vector<Ca> cas_;
  int own_ = kNone;
  std::shared_ptr<State> state_;
};

}  // namespace archive

#endif  // ARCHIVE_SERVICES_RPC_CLIENT_CAS_H_
