#include "storage/verify/proof_verifier.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "storage/base/hex.h"
#include "storage/format/merkle.h"

namespace archive {
namespace {

constexpr size_t kHashSize = 32;

absl::Status Malformed(absl::string_view why) {
  return absl::InvalidArgumentError(
      absl::StrCat("malformed checkpoint: ", why));
}

// Strict decimal: digits only, no sign, no leading zero (but "0"), fits in 64
// bits.
absl::StatusOr<uint64_t> ParseTreeSize(absl::string_view s) {
  bool digits = !s.empty();
  for (char c : s) digits = digits && c >= '0' && c <= '9';
  uint64_t size = 0;
  if (!digits || (s.size() > 1 && s[0] == '0') || !absl::SimpleAtoi(s, &size)) {
    return Malformed(
        absl::StrCat("tree size \"", s, "\" is not a canonical decimal"));
  }
  return size;
}

// Extension lines are opaque, but each must be a non-empty line (the spec's
// rule, and what keeps a blank line from ever appearing inside a checkpoint).
absl::Status CheckExtensions(absl::string_view extensions) {
  if (extensions.empty()) return absl::OkStatus();
  if (extensions.back() != '\n') {
    return Malformed("text does not end in a newline");
  }
  if (extensions[0] == '\n' ||
      extensions.find("\n\n") != absl::string_view::npos) {
    return Malformed("empty extension line");
  }
  return absl::OkStatus();
}

// Takes the next "\n"-terminated line off the front of `text`.
bool NextLine(absl::string_view& text, absl::string_view& line) {
  size_t end = text.find('\n');
  if (end == absl::string_view::npos) return false;
  line = text.substr(0, end);
  text.remove_prefix(end + 1);
  return true;
}

absl::Status CheckHashSizes(const std::vector<std::string>& proof) {
  for (size_t i = 0; i < proof.size(); ++i) {
    if (proof[i].size() != kHashSize) {
      return absl::InvalidArgumentError(
          absl::StrCat("proof hash ", i, " is ", proof[i].size(),
                       " bytes, not ", kHashSize));
    }
  }
  return absl::OkStatus();
}

// The RFC's "right-shift fn and sn until LSB(fn) is set or fn is 0": climbs
// past the levels where fn's node is the last in its row and so has no sibling.
void SkipLoneRightEdge(uint64_t& fn, uint64_t& sn) {
  while (fn != 0 && fn % 2 == 0) fn >>= 1, sn >>= 1;
}

// RFC 9162 section 2.1.4.2, steps 2-7, for 0 < old_size < new_size.
absl::Status CheckConsistencyPath(uint64_t old_size, uint64_t new_size,
                                  absl::string_view old_root,
                                  absl::string_view new_root,
                                  std::vector<std::string> path) {
  const std::string sizes =
      absl::StrCat(" (old size ", old_size, ", new size ", new_size, ")");
  // An old tree of 2^k leaves is itself a node of the new tree, so the proof
  // leaves its hash out and the verifier supplies it.
  if ((old_size & (old_size - 1)) == 0) {
    path.insert(path.begin(), std::string(old_root));
  }
  uint64_t fn = old_size - 1, sn = new_size - 1;
  while (fn % 2 == 1) fn >>= 1, sn >>= 1;
  std::string fr = path[0], sr = path[0];
  for (size_t i = 1; i < path.size(); ++i) {
    if (sn == 0) {
      return absl::InvalidArgumentError("consistency proof is too long" +
                                        sizes);
    }
    if (fn % 2 == 1 || fn == sn) {
      fr = MerkleNodeHash(path[i], fr);
      sr = MerkleNodeHash(path[i], sr);
      if (fn % 2 == 0) SkipLoneRightEdge(fn, sn);
    } else {
      sr = MerkleNodeHash(sr, path[i]);
    }
    fn >>= 1, sn >>= 1;
  }
  if (sn != 0) {
    return absl::InvalidArgumentError("consistency proof is too short" + sizes);
  }
  if (fr != old_root) {
    return absl::InvalidArgumentError(
        "consistency proof does not match the old root" + sizes);
  }
  if (sr != new_root) {
    return absl::InvalidArgumentError(
        "consistency proof does not match the new root" + sizes);
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<Checkpoint> ParseCheckpoint(absl::string_view text) {
  absl::string_view origin, size_line, root_line;
  if (!NextLine(text, origin) || !NextLine(text, size_line) ||
      !NextLine(text, root_line)) {
    return Malformed("fewer than three newline-terminated lines");
  }
  if (origin.empty()) return Malformed("empty origin");
  absl::StatusOr<uint64_t> size = ParseTreeSize(size_line);
  if (!size.ok()) return size.status();
  std::optional<std::string> root = Base64Decode(root_line);
  if (!root.has_value() || root->size() != kHashSize) {
    return Malformed("root hash is not base64 of 32 bytes");
  }
  if (absl::Status s = CheckExtensions(text); !s.ok()) return s;
  Checkpoint cp;
  cp.origin = std::string(origin);
  cp.size = *size;
  cp.root_hash = *std::move(root);
  cp.extensions = std::string(text);
  return cp;
}

std::string FormatCheckpoint(const Checkpoint& cp) {
  return absl::StrCat(cp.origin, "\n", cp.size, "\n",
                      Base64Encode(cp.root_hash), "\n", cp.extensions);
}

// RFC 9162 section 2.1.3.2.
absl::StatusOr<std::string> RootFromInclusionProof(
    uint64_t leaf_index, uint64_t tree_size, absl::string_view leaf_hash,
    const std::vector<std::string>& proof) {
  if (leaf_index >= tree_size) {
    return absl::InvalidArgumentError(
        absl::StrCat("inclusion proof: leaf index ", leaf_index,
                     " is not below tree size ", tree_size));
  }
  if (leaf_hash.size() != kHashSize) {
    return absl::InvalidArgumentError(
        "inclusion proof: leaf hash is not 32 bytes");
  }
  if (absl::Status s = CheckHashSizes(proof); !s.ok()) return s;
  uint64_t fn = leaf_index, sn = tree_size - 1;
  std::string r(leaf_hash);
  for (const std::string& p : proof) {
    if (sn == 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("inclusion proof has too many hashes (", proof.size(),
                       ") for leaf ", leaf_index, " of tree size ", tree_size));
    }
    if (fn % 2 == 1 || fn == sn) {
      r = MerkleNodeHash(p, r);
      if (fn % 2 == 0) SkipLoneRightEdge(fn, sn);
    } else {
      r = MerkleNodeHash(r, p);
    }
    fn >>= 1, sn >>= 1;
  }
  if (sn != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("inclusion proof has too few hashes (", proof.size(),
                     ") for leaf ", leaf_index, " of tree size ", tree_size));
  }
  return r;
}

absl::Status VerifyInclusion(uint64_t leaf_index, uint64_t tree_size,
                             absl::string_view leaf_hash,
                             const std::vector<std::string>& proof,
                             absl::string_view root) {
  absl::StatusOr<std::string> computed =
      RootFromInclusionProof(leaf_index, tree_size, leaf_hash, proof);
  if (!computed.ok()) return computed.status();
  if (*computed != root) {
    return absl::InvalidArgumentError(
        absl::StrCat("inclusion proof for leaf ", leaf_index, " of tree size ",
                     tree_size, " does not lead to the expected root"));
  }
  return absl::OkStatus();
}

// The RFC covers 0 < old_size < new_size; the edge cases are settled here
// first.
absl::Status VerifyConsistency(uint64_t old_size, uint64_t new_size,
                               absl::string_view old_root,
                               absl::string_view new_root,
                               const std::vector<std::string>& proof) {
  const std::string sizes =
      absl::StrCat(" (old size ", old_size, ", new size ", new_size, ")");
  if (old_size > new_size) {
    return absl::InvalidArgumentError(
        "consistency: old tree is larger than new tree" + sizes);
  }
  if (old_root.size() != kHashSize || new_root.size() != kHashSize) {
    return absl::InvalidArgumentError(
        "consistency: a root hash is not 32 bytes" + sizes);
  }
  if (absl::Status s = CheckHashSizes(proof); !s.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("consistency: ", s.message(), sizes));
  }
  if (old_size == 0 || old_size == new_size) {
    if (!proof.empty()) {
      return absl::InvalidArgumentError("consistency proof should be empty" +
                                        sizes);
    }
    // Every tree extends the empty one, but only if the claimed old root really
    // is the empty tree's; a tree extends itself only if both roots agree.
    if (old_size == 0 && old_root != MerkleEmptyRoot()) {
      return absl::InvalidArgumentError(
          "consistency: old root is not the empty tree's root" + sizes);
    }
    if (old_size == new_size && old_root != new_root) {
      return absl::InvalidArgumentError(
          "consistency: roots of equal-size trees differ" + sizes);
    }
    return absl::OkStatus();
  }
  if (proof.empty()) {
    return absl::InvalidArgumentError("consistency proof is empty" + sizes);
  }
  return CheckConsistencyPath(old_size, new_size, old_root, new_root, proof);
}

}  // namespace archive
