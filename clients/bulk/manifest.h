// The manifest of a bulk import (archivectl import): a tab-separated table
// whose first line names the columns, one document per following line, as in
// the sample corpus's manifest.tsv.
//
// Contract:
// - Columns are found by name, in any order. `id` is required; the others are
//   optional: region, title, issuer, doc_number (the statement's `number`),
//   date, note, status, source, raw_sha256, raw_bytes, clean_sha256,
//   clean_bytes. An unknown or repeated column name refuses the manifest (a
//   misspelt column would otherwise drop its metadata silently).
// - Every row has exactly as many fields as the header; fields may be empty.
//   Spaces around a field are dropped; a line ending "\r\n" counts as "\n";
//   blank lines are skipped; a UTF-8 byte order mark before the header is
//   ignored.
// - A row is refused, with its line number, if its id is not a valid document
//   id or repeats an earlier row's, a value could not be written into a
//   revision statement (control character, bad date, unknown status), a
//   sha256 is not 64 hex digits, or a byte count is not a number. One refused
//   row refuses the manifest: nothing is imported from a manifest that has not
//   been read whole.
#ifndef ARCHIVE_CLIENTS_BULK_MANIFEST_H_
#define ARCHIVE_CLIENTS_BULK_MANIFEST_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace archive {

struct ManifestRow {
  int row = 0;   // 1 for the first document
  int line = 0;  // line number in the file (the header is line 1)
  std::string id;
  std::string region, title, issuer, number, date, note, status, source;
  std::string raw_sha256, clean_sha256;  // lowercase hex, or "" if not given
  std::optional<uint64_t> raw_bytes, clean_bytes;
};

// Parses a manifest. Errors are INVALID_ARGUMENT and start with
// "<name> line N: ".
absl::StatusOr<std::vector<ManifestRow>> ParseManifest(absl::string_view tsv,
                                                       absl::string_view name);

}  // namespace archive

#endif  // ARCHIVE_CLIENTS_BULK_MANIFEST_H_
