#include "storage/db/identity.h"

#include <sys/stat.h>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace archive {
namespace {

absl::Status CreateIdentity(Env* env, const std::string& keys,
                            const SigningKey& key) {
  absl::Status s = env->CreateDirs(keys, 0755);
  // Public files first: if we crash before signing.pem exists, the next start
  // simply creates a fresh identity over them.
  if (s.ok())
    s = env->WriteFileAtomic(keys + "/public.pem", key.PublicPem(), 0644);
  if (s.ok()) {
    s = env->WriteFileAtomic(keys + "/verifier.key", key.VerifierKey() + "\n",
                             0644);
  }
  if (s.ok())
    s = env->WriteFileAtomic(keys + "/signing.pem", key.PrivatePem(), 0600);
  return s;
}

// The private key must not be readable by anyone but its owner.
absl::Status CheckPrivateKeyMode(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0)
    return absl::OkStatus();  // reported by the read
  if ((st.st_mode & 077) != 0) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "%s has mode %04o: the private key must be readable by its owner only "
        "(run: chmod 600 %s)",
        path, st.st_mode & 07777, path));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<SigningKey>> LoadIdentity(
    Env* env, const std::string& keys, const std::string& origin) {
  std::string private_path = keys + "/signing.pem";
  if (absl::Status s = CheckPrivateKeyMode(private_path); !s.ok()) return s;
  auto verifier = env->ReadFile(keys + "/verifier.key");
  if (!verifier.ok()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "cannot read ", keys, "/verifier.key: ", verifier.status().message()));
  }
  std::string line(absl::StripAsciiWhitespace(*verifier));
  std::string name = line.substr(0, line.find('+'));
  if (name != origin) {
    return absl::FailedPreconditionError(absl::StrCat(
        "this data directory belongs to origin \"", name,
        "\" but archived was started with "
        "--origin=",
        origin, "; an archive's origin never changes (use --origin=", name,
        " or another --data_dir)"));
  }
  auto pem = env->ReadFile(private_path);
  if (!pem.ok()) return pem.status();
  auto key = SigningKey::FromPkcs8Pem(origin, *pem);
  if (!key.ok()) {
    return absl::FailedPreconditionError(absl::StrCat(
        private_path,
        " is not a valid Ed25519 PKCS#8 key: ", key.status().message()));
  }
  if ((*key)->VerifierKey() != line) {
    return absl::FailedPreconditionError(
        absl::StrCat(keys, "/verifier.key does not match ", private_path,
                     ": the key files are damaged "
                     "or were mixed up"));
  }
  return key;
}

}  // namespace

absl::StatusOr<std::unique_ptr<SigningKey>> LoadOrCreateIdentity(
    Env* env, const std::string& data_dir, const std::string& origin) {
  std::string keys = data_dir + "/keys";
  if (env->FileExists(keys + "/signing.pem"))
    return LoadIdentity(env, keys, origin);
  auto key = SigningKey::Generate(origin);
  if (!key.ok()) return key.status();
  if (absl::Status s = CreateIdentity(env, keys, **key); !s.ok()) return s;
  return key;
}

}  // namespace archive
