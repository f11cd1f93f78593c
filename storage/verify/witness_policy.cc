#include "storage/verify/witness_policy.h"

#include <fstream>
#include <sstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "storage/format/cosignature.h"

namespace archive {
namespace {

uint64_t ReadTimestamp(absl::string_view field) {
  uint64_t t = 0;
  for (int i = 0; i < 8; ++i) {
    t = (t << 8) | static_cast<unsigned char>(field[i]);
  }
  return t;
}

}  // namespace

absl::StatusOr<uint64_t> VerifyCosignature(const Note& note,
                                           const VerifierKey& cosigner) {
  bool found = false;
  uint64_t newest = 0;
  for (const NoteSignature& sig : note.signatures) {
    if (sig.key_name != cosigner.name() || sig.key_id != cosigner.key_id()) {
      continue;
    }
    const uint64_t timestamp =
        sig.signature.size() == 72 ? ReadTimestamp(sig.signature) : 0;
    if (sig.signature.size() != 72 || timestamp > (uint64_t{1} << 63) - 1 ||
        !cosigner.Verify(CosignedMessage(timestamp, note.text),
                         absl::string_view(sig.signature).substr(8))) {
      return absl::UnauthenticatedError(absl::StrCat(
          "the cosignature by witness ", cosigner.name(), " is invalid"));
    }
    found = true;
    newest = std::max(newest, timestamp);
  }
  if (!found) {
    return absl::NotFoundError(
        absl::StrCat("no cosignature by witness ", cosigner.name()));
  }
  return newest;
}

absl::StatusOr<std::string> VerifiedCosignatureLine(
    const Note& note, const VerifierKey& cosigner) {
  if (auto verified = VerifyCosignature(note, cosigner); !verified.ok()) {
    return verified.status();
  }
  for (const NoteSignature& sig : note.signatures) {
    if (sig.key_name == cosigner.name() && sig.key_id == cosigner.key_id()) {
      return FormatSignatureLine(sig);
    }
  }
  return absl::NotFoundError(
      absl::StrCat("no cosignature by witness ", cosigner.name()));
}

absl::Status WitnessPolicy::ParseLine(
    const std::vector<absl::string_view>& words, bool* has_quorum,
    bool* has_mirror_quorum) {
  const bool mirror = words[0] == "mirror";
  if ((words[0] == "witness" || mirror) &&
      (words.size() == 2 || words.size() == 3)) {
    auto key = VerifierKey::ParseCosigner(words[1]);
    if (!key.ok()) return key.status();
    std::vector<Witness>& listed = mirror ? mirrors_ : witnesses_;
    for (const Witness& w : listed) {
      // Listed twice, one cosigner would count twice toward the quorum.
      if (w.key->name() == (*key)->name() &&
          w.key->key_id() == (*key)->key_id()) {
        return absl::InvalidArgumentError(
            absl::StrCat(words[0], " ", (*key)->name(), " is listed twice"));
      }
    }
    listed.push_back(Witness{std::move(*key),
                             words.size() == 3 ? std::string(words[2]) : ""});
    return absl::OkStatus();
  }
  const bool mirrors = words[0] == "mirror_quorum";
  if ((words[0] == "quorum" || mirrors) && words.size() == 2) {
    if (!absl::SimpleAtoi(words[1], mirrors ? &mirror_quorum_ : &quorum_)) {
      return absl::InvalidArgumentError(
          absl::StrCat(words[0], ": expected a whole number"));
    }
    *(mirrors ? has_mirror_quorum : has_quorum) = true;
    return absl::OkStatus();
  }
  return absl::InvalidArgumentError(
      "expected \"witness <cosigner verifier key> [URL]\", \"quorum <k>\", "
      "\"mirror <cosigner verifier key> [URL]\" or \"mirror_quorum <k>\"");
}

absl::StatusOr<WitnessPolicy> WitnessPolicy::Parse(absl::string_view text,
                                                   const std::string& source,
                                                   bool require_quorum) {
  WitnessPolicy policy;
  bool has_quorum = false, has_mirror_quorum = false;
  int number = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++number;
    line = absl::StripAsciiWhitespace(line);
    if (line.empty() || line[0] == '#') continue;
    absl::Status s =
        policy.ParseLine(absl::StrSplit(line, ' ', absl::SkipEmpty()),
                         &has_quorum, &has_mirror_quorum);
    if (!s.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(source, ":", number, ": ", s.message()));
    }
  }
  if (!has_quorum) policy.quorum_ = policy.witnesses_.size();
  if (!has_mirror_quorum) policy.mirror_quorum_ = policy.mirrors_.size();
  if (!require_quorum) return policy;
  if (policy.quorum_ > policy.witnesses_.size() ||
      policy.mirror_quorum_ > policy.mirrors_.size() ||
      policy.quorum_ + policy.mirror_quorum_ == 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        source, ": quorum ", policy.quorum_, " of the ",
        policy.witnesses_.size(), " witnesses listed and mirror_quorum ",
        policy.mirror_quorum_, " of the ", policy.mirrors_.size(),
        " mirrors listed: each must be at most the cosigners listed, and "
        "one at least 1"));
  }
  return policy;
}

absl::StatusOr<WitnessPolicy> WitnessPolicy::Load(const std::string& path,
                                                  bool require_quorum) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::NotFoundError(
        absl::StrCat("witness policy ", path, " cannot be read"));
  }
  std::ostringstream text;
  text << in.rdbuf();
  return Parse(text.str(), path, require_quorum);
}

namespace {

// Sorts `cosigners` into who cosigned `note` and who did not; UNAUTHENTICATED
// for a listed cosigner's line that does not verify.
absl::Status Tally(const Note& note,
                   const std::vector<WitnessPolicy::Witness>& cosigners,
                   std::vector<std::string>* signed_by,
                   std::vector<std::string>* missing) {
  for (const WitnessPolicy::Witness& w : cosigners) {
    auto cosigned = VerifyCosignature(note, *w.key);
    if (cosigned.ok()) {
      signed_by->push_back(w.key->name());
    } else if (absl::IsNotFound(cosigned.status())) {
      missing->push_back(w.key->name());
    } else {
      return cosigned.status();
    }
  }
  return absl::OkStatus();
}

std::string Short(absl::string_view what, const std::vector<std::string>& by,
                  const std::vector<std::string>& missing, size_t quorum) {
  return absl::StrCat(
      "the checkpoint is cosigned by ", by.size(), " of the ", what,
      " the policy lists, short of its ", what == "mirrors" ? "mirror_" : "",
      "quorum of ", quorum,
      " (cosigned by: ", by.empty() ? "none" : absl::StrJoin(by, ", "),
      "; missing: ", absl::StrJoin(missing, ", "), ")");
}

}  // namespace

absl::StatusOr<QuorumCheck> WitnessPolicy::Check(
    absl::string_view checkpoint_note) const {
  auto note = ParseNote(checkpoint_note);
  if (!note.ok()) return note.status();
  QuorumCheck check;
  check.quorum = quorum_;
  check.mirror_quorum = mirror_quorum_;
  absl::Status s = Tally(*note, witnesses_, &check.signed_by, &check.missing);
  if (s.ok()) {
    s = Tally(*note, mirrors_, &check.mirrored_by, &check.mirrors_missing);
  }
  if (!s.ok()) return s;
  if (check.signed_by.size() < quorum_) {
    return absl::UnauthenticatedError(
        Short("witnesses", check.signed_by, check.missing, quorum_));
  }
  if (check.mirrored_by.size() < mirror_quorum_) {
    return absl::UnauthenticatedError(Short(
        "mirrors", check.mirrored_by, check.mirrors_missing, mirror_quorum_));
  }
  return check;
}

}  // namespace archive
