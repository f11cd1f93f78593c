// Fuzzes the Merkle proof checkers (clients/proof_verifier.h) against a real
// tree: the 7-leaf log of tests/testdata/vectors extended to kLeaves leaves,
// built with InMemoryHashSource.
//
// Input layout (missing bytes read as zero):
//   byte 0      bit 0: 0 = inclusion, 1 = consistency
//               bit 1: the first hash (leaf / old root) is the real tree's,
//                      else 32 raw bytes follow the header
//               bit 2: the second hash (root / new root) is the real tree's,
//                      else 32 raw bytes follow
//               bit 3: the proof starts as the real tree's and the rest of
//                      the input is edits to it (4 bytes each), else the rest
//                      is the proof's hashes, 32 bytes each (the last may be
//                      short)
//   bytes 1-8   a: leaf index or old size, big-endian
//   bytes 9-16  b: tree size or new size, big-endian
// "The real tree's" leaf, root or proof is taken for the claimed index and
// size when the tree has them, else for those reduced into range, so the
// claims can be anything up to 2^64-1 while the hashes stay realistic.
//
// Properties: the checkers never crash; VerifyInclusion agrees with
// RootFromInclusionProof; an accepted proof against a genuine (size, root)
// pair proves only the genuine leaf (or old root), and only with the genuine
// proof; the genuine proof of genuine values is accepted.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "storage/format/merkle.h"
#include "storage/verify/proof_verifier.h"
#include "tests/fuzz/fuzz_support.h"

namespace archive {
namespace fuzz {
namespace {

// Past 64, so that sizes on both sides of a power of two up to 2^6 occur.
constexpr uint64_t kLeaves = 70;

struct Tree {
  InMemoryHashSource source;
  std::vector<std::string> leaves;  // leaf hashes
  std::vector<std::string> roots;   // roots[n] = root of the first n leaves
};

Tree& RealTree() {
  static Tree* tree = [] {
    Tree* t = new Tree;
    for (uint64_t i = 0; i < kLeaves; ++i) {
      const std::string leaf =
          i == 0 ? std::string(kStatementText) : absl::StrCat("leaf ", i, "\n");
      t->leaves.push_back(MerkleLeafHash(leaf));
      t->source.Append(t->leaves.back());
    }
    for (uint64_t n = 0; n <= kLeaves; ++n) {
      t->roots.push_back(*RootHash(t->source, n));
    }
    // The tree is the vectors' log: its root at size 7 is checkpoint-7's.
    FUZZ_CHECK(t->roots[7] == *Base64Decode(kCheckpoint7Text.substr(23, 44)),
               "tree does not match the test vectors");
    return t;
  }();
  return *tree;
}

class Reader {
 public:
  Reader(const uint8_t* data, size_t size) : data_(data), size_(size) {}
  size_t remaining() const { return size_ - pos_; }
  uint8_t Byte() { return pos_ < size_ ? data_[pos_++] : 0; }
  uint64_t BigEndian64() {
    uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v = v << 8 | Byte();
    return v;
  }
  std::string Bytes(size_t n) {
    n = std::min(n, remaining());
    std::string out(reinterpret_cast<const char*>(data_ + pos_), n);
    pos_ += n;
    return out;
  }
  std::string Hash() {
    std::string h = Bytes(32);
    h.resize(32, '\0');
    return h;
  }

 private:
  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
};

// Applies 4-byte edits (kind, which hash, position, value) to a real proof.
void ApplyEdits(Reader& in, std::vector<std::string>& proof) {
  Tree& tree = RealTree();
  while (in.remaining() > 0 && proof.size() < 100) {
    const uint8_t kind = in.Byte(), which = in.Byte(), pos = in.Byte(),
                  value = in.Byte();
    const size_t n = proof.size();
    switch (kind % 8) {
      case 0:  // flip bits in one byte
        if (n > 0 && !proof[which % n].empty()) {
          std::string& hash = proof[which % n];
          hash[pos % hash.size()] ^= static_cast<char>(value | 1);
        }
        break;
      case 1:  // drop a hash
        if (n > 0) proof.erase(proof.begin() + which % n);
        break;
      case 2:  // repeat a hash
        if (n > 0) {
          const std::string copy = proof[which % n];
          proof.insert(proof.begin() + which % n, copy);
        }
        break;
      case 3:  // swap two neighbours
        if (n > 1) std::swap(proof[which % n], proof[(which + 1) % n]);
        break;
      case 4: {  // insert a real interior node of the tree
        const int level = pos % 7;
        const uint64_t index = value % ((kLeaves >> level) + 1);
        if ((index + 1) << level <= kLeaves) {
          proof.insert(proof.begin() + which % (n + 1),
                       *tree.source.PerfectSubtree(level, index));
        }
        break;
      }
      case 5:  // cut a hash short
        if (n > 0) proof[which % n].resize(pos % 33);
        break;
      case 6:  // insert a real leaf hash
        proof.insert(proof.begin() + which % (n + 1),
                     tree.leaves[value % kLeaves]);
        break;
      case 7:  // append a made-up hash
        proof.push_back(std::string(32, static_cast<char>(value)));
        break;
    }
  }
}

std::vector<std::string> RawHashes(Reader& in) {
  std::vector<std::string> proof;
  while (in.remaining() > 0) proof.push_back(in.Bytes(32));
  return proof;
}

std::string Claims(uint64_t a, uint64_t b, const std::vector<std::string>& p) {
  return absl::StrCat("a=", a, " b=", b, " proof hashes=", p.size());
}

void CheckInclusion(Reader& in, uint8_t op, uint64_t index, uint64_t size) {
  Tree& tree = RealTree();
  const std::string leaf = op & 2 ? tree.leaves[index % kLeaves] : in.Hash();
  const std::string root =
      op & 4 ? tree.roots[size % (kLeaves + 1)] : in.Hash();
  std::vector<std::string> proof;
  if (op & 8) {
    const uint64_t real_size =
        size >= 1 && size <= kLeaves ? size : 1 + size % kLeaves;
    const uint64_t real_index = index < real_size ? index : index % real_size;
    proof = *InclusionProof(tree.source, real_index, real_size);
    ApplyEdits(in, proof);
  } else {
    proof = RawHashes(in);
  }

  const absl::Status verdict = VerifyInclusion(index, size, leaf, proof, root);
  const absl::StatusOr<std::string> computed =
      RootFromInclusionProof(index, size, leaf, proof);
  FUZZ_CHECK(verdict.ok() == (computed.ok() && *computed == root),
             verdict.ToString() + " " + Claims(index, size, proof));

  const bool genuine_root = size <= kLeaves && root == tree.roots[size];
  const bool genuine_claim =
      genuine_root && index < size && leaf == tree.leaves[index];
  if (verdict.ok()) {
    FUZZ_CHECK(index < size && proof.size() <= 64, Claims(index, size, proof));
    if (genuine_root) {
      FUZZ_CHECK(genuine_claim, "inclusion of a false leaf accepted: " +
                                    Claims(index, size, proof));
      FUZZ_CHECK(
          proof == *InclusionProof(tree.source, index, size),
          "a second inclusion proof accepted: " + Claims(index, size, proof));
    }
  } else if (genuine_claim) {
    FUZZ_CHECK(proof != *InclusionProof(tree.source, index, size),
               "genuine inclusion proof refused: " + verdict.ToString());
  }
}

void CheckConsistency(Reader& in, uint8_t op, uint64_t old_size,
                      uint64_t new_size) {
  Tree& tree = RealTree();
  const std::string old_root =
      op & 2 ? tree.roots[old_size % (kLeaves + 1)] : in.Hash();
  const std::string new_root =
      op & 4 ? tree.roots[new_size % (kLeaves + 1)] : in.Hash();
  std::vector<std::string> proof;
  if (op & 8) {
    const uint64_t real_new =
        new_size <= kLeaves ? new_size : new_size % (kLeaves + 1);
    const uint64_t real_old =
        old_size <= real_new ? old_size : old_size % (real_new + 1);
    proof = *ConsistencyProof(tree.source, real_old, real_new);
    ApplyEdits(in, proof);
  } else {
    proof = RawHashes(in);
  }

  const absl::Status verdict =
      VerifyConsistency(old_size, new_size, old_root, new_root, proof);
  const bool genuine_new =
      new_size <= kLeaves && new_root == tree.roots[new_size];
  const bool genuine_claim =
      genuine_new && old_size <= new_size && old_root == tree.roots[old_size];
  if (verdict.ok()) {
    FUZZ_CHECK(old_size <= new_size && proof.size() <= 128,
               Claims(old_size, new_size, proof));
    if (genuine_new) {
      FUZZ_CHECK(genuine_claim, "consistency with a false old root accepted: " +
                                    Claims(old_size, new_size, proof));
      FUZZ_CHECK(proof == *ConsistencyProof(tree.source, old_size, new_size),
                 "a second consistency proof accepted: " +
                     Claims(old_size, new_size, proof));
    }
  } else if (genuine_claim) {
    FUZZ_CHECK(proof != *ConsistencyProof(tree.source, old_size, new_size),
               "genuine consistency proof refused: " + verdict.ToString());
  }
}

}  // namespace
}  // namespace fuzz
}  // namespace archive

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  archive::fuzz::Reader in(data, size);
  const uint8_t op = in.Byte();
  const uint64_t a = in.BigEndian64();
  const uint64_t b = in.BigEndian64();
  if (op & 1) {
    archive::fuzz::CheckConsistency(in, op, a, b);
  } else {
    archive::fuzz::CheckInclusion(in, op, a, b);
  }
  return 0;
}
