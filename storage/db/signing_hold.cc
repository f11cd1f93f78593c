#include "storage/db/signing_hold.h"

#include "absl/strings/str_cat.h"
#include "storage/db/checkpoint_record.h"

namespace archive {

std::string SigningHoldPath(const std::string& data_dir) {
  return data_dir + "/signing-held";
}

absl::StatusOr<std::optional<SigningHold>> LoadSigningHold(
    Env* env, const std::string& data_dir, const SigningKey& key) {
  const std::string path = SigningHoldPath(data_dir);
  if (!env->FileExists(path)) return std::optional<SigningHold>();
  auto note = env->ReadFile(path);
  if (!note.ok()) return note.status();
  auto own = ParseOwnCheckpoint(*note, key);
  if (!own.ok()) {
    return absl::DataLossError(
        absl::StrCat(path, " is damaged (", own.status().message(),
                     "): it holds the checkpoint of the backup this archive "
                     "was restored from; restore again"));
  }
  return std::optional<SigningHold>(
      SigningHold{own->size, own->note, own->root});
}

absl::Status WriteSigningHold(Env* env, const std::string& data_dir,
                              const std::string& checkpoint_note) {
  return env->WriteFileAtomic(SigningHoldPath(data_dir), checkpoint_note);
}

absl::Status LiftSigningHold(Env* env, const std::string& data_dir) {
  const std::string path = SigningHoldPath(data_dir);
  if (!env->FileExists(path)) return absl::OkStatus();
  if (absl::Status s = env->RemoveFile(path); !s.ok()) return s;
  return env->SyncDir(data_dir);
}

absl::Status SigningHeldError(const SigningHold& hold) {
  return absl::FailedPreconditionError(absl::StrCat(
      "this archive was restored from a backup of its log at ", hold.size,
      " entries and may have signed more before it was lost: it signs "
      "nothing new until it has recovered its missing entries from a peer's "
      "mirror of its log (archived --recover_from=HOST:PORT, or the peers in "
      "its config) or its operator lifts the hold (archived "
      "--accept_restored_log, once sure nothing was signed after the "
      "backup; see deploy/RUNBOOK.md)"));
}

}  // namespace archive
