#include "services/rpc/access_control.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "storage/base/error_detail.h"

namespace archive {
namespace {

absl::StatusOr<Role> ParseRole(const std::string& name) {
  if (name == "reader") return Role::kReader;
  if (name == "archivist") return Role::kArchivist;
  if (name == "peer") return Role::kPeer;
  if (name == "admin") return Role::kAdmin;
  return absl::InvalidArgumentError(
      absl::StrCat("unknown role \"", name,
                   "\" (expected reader, archivist, peer or admin)"));
}

// What holding a role lets a caller do: archivists and peers read too, admins
// do all.
bool Grants(const std::set<Role>& held, Role needed) {
  if (held.count(needed) || held.count(Role::kAdmin)) return true;
  return needed == Role::kReader &&
         (held.count(Role::kArchivist) || held.count(Role::kPeer));
}

// The bundle index a binding names: its `ca`, or without one the own CA.
absl::StatusOr<int> BindingCa(const archive_config::v1::RoleBinding& binding,
                              const ClientCas& cas) {
  std::vector<std::string> known;
  for (const ClientCas::Ca& ca : cas.cas()) known.push_back(ca.name);
  if (!binding.ca().empty()) {
    int ca = cas.Find(binding.ca());
    if (ca != ClientCas::kNone) return ca;
    return absl::InvalidArgumentError(absl::StrCat(
        "roles entry for \"", binding.identity(), "\": ca \"", binding.ca(),
        "\" is no CA of --tls_client_ca (its CAs: ", absl::StrJoin(known, ", "),
        "; name them in client_cas)"));
  }
  if (cas.own() != ClientCas::kNone) return cas.own();
  std::vector<std::string> described;
  for (size_t i = 0; i < cas.cas().size(); ++i)
    described.push_back(cas.Describe(static_cast<int>(i)));
  return absl::InvalidArgumentError(absl::StrCat(
      "roles entry for \"", binding.identity(),
      "\" names no ca, and which CA of --tls_client_ca is this office's own "
      "is ambiguous: it holds ",
      cas.cas().size(), " CAs (", absl::StrJoin(described, "; "),
      ") and none issued --tls_cert; give the entry ca: NAME, or mark the own "
      "CA in client_cas { name: ... sha256: ... own: true }"));
}

std::string FirstProperty(const grpc::AuthContext& auth, const char* name) {
  auto values = auth.FindPropertyValues(name);
  return values.empty() ? "" : std::string(values[0].data(), values[0].size());
}

}  // namespace

const char* RoleName(Role role) {
  switch (role) {
    case Role::kReader:
      return "reader";
    case Role::kArchivist:
      return "archivist";
    case Role::kPeer:
      return "peer";
    case Role::kAdmin:
      return "admin";
  }
  return "?";
}

absl::StatusOr<AccessControl> AccessControl::Create(
    Mode mode, const archive_config::v1::ServerConfig& config, ClientCas cas) {
  AccessControl ac;
  ac.mode_ = mode;
  ac.cas_ = std::move(cas);
  for (const archive_config::v1::RoleBinding& binding : config.roles()) {
    if (binding.identity().empty()) {
      return absl::InvalidArgumentError("a roles entry needs an identity");
    }
    std::set<Role> roles;
    for (const std::string& name : binding.roles()) {
      auto role = ParseRole(name);
      if (!role.ok()) return role.status();
      roles.insert(*role);
    }
    // Outside mutual TLS no certificate names a CA, so only bindings without
    // one ("anonymous") can apply.
    int ca = ClientCas::kNone;
    if (mode == Mode::kMutualTls) {
      auto bound = BindingCa(binding, ac.cas_);
      if (!bound.ok()) return bound.status();
      ca = *bound;
    } else if (!binding.ca().empty()) {
      continue;
    }
    ac.bindings_[{ca, binding.identity()}].insert(roles.begin(), roles.end());
  }
  const Key anonymous{ClientCas::kNone, "anonymous"};
  if (mode == Mode::kTlsAnonymous && !ac.bindings_.count(anonymous)) {
    ac.bindings_[anonymous] = {Role::kReader};
  }
  return ac;
}

std::string AccessControl::IdentityOf(int ca, const std::string& name) const {
  if (ca == ClientCas::kNone) return name + "@unknown-ca";
  // A name with '@' of its own is qualified even from the own CA, so that
  // "admin@bj" can only ever mean bj's admin.
  if (ca == cas_.own() && name.find('@') == std::string::npos) return name;
  return absl::StrCat(name, "@", cas_.cas()[ca].name);
}

void AccessControl::AddRoles(const Key& key, Caller* caller) const {
  if (auto it = bindings_.find(key); it != bindings_.end()) {
    caller->roles.insert(it->second.begin(), it->second.end());
  }
}

Caller AccessControl::Identify(const grpc::ServerContextBase& ctx) const {
  Caller caller;
  if (mode_ == Mode::kLocalPlaintext) {
    caller.identity = "local";
    caller.roles = {Role::kAdmin};
    return caller;
  }
  auto auth = ctx.auth_context();
  if (mode_ == Mode::kMutualTls && auth != nullptr &&
      auth->IsPeerAuthenticated()) {
    caller.authenticated = true;
    std::vector<std::string> names;
    for (const auto& v : auth->FindPropertyValues("x509_common_name")) {
      names.emplace_back(v.data(), v.size());
    }
    for (const auto& v :
         auth->FindPropertyValues("x509_subject_alternative_name")) {
      names.emplace_back(v.data(), v.size());
    }
    int ca = cas_.IssuerOf(FirstProperty(*auth, "x509_pem_cert"),
                           FirstProperty(*auth, "x509_pem_cert_chain"));
    caller.identity =
        IdentityOf(ca, names.empty() ? "unnamed-certificate" : names[0]);
    if (ca == ClientCas::kNone) return caller;
    if (ca != cas_.own()) caller.foreign_ca = cas_.cas()[ca].name;
    for (const std::string& name : names) AddRoles({ca, name}, &caller);
    AddRoles({ca, "*"}, &caller);
    return caller;
  }
  caller.identity = "anonymous";
  AddRoles({ClientCas::kNone, "anonymous"}, &caller);
  return caller;
}

Caller AccessControl::HttpCaller() const {
  Caller caller;
  if (mode_ == Mode::kLocalPlaintext) {
    caller.identity = "local";
    caller.roles = {Role::kAdmin};
    return caller;
  }
  caller.identity = "anonymous";
  AddRoles({ClientCas::kNone, "anonymous"}, &caller);
  return caller;
}

absl::Status AccessControl::Check(const Caller& caller, Role needed,
                                  const char* method) {
  if (Grants(caller.roles, needed)) return absl::OkStatus();
  std::string hint =
      !caller.authenticated ? " (present a client certificate)"
      : caller.foreign_ca.empty()
          ? " (grant it in the server config's roles)"
          : absl::StrCat(" (its certificate is from CA \"", caller.foreign_ca,
                         "\", not this office's own; grant it in the server "
                         "config's roles with ca: \"",
                         caller.foreign_ca, "\")");
  return WithReason(
      absl::PermissionDeniedError(absl::StrCat(caller.identity, " lacks role ",
                                               RoleName(needed), " for ",
                                               method, hint)),
      kReasonRoleRequired,
      {{"role", RoleName(needed)}, {"identity", caller.identity}});
}

void AccessControl::Describe(v1::AccessPolicy* out) const {
  // Who can be a caller at all: on plaintext loopback everyone is "local" with
  // every role; over TLS without client certificates everyone is "anonymous";
  // under mutual TLS, the identities the config names.
  std::map<std::string, std::set<Role>> callers;
  switch (mode_) {
    case Mode::kLocalPlaintext:
      out->set_transport("plaintext-loopback");
      callers["local"] = {Role::kAdmin};
      break;
    case Mode::kTlsAnonymous:
      out->set_transport("tls");
      if (auto it = bindings_.find({ClientCas::kNone, "anonymous"});
          it != bindings_.end())
        callers["anonymous"] = it->second;
      break;
    case Mode::kMutualTls:
      out->set_transport("mutual-tls");
      for (const auto& [key, roles] : bindings_)
        callers[IdentityOf(key.first, key.second)] = roles;
      for (size_t i = 0; i < cas_.cas().size(); ++i)
        out->add_client_cas(cas_.Describe(static_cast<int>(i)));
      break;
  }
  const std::pair<Role, google::protobuf::RepeatedPtrField<std::string>*>
      lists[] = {{Role::kReader, out->mutable_readers()},
                 {Role::kArchivist, out->mutable_archivists()},
                 {Role::kPeer, out->mutable_peers()},
                 {Role::kAdmin, out->mutable_admins()}};
  for (const auto& [identity, roles] : callers) {
    for (const auto& [role, list] : lists) {
      if (Grants(roles, role)) *list->Add() = identity;
    }
  }
}

std::vector<std::string> AccessControl::RoleNames(const Caller& caller) {
  std::vector<std::string> names;
  for (Role role : caller.roles) names.push_back(RoleName(role));
  return names;
}

}  // namespace archive
