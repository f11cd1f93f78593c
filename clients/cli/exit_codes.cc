#include "clients/cli/exit_codes.h"

#include "absl/strings/cord.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "clients/api/archive_client.h"
#include "storage/base/error_detail.h"

namespace archive {
namespace {

// The payload carrying a WithExit mark: the code as decimal text.
constexpr char kExitPayload[] = "archivectl/exit";

}  // namespace

const char kExitCodesHelp[] =
    "Exit codes:\n"
    "  0  success\n"
    "  1  failure not covered below\n"
    "  2  usage error (unknown command or flag, missing argument)\n"
    "  3  not found: no such document or revision\n"
    "  4  does not verify or does not match: content digest, signature, "
    "proof,\n"
    "     a forked log, a file that differs from the archived bytes, an "
    "archive key\n"
    "     that is not trusted or not the one pinned for the address\n"
    "  5  archive unreachable or timed out\n"
    "  6  not permitted: the archive refused the client's certificate or "
    "role\n"
    "  7  conflict: the head moved (put --parent), or the document has "
    "several heads\n"
    "With --json a failure also prints {\"error\": {\"exit\": N, \"code\": "
    "\"...\",\n"
    "\"message\": \"...\"}} on stdout (as the \"error\" member of the "
    "command's JSON\n"
    "report if it printed one).\n";

absl::Status WithExit(absl::Status s, ExitCode code) {
  s.SetPayload(kExitPayload, absl::Cord(absl::StrCat(static_cast<int>(code))));
  return s;
}

absl::Status UsageError(const std::string& message) {
  return WithExit(absl::InvalidArgumentError(message), kExitUsage);
}

ExitCode ExitCodeFor(const absl::Status& s) {
  if (auto mark = s.GetPayload(kExitPayload); mark.has_value()) {
    int code = 0;
    if (absl::SimpleAtoi(std::string(*mark), &code) && code >= kExitFailure &&
        code <= kExitConflict) {
      return static_cast<ExitCode>(code);
    }
  }
  // The server says why (storage/error_detail.h) where a code alone is
  // ambiguous: FAILED_PRECONDITION is several heads or another refusal.
  const std::string reason = DetailOf(s).reason;
  if (reason == kReasonHeadMoved || reason == kReasonSeveralHeads) {
    return kExitConflict;
  }
  switch (s.code()) {
    case absl::StatusCode::kOk:
      return kExitOk;
    case absl::StatusCode::kNotFound:
      return kExitNotFound;
    case absl::StatusCode::kDataLoss:
      return kExitMismatch;
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kDeadlineExceeded:
      return kExitUnreachable;
    case absl::StatusCode::kUnauthenticated:
    case absl::StatusCode::kPermissionDenied:
      // The archive refusing the caller, or the client refusing an archive
      // whose key it does not trust (verified_fetch.h, known_archives.h).
      return FromServer(s) ? kExitNotPermitted : kExitMismatch;
    case absl::StatusCode::kAborted:
      return kExitConflict;
    default:
      return kExitFailure;
  }
}

absl::Status MarkSeveralHeads(ArchiveClient& client,
                              const std::string& document, absl::Status s) {
  // A status with a reason says whether it is several heads; only an older
  // archive's, without one, needs the question asked.
  if (document.empty() || !absl::IsFailedPrecondition(s) ||
      s.GetPayload(kExitPayload).has_value() || !DetailOf(s).reason.empty()) {
    return s;
  }
  v1::HistoryRequest request;
  request.set_document_id(document);
  request.set_page_size(1);
  auto history = client.History(request);
  if (history.ok() && history->heads_size() > 1)
    return WithExit(std::move(s), kExitConflict);
  return s;
}

std::string ErrorCodeName(const absl::Status& s) {
  if (ExitCodeFor(s) == kExitUsage) return "USAGE";
  return absl::StatusCodeToString(s.code());
}

}  // namespace archive
