// A client's witness policy (C2SP tlog-witness, tlog-cosignature): which
// witnesses it trusts and how many of them must have cosigned a checkpoint
// before it counts. A checkpoint every client sees with k cosignatures from
// independent witnesses is one that k parties saw as an extension of what
// they saw before, so a log cannot show a first-time client a fork unnoticed.
//
// Mirrors (C2SP tlog-mirror) are cosigners too, whose cosignature also says
// "I durably store and serve this log up to this size": a policy may require
// k of them, so that a checkpoint counts only once k offices hold a copy.
//
// The policy file (archivectl --witness_policy, archived --witness_policy):
//   witness <cosigner verifier key> [<submission prefix URL>]
//   quorum <k>
//   mirror <mirror cosigner verifier key> [<monitoring prefix URL>]
//   mirror_quorum <k>
// with blank lines and '#' comments; the URLs are ignored here (archived
// --witnesses uses them to ask). Without a quorum line every witness listed
// must sign, and without a mirror_quorum line every mirror listed.
//
// Immutable once made, so thread-safe. Errors: INVALID_ARGUMENT naming the
// line for a malformed file; UNAUTHENTICATED for a checkpoint without its
// quorum (naming who signed and who did not) or with a cosignature by a listed
// witness that does not verify.
#ifndef ARCHIVE_STORAGE_VERIFY_WITNESS_POLICY_H_
#define ARCHIVE_STORAGE_VERIFY_WITNESS_POLICY_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "storage/format/signed_note.h"
#include "storage/verify/note_verifier.h"

namespace archive {

// The time of `cosigner`'s valid cosignature/v1 on `note`. NOT_FOUND without
// a signature line of its name and key id; UNAUTHENTICATED if one does not
// verify (a signature field of the wrong size included).
absl::StatusOr<uint64_t> VerifyCosignature(const Note& note,
                                           const VerifierKey& cosigner);
// The signature line ("\u2014 name base64\n") of `cosigner`'s cosignature on
// `note`, once VerifyCosignature accepts it: only a line of its name and key
// id, so another key's line of the same name is never taken for it. Errors:
// VerifyCosignature's.
absl::StatusOr<std::string> VerifiedCosignatureLine(
    const Note& note, const VerifierKey& cosigner);

struct QuorumCheck {
  std::vector<std::string> signed_by;  // witness names with a valid one
  std::vector<std::string> missing;    // the others
  size_t quorum = 0;
  std::vector<std::string> mirrored_by;      // mirror names with a valid one
  std::vector<std::string> mirrors_missing;  // the others
  size_t mirror_quorum = 0;
};

class WitnessPolicy {
 public:
  struct Witness {
    std::shared_ptr<const VerifierKey> key;  // type 0x04
    std::string url;                         // may be empty
  };

  // `source` names the text in errors (a file name).
  // With `require_quorum` false (a log's list of witnesses to ask, not a
  // client's policy) the list may be empty and the quorum is not checked.
  static absl::StatusOr<WitnessPolicy> Parse(absl::string_view text,
                                             const std::string& source,
                                             bool require_quorum = true);
  static absl::StatusOr<WitnessPolicy> Load(const std::string& path,
                                            bool require_quorum = true);

  // Which listed witnesses and mirrors cosigned `checkpoint_note`;
  // UNAUTHENTICATED if fewer than quorum() witnesses or mirror_quorum()
  // mirrors did (the message names who did and who did not).
  absl::StatusOr<QuorumCheck> Check(absl::string_view checkpoint_note) const;

  const std::vector<Witness>& witnesses() const { return witnesses_; }
  size_t quorum() const { return quorum_; }
  const std::vector<Witness>& mirrors() const { return mirrors_; }
  size_t mirror_quorum() const { return mirror_quorum_; }

 private:
  absl::Status ParseLine(const std::vector<absl::string_view>& words,
                         bool* has_quorum, bool* has_mirror_quorum);

  std::vector<Witness> witnesses_;
  size_t quorum_ = 0;
  std::vector<Witness> mirrors_;  // C2SP tlog-mirror cosigners
  size_t mirror_quorum_ = 0;
};

}  // namespace archive

#endif  // ARCHIVE_STORAGE_VERIFY_WITNESS_POLICY_H_
