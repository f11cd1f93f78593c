// Runs pulls from peer archives: on demand (the Sync RPC, archivectl sync) and
// on each configured peer's schedule. Pulls run one at a time on the manager's
// own thread, so a long catch-up never holds an RPC thread and two pulls never
// race on one peer's cursor.
#ifndef ARCHIVE_SERVICES_SYNC_MANAGER_H_
#define ARCHIVE_SERVICES_SYNC_MANAGER_H_

#include <atomic>
#include <deque>
#include <functional>
#include <map>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "archive/v1/archive.pb.h"
#include "archive/v1/config.pb.h"
#include "clients/trust_store.h"
#include "storage/archive.h"

namespace archive {

// Reads a ServerConfig in protobuf text format; INVALID_ARGUMENT naming the
// line.
absl::StatusOr<v1::ServerConfig> LoadServerConfig(const std::string& path);

class SyncManager {
 public:
  using Done = std::function<void(absl::StatusOr<v1::SyncResponse>)>;

  // `trust_file` (may be empty) lists the verifier keys of trusted offices; it
  // is re-read before every pull, so adding an office needs no restart.
  SyncManager(Archive* archive, std::string trust_file,
              v1::ServerConfig config);
  ~SyncManager();  // stops a running pull early; it resumes next time

  // Starts the worker thread (and scheduled pulls).
  void Start();
  // Queues a pull from `address`; `done` runs on the worker thread.
  void PullAsync(const std::string& address, Done done);

  // The trust the server applies now: its own key, the trust file, configured
  // peers.
  absl::StatusOr<TrustStore> CurrentTrust() const;

 private:
  struct Job {
    std::string address;
    Done done;
  };
  void WorkerLoop();
  void QueueScheduledPulls() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void RunJob(const Job& job);

  Archive* archive_;
  std::string trust_file_;
  v1::ServerConfig config_;
  std::atomic<bool> stop_{false};
  absl::Mutex mu_;
  std::deque<Job> jobs_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, absl::Time> next_pull_ ABSL_GUARDED_BY(mu_);
  std::thread worker_;
};

}  // namespace archive

#endif  // ARCHIVE_SERVICES_SYNC_MANAGER_H_
