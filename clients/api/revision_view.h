// What archivectl shows of a revision comes from its signed statement, never
// from the server's unsigned description of it (v1::Revision). This file
// rebuilds that description from a verified statement, and compares the
// server's description with it, so a server that relabels a revision (another
// title, status, document or id beside a genuine statement) is caught by name.
#ifndef ARCHIVE_CLIENTS_API_REVISION_VIEW_H_
#define ARCHIVE_CLIENTS_API_REVISION_VIEW_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "archive/v1/archive.pb.h"
#include "storage/verify/receipt_checker.h"

namespace archive {

// The v1::Revision describing statement `text` (parsed: `statement`, its id:
// `revision_id`) at `leaf_index` in the log. The one conversion: the server
// describes revisions with it, and the client checks descriptions against it.
void RevisionToProto(const std::string& revision_id, const Statement& statement,
                     const std::string& text, uint64_t leaf_index,
                     v1::Revision* out);

// The v1::Revision the archive should have sent for `verified`. `leaf_index`
// is the position the caller established (from an inclusion proof it checked).
v1::Revision RevisionFromStatement(const VerifiedStatement& verified,
                                   uint64_t leaf_index);

// OK iff the server's `described` revision says exactly what `verified` (from
// RevisionFromStatement) says. DATA_LOSS naming the first field that differs
// and both values otherwise; `what` says which answer it was ("the history of
// gx-1", "the Get header").
absl::Status CheckDescription(const v1::Revision& described,
                              const v1::Revision& verified,
                              const std::string& what);

}  // namespace archive

#endif  // ARCHIVE_CLIENTS_API_REVISION_VIEW_H_
