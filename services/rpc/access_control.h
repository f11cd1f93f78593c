// Who may call what. Under mutual TLS a caller is the pair (CA that issued its
// certificate, name in it: subject CN or a subject alternative name) and holds
// the roles the server config binds to that pair; every other caller is
// refused with PERMISSION_DENIED naming the identity and the role it lacks. The
// identity is written NAME for this office's own CA and NAME@CA for another
// (services/client_cas.h), so a peer office's "CN=admin" is "admin@bj": not our
// admin, and not "admin" in the statements it submits. A name holding '@'
// itself (an email address) is written NAME@CA even from the own CA, so the
// text after the last '@' of an identity with one is always its CA. Without
// client certificates nobody is authenticated: on a plaintext loopback listener
// the caller is "local" with every role (the machine's own users), and over TLS
// without client certificates "anonymous" with only the roles bound to
// "anonymous" (default: reader).
#ifndef ARCHIVE_SERVICES_RPC_ACCESS_CONTROL_H_
#define ARCHIVE_SERVICES_RPC_ACCESS_CONTROL_H_

#include <grpcpp/grpcpp.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "archive/v1/archive.pb.h"
#include "archive_config/v1/config.pb.h"
#include "services/rpc/client_cas.h"

namespace archive {

enum class Role { kReader, kArchivist, kPeer, kAdmin };

const char* RoleName(Role role);

struct Caller {
  // Certificate identity (NAME or NAME@CA), "local" or "anonymous".
  std::string identity;
  bool authenticated = false;  // true only under mutual TLS
  std::set<Role> roles;
  // Under mutual TLS, the name of the CA that issued a certificate of another
  // CA than this office's own; empty otherwise.
  std::string foreign_ca;
};

// Immutable once created, so thread-safe: every RPC thread may call Identify,
// Check and Describe at once. Create copies what it needs from `config`, which
// need not outlive it. A Caller is a value owned by whoever holds it; keep it
// no longer than the call it describes.
class AccessControl {
 public:
  enum class Mode { kLocalPlaintext, kTlsAnonymous, kMutualTls };

  // `cas` is the --tls_client_ca bundle (kMutualTls only); outside mutual TLS
  // a binding that names a `ca` is ignored. INVALID_ARGUMENT for a binding
  // without an identity or an unknown role name, and under mutual TLS for one
  // whose `ca` names no CA of the bundle, or that names no `ca` when which CA
  // is this office's own cannot be told.
  static absl::StatusOr<AccessControl> Create(
      Mode mode, const archive_config::v1::ServerConfig& config,
      ClientCas cas = ClientCas());

  // Who is calling, and with which roles. Never fails: a certificate that no
  // CA of the bundle issued gets identity NAME@unknown-ca and no roles.
  Caller Identify(const grpc::ServerContextBase& ctx) const;
  // Who a request on the HTTP listener is: it takes no client certificates,
  // so "local" with every role on a plaintext loopback server, else
  // "anonymous" with the roles bound to "anonymous" (default: reader).
  Caller HttpCaller() const;
  // OK if `caller` holds `needed` (admin holds every role; archivist and peer
  // also hold reader); otherwise PERMISSION_DENIED "IDENTITY lacks role ROLE
  // for METHOD (hint)", with error detail kReasonRoleRequired.
  static absl::Status Check(const Caller& caller, Role needed,
                            const char* method);

  // Who may do what under this configuration (for GetArchiveInfo): the
  // transport, the client CAs, and for each role the identities (with their
  // CA, as Identify() writes them) that hold it directly or through a role
  // that implies it.
  void Describe(v1::AccessPolicy* out) const;
  // The names of the roles `caller` holds, e.g. {"archivist"}.
  static std::vector<std::string> RoleNames(const Caller& caller);

 private:
  // (CA index, name): ClientCas::kNone outside mutual TLS.
  using Key = std::pair<int, std::string>;

  // NAME for the own CA, NAME@CA for another, NAME@unknown-ca if none of
  // the bundle issued it (gRPC checked the chain, so that is a bug).
  std::string IdentityOf(int ca, const std::string& name) const;
  void AddRoles(const Key& key, Caller* caller) const;

  Mode mode_ = Mode::kLocalPlaintext;
  ClientCas cas_;
  std::map<Key, std::set<Role>> bindings_;
};

}  // namespace archive

#endif  // ARCHIVE_SERVICES_RPC_ACCESS_CONTROL_H_
