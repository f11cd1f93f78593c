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
// checkpoint. The file is read again when it changes, so a witness is added
// or removed without a restart (the current checkpoint is then sent again).
// A put is not held up for witnesses.
//
// Thread-safety: thread-safe. The archive must outlive the collector.
#ifndef ARCHIVE_SERVICES_SYNC_WITNESS_COLLECTOR_H_
#define ARCHIVE_SERVICES_SYNC_WITNESS_COLLECTOR_H_

#include <atomic>
#include <cstdint>
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
  // Waits until a checkpoint of at least `size` entries has cosignatures from
  // `quorum` witnesses, or `timeout` passes; true if it has.
  bool AwaitQuorum(uint64_t size, size_t quorum, absl::Duration timeout);

  // One line per witness: its name, the size it last cosigned, its last
  // error (for logs and GetArchiveInfo-like reports).
  std::vector<std::string> Describe() const;

 private:
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
  // One round: `cp` to every witness at once; returns the lines collected.
  std::vector<std::string> SendToAll(const SignedCheckpoint& cp);
  // The cosignature line from one witness, or why not.
  absl::StatusOr<std::string> SendTo(Peer& peer, const SignedCheckpoint& cp);

  Archive* archive_;
  std::string file_;
  int64_t file_mtime_ = -1;  // sender thread only
  std::vector<Peer> peers_;  // replaced under mu_ by the sender thread
  absl::Duration timeout_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  mutable absl::Mutex mu_;
  std::string cosigned_note_ ABSL_GUARDED_BY(mu_);  // the checkpoint's note
  std::vector<std::string> lines_ ABSL_GUARDED_BY(mu_);
  uint64_t cosigned_size_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace archive

#endif  // ARCHIVE_SERVICES_SYNC_WITNESS_COLLECTOR_H_
