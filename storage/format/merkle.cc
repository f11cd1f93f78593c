#include "storage/format/merkle.h"

#include <algorithm>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "storage/base/sha256.h"

namespace archive {
namespace {

// The largest power of two strictly below n (n >= 2): RFC 6962's split point k.
uint64_t SplitPoint(uint64_t n) {
  uint64_t k = 1;
  while (k < n - k) k <<= 1;
  return k;
}

bool IsPowerOfTwo(uint64_t n) { return n != 0 && (n & (n - 1)) == 0; }

int Log2(uint64_t power_of_two) {
  int level = 0;
  while ((uint64_t{1} << level) < power_of_two) ++level;
  return level;
}

// [begin, end) is one node of the log's own tree: a power of two, aligned to
// its size.
bool IsPerfectAligned(uint64_t begin, uint64_t end) {
  uint64_t size = end - begin;
  return IsPowerOfTwo(size) && begin % size == 0;
}

absl::StatusOr<std::string> LookUpPerfect(HashSource& source, uint64_t begin,
                                          uint64_t end) {
  uint64_t size = end - begin;
  return source.PerfectSubtree(Log2(size), begin / size);
}

}  // namespace

std::string MerkleLeafHash(absl::string_view leaf) {
  Sha256 h;
  h.Update(absl::string_view("\x00", 1));
  h.Update(leaf);
  return h.Finish();
}

std::string MerkleNodeHash(absl::string_view left, absl::string_view right) {
  Sha256 h;
  h.Update("\x01");
  h.Update(left);
  h.Update(right);
  return h.Finish();
}

std::string MerkleEmptyRoot() { return Sha256::Digest(""); }

// Follows MTH's recursion, but any piece that is a node of the log's tree is
// one look-up. Ranges used by proofs start at a multiple of a power of two at
// least their size, so every left piece is such a node and the cost is O(log
// n); an arbitrary unaligned range may cost up to O(n) look-ups.
absl::StatusOr<std::string> SubtreeHash(HashSource& source, uint64_t begin,
                                        uint64_t end) {
  if (begin >= end) {
    return absl::InvalidArgumentError(
        absl::StrCat("empty subtree range [", begin, ", ", end, ")"));
  }
  if (IsPerfectAligned(begin, end)) return LookUpPerfect(source, begin, end);
  uint64_t mid = begin + SplitPoint(end - begin);
  absl::StatusOr<std::string> left = SubtreeHash(source, begin, mid);
  if (!left.ok()) return left.status();
  absl::StatusOr<std::string> right = SubtreeHash(source, mid, end);
  if (!right.ok()) return right.status();
  return MerkleNodeHash(*left, *right);
}

absl::StatusOr<std::string> RootHash(HashSource& source, uint64_t size) {
  if (size == 0) return MerkleEmptyRoot();
  return SubtreeHash(source, 0, size);
}

// PATH's recursion unrolled top-down. The sibling of the first left turn may be
// a ragged right edge; below that turn every range is perfect, so each sibling
// is one look-up. The RFC lists the deepest sibling first, hence the final
// reversal.
absl::StatusOr<std::vector<std::string>> InclusionProof(HashSource& source,
                                                        uint64_t leaf_index,
                                                        uint64_t tree_size) {
  if (leaf_index >= tree_size) {
    return absl::InvalidArgumentError(absl::StrCat(
        "leaf index ", leaf_index, " is not below tree size ", tree_size));
  }
  std::vector<std::string> proof;
  uint64_t begin = 0, end = tree_size;
  while (end - begin > 1) {
    uint64_t mid = begin + SplitPoint(end - begin);
    absl::StatusOr<std::string> sibling = leaf_index < mid
                                              ? SubtreeHash(source, mid, end)
                                              : SubtreeHash(source, begin, mid);
    if (!sibling.ok()) return sibling.status();
    proof.push_back(*std::move(sibling));
    (leaf_index < mid ? end : begin) = mid;
  }
  std::reverse(proof.begin(), proof.end());
  return proof;
}

// SUBPROOF's recursion unrolled top-down, collected in reverse like
// InclusionProof. `known` is SUBPROOF's flag b: whether the verifier already
// holds the current range's hash (true only while the range still is a prefix
// of the old tree's root).
absl::StatusOr<std::vector<std::string>> ConsistencyProof(HashSource& source,
                                                          uint64_t old_size,
                                                          uint64_t new_size) {
  if (old_size > new_size) {
    return absl::InvalidArgumentError(absl::StrCat(
        "old size ", old_size, " is larger than new size ", new_size));
  }
  std::vector<std::string> proof;
  if (old_size == 0 || old_size == new_size) return proof;
  uint64_t begin = 0, end = new_size;
  bool known = true;
  while (old_size != end) {
    uint64_t mid = begin + SplitPoint(end - begin);
    bool go_left = old_size <= mid;
    absl::StatusOr<std::string> sibling = go_left
                                              ? SubtreeHash(source, mid, end)
                                              : SubtreeHash(source, begin, mid);
    if (!sibling.ok()) return sibling.status();
    proof.push_back(*std::move(sibling));
    (go_left ? end : begin) = mid;
    if (!go_left) known = false;
  }
  if (!known) {
    absl::StatusOr<std::string> old_piece = SubtreeHash(source, begin, end);
    if (!old_piece.ok()) return old_piece.status();
    proof.push_back(*std::move(old_piece));
  }
  std::reverse(proof.begin(), proof.end());
  return proof;
}

absl::StatusOr<std::vector<SubtreeNode>> NodesCompletedByAppend(
    HashSource& source, uint64_t leaf_index, absl::string_view leaf_hash) {
  std::vector<SubtreeNode> nodes;
  nodes.push_back({0, leaf_index, std::string(leaf_hash)});
  // A node with an odd index is a right child: its arrival completes its
  // parent.
  while (nodes.back().index % 2 == 1) {
    const SubtreeNode& child = nodes.back();
    absl::StatusOr<std::string> left =
        source.PerfectSubtree(child.level, child.index - 1);
    if (!left.ok()) return left.status();
    SubtreeNode parent{child.level + 1, child.index / 2,
                       MerkleNodeHash(*left, child.hash)};
    nodes.push_back(std::move(parent));
  }
  return nodes;
}

void InMemoryHashSource::Append(absl::string_view leaf_hash) {
  absl::StatusOr<std::vector<SubtreeNode>> nodes =
      NodesCompletedByAppend(*this, leaves_.size(), leaf_hash);
  // Every left sibling it reads was stored by an earlier Append, so this cannot
  // fail.
  for (SubtreeNode& node : *nodes) {
    if (levels_.size() <= static_cast<size_t>(node.level)) {
      levels_.emplace_back();
    }
    levels_[node.level].push_back(std::move(node.hash));
  }
  leaves_.emplace_back(leaf_hash);
}

absl::StatusOr<std::string> InMemoryHashSource::PerfectSubtree(int level,
                                                               uint64_t index) {
  if (level < 0 || static_cast<size_t>(level) >= levels_.size() ||
      index >= levels_[level].size()) {
    return absl::OutOfRangeError(
        absl::StrCat("no perfect subtree at level ", level, " index ", index,
                     " in a log of ", leaves_.size(), " leaves"));
  }
  return levels_[level][index];
}

void MerkleRootBuilder::AppendLeafHash(absl::string_view leaf_hash) {
  subtrees_.push_back(Subtree{0, std::string(leaf_hash)});
  ++size_;
  // Two neighbours of one height are the halves of a complete parent.
  while (subtrees_.size() >= 2 &&
         subtrees_[subtrees_.size() - 2].level == subtrees_.back().level) {
    Subtree right = std::move(subtrees_.back());
    subtrees_.pop_back();
    Subtree& left = subtrees_.back();
    left.hash = MerkleNodeHash(left.hash, right.hash);
    left.level++;
  }
}

std::string MerkleRootBuilder::Root() const {
  if (subtrees_.empty()) return MerkleEmptyRoot();
  // RFC 6962 splits at the largest power of two: the left subtrees are
  // complete, so the root folds them in from the right.
  std::string root = subtrees_.back().hash;
  for (size_t i = subtrees_.size() - 1; i-- > 0;) {
    root = MerkleNodeHash(subtrees_[i].hash, root);
  }
  return root;
}

}  // namespace archive
