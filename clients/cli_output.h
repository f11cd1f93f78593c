// archivectl's output: JSON renderings of API messages (--json), the proof JSON
// of the contract, human-readable sizes, and a progress bar on stderr for large
// transfers.
#ifndef ARCHIVE_CLIENTS_CLI_OUTPUT_H_
#define ARCHIVE_CLIENTS_CLI_OUTPUT_H_

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
// terminal and the transfer is larger than a few MB.
class ProgressBar {
 public:
  ProgressBar(std::string label, uint64_t total);
  ~ProgressBar();  // ends the line
  void Update(uint64_t done);

 private:
  std::string label_;
  uint64_t total_;
  bool enabled_;
  int last_percent_ = -1;
};

}  // namespace archive

#endif  // ARCHIVE_CLIENTS_CLI_OUTPUT_H_
