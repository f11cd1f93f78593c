// Recovery without a fork: a restored archive fetches the entries it signed
// after its backup from a peer's verbatim mirror of its log (peer_mirror.h),
// and signs again only once its log is what it was.
//
// A restore leaves the archive held (signing_hold.h) at the backup's
// checkpoint. For each peer asked, Recover reads the newest checkpoint of
// this archive that the peer mirrors (GetCheckpoint with mirror_origin set to
// this origin), checks it is signed by this archive's own key and extends the
// log as it is (a consistency proof from the mirror), raises the hold to it,
// then reads the missing entries from the mirror (ReadLog), checking each
// one's signature and its inclusion in that checkpoint, fetches the contents
// this archive lacks, and imports them verbatim at their places. The log then
// has the same size and root, and this archive signs the same checkpoint bytes
// again (Ed25519 is deterministic), so a client that saw it accepts it.
//
// The hold is lifted only when every peer asked has answered, at least one
// holds a mirror of this archive, and the log has reached the newest
// checkpoint any of them showed: while a peer is unreachable it might hold a
// newer one. Entries signed after the newest checkpoint any peer mirrors are
// beyond recovery; the runbook says so.
//
// Thread-safety: Recover blocks on the peers (8 s per call, a stream idle for
// 8 s is given up) and must not run beside another Recover or a pull (the
// sync manager runs jobs one at a time). Not owned: archive, trust, stop.
//
// Errors (per peer, in the report; the first is also Recover's status when
// the hold stays): UNAVAILABLE for a peer that does not answer; NOT_FOUND for
// one that mirrors no log of this archive; DATA_LOSS for a mirror that does
// not verify (a checkpoint not signed by this archive's key, a tail that does
// not extend the log, an entry not in the checkpoint, content that does not
// hash); the archive's own errors as it gives them.
#ifndef ARCHIVE_SERVICES_SYNC_LOG_RECOVERY_H_
#define ARCHIVE_SERVICES_SYNC_LOG_RECOVERY_H_

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "clients/api/archive_client.h"
#include "storage/db/archive.h"
#include "storage/verify/trust_store.h"

namespace archive {

// A peer to recover from and how to reach it.
struct RecoveryPeer {
  std::string address;
  TlsFiles tls;
};

struct RecoveryReport {
  uint64_t log_size_before = 0;
  uint64_t log_size_after = 0;
  uint64_t entries_recovered = 0;
  uint64_t blobs_fetched = 0;
  // The newest checkpoint of this archive any peer mirrors (0: none).
  uint64_t newest_mirrored_size = 0;
  bool hold_lifted = false;
  // One line per peer: what it held, or why it could not be asked.
  std::vector<std::string> peers;
};

class LogRecovery {
 public:
  // `trust` holds this archive's key and the keys of every office whose
  // statements its log may carry. `stop` (may be null) is polled between
  // entries.
  LogRecovery(Archive* archive, const TrustStore* trust,
              const std::atomic<bool>* stop)
      : archive_(archive), trust_(trust), stop_(stop) {}

  // Recovers from `peers` in turn (see above). OK with the report once the
  // hold is lifted; FAILED_PRECONDITION if the archive is not held; else the
  // reason the hold stays, naming each peer's answer.
  absl::StatusOr<RecoveryReport> Recover(
      const std::vector<RecoveryPeer>& peers);

 private:
  // Recovers what `peer` mirrors; returns the size of the newest checkpoint of
  // this archive it holds.
  absl::StatusOr<uint64_t> RecoverFrom(const RecoveryPeer& peer,
                                       RecoveryReport* report);

  Archive* archive_;
  const TrustStore* trust_;
  const std::atomic<bool>* stop_;
};

}  // namespace archive

#endif  // ARCHIVE_SERVICES_SYNC_LOG_RECOVERY_H_
