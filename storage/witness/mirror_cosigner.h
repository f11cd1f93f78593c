// This archive as a C2SP tlog-mirror cosigner (https://c2sp.org/tlog-mirror)
// for the peers' logs it mirrors (storage/db/peer_mirror.h): its cosignature
// on a peer's checkpoint says, beyond a witness's "the largest consistent
// checkpoint I saw", that this archive has durably stored the log up to that
// size and serves it (/mirror/<hex SHA-256 of the origin>/, GetCheckpoint and
// ReadLog with mirror_origin).
//
// The cosignature is a cosignature/v1 (storage/format/cosignature.h) by a key
// of its own, DATA_DIR/keys/mirror.pem and keys/mirror.vkey, named
// "<this archive's origin>/mirror": distinct from the witness key, as the
// spec requires of a cosigner making other statements. It signs only what
// the caller hands it: a mirror checkpoint read back from the metadata store,
// which the mirror covers in full and which LevelDB shows only after the
// batch that stored its entries was synced (Archive::ServedLog). So a
// cosignature is never made for a size this archive has not stored.
//
// Thread-safety: thread-safe. The Env is not owned and must outlive this.
#ifndef ARCHIVE_STORAGE_WITNESS_MIRROR_COSIGNER_H_
#define ARCHIVE_STORAGE_WITNESS_MIRROR_COSIGNER_H_

#include <map>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "storage/base/env.h"
#include "storage/format/signing_key.h"

namespace archive {

class MirrorCosigner {
 public:
  // Loads or makes the mirror key (cosigner_key.h). Errors: the Env's;
  // FAILED_PRECONDITION for a damaged key file.
  static absl::StatusOr<std::unique_ptr<MirrorCosigner>> Open(
      Env* env, const std::string& data_dir, const std::string& name);

  // The cosigner verifier key "<name>+<id>+<base64(0x04 || key)>".
  std::string VerifierKey() const;

  // `mirror_checkpoint` (the peer's signed note, as the mirror stores it)
  // with this mirror's cosignature line appended (any line of this mirror's
  // it already carried is dropped). A checkpoint is cosigned once (the line
  // is kept, with its time), so serving it again costs no signing.
  // INVALID_ARGUMENT for a note that does not parse.
  absl::StatusOr<std::string> Cosigned(const std::string& mirror_checkpoint);

 private:
  MirrorCosigner(Env* env, std::unique_ptr<SigningKey> key)
      : env_(env), key_(std::move(key)) {}

  Env* env_;
  std::unique_ptr<SigningKey> key_;
  absl::Mutex mu_;
  // Per origin: the last checkpoint text cosigned and its line.
  std::map<std::string, std::pair<std::string, std::string>> lines_
      ABSL_GUARDED_BY(mu_);
};

}  // namespace archive

#endif  // ARCHIVE_STORAGE_WITNESS_MIRROR_COSIGNER_H_
