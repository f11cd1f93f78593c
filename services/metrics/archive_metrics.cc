#include "services/metrics/archive_metrics.h"

#include <sys/statvfs.h>

#include <utility>

#include "storage/base/build_version.h"

namespace archive {
namespace {

using prometheus::BuildCounter;
using prometheus::BuildGauge;
using prometheus::BuildHistogram;
using prometheus::Histogram;

prometheus::Family<prometheus::Gauge>& GaugeFamily(
    prometheus::Registry& registry, const std::string& name,
    const std::string& help) {
  return BuildGauge().Name(name).Help(help).Register(registry);
}

// Powers of two up to the sequencer's largest batches.
Histogram::BucketBoundaries BatchBuckets() {
  return {1, 2, 4, 8, 16, 32, 64, 128, 256, 512};
}

// From a tmpfs's microseconds to a worn disk's second.
Histogram::BucketBoundaries SyncBuckets() {
  return {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
          0.025,  0.05,    0.1,    0.25,  0.5,    1,     2.5};
}

}  // namespace

ArchiveMetrics::ArchiveMetrics(prometheus::Registry& registry,
                               std::string data_dir)
    : registry_(registry),
      data_dir_(std::move(data_dir)),
      log_size_(Gauge("archive_log_size",
                      "Entries in the archive's log (its latest checkpoint's "
                      "tree size).")),
      checkpoint_time_(Gauge("archive_checkpoint_timestamp_seconds",
                             "When the latest checkpoint was signed (Unix "
                             "time).")),
      writable_(Gauge("archive_writable",
                      "1 while the metadata store accepts writes, 0 while "
                      "they are refused (disk full, or damage that needs "
                      "--repair).")),
      held_(Gauge("archive_signing_held",
                  "1 while the archive, restored from a backup, signs "
                  "nothing until it has recovered its log's missing tail "
                  "from a peer's mirror (or its operator lifts the hold).")),
      mirror_size_(GaugeFamily(registry, "archive_mirror_size_entries",
                               "Entries of a peer's log that this archive "
                               "keeps a verbatim mirror of, by the peer's "
                               "origin.")),
      mirror_cosigned_size_(GaugeFamily(
          registry, "archive_mirror_cosigned_size",
          "The size of the newest checkpoint of a peer's log that this "
          "archive stores in full and cosigns as a C2SP tlog-mirror (served "
          "with it under /mirror/), by the peer's origin.")),
      disk_free_(Gauge("archive_disk_free_bytes",
                       "Bytes free to the archive on the data directory's "
                       "file system.")),
      disk_size_(Gauge("archive_disk_size_bytes",
                       "Size of the data directory's file system.")),
      documents_(Gauge("archive_documents", "Documents in the archive.")),
      blob_bytes_(GaugeFamily(registry, "archive_blob_bytes",
                              "Bytes of stored contents, by where they are "
                              "kept: inline (in the metadata store) or file "
                              "(in the blob backend: files under blobs/, or "
                              "objects under the --blob_store S3 prefix).")),
      blob_files_(Gauge("archive_blob_files",
                        "Contents stored in the blob backend (files, or "
                        "objects under the S3 prefix).")),
      blob_store_up_(Gauge("archive_blob_store_up",
                           "1 while the blob backend answered its last probe "
                           "(every 5 s; always 1 for files), 0 while an "
                           "object store cannot be reached.")),
      http_bytes_(prometheus::BuildCounter()
                      .Name("archive_http_bytes_total")
                      .Help("Body bytes of the HTTP listener's requests "
                            "(direction=received) and responses (sent), by "
                            "the path's first segment (route).")
                      .Register(registry)),
      batch_requests_(BuildHistogram()
                          .Name("archive_commit_batch_requests")
                          .Help("Requests (puts, imports) committed per "
                                "batch, under one fsync and one checkpoint.")
                          .Register(registry)
                          .Add({}, BatchBuckets())),
      sync_seconds_(BuildHistogram()
                        .Name("archive_commit_sync_seconds")
                        .Help("Time of each batch's synced write of the "
                              "metadata store.")
                        .Register(registry)
                        .Add({}, SyncBuckets())),
      commit_failures_(BuildCounter()
                           .Name("archive_commit_failures_total")
                           .Help("Batches whose write failed (nothing in "
                                 "them was acknowledged).")
                           .Register(registry)
                           .Add({})),
      pulls_(BuildCounter()
                 .Name("archive_sync_pulls_total")
                 .Help("Pulls from a peer, by result (ok or error).")
                 .Register(registry)),
      imported_(BuildCounter()
                    .Name("archive_sync_imported_revisions_total")
                    .Help("Revisions imported from a peer.")
                    .Register(registry)),
      lag_(GaugeFamily(registry, "archive_sync_lag_entries",
                       "Entries of the peer's log not yet imported: its size "
                       "at the last pull that reached it, less how far this "
                       "archive has imported it.")),
      last_pull_success_(
          GaugeFamily(registry, "archive_sync_last_success_timestamp_seconds",
                      "When a pull from the peer last succeeded (Unix time).")),
      scrub_time_(Gauge("archive_scrub_last_timestamp_seconds",
                        "When the last scrub finished (Unix time); 0: "
                        "never scrubbed.")),
      scrub_damaged_(Gauge("archive_scrub_damaged_blobs",
                           "Damaged contents the last scrub found.")),
      scrub_unrepaired_(Gauge("archive_scrub_unrepaired_blobs",
                              "Damaged contents the last scrub could not "
                              "repair.")),
      scrub_log_problems_(Gauge("archive_scrub_log_problems",
                                "Statements, log leaves or records that "
                                "failed the last scrub.")) {
  GaugeFamily(registry, "archive_build_info",
              "The running archived's version and commit (value 1).")
      .Add({{"version", ProjectVersion()}, {"commit", GitCommit()}})
      .Set(1);
}

prometheus::Gauge& ArchiveMetrics::Gauge(const std::string& name,
                                         const std::string& help,
                                         const prometheus::Labels& labels) {
  return GaugeFamily(registry_, name, help).Add(labels);
}

uint64_t ArchiveMetrics::DiskFreeBytes() const {
  uint64_t free_bytes = 0, size = 0;
  DiskSpace(&free_bytes, &size);
  return free_bytes;
}

bool ArchiveMetrics::DiskSpace(uint64_t* free_bytes, uint64_t* size) const {
  struct statvfs fs;
  if (::statvfs(data_dir_.c_str(), &fs) != 0) return false;
  *free_bytes = static_cast<uint64_t>(fs.f_bavail) * fs.f_frsize;
  *size = static_cast<uint64_t>(fs.f_blocks) * fs.f_frsize;
  return true;
}

void ArchiveMetrics::HttpServed(const std::string& path, uint64_t received,
                                uint64_t sent) {
  static const char* kRoutes[] = {"api",     "log",     "mirror", "witness",
                                  "metrics", "healthz", "readyz"};
  std::string first = path.substr(1, path.find('/', 1) - 1);
  std::string route = "web";
  for (const char* known : kRoutes) {
    if (first == known) route = known;
  }
  http_bytes_.Add({{"route", route}, {"direction", "received"}})
      .Increment(static_cast<double>(received));
  http_bytes_.Add({{"route", route}, {"direction", "sent"}})
      .Increment(static_cast<double>(sent));
}

void ArchiveMetrics::Refresh() {
  SignedCheckpoint cp = archive_->LatestCheckpoint();
  log_size_.Set(static_cast<double>(cp.size));
  checkpoint_time_.Set(static_cast<double>(archive_->LatestCheckpointTime()));
  writable_.Set(archive_->WriteHealth().ok() ? 1 : 0);
  held_.Set(archive_->signing_hold().has_value() ? 1 : 0);
  if (auto origins = archive_->mirrors().Origins(); origins.ok()) {
    for (const std::string& origin : *origins) {
      auto size = archive_->mirrors().Size(origin);
      if (size.ok()) {
        mirror_size_.Add({{"origin", origin}}).Set(static_cast<double>(*size));
      }
      auto covered = archive_->mirrors().Checkpoint(origin);
      if (covered.ok()) {
        mirror_cosigned_size_.Add({{"origin", origin}})
            .Set(static_cast<double>(covered->size));
      }
    }
  }
  if (uint64_t free_bytes = 0, size = 0; DiskSpace(&free_bytes, &size)) {
    disk_free_.Set(static_cast<double>(free_bytes));
    disk_size_.Set(static_cast<double>(size));
  }
  auto scrub = archive_->LastScrub();
  if (scrub.ok() && scrub->has_value()) {
    const ScrubRecord& r = **scrub;
    scrub_time_.Set(static_cast<double>(r.finished_at));
    scrub_damaged_.Set(static_cast<double>(r.damaged_blobs));
    scrub_unrepaired_.Set(
        static_cast<double>(r.damaged_blobs - r.repaired_blobs));
    scrub_log_problems_.Set(static_cast<double>(r.log_problems));
  }
  // Measured against the import cursor now, so it shrinks as imports land.
  absl::MutexLock lock(&mu_);
  for (const auto& [address, seen] : peers_) {
    auto progress = archive_->GetPeerProgress(seen.second);
    if (!progress.ok()) continue;
    double behind = seen.first > progress->next_index
                        ? static_cast<double>(seen.first - progress->next_index)
                        : 0;
    lag_.Add({{"peer", address}}).Set(behind);
  }
}

absl::Status ArchiveMetrics::MeasureUsage() {
  auto usage = archive_->MeasureUsage();
  if (!usage.ok()) return usage.status();
  documents_.Set(static_cast<double>(usage->documents));
  blob_bytes_.Add({{"store", "inline"}})
      .Set(static_cast<double>(usage->inline_blob_bytes));
  blob_bytes_.Add({{"store", "file"}})
      .Set(static_cast<double>(usage->file_blob_bytes));
  blob_files_.Set(static_cast<double>(usage->file_blobs));
  return absl::OkStatus();
}

void ArchiveMetrics::BatchCommitted(const CommittedBatch& batch) {
  batch_requests_.Observe(static_cast<double>(batch.requests));
  if (batch.sync_time > absl::ZeroDuration()) {
    sync_seconds_.Observe(absl::ToDoubleSeconds(batch.sync_time));
  }
  if (!batch.status.ok()) commit_failures_.Increment();
}

void ArchiveMetrics::PullFinished(
    const std::string& address,
    const absl::StatusOr<v1::SyncResponse>& result) {
  pulls_.Add({{"peer", address}, {"result", result.ok() ? "ok" : "error"}})
      .Increment();
  if (!result.ok()) return;
  imported_.Add({{"peer", address}})
      .Increment(static_cast<double>(result->imported()));
  last_pull_success_.Add({{"peer", address}})
      .Set(static_cast<double>(archive_->env()->NowSeconds()));
  {
    absl::MutexLock lock(&mu_);
    auto& seen = peers_[address];
    seen.first = std::max(seen.first, result->checkpoint_size());
    seen.second = result->peer_origin();
  }
  Refresh();
}

}  // namespace archive
