#include "services/metrics/scrape.h"

#include "prometheus/metric_family.h"
#include "prometheus/text_serializer.h"

namespace archive {

std::string ScrapeText(
    const std::vector<const prometheus::Collectable*>& sources) {
  std::vector<prometheus::MetricFamily> families;
  for (const prometheus::Collectable* source : sources) {
    std::vector<prometheus::MetricFamily> more = source->Collect();
    families.insert(families.end(), std::make_move_iterator(more.begin()),
                    std::make_move_iterator(more.end()));
  }
  return prometheus::TextSerializer().Serialize(families);
}

}  // namespace archive
