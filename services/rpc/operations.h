// What an operator's tools ask of archived over HTTP: /healthz (the process
// answers), /readyz (it can take writes: store open and writable, blob store
// reachable, not draining, disk not nearly full) and /metrics (Prometheus
// text), plus the background measurement of what the archive holds and the
// background probe of its blob store (an object store may be down while
// archived runs; /readyz answers from the last probe, never waiting on one).
//
// Thread-safety: thread-safe. The archive, the metrics and the collectables
// are not owned and must outlive this.
#ifndef ARCHIVE_SERVICES_RPC_OPERATIONS_H_
#define ARCHIVE_SERVICES_RPC_OPERATIONS_H_

#include <atomic>
#include <cstdint>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "prometheus/collectable.h"
#include "services/http/http_listener.h"
#include "services/metrics/archive_metrics.h"
#include "storage/db/archive.h"

namespace archive {

struct OperationsOptions {
  // /readyz fails below this many free bytes on the data directory's disk.
  uint64_t ready_min_free_bytes = 64ULL << 20;
  // How often archive_documents and archive_blob_bytes are measured.
  absl::Duration usage_interval = absl::Seconds(60);
  // How often the blob store is probed (BlobBackend::Probe).
  absl::Duration probe_interval = absl::Seconds(5);
};

class Operations {
 public:
  Operations(Archive* archive, ArchiveMetrics* metrics,
             std::vector<const prometheus::Collectable*> sources,
             OperationsOptions options);
  ~Operations();  // StopMeasuring()

  // Adds /healthz, /readyz and /metrics to `listener`.
  void AddRoutes(HttpListener* listener);
  // Measures usage now, then every usage_interval, and probes the blob store
  // now, then every probe_interval, each on a thread of its own.
  void StartMeasuring();
  // Ends both threads (before the archive closes). Idempotent.
  void StopMeasuring();
  // From now on /readyz answers 503 "draining" (archived got SIGTERM).
  void SetDraining() { draining_ = true; }

  HttpResponse Health() const;
  HttpResponse Ready() const;
  // The last blob store probe's answer (OK before the first).
  absl::Status BlobStoreStatus() const;
  HttpResponse Metrics() const;

 private:
  void MeasureLoop();
  void ProbeLoop();
  // Waits `interval` or until StopMeasuring; true if stopping.
  bool StopWithin(absl::Duration interval);

  Archive* const archive_;
  ArchiveMetrics* const metrics_;
  const std::vector<const prometheus::Collectable*> sources_;
  const OperationsOptions options_;
  std::atomic<bool> draining_{false};
  mutable absl::Mutex mu_;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  // The last probe's answer; OK until the first probe says otherwise.
  absl::Status blob_store_ ABSL_GUARDED_BY(mu_);
  std::thread measurer_;
  std::thread prober_;
};

}  // namespace archive

#endif  // ARCHIVE_SERVICES_RPC_OPERATIONS_H_
