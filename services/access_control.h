// Who may call what. Under mutual TLS a caller is the identity in its
// certificate (subject CN, or a subject alternative name) and holds the roles
// the server config binds to it; every other caller is refused with
// PERMISSION_DENIED naming the identity and the role it lacks. Without client
// certificates nobody is authenticated: on a plaintext loopback listener the
// caller is "local" with every role (the machine's own users), and over TLS
// without client certificates "anonymous" with only the roles bound to
// "anonymous" (default: reader).
#ifndef ARCHIVE_SERVICES_ACCESS_CONTROL_H_
#define ARCHIVE_SERVICES_ACCESS_CONTROL_H_

#include <grpcpp/grpcpp.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "archive/v1/archive.pb.h"
#include "archive/v1/config.pb.h"

namespace archive {

enum class Role { kReader, kArchivist, kPeer, kAdmin };

const char* RoleName(Role role);

struct Caller {
  std::string identity;        // certificate identity, "local" or "anonymous"
  bool authenticated = false;  // true only under mutual TLS
  std::set<Role> roles;
};

class AccessControl {
 public:
  enum class Mode { kLocalPlaintext, kTlsAnonymous, kMutualTls };

  // INVALID_ARGUMENT for an unknown role name in the config.
  static absl::StatusOr<AccessControl> Create(Mode mode,
                                              const v1::ServerConfig& config);

  // Who is calling, and with which roles.
  Caller Identify(const grpc::ServerContextBase& ctx) const;
  // OK if `caller` holds `needed` (admin holds every role); otherwise
  // PERMISSION_DENIED "IDENTITY lacks role ROLE for METHOD".
  static absl::Status Check(const Caller& caller, Role needed,
                            const char* method);

  // Who may do what under this configuration (for GetArchiveInfo): the
  // transport and, for each role, the identities that hold it directly or
  // through a role that implies it.
  void Describe(v1::AccessPolicy* out) const;
  // The names of the roles `caller` holds, e.g. {"archivist"}.
  static std::vector<std::string> RoleNames(const Caller& caller);

 private:
  Mode mode_ = Mode::kLocalPlaintext;
  std::map<std::string, std::set<Role>> bindings_;
};

}  // namespace archive

#endif  // ARCHIVE_SERVICES_ACCESS_CONTROL_H_
