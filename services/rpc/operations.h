// What an operator's tools ask of archived over HTTP: /healthz (the process
// answers), /readyz (it can take writes: store open and writable, not
// draining, disk not nearly full) and /metrics (Prometheus text), plus the
// background measurement of what the archive holds.
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
};

class Operations {
 public:
  Operations(Archive* archive, ArchiveMetrics* metrics,
             std::vector<const prometheus::Collectable*> sources,
             OperationsOptions options);
  ~Operations();  // StopMeasuring()

  // Adds /healthz, /readyz and /metrics to `listener`.
  void AddRoutes(HttpListener* listener);
  // Measures usage now, then every usage_interval on a thread of its own.
  void StartMeasuring();
  // Ends the measuring thread (before the archive closes). Idempotent.
  void StopMeasuring();
  // From now on /readyz answers 503 "draining" (archived got SIGTERM).
  void SetDraining() { draining_ = true; }

  HttpResponse Health() const;
  HttpResponse Ready() const;
  HttpResponse Metrics() const;

 private:
  void MeasureLoop();

  Archive* const archive_;
  ArchiveMetrics* const metrics_;
  const std::vector<const prometheus::Collectable*> sources_;
  const OperationsOptions options_;
  std::atomic<bool> draining_{false};
  absl::Mutex mu_;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  std::thread measurer_;
};

}  // namespace archive

#endif  // ARCHIVE_SERVICES_RPC_OPERATIONS_H_
