#include "services/rpc/operations.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "services/metrics/scrape.h"
#include "storage/base/log_line.h"
#include "storage/base/this_thread.h"

namespace archive {

Operations::Operations(Archive* archive, ArchiveMetrics* metrics,
                       std::vector<const prometheus::Collectable*> sources,
                       OperationsOptions options)
    : archive_(archive),
      metrics_(metrics),
      sources_(std::move(sources)),
      options_(options) {}

Operations::~Operations() { StopMeasuring(); }

void Operations::StopMeasuring() {
  {
    absl::MutexLock lock(&mu_);
    stop_ = true;
  }
  if (measurer_.joinable()) measurer_.join();
  if (prober_.joinable()) prober_.join();
}

void Operations::AddRoutes(HttpListener* listener) {
  listener->Handle("GET", "/healthz",
                   [this](const HttpRequest&) { return Health(); });
  listener->Handle("GET", "/readyz",
                   [this](const HttpRequest&) { return Ready(); });
  listener->Handle("GET", "/metrics",
                   [this](const HttpRequest&) { return Metrics(); });
}

HttpResponse Operations::Health() const {
  HttpResponse response;
  response.body = "ok\n";
  return response;
}

HttpResponse Operations::Ready() const {
  HttpResponse response;
  std::string why;
  if (draining_) {
    why = "draining: archived is stopping";
  } else if (absl::Status s = archive_->WriteHealth(); !s.ok()) {
    why = absl::StrCat("not writable: ", s.message());
  } else if (absl::Status b = BlobStoreStatus(); !b.ok()) {
    why = absl::StrCat("blob store unreachable (",
                       archive_->blobs().backend().Describe(),
                       "): ", b.message());
  } else if (uint64_t free_bytes = metrics_->DiskFreeBytes();
             free_bytes < options_.ready_min_free_bytes) {
    why = absl::StrCat("disk nearly full: ", free_bytes,
                       " bytes free, fewer than --ready_min_free_bytes=",
                       options_.ready_min_free_bytes);
  }
  if (why.empty()) {
    response.body = "ready\n";
  } else {
    response.status = 503;
    response.body = why + "\n";
  }
  return response;
}

HttpResponse Operations::Metrics() const {
  metrics_->Refresh();
  HttpResponse response;
  response.content_type = kPrometheusTextType;
  response.body = ScrapeText(sources_);
  return response;
}

void Operations::StartMeasuring() {
  measurer_ = std::thread([this] { MeasureLoop(); });
  prober_ = std::thread([this] { ProbeLoop(); });
}

absl::Status Operations::BlobStoreStatus() const {
  absl::MutexLock lock(&mu_);
  return blob_store_;
}

bool Operations::StopWithin(absl::Duration interval) {
  absl::MutexLock lock(&mu_);
  return mu_.AwaitWithTimeout(absl::Condition(&stop_), interval);
}

void Operations::ProbeLoop() {
  NameThisThread("health-probe");
  do {
    absl::Status probe = archive_->blobs().backend().Probe();
    metrics_->SetBlobStoreReachable(probe.ok());
    absl::MutexLock lock(&mu_);
    if (probe.ok() != blob_store_.ok()) {
      LogLine(probe.ok() ? "archived: the blob store answers again"
                         : absl::StrCat("archived: the blob store cannot be "
                                        "reached: ",
                                        probe.message()),
              probe.ok() ? LogLevel::kInfo : LogLevel::kWarning);
    }
    blob_store_ = probe;
  } while (!StopWithin(options_.probe_interval));
}

void Operations::MeasureLoop() {
  NameThisThread("usage-measure");
  while (true) {
    if (absl::Status s = metrics_->MeasureUsage(); !s.ok()) {
      LogLine(absl::StrCat("archived: cannot measure the archive's usage: ",
                           s.message()),
              LogLevel::kWarning);
    }
    if (StopWithin(options_.usage_interval)) return;
  }
}

}  // namespace archive
