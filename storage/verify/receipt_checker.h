// Verifies receipts: that a statement is signed by its origin's trusted key,
// that a checkpoint is signed by a trusted archive key, that the statement is
// included in the checkpoint's tree, and that a newer checkpoint extends an
// older one. Used by archivectl and by the server's sync, so every verification
// decision is made here, once.
#ifndef ARCHIVE_STORAGE_VERIFY_RECEIPT_CHECKER_H_
#define ARCHIVE_STORAGE_VERIFY_RECEIPT_CHECKER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "storage/format/statement.h"
#include "storage/verify/proof_verifier.h"
#include "storage/verify/trust_store.h"

namespace archive {

struct ReceiptParts {
  std::string signed_statement;
  std::string checkpoint;  // signed note
  uint64_t leaf_index = 0;
  uint64_t tree_size = 0;
  std::vector<std::string> inclusion;
};

struct VerifiedStatement {
  std::string revision_id;
  std::string text;
  Statement statement;
};

struct VerifiedReceipt {
  VerifiedStatement revision;
  Checkpoint checkpoint;
  std::string checkpoint_note;
};

// Thread-safe: every method is const and may be called concurrently. The
// TrustStore is not owned and must outlive the checker.
//
// CheckCheckpoint (and Check) remember, process-wide, the last 64 checkpoint
// notes whose signature verified, keyed by the verifier key and the note's
// exact bytes: an Ed25519 verification depends on nothing else, so a note
// seen again under the same key is not verified twice (every get between two
// puts carries the same checkpoint). Only the signature check is skipped;
// parsing, the trust lookup and the inclusion proof run every time.
//
// Errors: PERMISSION_DENIED for an origin with no trusted key; DATA_LOSS for
// anything else that does not verify (text that does not parse, a bad
// signature, a failing proof), each message saying which part failed.
class ReceiptChecker {
 public:
  explicit ReceiptChecker(const TrustStore* trust) : trust_(trust) {}

  // The statement parses and carries a valid signature by its origin's trusted
  // key.
  absl::StatusOr<VerifiedStatement> CheckStatement(
      const std::string& signed_statement) const;
  // The checkpoint parses and is signed by the trusted key named by its origin.
  absl::StatusOr<Checkpoint> CheckCheckpoint(const std::string& note) const;
  // Both of the above, and the statement's inclusion in the checkpoint's tree.
  absl::StatusOr<VerifiedReceipt> Check(const ReceiptParts& receipt) const;

 private:
  const TrustStore* trust_;
};

// OK iff `newer` extends `older` (same origin) according to `proof`, a
// consistency proof from older.size to newer.size. A smaller newer.size is a
// shrunk log, a differing root at equal size or a failing proof a fork; each
// error names both sizes.
absl::Status CheckExtends(const Checkpoint& older, const Checkpoint& newer,
                          const std::vector<std::string>& proof);

}  // namespace archive

#endif  // ARCHIVE_STORAGE_VERIFY_RECEIPT_CHECKER_H_
