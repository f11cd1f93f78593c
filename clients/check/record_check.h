// The four-property check (四性检测) that Chinese archival practice requires of
// electronic records, for one revision at a time:
//  - authenticity 真实性: the statement is signed by its origin's trusted key
//    and hashes to the revision id; provenance (origin, submitted-by,
//    submitted-at) is present and plausible (not in the future; the parents
//    exist and belong to the same document); an unauthenticated submitter
//    ("local") is a warning.
//  - integrity 完整性: the content is fetched and re-hashed against the
//    statement; the statement is included in a signed checkpoint, which is
//    consistent with the server's current checkpoint and the newest one this
//    client saw before; title, issuer, number and date are present (a missing
//    one is a warning).
//  - usability 可用性: the bytes could be read, are not empty and match the
//    declared media type (media_check.h).
//  - security 安全性: the connection (TLS or plaintext loopback), who may read,
//    archive, sync and administer (the server's roles, archive-wide), and when
//    the archive was last scrubbed with what result.
//
// Every cryptographic and format decision is delegated to receipt_checker.h,
// verified_fetch.h and media_check.h; this file decides only what to ask and
// how to grade the answers. Nothing here stops at the first problem: a check
// that cannot run is reported, and the others still run.
#ifndef ARCHIVE_CLIENTS_CHECK_RECORD_CHECK_H_
#define ARCHIVE_CLIENTS_CHECK_RECORD_CHECK_H_

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "clients/api/archive_client.h"
#include "clients/api/verified_fetch.h"
#include "clients/check/check_verdict.h"

namespace archive {

enum class Property { kAuthenticity, kIntegrity, kUsability, kSecurity };
inline constexpr int kPropertyCount = 4;

const char* PropertyName(Property p);         // "authenticity", ...
const char* PropertyChineseName(Property p);  // "真实性", ...

struct RevisionReport {
  v1::Revision revision;  // as the archive's history describes it
  bool head = false;
  std::array<std::vector<Finding>, kPropertyCount> findings;

  // Facts established along the way (empty or 0 when not established).
  std::string
      signer_key;  // the trusted verifier key the statement verified with
  uint64_t leaf_index = 0;
  uint64_t checkpoint_size =
      0;  // of the checkpoint the inclusion was proven in
  std::vector<std::string> missing_metadata;  // of title, issuer, number, date
  bool content_read = false;

  const std::vector<Finding>& of(Property p) const {
    return findings[static_cast<int>(p)];
  }
  Verdict verdict(Property p) const { return Worst(of(p)); }
  Verdict verdict() const;
};

// What is known about the archive itself, once per run.
struct ArchiveFacts {
  std::string server;
  bool connection_tls = false;
  absl::Status info_status;  // of GetArchiveInfo; `info` is set only if OK
  v1::GetArchiveInfoResponse info;
  absl::Status checkpoint_status;  // the current checkpoint verified and
                                   // consistent with the one seen before
  uint64_t checkpoint_size = 0;
  uint64_t seen_before_size = 0;  // newest checkpoint seen before this run
  bool seen_before = false;
  std::vector<Finding> security;  // archive-wide: every revision shares them
};

struct CheckOptions {
  std::string server;           // HOST:PORT, for the report
  bool connection_tls = false;  // the client dialled with TLS
  absl::Time now = absl::Now();
  // A submitted-at this far ahead of `now` is still taken as clock skew.
  absl::Duration clock_skew = absl::Minutes(5);
  // A scrub older than this is a warning.
  absl::Duration scrub_max_age = absl::Hours(24 * 30);
};

// Not thread-safe: checking verifies receipts through the VerifyingClient,
// which pins keys and records seen checkpoints; check revisions one at a time
// from one thread. `client` and `verifier` are not owned and must outlive the
// checker.
//
// Errors: nothing here returns a status. Every failure (an RPC, a
// verification) becomes a Finding with Verdict::kFail or kWarn, its details
// naming the status code (StatusText); ArchiveFacts keeps the statuses of
// GetArchiveInfo and of the current checkpoint.
class RecordChecker {
 public:
  // Asks the archive for its information and verifies its current checkpoint
  // (pinning its key on first use if `verifier` allows it). Never fails: what
  // could not be established is reported in the findings.
  static RecordChecker Open(ArchiveClient* client, VerifyingClient* verifier,
                            CheckOptions options);

  const ArchiveFacts& archive() const { return facts_; }
  const CheckOptions& options() const { return options_; }

  // Checks one revision of its document (streams its content once). Makes
  // several calls to the archive: a header-only Get, GetStatement for each
  // parent, then a full Get. Never fails: see the findings.
  RevisionReport Check(const v1::Revision& revision, bool head);

 private:
  RecordChecker(ArchiveClient* client, VerifyingClient* verifier,
                CheckOptions options)
      : client_(client), verifier_(verifier), options_(std::move(options)) {}
  void LearnArchive();
  std::vector<Finding> SecurityFindings() const;
  // `verified`: the statement's signature checked out (details say if not).
  void CheckProvenance(const Statement& st, bool verified,
                       std::vector<Finding>* out);
  void CheckParents(const Statement& st, std::optional<absl::Time> submitted_at,
                    std::vector<Finding>* out);
  void CheckReceipt(const v1::Receipt& receipt, RevisionReport* report);
  void CheckContent(const Statement& st, bool verified, RevisionReport* report);
  void CheckMetadata(const Statement& st, RevisionReport* report);

  ArchiveClient* client_;
  VerifyingClient* verifier_;
  CheckOptions options_;
  ArchiveFacts facts_;
};

// "DATA_LOSS: message", so a report names the failure's kind.
std::string StatusText(const absl::Status& status);

}  // namespace archive

#endif  // ARCHIVE_CLIENTS_CHECK_RECORD_CHECK_H_
