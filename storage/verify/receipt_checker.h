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
