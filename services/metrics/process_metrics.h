// The process_* metrics every Prometheus client library exports (the names of
// the Go and Python clients): process_cpu_seconds_total,
// process_resident_memory_bytes, process_virtual_memory_bytes,
// process_open_fds, process_max_fds, process_start_time_seconds. Read from
// /proc/self at each scrape, so they cost nothing between scrapes; Linux only.
// Thread-safety: Collect may be called from any thread.
#ifndef ARCHIVE_SERVICES_METRICS_PROCESS_METRICS_H_
#define ARCHIVE_SERVICES_METRICS_PROCESS_METRICS_H_

#include <vector>

#include "prometheus/collectable.h"
#include "prometheus/metric_family.h"

namespace archive {

class ProcessMetrics : public prometheus::Collectable {
 public:
  std::vector<prometheus::MetricFamily> Collect() const override;
};

}  // namespace archive

#endif  // ARCHIVE_SERVICES_METRICS_PROCESS_METRICS_H_
