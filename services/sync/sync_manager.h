// Runs the archive's background work that talks to peers: pulls (on demand via
// the Sync RPC and on each configured peer's schedule), scrubs, and repairs of
// damaged blobs from peers. Jobs run one at a time on the manager's own thread,
// so a long catch-up never holds an RPC thread and two pulls never race on one
// peer's cursor.
//
// Thread-safe: every public method may be called from any thread (RPC
// threads do); `done` callbacks run on the worker thread and must not block
// on another job. Errors reach `done`: UNAVAILABLE when a peer cannot be
// reached or the server is shutting down, FAILED_PRECONDITION for a trust file
// that is missing, DATA_LOSS for a peer whose log does not verify.
#ifndef ARCHIVE_SERVICES_SYNC_SYNC_MANAGER_H_
#define ARCHIVE_SERVICES_SYNC_SYNC_MANAGER_H_

#include <atomic>
#include <deque>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "archive/v1/archive.pb.h"
#include "archive_config/v1/config.pb.h"
#include "clients/api/archive_client.h"
#include "storage/base/env.h"
#include "storage/db/archive.h"
#include "storage/verify/trust_store.h"
#include "storage/verify/witness_policy.h"

namespace archive {

// Reads a ServerConfig in protobuf text format through `env`; INVALID_ARGUMENT
// naming the line, or the Env's error when it cannot be read.
absl::StatusOr<archive_config::v1::ServerConfig> LoadServerConfig(
    const std::string& path, Env* env = Env::Default());

// Told the outcome of every pull (metrics). Called on the sync worker thread
// after the pull; must not block or call back into the manager.
class PullObserver {
 public:
  virtual ~PullObserver() = default;
  virtual void PullFinished(const std::string& address,
                            const absl::StatusOr<v1::SyncResponse>& result) = 0;
};

class SyncManager {
 public:
  template <typename T>
  using Done = std::function<void(absl::StatusOr<T>)>;

  // `trust_file` (may be empty) lists the verifier keys of trusted offices; it
  // is re-read before every pull, so adding an office needs no restart. The
  // archive is not owned and must outlive the manager; its Env is the
  // manager's file system and clock (pull schedules, scrub times).
  SyncManager(Archive* archive, std::string trust_file,
              archive_config::v1::ServerConfig config);
  ~SyncManager();  // stops a running pull early; it resumes next time

  // Starts the worker thread (and scheduled pulls).
  void Start();
  // `observer` (not owned, outlives the manager) is told of each pull from
  // now on; call before Start().
  void SetPullObserver(PullObserver* observer) { pull_observer_ = observer; }
  // While the archive is held after a restore (signing_hold.h), recovers its
  // missing tail from the mirrors of `peers` (HOST:PORT; none given: the
  // configured peers), first at Start() and then every `retry` until the hold
  // is lifted (log_recovery.h); scheduled pulls wait meanwhile, as they could
  // only be refused. Call before Start().
  void RecoverWhileHeld(std::vector<std::string> peers, absl::Duration retry);
  // A peer's checkpoint is pulled only with the quorum of cosignatures this
  // policy asks (archived --witness_policy). Call before Start().
  void SetWitnessPolicy(std::shared_ptr<const WitnessPolicy> policy) {
    witness_policy_ = std::move(policy);
  }
  // Queues a pull from `address`; `done` runs on the worker thread.
  void PullAsync(const std::string& address, Done<v1::SyncResponse> done);
  // Queues a scrub, repairing from configured peers and `peers` if `repair`.
  void ScrubAsync(bool repair, std::vector<std::string> peers,
                  Done<v1::ScrubResponse> done);
  // Queues a repair of one blob that failed its re-hash (say, during a get); at
  // most one queued repair per blob.
  void RequestRepair(const std::string& sha256, uint64_t size);

  // The trust the server applies now: its own key, the trust file, configured
  // peers.
  absl::StatusOr<TrustStore> CurrentTrust() const;

 private:
  void Queue(std::function<void()> job);
  // TLS files configured for the peer at `address` (none: plaintext).
  TlsFiles PeerTls(const std::string& address) const;
  // The configured peer at `address`; an empty one (plaintext, any trusted
  // origin) for an address the config does not list.
  archive_config::v1::PeerConfig ConfiguredPeer(
      const std::string& address) const;
  void WorkerLoop();
  void QueueScheduledPulls() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void QueueRecovery() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void RunRecovery();
  absl::StatusOr<v1::SyncResponse> RunPull(const std::string& address);
  // Scrubs and repairs: scrub_repair.cc.
  //
  // Calls `attempt` with a client of each of `extra_peers` and the configured
  // peers in turn until one succeeds; returns that peer's address, or
  // UNAVAILABLE naming each peer's failure.
  absl::StatusOr<std::string> FromSomePeer(
      const std::vector<std::string>& extra_peers,
      const std::function<absl::Status(ArchiveClient&)>& attempt);
  // Fetches the blob from the first peer that has intact bytes; returns its
  // address.
  absl::StatusOr<std::string> RepairBlob(
      const std::string& sha256, uint64_t size,
      const std::vector<std::string>& extra_peers);
  // Restores a damaged revision record from the first peer whose copy of its
  // statement is signed by a trusted key and is the one this log holds.
  absl::StatusOr<std::string> RepairRecord(
      uint64_t leaf_index, const std::string& revision_id,
      const std::vector<std::string>& extra_peers);
  // Damaged records first (restored, then the store rewritten and scrubbed
  // again when all were), then blobs. UNAVAILABLE or DEADLINE_EXCEEDED when
  // the blob store could not be reached: that scrub found nothing either way,
  // and is not recorded.
  absl::StatusOr<v1::ScrubResponse> RunScrub(
      bool repair, const std::vector<std::string>& peers);
  void RepairRecords(const ScrubReport& report,
                     const std::vector<std::string>& peers,
                     v1::ScrubResponse* response);
  // Keeps the scrub's outcome (after repairs) as the archive's last scrub.
  void RecordScrub(int64_t started_at, v1::ScrubResponse* response);

  Archive* archive_;
  std::string trust_file_;
  archive_config::v1::ServerConfig config_;
  std::atomic<bool> stop_{false};
  absl::Mutex mu_;
  std::deque<std::function<void()>> jobs_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, absl::Time> next_pull_ ABSL_GUARDED_BY(mu_);
  std::set<std::string> repairs_queued_ ABSL_GUARDED_BY(mu_);
  // Set by RecoverWhileHeld; next_recovery_ is InfiniteFuture when off.
  std::vector<std::string> recovery_peers_;
  absl::Duration recovery_retry_;
  absl::Time next_recovery_ ABSL_GUARDED_BY(mu_) = absl::InfiniteFuture();
  PullObserver* pull_observer_ = nullptr;
  std::shared_ptr<const WitnessPolicy> witness_policy_;
  std::thread worker_;
};

}  // namespace archive

#endif  // ARCHIVE_SERVICES_SYNC_SYNC_MANAGER_H_
