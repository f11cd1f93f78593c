#include "services/access_control.h"

#include "absl/strings/str_cat.h"

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
    Mode mode, const v1::ServerConfig& config) {
  AccessControl ac;
  ac.mode_ = mode;
  for (const v1::RoleBinding& binding : config.roles()) {
    if (binding.identity().empty()) {
      return absl::InvalidArgumentError("a roles entry needs an identity");
    }
    for (const std::string& name : binding.roles()) {
      auto role = ParseRole(name);
      if (!role.ok()) return role.status();
      ac.bindings_[binding.identity()].insert(*role);
    }
  }
  if (mode == Mode::kTlsAnonymous && !ac.bindings_.count("anonymous")) {
    ac.bindings_["anonymous"] = {Role::kReader};
  }
  return ac;
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
    caller.identity = names.empty() ? "unnamed-certificate" : names[0];
    for (const std::string& name : names) {
      if (auto it = bindings_.find(name); it != bindings_.end()) {
        caller.roles.insert(it->second.begin(), it->second.end());
      }
    }
    if (auto it = bindings_.find("*"); it != bindings_.end()) {
      caller.roles.insert(it->second.begin(), it->second.end());
    }
    return caller;
  }
  caller.identity = "anonymous";
  if (auto it = bindings_.find("anonymous"); it != bindings_.end())
    caller.roles = it->second;
  return caller;
}

absl::Status AccessControl::Check(const Caller& caller, Role needed,
                                  const char* method) {
  if (Grants(caller.roles, needed)) return absl::OkStatus();
  return absl::PermissionDeniedError(absl::StrCat(
      caller.identity, " lacks role ", RoleName(needed), " for ", method,
      caller.authenticated ? " (grant it in the server config's roles)"
                           : " (present a client certificate)"));
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
      if (auto it = bindings_.find("anonymous"); it != bindings_.end())
        callers.insert(*it);
      break;
    case Mode::kMutualTls:
      out->set_transport("mutual-tls");
      callers = bindings_;
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
