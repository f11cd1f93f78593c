// A revision's receipt as files, the form `archivectl get --receipt DIR`
// writes and a bag (archive_bag.h) carries for every revision:
//   statement.note   the signed statement (C2SP signed note)
//   statement.txt    its text, the log leaf (SHA-256 = the revision id)
//   statement.sig    the origin's raw Ed25519 signature over statement.txt
//   checkpoint.note  the archive's signed checkpoint (C2SP tlog-checkpoint)
//   inclusion.json   {"leaf_index":N,"tree_size":M,"hashes":["<base64>",...]}
// so that openssl and any RFC 6962 implementation can check it offline.
#ifndef ARCHIVE_CLIENTS_CLI_RECEIPT_FILES_H_
#define ARCHIVE_CLIENTS_CLI_RECEIPT_FILES_H_

#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "archive/v1/archive.pb.h"
#include "storage/verify/receipt_checker.h"

namespace archive {

inline constexpr char kStatementNoteFile[] = "statement.note";
inline constexpr char kStatementTextFile[] = "statement.txt";
inline constexpr char kStatementSigFile[] = "statement.sig";
inline constexpr char kCheckpointNoteFile[] = "checkpoint.note";
inline constexpr char kInclusionJsonFile[] = "inclusion.json";

// File name -> contents for `receipt`.
absl::StatusOr<std::map<std::string, std::string>> ReceiptFiles(
    const v1::Receipt& receipt);

// Writes ReceiptFiles(header) into `dir` (created if needed), each atomically.
absl::Status WriteReceipt(const std::string& dir, const v1::GetHeader& header);

// Reads a receipt back from those files in `dir`: the statement, checkpoint
// and inclusion proof, to be checked with ReceiptChecker. Also checks that
// statement.txt and statement.sig agree with statement.note, so no file of
// the receipt can say something the verified note does not. Errors name the
// file.
absl::StatusOr<ReceiptParts> ReadReceipt(const std::string& dir);

}  // namespace archive

#endif  // ARCHIVE_CLIENTS_CLI_RECEIPT_FILES_H_
