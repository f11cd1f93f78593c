// Policy Archive documents as BagIt bags (RFC 8493; bagit.h writes and
// validates the bag itself): `archivectl export --bagit DIR` and
// `archivectl import --bagit DIR`.
//
// The layout (this profile) of a bag:
//   bag-info.txt   Bag-Software-Agent, Bagging-Date, Payload-Oxum, and
//                  Archive-Origin, Archive-Verifier-Key (the exporting
//                  archive), Archive-Checkpoint-Size, Archive-Checkpoint-Root
//                  (the checkpoint the export was verified against; every
//                  receipt's checkpoint was proved consistent with it),
//                  Archive-Document-Count, Archive-Revision-Count
//   archive-checkpoint.note   that checkpoint, signed (a tag file)
//   data/<SafeFileName(document id)>/<NNNNNN>-<revision id>/
//       content.txt | .pdf | .html | .json | .bin   the bytes (by media type)
//       statement.note statement.txt statement.sig checkpoint.note
//       inclusion.json                     the receipt (receipt_files.h)
// NNNNNN numbers a document's revisions from 000001 in log order, so a
// revision's parents always come before it.
#ifndef ARCHIVE_CLIENTS_CLI_ARCHIVE_BAG_H_
#define ARCHIVE_CLIENTS_CLI_ARCHIVE_BAG_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "clients/api/archive_client.h"
#include "clients/api/verified_fetch.h"
#include "clients/cli/cli_output.h"

namespace archive {

inline constexpr char kArchiveCheckpointTagFile[] = "archive-checkpoint.note";

// "content.txt" for text/plain, "content.pdf" for application/pdf, ...,
// "content.bin" for anything else.
std::string ContentFileName(const std::string& media_type);
// "000001-<revision id>".
std::string RevisionDirName(uint64_t sequence, const std::string& revision_id);

struct BagExportReport {
  std::string dir;
  uint64_t documents = 0;
  uint64_t revisions = 0;
  uint64_t payload_files = 0;
  uint64_t payload_bytes = 0;
  Checkpoint checkpoint;  // the one the export was verified against
  Json ToJson() const;
  std::string Summary() const;  // for people, one line per fact
};

// Writes every revision of `document_ids` (all documents if empty) into a new
// bag at `dir`, each verified first by `verifier` (content digest, statement
// signature, inclusion in a trusted checkpoint, consistency with the last one
// seen). `dir` must not exist or be an empty directory; nothing appears there
// unless the whole export succeeds.
absl::StatusOr<BagExportReport> ExportBag(
    ArchiveClient& client, VerifyingClient& verifier, const std::string& dir,
    const std::vector<std::string>& document_ids);

struct BagImportReport {
  std::string dir;
  std::string origin;  // the archive that exported the bag
  uint64_t documents = 0;
  uint64_t revisions = 0;
  uint64_t imported = 0;
  uint64_t already_present = 0;
  Json ToJson() const;
  std::string Summary() const;
};

// Validates the bag at `dir` completely before importing anything: the BagIt
// checks of ValidateBag (bagit.h, including the tag manifest and
// Payload-Oxum, both required here), this profile's layout, every receipt
// (statement signed by an origin `verifier` trusts, checkpoint signed by a
// trusted archive, inclusion), every content digest against its statement,
// parents before children; then asks the archive (check only) whether it
// trusts every statement and has every parent not in the bag. Only then are
// the revisions imported with their original signed statements; those
// already there are skipped and counted, and every new receipt is verified.
absl::StatusOr<BagImportReport> ImportBag(ArchiveClient& client,
                                          VerifyingClient& verifier,
                                          const std::string& dir);

}  // namespace archive

#endif  // ARCHIVE_CLIENTS_CLI_ARCHIVE_BAG_H_
