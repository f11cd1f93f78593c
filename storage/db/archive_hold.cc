// The signing hold of a restored archive (signing_hold.h), as the open
// archive keeps it: raised to a newer checkpoint of its own that a peer's
// mirror shows, so its missing tail can be imported verbatim, and lifted once
// the log has reached it.
#include "absl/strings/str_cat.h"
#include "storage/db/archive.h"
#include "storage/db/checkpoint_record.h"
#include "storage/verify/proof_verifier.h"

namespace archive {

std::optional<SigningHold> Archive::signing_hold() const {
  absl::MutexLock lock(&hold_mu_);
  return hold_;
}

absl::Status Archive::RaiseSigningHold(
    const std::string& checkpoint_note,
    const std::vector<std::string>& consistency) {
  std::optional<SigningHold> current = signing_hold();
  if (!current) {
    return absl::FailedPreconditionError(
        "this archive is not held: it has no missing tail to recover");
  }
  auto own = ParseOwnCheckpoint(checkpoint_note, *key_);
  if (!own.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "not a checkpoint of this archive's: ", own.status().message()));
  }
  if (own->size <= current->size) return absl::OkStatus();
  // Under a hold the log is never beyond it, so the new checkpoint must
  // extend the log as it is: a tail that does not is another history.
  const SignedCheckpoint log = LatestCheckpoint();
  if (log.size > 0) {
    absl::Status extends = VerifyConsistency(log.size, own->size, log.root,
                                             own->root, consistency);
    if (!extends.ok()) {
      return absl::DataLossError(
          absl::StrCat("the checkpoint of ", own->size,
                       " entries does not extend this archive's log of ",
                       log.size, ": ", extends.message()));
    }
  }
  if (absl::Status s =
          WriteSigningHold(options_.env, options_.data_dir, own->note);
      !s.ok()) {
    return s;
  }
  absl::MutexLock lock(&hold_mu_);
  hold_ = SigningHold{own->size, own->note, own->root};
  return absl::OkStatus();
}

absl::Status Archive::LiftSigningHold() {
  std::optional<SigningHold> hold = signing_hold();
  if (!hold) return absl::OkStatus();
  auto own = ParseOwnCheckpoint(hold->note, *key_);
  if (!own.ok()) return own.status();
  const SignedCheckpoint log = LatestCheckpoint();
  if (log.size != own->size || log.root != own->root) {
    return absl::FailedPreconditionError(
        absl::StrCat("the log has ", log.size, " entries, short of the ",
                     own->size, " of the checkpoint it is held to"));
  }
  if (absl::Status s =
          archive::LiftSigningHold(options_.env, options_.data_dir);
      !s.ok()) {
    return s;
  }
  absl::MutexLock lock(&hold_mu_);
  hold_.reset();
  return absl::OkStatus();
}

}  // namespace archive
