#include "storage/verify/known_archives.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "storage/base/small_files.h"
#include "storage/format/signed_note.h"

namespace archive {
namespace {

constexpr size_t kMaxKnownArchivesBytes = 1 << 20;

std::string KeyIdHex(uint32_t id) { return absl::StrFormat("%08x", id); }

// The note's first line: a checkpoint's origin, unverified.
std::string FirstLine(const std::string& note) {
  return note.substr(0, note.find('\n'));
}

}  // namespace

absl::StatusOr<KnownArchives> KnownArchives::Load(const std::string& path) {
  KnownArchives known;
  known.path_ = path;
  auto contents = ReadRegularFile(path, kMaxKnownArchivesBytes, Links::kFollow);
  if (absl::IsNotFound(contents.status())) return known;
  if (!contents.ok()) return contents.status();
  int number = 0;
  for (absl::string_view line : absl::StrSplit(*contents, '\n')) {
    ++number;
    line = absl::StripAsciiWhitespace(line);
    if (line.empty() || line[0] == '#') continue;
    std::pair<absl::string_view, absl::string_view> parts =
        absl::StrSplit(line, absl::MaxSplits(' ', 1));
    auto key = VerifierKey::Parse(absl::StripAsciiWhitespace(parts.second));
    if (parts.first.empty() || !key.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(
          path, ":", number, ": expected \"HOST:PORT VERIFIER_KEY\"",
          key.ok() ? "" : absl::StrCat(" (", key.status().message(), ")")));
    }
    known.keys_[std::string(parts.first)] =
        std::shared_ptr<VerifierKey>(std::move(*key));
  }
  return known;
}

const VerifierKey* KnownArchives::Find(const std::string& address) const {
  auto it = keys_.find(address);
  return it == keys_.end() ? nullptr : it->second.get();
}

absl::Status KnownArchives::Check(const std::string& address,
                                  const std::string& note) const {
  const VerifierKey* pinned = Find(address);
  if (pinned == nullptr) return absl::OkStatus();
  std::string origin = FirstLine(note);
  std::string remedy = absl::StrCat(
      "; if this change is expected, remove the line for ", address, " from ",
      path_, " (and the old key from the trust file if it is retired)");
  if (origin != pinned->name()) {
    return absl::PermissionDeniedError(absl::StrCat(
        "the archive at ", address, " was ", pinned->name(), " (key ",
        pinned->ToString(), ") when first met, but now answers as origin ",
        origin, ": another archive is serving at this address; refusing it",
        remedy));
  }
  auto parsed = ParseNote(note);
  if (!parsed.ok()) return absl::OkStatus();  // the verifier says why
  std::string ids;
  for (const NoteSignature& sig : parsed->signatures) {
    if (sig.key_name != origin) continue;
    if (sig.key_id == pinned->key_id()) return absl::OkStatus();
    absl::StrAppend(&ids, ids.empty() ? "" : ", ", KeyIdHex(sig.key_id));
  }
  return absl::PermissionDeniedError(absl::StrCat(
      "the archive ", origin, " at ", address,
      " now signs with another key (key id ", ids.empty() ? "none" : ids,
      ") than the one pinned when first met (key id ",
      KeyIdHex(pinned->key_id()), ", ", pinned->ToString(),
      "): its key changed; refusing it", remedy));
}

absl::Status KnownArchives::Pin(const std::string& address,
                                const std::string& verifier_key) {
  auto key = VerifierKey::Parse(verifier_key);
  if (!key.ok()) return key.status();
  if (const VerifierKey* have = Find(address); have != nullptr) {
    if (have->ToString() == (*key)->ToString()) return absl::OkStatus();
    return absl::PermissionDeniedError(
        absl::StrCat("the archive at ", address, " presents key ", verifier_key,
                     " but ", path_, " pinned ", have->ToString(), " for it"));
  }
  if (absl::Status s =
          AppendLine(path_, absl::StrCat(address, " ", (*key)->ToString()),
                     kMaxKnownArchivesBytes);
      !s.ok())
    return s;
  keys_[address] = std::shared_ptr<VerifierKey>(std::move(*key));
  return absl::OkStatus();
}

}  // namespace archive
