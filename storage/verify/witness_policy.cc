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

absl::StatusOr<WitnessPolicy> WitnessPolicy::Parse(absl::string_view text,
                                                   const std::string& source,
                                                   bool require_quorum) {
  WitnessPolicy policy;
  bool has_quorum = false;
  int number = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++number;
    line = absl::StripAsciiWhitespace(line);
    if (line.empty() || line[0] == '#') continue;
    std::vector<absl::string_view> words =
        absl::StrSplit(line, ' ', absl::SkipEmpty());
    auto bad = [&](absl::string_view why) {
      return absl::InvalidArgumentError(
          absl::StrCat(source, ":", number, ": ", why));
    };
    if (words[0] == "witness" && (words.size() == 2 || words.size() == 3)) {
      auto key = VerifierKey::ParseCosigner(words[1]);
      if (!key.ok()) return bad(key.status().message());
      for (const Witness& listed : policy.witnesses_) {
        // Listed twice, one witness would count twice toward the quorum.
        if (listed.key->name() == (*key)->name() &&
            listed.key->key_id() == (*key)->key_id()) {
          return bad(
              absl::StrCat("witness ", (*key)->name(), " is listed twice"));
        }
      }
      policy.witnesses_.push_back(Witness{
          std::move(*key), words.size() == 3 ? std::string(words[2]) : ""});
    } else if (words[0] == "quorum" && words.size() == 2) {
      if (!absl::SimpleAtoi(words[1], &policy.quorum_)) {
        return bad("quorum: expected a whole number");
      }
      has_quorum = true;
    } else {
      return bad(
          "expected \"witness <cosigner verifier key> [URL]\" or "
          "\"quorum <k>\"");
    }
  }
  if (!has_quorum) policy.quorum_ = policy.witnesses_.size();
  if (require_quorum &&
      (policy.quorum_ == 0 || policy.quorum_ > policy.witnesses_.size())) {
    return absl::InvalidArgumentError(absl::StrCat(
        source, ": quorum ", policy.quorum_, " needs between 1 and the ",
        policy.witnesses_.size(), " witnesses listed"));
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

absl::StatusOr<QuorumCheck> WitnessPolicy::Check(
    absl::string_view checkpoint_note) const {
  auto note = ParseNote(checkpoint_note);
  if (!note.ok()) return note.status();
  QuorumCheck check;
  check.quorum = quorum_;
  for (const Witness& w : witnesses_) {
    auto cosigned = VerifyCosignature(*note, *w.key);
    if (cosigned.ok()) {
      check.signed_by.push_back(w.key->name());
    } else if (absl::IsNotFound(cosigned.status())) {
      check.missing.push_back(w.key->name());
    } else {
      return cosigned.status();
    }
  }
  if (check.signed_by.size() < quorum_) {
    return absl::UnauthenticatedError(absl::StrCat(
        "the checkpoint is cosigned by ", check.signed_by.size(),
        " of the witnesses the policy lists, short of its quorum of ", quorum_,
        " (cosigned by: ",
        check.signed_by.empty() ? "none" : absl::StrJoin(check.signed_by, ", "),
        "; missing: ", absl::StrJoin(check.missing, ", "), ")"));
  }
  return check;
}

}  // namespace archive
