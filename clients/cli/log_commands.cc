// statement, checkpoint, proof and version: the signed log itself.
#include <iostream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "clients/cli/commands.h"
#include "storage/base/build_version.h"
#include "storage/base/hex.h"
#include "storage/format/statement.h"

namespace archive {
namespace cli {

namespace {

absl::StatusOr<uint64_t> ParseSize(const std::string& name,
                                   const std::string& value) {
  uint64_t v = 0;
  if (!absl::SimpleAtoi(value, &v)) {
    return Usage(absl::StrCat(name, " must be a non-negative integer, not \"",
                              value, "\""));
  }
  return v;
}

}  // namespace

absl::Status RunStatement(Context& c) {
  const std::string& rev = c.args.positional()[0];
  auto reply = c.args.Has("no-verify") ? c.client.GetStatement(rev)
                                       : c.verifier.Statement(rev);
  if (!reply.ok()) return reply.status();
  if (c.json) {
    Json j;
    j["signed_statement"] = reply->signed_statement();
    j["revision"] = RevisionJson(reply->revision());
    PrintJson(j);
  } else {
    std::cout << reply->signed_statement();
  }
  return absl::OkStatus();
}

absl::Status RunCheckpoint(Context& c) {
  std::string note;
  auto cp = c.verifier.LatestCheckpoint(&note);
  if (!cp.ok()) return cp.status();
  if (c.json) {
    Json j;
    j["origin"] = cp->origin;
    j["tree_size"] = cp->size;
    j["root_hash"] = Base64Encode(cp->root_hash);
    j["checkpoint"] = note;
    PrintJson(j);
  } else {
    std::cout << note;
  }
  return absl::OkStatus();
}

absl::Status RunProof(Context& c) {
  const auto& p = c.args.positional();
  if (p[0] == "inclusion") {
    if (p.size() != 2)
      return Usage("usage: archivectl proof inclusion REV [--size N]");
    uint64_t size = 0;
    if (c.args.Has("size")) {
      auto s = ParseSize("--size", c.args.Get("size"));
      if (!s.ok()) return s.status();
      size = *s;
    }
    auto proof = c.verifier.InclusionProof(p[1], size);
    if (!proof.ok()) return proof.status();
    PrintJson(InclusionProofJson(*proof));
    return absl::OkStatus();
  }
  if (p[0] == "consistency") {
    if (p.size() != 3)
      return Usage("usage: archivectl proof consistency OLD NEW");
    auto old_size = ParseSize("OLD", p[1]);
    auto new_size = ParseSize("NEW", p[2]);
    if (!old_size.ok()) return old_size.status();
    if (!new_size.ok()) return new_size.status();
    auto proof = c.verifier.ConsistencyProof(*old_size, *new_size);
    if (absl::IsPermissionDenied(proof.status()) && c.tls) {
      // A reader may not read the log entry that proves a root at a size no
      // checkpoint names (verified_fetch.h); say so rather than refuse the
      // proof outright, which an auditor can still check offline.
      auto unverified = c.client.GetConsistencyProof(*old_size, *new_size);
      if (!unverified.ok()) return unverified.status();
      std::cerr << "archivectl: warning: this proof is NOT verified: "
                << OneLine(proof.status().message()) << "\n";
      PrintJson(ConsistencyProofJson(unverified->proof()));
      return absl::OkStatus();
    }
    if (!proof.ok()) return proof.status();
    PrintJson(ConsistencyProofJson(*proof));
    return absl::OkStatus();
  }
  return Usage("proof takes \"inclusion REV\" or \"consistency OLD NEW\"");
}

// The client's version, then the server's: the client's is printed even when
// the server cannot say its own.
absl::Status RunVersion(Context& c) {
  Json j;
  j["client_version"] = VersionString();
  if (!c.json) std::cout << VersionLine("archivectl") << "\n";
  auto info = c.client.GetArchiveInfo();
  if (!info.ok()) {
    if (c.json) PrintJson(j);
    return info.status();
  }
  std::string server = info->server_version().empty()
                           ? "unknown (this archived does not report it)"
                           : info->server_version();
  if (c.json) {
    j["server"] = c.server;
    j["server_origin"] = info->origin();
    j["server_version"] = server;
    PrintJson(j);
  } else {
    std::cout << "archived " << server << " (" << info->origin() << " at "
              << c.server << ")\n";
  }
  return absl::OkStatus();
}

}  // namespace cli
}  // namespace archive
