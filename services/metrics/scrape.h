// The Prometheus text exposition (format 0.0.4) of several collectables, by
// prometheus-cpp's own serializer. Thread-safe when the collectables are.
#ifndef ARCHIVE_SERVICES_METRICS_SCRAPE_H_
#define ARCHIVE_SERVICES_METRICS_SCRAPE_H_

#include <string>
#include <vector>

#include "prometheus/collectable.h"

namespace archive {

// The Content-Type of ScrapeText's output.
inline constexpr char kPrometheusTextType[] =
    "text/plain; version=0.0.4; charset=utf-8";

std::string ScrapeText(
    const std::vector<const prometheus::Collectable*>& sources);

}  // namespace archive

#endif  // ARCHIVE_SERVICES_METRICS_SCRAPE_H_
