#include "storage/witness/cosigner_key.h"

#include "absl/strings/str_cat.h"
#include "storage/format/cosignature.h"

namespace archive {

absl::StatusOr<std::unique_ptr<SigningKey>> LoadOrMakeCosignerKey(
    Env* env, const std::string& data_dir, const std::string& stem,
    const std::string& name) {
  const std::string keys = data_dir + "/keys";
  const std::string pem_path = absl::StrCat(keys, "/", stem, ".pem");
  if (env->FileExists(pem_path)) {
    auto pem = env->ReadFile(pem_path);
    if (!pem.ok()) return pem.status();
    auto loaded = SigningKey::FromPkcs8Pem(name, *pem);
    if (!loaded.ok()) {
      return absl::FailedPreconditionError(absl::StrCat(
          pem_path,
          " is not a valid Ed25519 key: ", loaded.status().message()));
    }
    // The verifier key is derived from the private one, and it is what
    // operators hand to the logs and clients that check this cosigner: a
    // missing or damaged copy is written again from the key.
    const std::string vkey_path = absl::StrCat(keys, "/", stem, ".vkey");
    const std::string vkey = CosignerVerifierKey(**loaded) + "\n";
    auto on_disk = env->ReadFile(vkey_path);
    if (!on_disk.ok() || *on_disk != vkey) {
      absl::Status s = env->WriteFileAtomic(vkey_path, vkey, 0644);
      if (!s.ok()) return s;
    }
    return loaded;
  }
  auto made = SigningKey::Generate(name);
  if (!made.ok()) return made.status();
  absl::Status s = env->CreateDirs(keys, 0755);
  // The verifier key first: a crash before the private key is written
  // leaves a cosigner that simply makes a new key at the next start.
  if (s.ok()) {
    s = env->WriteFileAtomic(absl::StrCat(keys, "/", stem, ".vkey"),
                             CosignerVerifierKey(**made) + "\n", 0644);
  }
  if (s.ok()) s = env->WriteFileAtomic(pem_path, (*made)->PrivatePem(), 0600);
  if (!s.ok()) return s;
  return made;
}

}  // namespace archive
