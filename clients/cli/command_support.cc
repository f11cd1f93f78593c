// The helpers archivectl's command families share (commands.h).
#include <iostream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "clients/cli/commands.h"
#include "clients/cli/exit_codes.h"

namespace archive {
namespace cli {

void PrintJson(const Json& j) { std::cout << j.dump() << "\n"; }

std::string OneLine(absl::string_view message) {
  return absl::StrReplaceAll(message, {{"\n", " "}, {"\r", " "}});
}

// The user's mistake in calling archivectl: exit 2 (exit_codes.h).
absl::Status Usage(const std::string& message) { return UsageError(message); }

// A put is reported only once the archive's receipt for it verifies.
absl::StatusOr<VerifiedReceipt> VerifyPutReceipt(Context& c,
                                                 const std::string& doc,
                                                 const v1::PutResponse& reply) {
  auto verified =
      c.verifier.VerifyReceipt(reply.receipt(), {doc, reply.revision_id()});
  if (!verified.ok()) {
    return absl::DataLossError(
        absl::StrCat("the archive's receipt for ", reply.revision_id(),
                     " does not verify: ", verified.status().message()));
  }
  return verified;
}

// The single head of `doc`, or why there is none to build on.
absl::StatusOr<v1::Revision> SingleHead(Context& c, const std::string& doc) {
  v1::HistoryRequest request;
  request.set_document_id(doc);
  request.set_page_size(1);
  auto history = c.client.History(request);
  if (!history.ok()) return history.status();
  if (history->heads_size() != 1 || history->revisions_size() == 0) {
    return WithExit(absl::FailedPreconditionError(absl::StrCat(
                        doc, " has ", history->heads_size(), " heads (",
                        absl::StrJoin(history->heads(), ", "),
                        "); resolve the conflict with a merging put first")),
                    kExitConflict);
  }
  return history->revisions(0);  // newest first: the head
}
}  // namespace cli
}  // namespace archive
