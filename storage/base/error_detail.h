// The machine-readable detail a failed status carries: why it failed (a stable
// reason a program can branch on), which request field was wrong, and which
// limit was exceeded and which flag sets it. The message stays prose for a
// person; this is for the program (proto/archive/v1/error_detail.proto lists
// the reasons).
//
// The detail rides on the absl::Status as payloads, so any layer can attach it
// without knowing the wire; services/ sends it as gRPC's rich status and the
// client reads it back into the same payloads (clients/status_details.h).
// Copying a status copies its detail. Plain values; thread-compatible.
#ifndef ARCHIVE_STORAGE_BASE_ERROR_DETAIL_H_
#define ARCHIVE_STORAGE_BASE_ERROR_DETAIL_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace archive {

// One of the archive's limits: what is limited, the largest value accepted,
// and the archived flag that sets it ("" when it is fixed).
struct ErrorLimit {
  std::string name;
  uint64_t maximum = 0;
  std::string flag;
};

struct ErrorDetail {
  std::string reason;  // "" when the status carries no detail
  std::string field;   // a request field path, "" if none
  std::optional<ErrorLimit> limit;
  std::map<std::string, std::string> metadata;
};

// The reasons (proto/archive/v1/error_detail.proto says what each means).
inline constexpr char kReasonInvalidField[] = "INVALID_FIELD";
inline constexpr char kReasonLimitExceeded[] = "LIMIT_EXCEEDED";
inline constexpr char kReasonDiskFull[] = "DISK_FULL";
inline constexpr char kReasonDocumentNotFound[] = "DOCUMENT_NOT_FOUND";
inline constexpr char kReasonRevisionNotFound[] = "REVISION_NOT_FOUND";
inline constexpr char kReasonNoAuthoritative[] = "NO_AUTHORITATIVE_REVISION";
inline constexpr char kReasonHeadMoved[] = "HEAD_MOVED";
inline constexpr char kReasonSeveralHeads[] = "SEVERAL_HEADS";
inline constexpr char kReasonContentNotStored[] = "CONTENT_NOT_STORED";
inline constexpr char kReasonTreeBeyondCheckpoint[] =
    "TREE_SIZE_BEYOND_CHECKPOINT";
inline constexpr char kReasonRoleRequired[] = "ROLE_REQUIRED";
inline constexpr char kReasonRecordDamaged[] = "RECORD_DAMAGED";

// `status` carrying `detail` in place of any detail it had. An OK status is
// returned as it is: OK has no payloads.
absl::Status WithDetail(absl::Status status, const ErrorDetail& detail);

// `status` carrying `reason` and `metadata` (no field, no limit).
absl::Status WithReason(absl::Status status, absl::string_view reason,
                        std::map<std::string, std::string> metadata = {});

// The detail `status` carries; reason "" if it carries none.
ErrorDetail DetailOf(const absl::Status& status);

// INVALID_ARGUMENT `message`, detail INVALID_FIELD naming `field`.
absl::Status InvalidFieldError(absl::string_view field,
                               absl::string_view message);

// INVALID_ARGUMENT "<key>: <problem>" about a statement's value, detail
// INVALID_FIELD with metadata "statement_key". The field is left to the
// service, which knows which request field carried the value.
absl::Status StatementFieldError(absl::string_view key,
                                 absl::string_view problem);

// RESOURCE_EXHAUSTED `message`, detail LIMIT_EXCEEDED with `limit` and, if not
// empty, `field`.
absl::Status LimitExceededError(ErrorLimit limit, absl::string_view field,
                                absl::string_view message);

// `status` with its field path prefixed by `prefix` and "." (or set to
// `prefix` if it had none), when it carries a detail. A layer that embeds
// another's message ("header" around "metadata.title") uses it.
absl::Status UnderField(absl::Status status, absl::string_view prefix);

}  // namespace archive

#endif  // ARCHIVE_STORAGE_BASE_ERROR_DETAIL_H_
