// DATA_DIR/signing-held: a restored archive's promise not to sign past what it
// knows it signed. A backup is of some checkpoint; the archive may have signed
// larger ones before its disk was lost, and signing new entries on top of the
// backup would contradict them (a fork every client that saw them refuses).
// So a restore writes this file first, holding the backup's checkpoint note,
// and while it exists the archive extends its log only up to that size (the
// restore itself) and refuses every put and import beyond it, until the
// operator lifts it: after recovering the missing tail from a peer, or on
// knowing that nothing was signed after the backup (archived
// --accept_restored_log).
//
// Thread-safety: the functions are thread-safe (no shared state).
#ifndef ARCHIVE_STORAGE_DB_SIGNING_HOLD_H_
#define ARCHIVE_STORAGE_DB_SIGNING_HOLD_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "storage/base/env.h"
#include "storage/format/signing_key.h"

namespace archive {

struct SigningHold {
  uint64_t size = 0;  // the log may grow to this size, no further
  std::string note;   // the checkpoint held to, verbatim
  std::string root;   // its root hash (32 bytes)
};

std::string SigningHoldPath(const std::string& data_dir);

// The hold in `data_dir`; nullopt if there is none. DATA_LOSS, naming the
// file, if it is not a checkpoint signed by `key`.
absl::StatusOr<std::optional<SigningHold>> LoadSigningHold(
    Env* env, const std::string& data_dir, const SigningKey& key);
// Durably places the hold (a checkpoint note of this archive).
absl::Status WriteSigningHold(Env* env, const std::string& data_dir,
                              const std::string& checkpoint_note);
// Durably removes it; OK if there is none.
absl::Status LiftSigningHold(Env* env, const std::string& data_dir);

// The error a held archive gives a write that would extend its log.
absl::Status SigningHeldError(const SigningHold& hold);

}  // namespace archive

#endif  // ARCHIVE_STORAGE_DB_SIGNING_HOLD_H_
