// archivectl's output: JSON renderings of API messages (--json), the proof JSON
// of the contract, human-readable sizes, and a progress bar on stderr for large
// transfers.
//
// Thread-safe: the free functions keep no state. A ProgressBar is not: update
// it from one thread (it writes to stderr without locking).
#ifndef ARCHIVE_CLIENTS_CLI_CLI_OUTPUT_H_
#define ARCHIVE_CLIENTS_CLI_CLI_OUTPUT_H_

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "archive/v1/archive.pb.h"

namespace archive {

using Json = nlohmann::ordered_json;

Json RevisionJson(const v1::Revision& revision);
// Contract: {"leaf_index":N,"tree_size":M,"hashes":["<base64>",...]}.
Json InclusionProofJson(const v1::InclusionProof& proof);
// Contract: {"old_size":A,"new_size":B,"hashes":["<base64>",...]}.
Json ConsistencyProofJson(const v1::ConsistencyProof& proof);

std::string HumanSize(uint64_t bytes);  // "49.0 KiB"

// Draws "[=====>    ] 42% 120.0 MiB/286.1 MiB" on stderr, only when stderr is a
// terminal and the transfer is larger than `min_total` (by default a few MB).
class ProgressBar {
 public:
  static constexpr uint64_t kDefaultMinTotal = 4 << 20;
  ProgressBar(std::string label, uint64_t total,
              uint64_t min_total = kDefaultMinTotal);
  ~ProgressBar();  // ends the line
  void Update(uint64_t done);
  // Shown from the next Update on.
  void SetLabel(std::string label);
  // Erases the bar, so that a line printed now starts at the left margin; the
  // next Update draws it again.
  void Clear();

 private:
  std::string label_;
  uint64_t total_;
  bool enabled_;
  bool drawn_ = false;  // the bar is on the screen
  int last_percent_ = -1;
};

}  // namespace archive

#endif  // ARCHIVE_CLIENTS_CLI_CLI_OUTPUT_H_
