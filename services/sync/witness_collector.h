// The log side of C2SP tlog-witness: archived --witnesses=FILE sends each new
// checkpoint of this archive to the witnesses listed there (other offices'
// archives, or any C2SP witness), in parallel and with timeouts, and keeps the
// cosignatures they return, so the checkpoint this archive serves
// (/log/checkpoint, GetCheckpoint, receipts) carries them.
//
// FILE: lines "witness <cosigner verifier key> <submission prefix URL>" (the
// policy file format, storage/verify/witness_policy.h, whose URL is required
// here); the request goes to <prefix>/add-checkpoint. Per witness it keeps
// the size the witness last cosigned (0 at start), sends a consistency proof
// from it, and on 409 resends from the size the witness names. A cosignature
// is kept only if it verifies with the witness's key for that very
// checkpoint, and only its line by that key: an answer with a bad one
// (another key's, a signature that does not verify, one for another
// checkpoint, malformed) is refused, stored nowhere and counted toward no
// quorum; the log says why once per cause, and a put held for the quorum
// names it. The file is read again when it changes, so a witness is added
// or removed without a restart (the current checkpoint is then sent again).
// A witness that did not cosign the current checkpoint is asked again every
// 2 s.
//
// A put is held up for witnesses only if the operator asks
// (--witness_quorum_for_ack): WhenCosigned() registers a callback, run by the
// collector's threads once a checkpoint covering the put has its quorum or
// the deadline passed, so no put ever blocks a thread while it waits.
//
// Thread-safety: thread-safe. The archive must outlive the collector. The
// destructor answers every callback still waiting (UNAVAILABLE).
#ifndef ARCHIVE_SERVICES_SYNC_WITNESS_COLLECTOR_H_
#define ARCHIVE_SERVICES_SYNC_WITNESS_COLLECTOR_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "storage/db/archive.h"
#include "storage/verify/witness_policy.h"

namespace archive {

// "http://host:port/path" split into what httplib::Client takes
// ("http://host:port") and the path without its trailing slashes; false
// without a scheme.
bool SplitHttpUrl(const std::string& url, std::string* origin,
                  std::string* path);

class WitnessCollector {
 public:
  // INVALID_ARGUMENT naming the line for a malformed file or a witness
  // without a URL; the Env's error if it cannot be read.
  static absl::StatusOr<std::unique_ptr<WitnessCollector>> Create(
      Archive* archive, const std::string& witnesses_file,
      absl::Duration timeout = absl::Seconds(5));
  ~WitnessCollector();  // stops the sender

  // Starts sending each new checkpoint (checked every 100 ms).
  void Start();

  // `note` with the cosignatures collected for it appended, if it is the
  // checkpoint they were collected for; else `note` as it is.
  std::string Cosigned(const std::string& note) const;
  // Calls `done` once a checkpoint of at least `size` entries carries
  // cosignatures from `quorum` witnesses, with that checkpoint (its note
  // carrying them); or, once `deadline` passes first, with UNAVAILABLE naming
  // the witnesses that cosigned and those that did not (with their last
  // errors). `done` runs at once on the caller's thread if the quorum is
  // already there, else on one of the collector's threads, never under its
  // lock; it must not block.
  using CosignedCallback =
      std::function<void(absl::StatusOr<SignedCheckpoint>)>;
  void WhenCosigned(uint64_t size, size_t quorum, absl::Time deadline,
                    CosignedCallback done);
  // How many witnesses the file lists now.
  size_t witness_count() const;

  // One line per witness: its name, the size it last cosigned, its last
  // error (for logs and GetArchiveInfo-like reports).
  std::vector<std::string> Describe() const;

 private:
  struct Waiter {
    uint64_t size;
    size_t quorum;
    absl::Time deadline;
    CosignedCallback done;
  };
  struct Peer {
    WitnessPolicy::Witness witness;
    uint64_t cosigned_size = 0;  // sender thread only
    std::string last_error;      // guarded by mu_
  };
  WitnessCollector(Archive* archive, std::string file, absl::Duration timeout)
      : archive_(archive), file_(std::move(file)), timeout_(timeout) {}
  // The witnesses the file lists; INVALID_ARGUMENT naming a witness without
  // a URL.
  static absl::StatusOr<std::vector<Peer>> LoadPeers(const std::string& file);
  // Reads the file again if it changed; true if the witnesses did.
  bool ReloadIfChanged();
  void Loop();
  // One round: `cp` at once to every witness not named in `signers`; adds
  // the lines collected to `lines` and their witnesses' names to `signers`.
  void SendToAll(const SignedCheckpoint& cp, std::vector<std::string>* lines,
                 std::vector<std::string>* signers);
  // The cosignature line from one witness, or why not.
  absl::StatusOr<std::string> SendTo(Peer& peer, const SignedCheckpoint& cp);
  // Records a round's outcome and answers the waiters it satisfies.
  void Publish(const SignedCheckpoint& cp, std::vector<std::string> lines,
               std::vector<std::string> signers);
  // Answers the waiters whose quorum is reached (with `now` past their
  // deadline, those that are late too); runs their callbacks unlocked.
  void AnswerWaiters(absl::Time now);
  bool Reached(const Waiter& w) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::StatusOr<SignedCheckpoint> Answer(const Waiter& w) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void ExpireLoop();

  Archive* archive_;
  std::string file_;
  int64_t file_mtime_ = -1;  // sender thread only
  std::vector<Peer> peers_;  // replaced under mu_ by the sender thread
  absl::Duration timeout_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  std::thread expirer_;  // answers late waiters, at their deadline
  mutable absl::Mutex mu_;
  SignedCheckpoint cosigned_ ABSL_GUARDED_BY(mu_);  // as the log signed it
  std::vector<std::string> lines_ ABSL_GUARDED_BY(mu_);
  std::vector<std::string> signers_ ABSL_GUARDED_BY(mu_);  // names of lines_
  std::vector<Waiter> waiters_ ABSL_GUARDED_BY(mu_);
  uint64_t waiters_added_ ABSL_GUARDED_BY(mu_) = 0;  // wakes the expirer
};

}  // namespace archive

#endif  // ARCHIVE_SERVICES_SYNC_WITNESS_COLLECTOR_H_
