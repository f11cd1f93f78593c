// Pulls one peer archive's log into this one: the sync of ARCHITECTURE.md
// ("Sync between offices"). Every check is made with the verification code in
// clients/: the peer's checkpoint signature, its consistency with the last
// checkpoint accepted from that peer (a fork or a shrunk log stops the pull),
// every entry's inclusion in the new checkpoint, and every statement's
// signature by its origin's trusted key. Content is fetched only when missing,
// re-hashed as it is stored, and each revision is committed together with the
// advanced cursor, so an interrupted pull resumes where it stopped.
#ifndef ARCHIVE_SERVICES_SYNC_PEER_PULLER_H_
#define ARCHIVE_SERVICES_SYNC_PEER_PULLER_H_

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "archive/v1/archive.pb.h"
#include "clients/api/archive_client.h"
#include "storage/db/archive.h"
#include "storage/verify/trust_store.h"
#include "storage/verify/witness_policy.h"

namespace archive {

// Thread-safety: a PeerPuller keeps no state between calls (each Pull makes
// its own connection and session), so Pull may run on any thread. Two pulls
// from the same peer at once are not coordinated here (each reads and
// advances the same cursor); SyncManager runs pulls one at a time. Pull
// blocks on the peer: each call to it has an 8 s deadline, and a stream that
// sends nothing for 8 s is given up.
//
// Errors: UNAVAILABLE for a peer that does not answer in time (a deadline is
// reported as UNAVAILABLE, not as the caller's DEADLINE_EXCEEDED) or a pull
// that ended before the checkpoint's size; INVALID_ARGUMENT if `address` is
// this archive itself or a TLS file cannot be read; FAILED_PRECONDITION for an
// unexpected origin; PERMISSION_DENIED for a checkpoint or statement whose
// origin has no trusted key; DATA_LOSS for anything that fails verification
// (a bad signature, a fork or shrunk log, an entry out of order or not in the
// checkpoint, content that does not hash as its statement says); CANCELLED
// when `stop` is set. A status from the peer keeps its code (e.g.
// PERMISSION_DENIED if this archive lacks the peer role there); the archive's
// own errors are returned as it gives them.
class PeerPuller {
 public:
  // `trust` must hold this archive's own key and every trusted office's key.
  // `stop` (may be null) is polled between entries so a shutting-down server
  // ends a pull early (the pull then resumes next time). None is owned; all
  // must outlive the puller and any Pull in progress.
  // `witnesses` (may be null) is the server's witness policy: a peer's
  // checkpoint is accepted only with its quorum of cosignatures
  // (UNAUTHENTICATED otherwise, before anything is read).
  PeerPuller(Archive* archive, const TrustStore* trust,
             const std::atomic<bool>* stop,
             const WitnessPolicy* witnesses = nullptr)
      : archive_(archive), trust_(trust), stop_(stop), witnesses_(witnesses) {}

  // Pulls everything new from the archive at `address`. If `expected_origin`
  // is set (the name the server config gives the peer at that address), a
  // peer whose checkpoint names another origin is refused with
  // FAILED_PRECONDITION naming both, before anything is read. On error nothing
  // unverified was stored, and the progress recorded so far stays valid.
  absl::StatusOr<v1::SyncResponse> Pull(
      const std::string& address, const TlsFiles& tls = {},
      const std::string& expected_origin = "");

 private:
  Archive* archive_;
  const TrustStore* trust_;
  const std::atomic<bool>* stop_;
  const WitnessPolicy* witnesses_;
};

}  // namespace archive

#endif  // ARCHIVE_SERVICES_SYNC_PEER_PULLER_H_
