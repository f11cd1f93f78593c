#include "clients/trust_store.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "storage/env.h"

namespace archive {
std::string DefaultClientConfigDir() {
  const char* xdg = std::getenv("XDG_CONFIG_HOME");
  if (xdg != nullptr && *xdg != '\0') return absl::StrCat(xdg, "/archivectl");
  const char* home = std::getenv("HOME");
  return absl::StrCat(home != nullptr ? home : ".", "/.config/archivectl");
}

absl::StatusOr<TrustStore> TrustStore::Load(const std::string& path) {
  TrustStore store;
  store.path_ = path;
  std::ifstream in(path);
  if (!in) return store;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    absl::string_view text = absl::StripAsciiWhitespace(line);
    if (text.empty() || text[0] == '#') continue;
    auto key = VerifierKey::Parse(text);
    if (!key.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ":", number, ": ", key.status().message()));
    }
    std::string name = (*key)->name();
    store.keys_[name] = std::shared_ptr<VerifierKey>(std::move(*key));
  }
  return store;
}

const VerifierKey* TrustStore::Find(const std::string& origin) const {
  auto it = keys_.find(origin);
  return it == keys_.end() ? nullptr : it->second.get();
}

absl::Status TrustStore::AddKey(const std::string& verifier_key) {
  auto key = VerifierKey::Parse(verifier_key);
  if (!key.ok()) return key.status();
  if (const VerifierKey* have = Find((*key)->name()); have != nullptr) {
    if (have->ToString() == (*key)->ToString()) return absl::OkStatus();
    return absl::InvalidArgumentError(
        absl::StrCat("two different keys for ", (*key)->name(), ": ",
                     have->ToString(), " and ", verifier_key));
  }
  std::string name = (*key)->name();
  keys_[name] = std::shared_ptr<VerifierKey>(std::move(*key));
  return absl::OkStatus();
}

absl::Status TrustStore::Pin(const std::string& verifier_key) {
  auto key = VerifierKey::Parse(verifier_key);
  if (!key.ok()) return key.status();
  if (const VerifierKey* have = Find((*key)->name()); have != nullptr) {
    if (have->ToString() == (*key)->ToString()) return absl::OkStatus();
    return absl::PermissionDeniedError(absl::StrCat(
        "the server presents key ", verifier_key, " for ", (*key)->name(),
        " but ", path_, " trusts ", have->ToString()));
  }
  Env* env = Env::Default();
  if (absl::Status s = env->CreateDirs(ParentDir(path_)); !s.ok()) return s;
  std::string contents;
  if (env->FileExists(path_)) {
    auto old = env->ReadFile(path_);
    if (!old.ok()) return old.status();
    contents = *old;
    if (!contents.empty() && contents.back() != '\n') contents += '\n';
  }
  contents += (*key)->ToString() + "\n";
  if (absl::Status s = env->WriteFileAtomic(path_, contents); !s.ok()) return s;
  std::string name = (*key)->name();
  keys_[name] = std::shared_ptr<VerifierKey>(std::move(*key));
  return absl::OkStatus();
}

absl::StatusOr<std::optional<std::string>> SeenCheckpoints::Load(
    const std::string& origin) const {
  std::string path = absl::StrCat(dir_, "/", origin);
  Env* env = Env::Default();
  if (!env->FileExists(path)) return std::optional<std::string>();
  auto note = env->ReadFile(path);
  if (!note.ok()) return note.status();
  return std::optional<std::string>(std::move(*note));
}

absl::Status SeenCheckpoints::Save(const std::string& origin,
                                   const std::string& checkpoint_note) const {
  Env* env = Env::Default();
  if (absl::Status s = env->CreateDirs(dir_); !s.ok()) return s;
  return env->WriteFileAtomic(absl::StrCat(dir_, "/", origin), checkpoint_note);
}

}  // namespace archive
