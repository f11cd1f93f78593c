#include "storage/db/scrub_record.h"

#include <map>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace archive {
namespace {

// Every field as (key, signed value pointer, unsigned value pointer): one table
// drives both directions, so encoder and decoder cannot drift apart.
struct Field {
  const char* key;
  int64_t ScrubRecord::*time;
  uint64_t ScrubRecord::*count;
};

constexpr Field kFields[] = {
    {"started-at", &ScrubRecord::started_at, nullptr},
    {"finished-at", &ScrubRecord::finished_at, nullptr},
    {"revisions-checked", nullptr, &ScrubRecord::revisions_checked},
    {"blobs-checked", nullptr, &ScrubRecord::blobs_checked},
    {"bytes-checked", nullptr, &ScrubRecord::bytes_checked},
    {"damaged-blobs", nullptr, &ScrubRecord::damaged_blobs},
    {"repaired-blobs", nullptr, &ScrubRecord::repaired_blobs},
    {"log-problems", nullptr, &ScrubRecord::log_problems},
};

}  // namespace

std::string EncodeScrubRecord(const ScrubRecord& record) {
  std::string out;
  for (const Field& f : kFields) {
    if (f.time != nullptr) {
      absl::StrAppend(&out, f.key, " ", record.*f.time, "\n");
    } else {
      absl::StrAppend(&out, f.key, " ", record.*f.count, "\n");
    }
  }
  return out;
}

absl::StatusOr<ScrubRecord> DecodeScrubRecord(absl::string_view encoded) {
  std::map<std::string, std::string, std::less<>> values;
  for (absl::string_view line : absl::StrSplit(encoded, '\n')) {
    if (line.empty()) continue;
    std::pair<absl::string_view, absl::string_view> kv =
        absl::StrSplit(line, absl::MaxSplits(' ', 1));
    values[std::string(kv.first)] = std::string(kv.second);
  }
  ScrubRecord record;
  for (const Field& f : kFields) {
    auto it = values.find(f.key);
    bool ok =
        it != values.end() &&
        (f.time != nullptr ? absl::SimpleAtoi(it->second, &(record.*f.time))
                           : absl::SimpleAtoi(it->second, &(record.*f.count)));
    if (!ok) {
      return absl::DataLossError(
          absl::StrCat("the last scrub's record is damaged: field ", f.key,
                       " is missing or not a number"));
    }
  }
  return record;
}

}  // namespace archive
