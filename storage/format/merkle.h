// RFC 6962 / RFC 9162 Merkle tree hashing and proof construction.
//
// leaf hash = SHA-256(0x00 || leaf), node hash = SHA-256(0x01 || left ||
// right), and the empty tree's root is SHA-256(""). Proofs are built from
// "perfect subtree" hashes (the hash of the 2^level leaves starting at leaf
// index << level), supplied by a HashSource, so a proof costs O(log n)
// look-ups whatever the log's size. Verification lives in
// storage/verify/proof_verifier.h.
//
// The functions keep no state and do not retain `source`: they are as
// thread-safe as the HashSource they read. Errors: INVALID_ARGUMENT for a
// range or size the log cannot have (each says which); any error of the
// HashSource is returned unchanged (InMemoryHashSource: OUT_OF_RANGE).
#ifndef ARCHIVE_STORAGE_FORMAT_MERKLE_H_
#define ARCHIVE_STORAGE_FORMAT_MERKLE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace archive {

std::string MerkleLeafHash(absl::string_view leaf);  // 32 bytes
std::string MerkleNodeHash(absl::string_view left,
                           absl::string_view right);  // 32 bytes
std::string MerkleEmptyRoot();

// Supplies hashes of complete, aligned subtrees of an append-only log.
class HashSource {
 public:
  virtual ~HashSource() = default;
  // Hash of leaves [index << level, (index + 1) << level); the log must hold
  // them all.
  virtual absl::StatusOr<std::string> PerfectSubtree(int level,
                                                     uint64_t index) = 0;
};

// MTH(D[begin:end]) for any range within the log; INVALID_ARGUMENT unless
// begin < end.
absl::StatusOr<std::string> SubtreeHash(HashSource& source, uint64_t begin,
                                        uint64_t end);
// MTH of the first `size` leaves; the empty root when size == 0.
absl::StatusOr<std::string> RootHash(HashSource& source, uint64_t size);
// RFC 6962 PATH(leaf_index, D[0:tree_size]). INVALID_ARGUMENT if leaf_index >=
// tree_size.
absl::StatusOr<std::vector<std::string>> InclusionProof(HashSource& source,
                                                        uint64_t leaf_index,
                                                        uint64_t tree_size);
// RFC 6962 PROOF(old_size, D[0:new_size]). INVALID_ARGUMENT unless old_size <=
// new_size; empty when old_size is 0 or equal to new_size.
absl::StatusOr<std::vector<std::string>> ConsistencyProof(HashSource& source,
                                                          uint64_t old_size,
                                                          uint64_t new_size);

// A perfect-subtree hash completed by appending a leaf.
struct SubtreeNode {
  int level;
  uint64_t index;
  std::string hash;
};

// The perfect subtrees (level 0 = the leaf itself, then each parent it
// completes) that become defined when leaf number `leaf_index` with hash
// `leaf_hash` is appended to a log of size leaf_index. Reads only left siblings
// from `source`.
absl::StatusOr<std::vector<SubtreeNode>> NodesCompletedByAppend(
    HashSource& source, uint64_t leaf_index, absl::string_view leaf_hash);

// The root of a log built leaf by leaf, in O(log n) memory: the perfect
// subtrees its leaves fill so far (a compact range from 0). For checking a
// stream of entries against a checkpoint without keeping them. Not
// thread-safe.
class MerkleRootBuilder {
 public:
  void AppendLeafHash(absl::string_view leaf_hash);
  uint64_t size() const { return size_; }
  // RFC 6962's root of the leaves appended so far (the empty root for none).
  std::string Root() const;

 private:
  struct Subtree {
    int level;
    std::string hash;
  };
  std::vector<Subtree> subtrees_;  // left to right, levels decreasing
  uint64_t size_ = 0;
};

// A HashSource over leaf hashes held in memory; for tests and small tools.
// Not thread-safe: use from one thread, or guard it. PerfectSubtree returns
// OUT_OF_RANGE for a subtree not yet complete.
class InMemoryHashSource : public HashSource {
 public:
  void Append(absl::string_view leaf_hash);
  uint64_t size() const { return leaves_.size(); }
  absl::StatusOr<std::string> PerfectSubtree(int level,
                                             uint64_t index) override;

 private:
  std::vector<std::vector<std::string>> levels_;  // levels_[l][i]
  std::vector<std::string> leaves_;
};

}  // namespace archive

#endif  // ARCHIVE_STORAGE_FORMAT_MERKLE_H_
