#include "storage/verify/trust_store.h"

#include <cstdlib>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "storage/base/env.h"
#include "storage/base/small_files.h"
#include "storage/format/origin.h"

namespace archive {
namespace {

// Far beyond any real file: a trust file of verifier keys, a checkpoint note
// with its cosignatures.
constexpr size_t kMaxTrustFileBytes = 1 << 20;
constexpr size_t kMaxCheckpointNoteBytes = 64 << 10;

}  // namespace

std::string DefaultClientConfigDir() {
  const char* xdg = std::getenv("XDG_CONFIG_HOME");
  if (xdg != nullptr && *xdg != '\0') return absl::StrCat(xdg, "/archivectl");
  const char* home = std::getenv("HOME");
  return absl::StrCat(home != nullptr ? home : ".", "/.config/archivectl");
}

absl::StatusOr<TrustStore> TrustStore::Load(const std::string& path) {
  TrustStore store;
  store.path_ = path;
  // A link is fine here (trust files are often deployed as one); a device or
  // FIFO is not.
  auto contents = ReadRegularFile(path, kMaxTrustFileBytes, Links::kFollow);
  if (absl::IsNotFound(contents.status())) return store;
  if (!contents.ok()) return contents.status();
  int number = 0;
  for (absl::string_view line : absl::StrSplit(*contents, '\n')) {
    ++number;
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
  if (absl::Status s =
          AppendLine(path_, (*key)->ToString(), kMaxTrustFileBytes);
      !s.ok())
    return s;
  std::string name = (*key)->name();
  keys_[name] = std::shared_ptr<VerifierKey>(std::move(*key));
  return absl::OkStatus();
}

std::string SeenCheckpoints::PathFor(const std::string& origin) const {
  return absl::StrCat(dir_, "/", OriginFileName(origin));
}

// Before origins were encoded, the file was named by the origin itself; such
// a name is read if it is one that could have been written (a single path
// component) and the encoded name is not there yet.
std::string SeenCheckpoints::LegacyPathFor(const std::string& origin) const {
  if (origin.empty() || origin.size() > 255 || origin == "." ||
      origin == ".." ||
      origin.find_first_of(std::string("/\0", 2)) != std::string::npos ||
      OriginFileName(origin) == origin) {
    return "";
  }
  return absl::StrCat(dir_, "/", origin);
}

absl::StatusOr<std::optional<std::string>> SeenCheckpoints::Load(
    const std::string& origin) const {
  for (const std::string& path : {PathFor(origin), LegacyPathFor(origin)}) {
    if (path.empty()) continue;
    auto note = ReadRegularFile(path, kMaxCheckpointNoteBytes, Links::kRefuse);
    if (absl::IsNotFound(note.status())) continue;
    if (!note.ok()) {
      return absl::Status(note.status().code(),
                          absl::StrCat("the checkpoint remembered for ", origin,
                                       ": ", note.status().message()));
    }
    return std::optional<std::string>(std::move(*note));
  }
  return std::optional<std::string>();
}

absl::Status SeenCheckpoints::Save(const std::string& origin,
                                   const std::string& checkpoint_note) const {
  Env* env = Env::Default();
  if (absl::Status s = env->CreateDirs(dir_); !s.ok()) return s;
  return env->WriteFileAtomic(PathFor(origin), checkpoint_note);
}

std::vector<std::string> TrustStore::VerifierKeys() const {
  std::vector<std::string> keys;
  for (const auto& [name, key] : keys_) keys.push_back(key->ToString());
  return keys;
}

}  // namespace archive
