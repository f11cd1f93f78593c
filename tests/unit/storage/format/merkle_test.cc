// Merkle hashing and proofs: known answers from the shared vectors, and for
// every tree of 1..64 leaves, agreement with a literal transcription of RFC
// 6962's definitions.
#include "storage/format/merkle.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "storage/base/hex.h"
#include "storage/base/sha256.h"
#include "storage/verify/proof_verifier.h"
#include "tests/unit/test_files.h"

namespace archive {
namespace {

using ::archive::testing::VectorFile;

constexpr int kMaxLeaves = 64;

// --- RFC 6962 section 2.1, written out as the RFC states it
// ---------------------------- Deliberately naive: slices and recursion,
// hashing with Sha256 directly, so it shares nothing with the production code
// but the SHA-256 primitive.

using Leaves = std::vector<std::string>;  // D[0:n], the leaf data

std::string RefLeafHash(const std::string& d) {
  return Sha256::Digest(std::string(1, '\0') + d);
}
std::string RefNodeHash(const std::string& l, const std::string& r) {
  return Sha256::Digest("\x01" + l + r);
}

Leaves Slice(const Leaves& d, size_t begin, size_t end) {
  return Leaves(d.begin() + begin, d.begin() + end);
}

// The largest power of two smaller than n.
size_t RefSplit(size_t n) {
  size_t k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

std::string Mth(const Leaves& d) {
  if (d.empty()) return Sha256::Digest("");
  if (d.size() == 1) return RefLeafHash(d[0]);
  size_t k = RefSplit(d.size());
  return RefNodeHash(Mth(Slice(d, 0, k)), Mth(Slice(d, k, d.size())));
}

std::vector<std::string> Path(size_t m, const Leaves& d) {
  if (d.size() <= 1) return {};
  size_t k = RefSplit(d.size());
  std::vector<std::string> out;
  if (m < k) {
    out = Path(m, Slice(d, 0, k));
    out.push_back(Mth(Slice(d, k, d.size())));
  } else {
    out = Path(m - k, Slice(d, k, d.size()));
    out.push_back(Mth(Slice(d, 0, k)));
  }
  return out;
}

std::vector<std::string> Subproof(size_t m, const Leaves& d, bool b) {
  if (m == d.size()) {
    if (b) return {};
    return {Mth(d)};
  }
  size_t k = RefSplit(d.size());
  std::vector<std::string> out;
  if (m <= k) {
    out = Subproof(m, Slice(d, 0, k), b);
    out.push_back(Mth(Slice(d, k, d.size())));
  } else {
    out = Subproof(m - k, Slice(d, k, d.size()), false);
    out.push_back(Mth(Slice(d, 0, k)));
  }
  return out;
}

std::vector<std::string> Proof(size_t m, const Leaves& d) {
  // The RFC defines PROOF for 0 < m only; from the empty tree there is nothing
  // to prove.
  if (m == 0) return {};
  return Subproof(m, d, true);
}

// --- Fixtures
// -----------------------------------------------------------------------------

Leaves TestLeaves(int n) {
  Leaves d;
  for (int i = 0; i < n; ++i) d.push_back("leaf " + std::to_string(i));
  return d;
}

InMemoryHashSource SourceOf(const Leaves& d) {
  InMemoryHashSource source;
  for (const std::string& leaf : d) source.Append(MerkleLeafHash(leaf));
  return source;
}

// Counts look-ups, to hold proofs to their O(log n) promise.
class CountingSource : public HashSource {
 public:
  explicit CountingSource(HashSource& inner) : inner_(inner) {}
  absl::StatusOr<std::string> PerfectSubtree(int level,
                                             uint64_t index) override {
    ++lookups;
    return inner_.PerfectSubtree(level, index);
  }
  int lookups = 0;

 private:
  HashSource& inner_;
};

std::string FlipBit(std::string s, size_t byte) {
  s[byte % s.size()] ^= 0x01;
  return s;
}

// --- Known answers
// ------------------------------------------------------------------------

TEST(MerkleTest, EmptyTreeRootIsSha256OfNothing) {
  EXPECT_EQ(ToHex(MerkleEmptyRoot()),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  InMemoryHashSource empty;
  absl::StatusOr<std::string> root = RootHash(empty, 0);
  ASSERT_TRUE(root.ok()) << root.status();
  EXPECT_EQ(*root, MerkleEmptyRoot());
}

// Values from testvectors/summary.json.
const char* const kLeafHashes[] = {
    "zBN4kWha8fD5Fh+seyiwVKcadmeFHGvdvaetBh0/l+Y=",
    "zgwNB1fYmwMC6+NHMXeGpcxPtEGEZMpoDZKnDZaT/fo=",
    "+UScBh/GBmkGM/4rLjLSdeLpqCP+fZR5C43FLO5DirM=",
    "dJHdX5GEkQAsjSgyuNDfH4c2te0L2f2gDqQSpvLCk7c=",
    "chKEuPJdsp85QeT3AjknPADtx3SN8nD3d8TglWkNubQ=",
    "xBEohTPPKmryruCzRUFlA7et10/1f6DlpH2pPy2qoU0=",
    "ePYYX6XQ4wJMIV6BpeKb1kHPn9upptfyDFuj57vl2Y8=",
};
const char* const kRootsBySize[] = {
    nullptr,
    "zBN4kWha8fD5Fh+seyiwVKcadmeFHGvdvaetBh0/l+Y=",
    "JeYpEFAVKFVAVXYzwfwWNI1+zeVSoX6lJh6BvfgHyak=",
    "dA+ucIR1ZO6pb5PvMwq2zaXN0rnSuTfMo1cPVezj4hU=",
    "iUy56nOIYTKG36bn30oVdUYiGSTy4HSlkzheLbf9zRQ=",
    "fkLfze9h+r51JxDTme3CynS7fbNxpftenmH5yoRsNLA=",
    "juWvb+EVy3R8nZTuqlxdVmPSOzCxz6W/7OdkDZpYrS4=",
    "U/VMJgt70moF/X/efDhoEaY9u6DnEFcN9rEYMW/wea8=",
};

TEST(MerkleTest, SummaryIsWhatTheTestHardCodes) {
  std::string summary = VectorFile("summary.json");
  for (const char* hash : kLeafHashes) {
    EXPECT_NE(summary.find(hash), std::string::npos) << hash;
  }
  for (int size = 1; size <= 7; ++size) {
    std::string entry =
        "\"" + std::to_string(size) + "\": \"" + kRootsBySize[size] + "\"";
    EXPECT_NE(summary.find(entry), std::string::npos) << entry;
  }
}

TEST(MerkleTest, KnownLeafHashesAndRoots) {
  InMemoryHashSource source;
  for (int i = 0; i < 7; ++i) {
    std::string leaf = VectorFile("leaf-" + std::to_string(i) + ".txt");
    std::string hash = MerkleLeafHash(leaf);
    EXPECT_EQ(Base64Encode(hash), kLeafHashes[i]) << "leaf " << i;
    source.Append(hash);
    absl::StatusOr<std::string> root = RootHash(source, i + 1);
    ASSERT_TRUE(root.ok()) << root.status();
    EXPECT_EQ(Base64Encode(*root), kRootsBySize[i + 1]) << "size " << i + 1;
  }
}

TEST(MerkleTest, StatementIsLeafZero) {
  EXPECT_EQ(VectorFile("leaf-0.txt"), VectorFile("statement.txt"));
}

// --- Agreement with the RFC for every small tree
// ------------------------------------------

TEST(MerkleTest, RootsMatchRfcForAllSizes) {
  Leaves all = TestLeaves(kMaxLeaves);
  InMemoryHashSource source = SourceOf(all);
  for (int n = 0; n <= kMaxLeaves; ++n) {
    absl::StatusOr<std::string> root = RootHash(source, n);
    ASSERT_TRUE(root.ok()) << root.status();
    EXPECT_EQ(*root, Mth(Slice(all, 0, n))) << "size " << n;
  }
}

TEST(MerkleTest, SubtreeHashMatchesRfcForAnyRange) {
  Leaves all = TestLeaves(20);
  InMemoryHashSource source = SourceOf(all);
  for (size_t begin = 0; begin < all.size(); ++begin) {
    for (size_t end = begin + 1; end <= all.size(); ++end) {
      absl::StatusOr<std::string> hash = SubtreeHash(source, begin, end);
      ASSERT_TRUE(hash.ok()) << hash.status();
      EXPECT_EQ(*hash, Mth(Slice(all, begin, end))) << begin << ".." << end;
    }
  }
}

TEST(MerkleTest, InclusionProofsMatchRfcAndVerify) {
  Leaves all = TestLeaves(kMaxLeaves);
  InMemoryHashSource source = SourceOf(all);
  for (size_t n = 1; n <= all.size(); ++n) {
    Leaves d = Slice(all, 0, n);
    std::string root = Mth(d);
    for (size_t m = 0; m < n; ++m) {
      absl::StatusOr<std::vector<std::string>> proof =
          InclusionProof(source, m, n);
      ASSERT_TRUE(proof.ok()) << proof.status();
      EXPECT_EQ(*proof, Path(m, d)) << "leaf " << m << " of " << n;
      EXPECT_TRUE(VerifyInclusion(m, n, RefLeafHash(d[m]), *proof, root).ok())
          << "leaf " << m << " of " << n;
    }
  }
}

TEST(MerkleTest, ConsistencyProofsMatchRfcAndVerify) {
  Leaves all = TestLeaves(kMaxLeaves);
  InMemoryHashSource source = SourceOf(all);
  for (size_t n = 1; n <= all.size(); ++n) {
    Leaves d = Slice(all, 0, n);
    for (size_t m = 0; m <= n; ++m) {
      absl::StatusOr<std::vector<std::string>> proof =
          ConsistencyProof(source, m, n);
      ASSERT_TRUE(proof.ok()) << proof.status();
      EXPECT_EQ(*proof, Proof(m, d)) << m << " -> " << n;
      absl::Status ok =
          VerifyConsistency(m, n, Mth(Slice(d, 0, m)), Mth(d), *proof);
      EXPECT_TRUE(ok.ok()) << m << " -> " << n << ": " << ok;
    }
  }
}

// --- Tampering
// ----------------------------------------------------------------------------

TEST(MerkleTest, TamperedInclusionProofsFail) {
  Leaves all = TestLeaves(kMaxLeaves + 1);
  std::vector<std::string> roots;
  for (size_t n = 0; n <= all.size(); ++n)
    roots.push_back(Mth(Slice(all, 0, n)));
  for (size_t n = 1; n <= kMaxLeaves; ++n) {
    for (size_t m = 0; m < n; ++m) {
      const std::vector<std::string> proof = Path(m, Slice(all, 0, n));
      const std::string leaf = RefLeafHash(all[m]);
      SCOPED_TRACE("leaf " + std::to_string(m) + " of " + std::to_string(n));
      for (size_t i = 0; i < proof.size(); ++i) {
        std::vector<std::string> bad = proof;
        bad[i] = FlipBit(bad[i], i + m);
        EXPECT_FALSE(VerifyInclusion(m, n, leaf, bad, roots[n]).ok())
            << "hash " << i;
      }
      EXPECT_FALSE(
          VerifyInclusion(m, n, FlipBit(leaf, m), proof, roots[n]).ok());
      EXPECT_FALSE(
          VerifyInclusion(m, n, leaf, proof, FlipBit(roots[n], n)).ok());
      for (size_t other : {m + 1, m - 1}) {
        if (other >= n) continue;
        EXPECT_FALSE(VerifyInclusion(other, n, leaf, proof, roots[n]).ok());
      }
      EXPECT_FALSE(VerifyInclusion(m, m, leaf, proof, roots[m]).ok());
      // Leaf m is in the trees of these sizes too: the proof must be theirs to
      // pass.
      for (size_t size : {n - 1, n + 1}) {
        if (m >= size) continue;
        bool same_proof = Path(m, Slice(all, 0, size)) == proof;
        EXPECT_EQ(VerifyInclusion(m, size, leaf, proof, roots[size]).ok(),
                  same_proof)
            << "size " << size;
      }
      std::vector<std::string> longer = proof;
      longer.push_back(roots[n]);
      EXPECT_FALSE(VerifyInclusion(m, n, leaf, longer, roots[n]).ok());
      if (!proof.empty()) {
        EXPECT_FALSE(VerifyInclusion(m, n, leaf,
                                     Slice(proof, 0, proof.size() - 1),
                                     roots[n])
                         .ok());
        EXPECT_FALSE(
            VerifyInclusion(m, n, leaf, Slice(proof, 1, proof.size()), roots[n])
                .ok());
      }
    }
  }
}

TEST(MerkleTest, TamperedConsistencyProofsFail) {
  Leaves all = TestLeaves(kMaxLeaves + 1);
  std::vector<std::string> roots;
  for (size_t n = 0; n <= all.size(); ++n)
    roots.push_back(Mth(Slice(all, 0, n)));
  for (size_t n = 1; n <= kMaxLeaves; ++n) {
    for (size_t m = 0; m <= n; ++m) {
      const std::vector<std::string> proof = Proof(m, Slice(all, 0, n));
      SCOPED_TRACE(std::to_string(m) + " -> " + std::to_string(n));
      for (size_t i = 0; i < proof.size(); ++i) {
        std::vector<std::string> bad = proof;
        bad[i] = FlipBit(bad[i], i + n);
        EXPECT_FALSE(VerifyConsistency(m, n, roots[m], roots[n], bad).ok())
            << "hash " << i;
      }
      EXPECT_FALSE(
          VerifyConsistency(m, n, FlipBit(roots[m], 3), roots[n], proof).ok());
      if (m != 0 && m != n) {
        // Nothing proves anything about the new root when the old tree is
        // empty; when m == n it is the old root, whose flip is checked above.
        EXPECT_FALSE(
            VerifyConsistency(m, n, roots[m], FlipBit(roots[n], 5), proof)
                .ok());
      }
      // Every prefix is consistent with every longer one, so a neighbouring
      // pair of sizes is a true claim: the proof must pass exactly when it is
      // that pair's.
      for (size_t old_size : {m - 1, m + 1}) {
        if (old_size > n) continue;
        bool same_proof = Proof(old_size, Slice(all, 0, n)) == proof;
        EXPECT_EQ(
            VerifyConsistency(old_size, n, roots[old_size], roots[n], proof)
                .ok(),
            same_proof)
            << "old size " << old_size;
      }
      for (size_t new_size : {n - 1, n + 1}) {
        if (m > new_size) continue;
        bool same_proof = Proof(m, Slice(all, 0, new_size)) == proof;
        EXPECT_EQ(
            VerifyConsistency(m, new_size, roots[m], roots[new_size], proof)
                .ok(),
            same_proof)
            << "new size " << new_size;
      }
      std::vector<std::string> longer = proof;
      longer.push_back(roots[n]);
      EXPECT_FALSE(VerifyConsistency(m, n, roots[m], roots[n], longer).ok());
      if (!proof.empty()) {
        EXPECT_FALSE(VerifyConsistency(m, n, roots[m], roots[n],
                                       Slice(proof, 0, proof.size() - 1))
                         .ok());
        EXPECT_FALSE(VerifyConsistency(m, n, roots[m], roots[n],
                                       Slice(proof, 1, proof.size()))
                         .ok());
      }
    }
  }
}

// --- Cost and edges
// -----------------------------------------------------------------------

TEST(MerkleTest, ProofsCostLogarithmicLookups) {
  const uint64_t n = 100003;
  InMemoryHashSource memory;
  for (uint64_t i = 0; i < n; ++i)
    memory.Append(Sha256::Digest(std::to_string(i)));
  const int log_n = static_cast<int>(std::ceil(std::log2(n)));
  for (uint64_t size : {n, n - 1, uint64_t{1} << 16, uint64_t{77777}}) {
    for (uint64_t m : {uint64_t{0}, size / 3, size - 1}) {
      CountingSource counting(memory);
      ASSERT_TRUE(InclusionProof(counting, m, size).ok());
      EXPECT_LE(counting.lookups, 2 * log_n) << m << " of " << size;
      CountingSource counting2(memory);
      ASSERT_TRUE(ConsistencyProof(counting2, m + 1, size).ok());
      EXPECT_LE(counting2.lookups, 2 * log_n) << m + 1 << " -> " << size;
    }
    CountingSource counting(memory);
    ASSERT_TRUE(RootHash(counting, size).ok());
    EXPECT_LE(counting.lookups, log_n + 1) << "root of " << size;
  }
}

TEST(MerkleTest, NodesCompletedByAppendAreTheNewPerfectSubtrees) {
  Leaves all = TestLeaves(16);
  InMemoryHashSource source;
  for (size_t i = 0; i < all.size(); ++i) {
    std::string leaf_hash = RefLeafHash(all[i]);
    absl::StatusOr<std::vector<SubtreeNode>> nodes =
        NodesCompletedByAppend(source, i, leaf_hash);
    ASSERT_TRUE(nodes.ok()) << nodes.status();
    // Leaf i completes one subtree per trailing one bit of i, plus the leaf
    // itself.
    size_t expected = 1;
    for (size_t j = i; j & 1; j >>= 1) ++expected;
    ASSERT_EQ(nodes->size(), expected) << "leaf " << i;
    for (const SubtreeNode& node : *nodes) {
      size_t width = size_t{1} << node.level;
      EXPECT_EQ(node.index, i >> node.level);
      EXPECT_EQ(node.hash,
                Mth(Slice(all, node.index * width, (node.index + 1) * width)));
    }
    source.Append(leaf_hash);
  }
}

TEST(MerkleTest, RejectsOutOfRangeRequests) {
  InMemoryHashSource source = SourceOf(TestLeaves(5));
  EXPECT_EQ(InclusionProof(source, 5, 5).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ConsistencyProof(source, 4, 3).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_FALSE(RootHash(source, 6).ok());
  EXPECT_FALSE(InclusionProof(source, 0, 6).ok());
  EXPECT_FALSE(ConsistencyProof(source, 2, 9).ok());
  EXPECT_FALSE(SubtreeHash(source, 3, 3).ok());
  EXPECT_FALSE(source.PerfectSubtree(3, 0).ok());
  EXPECT_FALSE(source.PerfectSubtree(-1, 0).ok());
  EXPECT_TRUE(source.PerfectSubtree(2, 0).ok());
  EXPECT_EQ(source.size(), 5u);
}

}  // namespace
}  // namespace archive

namespace archive {
namespace {

// The streaming root agrees with the tree computed from all leaves at every
// size, across several powers of two.
TEST(MerkleRootBuilder, AgreesWithTheFullTreeAtEverySize) {
  MerkleRootBuilder builder;
  InMemoryHashSource all;
  EXPECT_EQ(builder.Root(), MerkleEmptyRoot());
  for (int i = 0; i < 70; ++i) {
    std::string leaf = MerkleLeafHash("entry " + std::to_string(i));
    builder.AppendLeafHash(leaf);
    all.Append(leaf);
    auto root = RootHash(all, all.size());
    ASSERT_TRUE(root.ok());
    ASSERT_EQ(builder.Root(), *root) << "size " << all.size();
  }
  EXPECT_EQ(builder.size(), 70u);
}

}  // namespace
}  // namespace archive
