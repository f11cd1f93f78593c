// Bulk import (archivectl import MANIFEST --dir DIR): archives the documents a
// manifest (manifest.h) lists, each with its metadata; safe to run again.
//
// Contract:
// - Files. If DIR has both raw/ and clean/ subfolders (the corpus layout), a
//   row's files are DIR/raw/<id>.txt and DIR/clean/<id>.txt and the revision
//   choice picks raw, clean or both (the default: the raw text, then the
//   corrected text on top of it, two revisions). Otherwise a row's file is
//   DIR/<id>.txt, one revision, taken to be the corrected ("clean") text and
//   checked against clean_sha256/clean_bytes — unless the choice is raw; both
//   is refused there, as there is only one file.
// - Checks. Each file of a row is hashed and compared with the manifest's
//   sha256 and byte count, when given, before anything of the row is sent; a
//   mismatch or a missing file fails the row and stores nothing of it. The
//   upload carries the checked digest, so the archive refuses bytes that
//   changed after the check.
// - Metadata. title, issuer, number (doc_number), region, date and source come
//   from the row. status: the --status option, else the row's status column,
//   else the first word of its note if that is a status ("expired 2018-08-31"),
//   else in_force. Revision note: the --note option, else "raw text
//   (raw/<id>.txt)", "corrected text (clean/<id>.txt)" or "imported from
//   <id>.txt", then "; <the row's note>" if it has one. The media type is
//   guessed from the bytes, as for put.
// - Idempotent and resumable. The document's history decides what is sent:
//   * a revision with the last file's content and metadata exists (the head,
//     or an older one if the document has moved on since) → present: nothing
//     is sent, and that revision's receipt is verified;
//   * no such document → every file is put, in order;
//   * the head is an earlier file of the row with its metadata (an import
//     stopped between raw and clean) → the files after it are put;
//   * otherwise (other content, or the manifest's metadata changed) → the last
//     file only, as a new revision on top of the head.
//   Each put names the head it expects as its parent, so an import never
//   lands on a revision it did not see; a document with two heads (a conflict
//   between offices) fails its row. Every put's receipt is verified as
//   archivectl put verifies it.
//
// Thread-safety: the free functions keep no state and may be called
// concurrently. A BulkImporter is not thread-safe (its VerifyingClient is
// not): import rows one at a time from one thread.
#ifndef ARCHIVE_CLIENTS_BULK_BULK_IMPORT_H_
#define ARCHIVE_CLIENTS_BULK_BULK_IMPORT_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "archive/v1/archive.pb.h"
#include "clients/api/archive_client.h"
#include "clients/api/verified_fetch.h"
#include "clients/bulk/manifest.h"

namespace archive {

enum class RevisionChoice { kRaw, kClean, kBoth };

// "raw", "clean" or "both"; INVALID_ARGUMENT otherwise.
absl::StatusOr<RevisionChoice> ParseRevisionChoice(absl::string_view text);

struct ImportOptions {
  std::string dir;
  std::optional<RevisionChoice> revision;  // unset: the layout's default
  std::string status;                      // overrides every row's
  std::string note;                        // replaces the default note
  std::string as_name;                     // archivectl --as
};

// Where a row's files are, once DIR has been looked at.
struct ImportLayout {
  std::string dir;
  bool raw_and_clean = false;  // DIR/raw/ and DIR/clean/ exist
  RevisionChoice revision = RevisionChoice::kClean;
};

// INVALID_ARGUMENT if DIR is not a directory or the choice does not fit it.
absl::StatusOr<ImportLayout> ResolveLayout(
    const std::string& dir, std::optional<RevisionChoice> revision);

// One file of a row: where it is, what the manifest says of it, and the
// metadata of the revision it becomes (media type still unset).
struct ImportFile {
  std::string path;
  std::string label;  // "raw/<id>.txt", shown in messages
  std::string expected_sha256;
  std::optional<uint64_t> expected_size;
  v1::Metadata metadata;
  // Filled once the file has been read and checked.
  std::string sha256;
  uint64_t size = 0;
};

// The files of `row`, in the order they become revisions.
std::vector<ImportFile> FilesFor(const ManifestRow& row,
                                 const ImportLayout& layout,
                                 const ImportOptions& options);

// What to do for one row, decided from the document's history (nullptr for
// a document the archive does not have) and the checked files. `files` must
// not be empty. Pure: it reads nothing else and keeps no pointer.
struct RowPlan {
  enum class Action { kPresent, kPut, kFail };
  Action action = Action::kFail;
  std::string present_revision;  // kPresent
  size_t first_file = 0;         // kPut: files[first_file..] are put, in order
  std::string parent;            // kPut: the head expected ("" for a new one)
  std::string reason;            // kFail
};
RowPlan PlanRow(const std::string& document_id,
                const std::vector<ImportFile>& files,
                const v1::HistoryResponse* history);

struct RowResult {
  enum class Outcome { kImported, kPresent, kFailed };
  Outcome outcome = Outcome::kFailed;
  struct Put {
    std::string label;
    std::string revision_id;
    bool created = false;
  };
  std::vector<Put> puts;
  std::string head;   // the revision that now holds the row's last file
  std::string error;  // kFailed: why, naming the file or the archive's reason
  // The archive did not answer, or refused this client: every later row
  // would fail the same way, so the import stops.
  bool stops_import = false;
  uint64_t bytes_checked = 0;  // read and hashed
  uint64_t bytes_sent = 0;
};

// Errors are not returned as a status: a failed row is a RowResult with
// outcome kFailed and the message in `error`. stops_import is set when the
// failure was UNAVAILABLE, DEADLINE_EXCEEDED, PERMISSION_DENIED or
// UNAUTHENTICATED, from the archive or from verifying (an untrusted archive).
// A file that cannot be read, or that differs from the manifest, fails only
// its row; so does a receipt that does not verify (reported as DATA_LOSS,
// whatever the verifier's code).
class BulkImporter {
 public:
  // `client` and `verifier` are not owned and must outlive the importer.
  BulkImporter(ArchiveClient* client, VerifyingClient* verifier,
               ImportOptions options, ImportLayout layout)
      : client_(client),
        verifier_(verifier),
        options_(std::move(options)),
        layout_(std::move(layout)) {}

  // Total size of the row's files that exist (for a progress bar).
  uint64_t FileBytes(const ManifestRow& row) const;

  // Imports one row. `progress` gets the bytes of the row's files done so far
  // (only the files actually sent count); it is called on this thread and
  // must not be empty when anything is sent.
  RowResult Import(const ManifestRow& row,
                   const std::function<void(uint64_t)>& progress);

 private:
  absl::Status CheckFile(ImportFile* file, RowResult* result);
  absl::Status VerifyPresent(const std::string& document_id,
                             const std::string& revision_id,
                             const ImportFile& last);
  absl::StatusOr<RowResult::Put> PutOne(
      const std::string& document_id, const ImportFile& file,
      const std::string& parent, const std::function<void(uint64_t)>& sent);

  ArchiveClient* client_;
  VerifyingClient* verifier_;
  ImportOptions options_;
  ImportLayout layout_;
};

}  // namespace archive

#endif  // ARCHIVE_CLIENTS_BULK_BULK_IMPORT_H_
