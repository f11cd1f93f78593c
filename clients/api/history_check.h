// Checks a document's history as an archive lists it (v1::HistoryResponse)
// against the statements it lists, so a server cannot drop, reorder or
// smuggle in revisions, or misname the heads and the authoritative version,
// without the client noticing.
//
// What is checked: each listed statement parses, hashes to the listed revision
// id and names the document; its description matches it; ids are unique; every
// parent is listed, after its child (newest first means children before
// parents); the heads are exactly the listed revisions nobody names as a
// parent; the authoritative revision is what the heads' parent links make it
// (a non-draft revision is its own, a draft inherits its newest parent's).
//
// What is not: whether the newest revisions were left out together with the
// heads that name them. Only the whole log could show that, and a history
// answer does not carry it. Signatures are not checked here either (see
// VerifyingClient::History): `check` grades each signature itself.
#ifndef ARCHIVE_CLIENTS_API_HISTORY_CHECK_H_
#define ARCHIVE_CLIENTS_API_HISTORY_CHECK_H_

#include <string>

#include "absl/status/status.h"
#include "archive/v1/archive.pb.h"

namespace archive {

// OK iff `listed` is a consistent history of `document_id` as above;
// DATA_LOSS naming the revision and what is wrong with it otherwise.
absl::Status CheckHistory(const std::string& document_id,
                          const v1::HistoryResponse& listed);

}  // namespace archive

#endif  // ARCHIVE_CLIENTS_API_HISTORY_CHECK_H_
