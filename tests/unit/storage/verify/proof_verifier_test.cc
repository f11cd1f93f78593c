// Checkpoints and proof verification against the shared 7-leaf log vectors,
// strict checkpoint parsing, and the edge cases RFC 9162's algorithms leave to
// the caller.
#include "storage/verify/proof_verifier.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "storage/base/hex.h"
#include "storage/format/merkle.h"
#include "storage/format/signing_key.h"
#include "storage/verify/note_verifier.h"
#include "tests/unit/test_files.h"

namespace archive {
namespace {

using ::archive::testing::VectorFile;

constexpr char kOrigin[] = "test.archive.example";

std::string TrimNewline(std::string s) {
  while (!s.empty() && s.back() == '\n') s.pop_back();
  return s;
}

std::string B64(const std::string& b64) {
  std::optional<std::string> raw = Base64Decode(b64);
  EXPECT_TRUE(raw.has_value()) << b64;
  return raw.value_or("");
}

// Just enough JSON for the proof files: the integer after "key": and the
// strings of the "hashes" array, decoded from base64.
uint64_t JsonNumber(const std::string& json, const std::string& key) {
  size_t at = json.find("\"" + key + "\":");
  EXPECT_NE(at, std::string::npos) << key;
  return std::stoull(json.substr(json.find(':', at) + 1));
}

std::vector<std::string> JsonHashes(const std::string& json) {
  std::vector<std::string> hashes;
  size_t pos = json.find('[', json.find("\"hashes\""));
  size_t end = json.find(']', pos);
  while ((pos = json.find('"', pos + 1)) < end) {
    size_t close = json.find('"', pos + 1);
    hashes.push_back(B64(json.substr(pos + 1, close - pos - 1)));
    pos = close;
  }
  return hashes;
}

class SevenLeafLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (int i = 0; i < 7; ++i) {
      leaf_hashes_.push_back(
          MerkleLeafHash(VectorFile("leaf-" + std::to_string(i) + ".txt")));
      source_.Append(leaf_hashes_.back());
    }
  }
  std::string Root(uint64_t size) {
    absl::StatusOr<std::string> root = RootHash(source_, size);
    EXPECT_TRUE(root.ok()) << root.status();
    return root.value_or("");
  }

  std::vector<std::string> leaf_hashes_;
  InMemoryHashSource source_;
};

// --- Known answers
// ----------------------------------------------------------------------

TEST_F(SevenLeafLogTest, SignsTheKnownCheckpointsExactly) {
  std::optional<std::string> seed =
      FromHex(TrimNewline(VectorFile("signing.seed.hex")));
  ASSERT_TRUE(seed.has_value());
  auto key = SigningKey::FromSeed(kOrigin, *seed);
  ASSERT_TRUE(key.ok()) << key.status();
  for (uint64_t size : {4, 7}) {
    Checkpoint cp;
    cp.origin = kOrigin;
    cp.size = size;
    cp.root_hash = Root(size);
    EXPECT_EQ((*key)->SignNote(FormatCheckpoint(cp)),
              VectorFile("checkpoint-" + std::to_string(size) + ".note"))
        << "size " << size;
  }
}

TEST_F(SevenLeafLogTest, VerifiesAndParsesTheKnownCheckpoints) {
  auto key = VerifierKey::Parse(TrimNewline(VectorFile("verifier.key")));
  ASSERT_TRUE(key.ok()) << key.status();
  for (uint64_t size : {4, 7}) {
    absl::StatusOr<std::string> text = VerifyNote(
        VectorFile("checkpoint-" + std::to_string(size) + ".note"), **key);
    ASSERT_TRUE(text.ok()) << text.status();
    absl::StatusOr<Checkpoint> cp = ParseCheckpoint(*text);
    ASSERT_TRUE(cp.ok()) << cp.status();
    EXPECT_EQ(cp->origin, kOrigin);
    EXPECT_EQ(cp->size, size);
    EXPECT_EQ(cp->root_hash, Root(size));
    EXPECT_EQ(cp->extensions, "");
    EXPECT_EQ(FormatCheckpoint(*cp), *text);
  }
}

TEST_F(SevenLeafLogTest, ReproducesAndVerifiesTheKnownInclusionProof) {
  std::string json = VectorFile("inclusion-3-of-7.json");
  ASSERT_EQ(JsonNumber(json, "leaf_index"), 3u);
  ASSERT_EQ(JsonNumber(json, "tree_size"), 7u);
  std::vector<std::string> expected = JsonHashes(json);
  ASSERT_EQ(expected.size(), 3u);

  absl::StatusOr<std::vector<std::string>> proof =
      InclusionProof(source_, 3, 7);
  ASSERT_TRUE(proof.ok()) << proof.status();
  EXPECT_EQ(*proof, expected);
  EXPECT_TRUE(VerifyInclusion(3, 7, leaf_hashes_[3], expected, Root(7)).ok());
  absl::StatusOr<std::string> root =
      RootFromInclusionProof(3, 7, leaf_hashes_[3], expected);
  ASSERT_TRUE(root.ok());
  EXPECT_EQ(Base64Encode(*root),
            "U/VMJgt70moF/X/efDhoEaY9u6DnEFcN9rEYMW/wea8=");
}

TEST_F(SevenLeafLogTest, ReproducesAndVerifiesTheKnownConsistencyProof) {
  std::string json = VectorFile("consistency-4-to-7.json");
  ASSERT_EQ(JsonNumber(json, "old_size"), 4u);
  ASSERT_EQ(JsonNumber(json, "new_size"), 7u);
  std::vector<std::string> expected = JsonHashes(json);
  ASSERT_EQ(expected.size(), 1u);

  absl::StatusOr<std::vector<std::string>> proof =
      ConsistencyProof(source_, 4, 7);
  ASSERT_TRUE(proof.ok()) << proof.status();
  EXPECT_EQ(*proof, expected);
  absl::Status ok = VerifyConsistency(4, 7, Root(4), Root(7), expected);
  EXPECT_TRUE(ok.ok()) << ok;
}

// --- Error messages
// ---------------------------------------------------------------------

TEST_F(SevenLeafLogTest, InclusionErrorsSayWhatFailed) {
  std::vector<std::string> proof = *InclusionProof(source_, 3, 7);
  auto message = [&](uint64_t index, uint64_t size,
                     const std::vector<std::string>& p,
                     const std::string& root) {
    absl::Status s = VerifyInclusion(index, size, leaf_hashes_[3], p, root);
    EXPECT_FALSE(s.ok());
    return std::string(s.message());
  };
  EXPECT_PRED_FORMAT2(::testing::IsSubstring, "not below tree size",
                      message(7, 7, proof, Root(7)));
  EXPECT_PRED_FORMAT2(::testing::IsSubstring, "too few",
                      message(3, 7, {proof[0], proof[1]}, Root(7)));
  std::vector<std::string> longer = proof;
  longer.push_back(proof[0]);
  EXPECT_PRED_FORMAT2(::testing::IsSubstring, "too many",
                      message(3, 7, longer, Root(7)));
  EXPECT_PRED_FORMAT2(::testing::IsSubstring, "expected root",
                      message(3, 7, proof, Root(6)));
  EXPECT_PRED_FORMAT2(::testing::IsSubstring, "32",
                      message(3, 7, {"short"}, Root(7)));
}

TEST_F(SevenLeafLogTest, ConsistencyErrorsNameBothSizes) {
  std::vector<std::string> proof = *ConsistencyProof(source_, 3, 7);
  const std::string sizes = "old size 3, new size 7";
  auto message = [&](const std::string& old_root, const std::string& new_root,
                     const std::vector<std::string>& p) {
    absl::Status s = VerifyConsistency(3, 7, old_root, new_root, p);
    EXPECT_FALSE(s.ok());
    return std::string(s.message());
  };
  EXPECT_TRUE(VerifyConsistency(3, 7, Root(3), Root(7), proof).ok());
  std::string wrong_old = message(Root(2), Root(7), proof);
  EXPECT_PRED_FORMAT2(::testing::IsSubstring, "old root", wrong_old);
  EXPECT_PRED_FORMAT2(::testing::IsSubstring, sizes, wrong_old);
  std::string wrong_new = message(Root(3), Root(6), proof);
  EXPECT_PRED_FORMAT2(::testing::IsSubstring, "new root", wrong_new);
  EXPECT_PRED_FORMAT2(::testing::IsSubstring, sizes, wrong_new);
  EXPECT_PRED_FORMAT2(::testing::IsSubstring, sizes,
                      message(Root(3), Root(7), {}));
  std::vector<std::string> shorter(proof.begin(), proof.end() - 1);
  EXPECT_PRED_FORMAT2(::testing::IsSubstring, sizes,
                      message(Root(3), Root(7), shorter));
  std::vector<std::string> longer = proof;
  longer.push_back(proof[0]);
  EXPECT_PRED_FORMAT2(::testing::IsSubstring, sizes,
                      message(Root(3), Root(7), longer));

  absl::Status backwards = VerifyConsistency(7, 3, Root(7), Root(3), {});
  EXPECT_FALSE(backwards.ok());
  EXPECT_PRED_FORMAT2(::testing::IsSubstring, "old size 7, new size 3",
                      std::string(backwards.message()));
}

TEST_F(SevenLeafLogTest, ConsistencyEdgeCases) {
  const std::string empty = MerkleEmptyRoot();
  EXPECT_TRUE(VerifyConsistency(0, 7, empty, Root(7), {}).ok());
  EXPECT_TRUE(VerifyConsistency(0, 0, empty, empty, {}).ok());
  EXPECT_FALSE(VerifyConsistency(0, 7, Root(1), Root(7), {}).ok());
  EXPECT_FALSE(VerifyConsistency(0, 7, empty, Root(7), {Root(1)}).ok());
  EXPECT_TRUE(VerifyConsistency(5, 5, Root(5), Root(5), {}).ok());
  EXPECT_FALSE(VerifyConsistency(5, 5, Root(5), Root(4), {}).ok());
  EXPECT_FALSE(VerifyConsistency(5, 5, Root(5), Root(5), {Root(5)}).ok());
  EXPECT_FALSE(VerifyConsistency(4, 7, "short", Root(7),
                                 *ConsistencyProof(source_, 4, 7))
                   .ok());
}

// --- Checkpoint parsing
// -----------------------------------------------------------------

std::string RootB64() { return Base64Encode(std::string(32, '\x07')); }

TEST(CheckpointTest, RoundTripsWithExtensions) {
  std::string text = "example.com/log\n18446744073709551615\n" + RootB64() +
                     "\nextension one\n\xE2\x80\x94 not a signature\n";
  absl::StatusOr<Checkpoint> cp = ParseCheckpoint(text);
  ASSERT_TRUE(cp.ok()) << cp.status();
  EXPECT_EQ(cp->size, UINT64_MAX);
  EXPECT_EQ(cp->extensions, "extension one\n\xE2\x80\x94 not a signature\n");
  EXPECT_EQ(FormatCheckpoint(*cp), text);

  absl::StatusOr<Checkpoint> zero =
      ParseCheckpoint("o\n0\n" + RootB64() + "\n");
  ASSERT_TRUE(zero.ok()) << zero.status();
  EXPECT_EQ(zero->size, 0u);
}

TEST(CheckpointTest, RejectsNonCanonicalSizes) {
  for (const char* size :
       {"04", "00", "+4", "-1", " 4", "4 ", "", "0x10", "1e3",
        "18446744073709551616", "99999999999999999999999"}) {
    absl::StatusOr<Checkpoint> cp =
        ParseCheckpoint("o\n" + std::string(size) + "\n" + RootB64() + "\n");
    EXPECT_FALSE(cp.ok()) << "size \"" << size << "\"";
    EXPECT_PRED_FORMAT2(::testing::IsSubstring, "tree size",
                        std::string(cp.status().message()));
  }
}

TEST(CheckpointTest, RejectsBadRoots) {
  for (const std::string& root :
       {Base64Encode(std::string(31, 'a')), Base64Encode(std::string(33, 'a')),
        RootB64().substr(1), RootB64() + " ", std::string("not base64!"),
        std::string()}) {
    absl::StatusOr<Checkpoint> cp = ParseCheckpoint("o\n1\n" + root + "\n");
    EXPECT_FALSE(cp.ok()) << "root \"" << root << "\"";
    EXPECT_PRED_FORMAT2(::testing::IsSubstring, "root",
                        std::string(cp.status().message()));
  }
}

TEST(CheckpointTest, RejectsMalformedStructure) {
  const std::string root = RootB64();
  EXPECT_FALSE(ParseCheckpoint("").ok());
  EXPECT_FALSE(ParseCheckpoint("o\n1\n").ok());
  EXPECT_FALSE(ParseCheckpoint("o\n1\n" + root).ok());  // no final newline
  EXPECT_FALSE(ParseCheckpoint("\n1\n" + root + "\n").ok());  // empty origin
  EXPECT_FALSE(
      ParseCheckpoint("o\n1\n" + root + "\n\n").ok());  // empty extension
  EXPECT_FALSE(ParseCheckpoint("o\n1\n" + root + "\next")
                   .ok());  // unterminated extension
  EXPECT_FALSE(ParseCheckpoint("o\n1\n" + root + "\na\n\nb\n").ok());
}

}  // namespace
}  // namespace archive
