// The archive's own figures for Prometheus: what it holds, how its commits
// go, how its pulls go, when it was last scrubbed, how much disk is left.
//
//   archive_log_size                       log entries (the latest checkpoint)
//   archive_checkpoint_timestamp_seconds   when that checkpoint was signed
//   archive_writable                       1 while the store accepts writes
//   archive_signing_held                   1 while restored and held (signing_
//                                          hold.h): it signs nothing
//   archive_mirror_size_entries{origin}    entries of each peer's log this
//                                          archive mirrors (peer_mirror.h)
//   archive_mirror_cosigned_size{origin}   the size of the peer's checkpoint
//                                          the mirror stores in full and
//                                          cosigns as a C2SP tlog-mirror
//   archive_disk_free_bytes, archive_disk_size_bytes   the data dir's file
//   system archive_documents, archive_blob_bytes{store="inline|file"},
//   archive_blob_files
//                                          measured every usage_interval
//   archive_commit_batch_requests          histogram: requests per batch
//   archive_commit_sync_seconds            histogram: the batch's one fsync
//   archive_commit_failures_total          batches whose write failed
//   archive_sync_pulls_total{peer,result}  result ok or error
//   archive_sync_imported_revisions_total{peer}
//   archive_sync_lag_entries{peer}         the peer's log size at the last
//                                          pull that reached it, less how far
//                                          this archive has imported it
//   archive_sync_last_success_timestamp_seconds{peer}
//   archive_scrub_last_timestamp_seconds, archive_scrub_damaged_blobs,
//   archive_scrub_unrepaired_blobs, archive_scrub_log_problems   the last scrub
//   archive_build_info{version,commit}     1
//
// Thread-safety: thread-safe. The archive (not owned) must outlive this.
#ifndef ARCHIVE_SERVICES_METRICS_ARCHIVE_METRICS_H_
#define ARCHIVE_SERVICES_METRICS_ARCHIVE_METRICS_H_

#include <map>
#include <string>

#include "absl/synchronization/mutex.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"
#include "services/sync/sync_manager.h"
#include "storage/db/archive.h"
#include "storage/db/commit_observer.h"

namespace archive {

class ArchiveMetrics : public CommitObserver, public PullObserver {
 public:
  // Registers the families in `registry`, which must outlive this.
  ArchiveMetrics(prometheus::Registry& registry, std::string data_dir);

  // The archive to read from; call once, before the first Refresh.
  void set_archive(Archive* archive) { archive_ = archive; }

  // Reads the cheap figures (log size, checkpoint time, writability, disk,
  // last scrub): called before each scrape.
  void Refresh();
  // Counts documents and blob bytes (Archive::MeasureUsage: a pass over the
  // archive); for a background thread. Returns the measurement's status.
  absl::Status MeasureUsage();

  // Counts an HTTP request's body bytes and its response's, under
  // archive_http_bytes_total{route, direction}; route is the path's first
  // segment (api, log, mirror, witness, metrics, ...; "web" for the rest).
  void HttpServed(const std::string& path, uint64_t received, uint64_t sent);

  // Whether the blob backend answered its last probe (Operations probes it).
  void SetBlobStoreReachable(bool up) { blob_store_up_.Set(up ? 1 : 0); }

  // The data dir's file system's free bytes; 0 if it cannot be read.
  uint64_t DiskFreeBytes() const;
  // Free and total bytes of the data dir's file system; false if unreadable.
  bool DiskSpace(uint64_t* free_bytes, uint64_t* size) const;

  void BatchCommitted(const CommittedBatch& batch) override;
  void PullFinished(const std::string& address,
                    const absl::StatusOr<v1::SyncResponse>& result) override;

 private:
  prometheus::Gauge& Gauge(const std::string& name, const std::string& help,
                           const prometheus::Labels& labels = {});

  prometheus::Registry& registry_;
  const std::string data_dir_;
  Archive* archive_ = nullptr;

  prometheus::Gauge& log_size_;
  prometheus::Gauge& checkpoint_time_;
  prometheus::Gauge& writable_;
  prometheus::Gauge& held_;
  prometheus::Family<prometheus::Gauge>& mirror_size_;
  prometheus::Family<prometheus::Gauge>& mirror_cosigned_size_;
  prometheus::Gauge& disk_free_;
  prometheus::Gauge& disk_size_;
  prometheus::Gauge& documents_;
  prometheus::Family<prometheus::Gauge>& blob_bytes_;
  prometheus::Gauge& blob_files_;
  prometheus::Gauge& blob_store_up_;
  prometheus::Family<prometheus::Counter>& http_bytes_;
  prometheus::Histogram& batch_requests_;
  prometheus::Histogram& sync_seconds_;
  prometheus::Counter& commit_failures_;
  prometheus::Family<prometheus::Counter>& pulls_;
  prometheus::Family<prometheus::Counter>& imported_;
  prometheus::Family<prometheus::Gauge>& lag_;
  prometheus::Family<prometheus::Gauge>& last_pull_success_;
  prometheus::Gauge& scrub_time_;
  prometheus::Gauge& scrub_damaged_;
  prometheus::Gauge& scrub_unrepaired_;
  prometheus::Gauge& scrub_log_problems_;

  absl::Mutex mu_;
  // Per peer address: the largest log size seen there and its origin.
  std::map<std::string, std::pair<uint64_t, std::string>> peers_
      ABSL_GUARDED_BY(mu_);
};

}  // namespace archive

#endif  // ARCHIVE_SERVICES_METRICS_ARCHIVE_METRICS_H_
