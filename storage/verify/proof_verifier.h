// RFC 6962 / RFC 9162 proof verification and checkpoint parsing. Verification
// lives here, once; the server's sync uses it too.
#ifndef ARCHIVE_STORAGE_VERIFY_PROOF_VERIFIER_H_
#define ARCHIVE_STORAGE_VERIFY_PROOF_VERIFIER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace archive {

// Body of a C2SP tlog-checkpoint: "<origin>\n<tree size>\n<base64 root>\n"
// (further extension lines are allowed by the spec and preserved, but not
// interpreted).
struct Checkpoint {
  std::string origin;
  uint64_t size = 0;
  std::string root_hash;   // 32 raw bytes
  std::string extensions;  // lines after the root, verbatim
};

// Strict parse of the checkpoint text (the note body, not the signatures).
absl::StatusOr<Checkpoint> ParseCheckpoint(absl::string_view text);
std::string FormatCheckpoint(const Checkpoint& cp);

// Root computed from a leaf hash and its audit path (RFC 9162 section 2.1.3.2).
absl::StatusOr<std::string> RootFromInclusionProof(
    uint64_t leaf_index, uint64_t tree_size, absl::string_view leaf_hash,
    const std::vector<std::string>& proof);

// OK iff the proof shows leaf_hash at leaf_index in the tree with root `root`.
// Errors say what failed (bad index, wrong proof length, root mismatch).
absl::Status VerifyInclusion(uint64_t leaf_index, uint64_t tree_size,
                             absl::string_view leaf_hash,
                             const std::vector<std::string>& proof,
                             absl::string_view root);

// OK iff the proof shows the tree (old_size, old_root) is a prefix of
// (new_size, new_root) (RFC 9162 section 2.1.4.2). Errors name both sizes.
absl::Status VerifyConsistency(uint64_t old_size, uint64_t new_size,
                               absl::string_view old_root,
                               absl::string_view new_root,
                               const std::vector<std::string>& proof);

}  // namespace archive

#endif  // ARCHIVE_STORAGE_VERIFY_PROOF_VERIFIER_H_
