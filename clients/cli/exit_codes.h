// archivectl's exit codes, the contract scripts act on (ARCHITECTURE.md, "Exit
// codes of archivectl"), and the one mapping from a failed command's status to
// its code.
//
// The code is mostly the status's canonical code, as the server and the
// verifying client return it. Where a code means different things (the server
// answers FAILED_PRECONDITION for several heads and for other refusals; a
// file that differs is FAILED_PRECONDITION in the client), the place that
// knows marks the status with WithExit, and the mark wins.
#ifndef ARCHIVE_CLIENTS_CLI_EXIT_CODES_H_
#define ARCHIVE_CLIENTS_CLI_EXIT_CODES_H_

#include <string>

#include "absl/status/status.h"

namespace archive {

class ArchiveClient;

enum ExitCode : int {
  kExitOk = 0,
  kExitFailure = 1,       // anything not below
  kExitUsage = 2,         // archivectl called wrongly
  kExitNotFound = 3,      // no such document or revision
  kExitMismatch = 4,      // does not verify, or does not match
  kExitUnreachable = 5,   // archive unreachable or timed out
  kExitNotPermitted = 6,  // authentication or role refused
  kExitConflict = 7,      // head moved, several heads
};

// The "Exit codes:" section of archivectl --help.
extern const char kExitCodesHelp[];

// `s` (not OK) marked to exit with `code`, whatever its canonical code.
absl::Status WithExit(absl::Status s, ExitCode code);

// INVALID_ARGUMENT marked as a usage error (exit 2): the caller's mistake in
// calling archivectl. INVALID_ARGUMENT from the server (a bad field value)
// stays an ordinary failure (exit 1).
absl::Status UsageError(const std::string& message);

// The exit code for `s`: its WithExit mark if it has one; 7 for the server's
// reasons HEAD_MOVED and SEVERAL_HEADS (storage/error_detail.h); else by code:
// OK 0; NOT_FOUND 3; DATA_LOSS 4 (the verifying client's code for a digest,
// signature, proof or log that does not check out); UNAVAILABLE and
// DEADLINE_EXCEEDED 5; UNAUTHENTICATED and PERMISSION_DENIED 6 from the server
// (FromServer: a role or certificate refused) but 4 from the client itself (an
// archive key it does not trust, a pinned key or origin that changed);
// ABORTED 7 (the server's code for a conditional put whose head moved);
// anything else 1.
ExitCode ExitCodeFor(const absl::Status& s);

// The server refuses a put without --parent, or a get without --rev, of a
// document with several heads with FAILED_PRECONDITION, a code it also gives
// other refusals (a missing parent, an untrusted origin). Archives since 0.12
// say which with the reason SEVERAL_HEADS; for an older archive's unmarked
// FAILED_PRECONDITION about `document`, without a reason, this asks the
// archive how many heads it has and marks `s` a conflict (exit 7) only if
// there are several. Any other status, or an empty `document`, is returned as
// it is.
absl::Status MarkSeveralHeads(ArchiveClient& client,
                              const std::string& document, absl::Status s);

// "USAGE" for a usage error, else the gRPC code name ("NOT_FOUND").
std::string ErrorCodeName(const absl::Status& s);

}  // namespace archive

#endif  // ARCHIVE_CLIENTS_CLI_EXIT_CODES_H_
