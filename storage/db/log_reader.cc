#include "storage/db/log_reader.h"

#include "absl/strings/str_cat.h"
#include "storage/base/error_detail.h"
#include "storage/format/merkle.h"

namespace archive {

LogReader::LogReader(std::string origin, SignedCheckpoint checkpoint,
                     std::shared_ptr<MerkleLog> tree, IdReader ids,
                     RevisionReader revisions)
    : origin_(std::move(origin)),
      checkpoint_(std::move(checkpoint)),
      tree_(std::move(tree)),
      ids_(std::move(ids)),
      revisions_(std::move(revisions)) {}

absl::Status LogReader::CheckSize(uint64_t size) const {
  if (size <= checkpoint_.size) return absl::OkStatus();
  return WithReason(
      absl::OutOfRangeError(absl::StrCat("tree size ", size,
                                         " is beyond the latest checkpoint (",
                                         checkpoint_.size, ") of ", origin_)),
      kReasonTreeBeyondCheckpoint,
      {{"latest", absl::StrCat(checkpoint_.size)}});
}

absl::StatusOr<std::vector<StoredRevision>> LogReader::Entries(uint64_t start,
                                                               uint64_t count) {
  if (start >= checkpoint_.size) return std::vector<StoredRevision>();
  count = std::min(count, checkpoint_.size - start);
  auto ids = ids_(start, count);
  if (!ids.ok()) return ids.status();
  if (ids->size() != count) {
    return absl::DataLossError(
        absl::StrCat("the log of ", origin_, " has ", ids->size(), " of the ",
                     count, " entries from ", start, " its checkpoint covers"));
  }
  std::vector<StoredRevision> out;
  out.reserve(ids->size());
  for (const std::string& id : *ids) {
    auto r = revisions_(id);
    if (!r.ok()) return r.status();
    out.push_back(std::move(*r));
  }
  return out;
}

absl::StatusOr<std::vector<std::string>> LogReader::SignedStatements(
    uint64_t start, uint64_t count) {
  auto revisions = Entries(start, count);
  if (!revisions.ok()) return revisions.status();
  std::vector<std::string> out;
  for (StoredRevision& r : *revisions)
    out.push_back(std::move(r.signed_statement));
  return out;
}

absl::StatusOr<std::vector<std::string>> LogReader::Leaves(uint64_t start,
                                                           uint64_t count) {
  auto revisions = Entries(start, count);
  if (!revisions.ok()) return revisions.status();
  std::vector<std::string> out;
  for (StoredRevision& r : *revisions)
    out.push_back(std::move(r.statement_text));
  return out;
}

absl::StatusOr<std::vector<std::string>> LogReader::Inclusion(uint64_t leaf,
                                                              uint64_t size) {
  if (absl::Status s = CheckSize(size); !s.ok()) return s;
  if (leaf >= size) {
    return absl::InvalidArgumentError(
        absl::StrCat("leaf ", leaf, " is not in a tree of size ", size));
  }
  return InclusionProof(*tree_, leaf, size);
}

absl::StatusOr<std::vector<std::string>> LogReader::Consistency(
    uint64_t old_size, uint64_t new_size) {
  if (absl::Status s = CheckSize(new_size); !s.ok()) return s;
  if (old_size > new_size) {
    return absl::InvalidArgumentError(absl::StrCat(
        "old size ", old_size, " is larger than new size ", new_size));
  }
  return ConsistencyProof(*tree_, old_size, new_size);
}

}  // namespace archive
