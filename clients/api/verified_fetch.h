// The verifying client: everything archivectl shows or writes passes through
// here. A revision is accepted only if its statement is signed by its origin's
// trusted key, its checkpoint by the serving archive's trusted key, the
// statement is included in that checkpoint, the checkpoint extends the newest
// one this client saw from that archive, and the content hashes to the
// statement's digest. Anything else fails closed.
#ifndef ARCHIVE_CLIENTS_API_VERIFIED_FETCH_H_
#define ARCHIVE_CLIENTS_API_VERIFIED_FETCH_H_

#include <functional>
#include <memory>
#include <set>
#include <string>

#include "absl/status/statusor.h"
#include "clients/api/archive_client.h"
#include "storage/verify/known_archives.h"
#include "storage/verify/receipt_checker.h"
#include "storage/verify/trust_store.h"
#include "storage/verify/witness_policy.h"

namespace archive {

struct VerifyOptions {
  std::string trust_file;         // verifier key lines
  bool allow_trust_on_first_use;  // pin an unknown archive's key (not with
                                  // --trust)
  std::string seen_dir;           // newest checkpoint seen per origin
  // With trust on first use: the address talked to and the file pinning the
  // archive first met at each address (known_archives.h). Empty: no
  // per-address pinning.
  std::string server_address;
  std::string known_archives_file;
  // Messages the user should see (key pinned on first use), one line each.
  std::function<void(const std::string&)> notice;
  // If set, a witness policy file (storage/verify/witness_policy.h): the
  // latest checkpoint and every fetched revision's checkpoint count only
  // with its quorum of cosignatures (UNAUTHENTICATED naming who signed and
  // who is missing). A put's receipt is not held to it: the archive
  // acknowledges before its witnesses answer.
  std::string witness_policy_file;
};

ReceiptParts ReceiptFromProto(const v1::Receipt& receipt);

// OK iff `size` bytes hashing to `sha256_hex` are the content `statement`
// describes; DATA_LOSS naming both digests and sizes otherwise.
absl::Status CheckContentMatches(const Statement& statement,
                                 const std::string& sha256_hex, uint64_t size);

// What the caller asked for: a revision must be of `document_id` (if set) and
// have `revision_id` (if set).
struct ExpectedRevision {
  std::string document_id;
  std::string revision_id;
};

// OK iff `got` is what `expected` names; DATA_LOSS naming what was asked and
// what the signed statement says otherwise.
absl::Status CheckNamesWhatWasAsked(const ExpectedRevision& expected,
                                    const VerifiedStatement& got);

// Not thread-safe: verifying pins keys (trust file, known-archives file) and
// records seen checkpoints (seen_dir), so use a VerifyingClient from one
// thread at a time. The ArchiveClient is not owned and must outlive it;
// `notice` is called on the calling thread.
//
// Errors: PERMISSION_DENIED for an archive or origin with no trusted key (and
// trust on first use off), or one whose name or key differs from what was
// pinned; DATA_LOSS for anything that fails verification (a bad signature or
// proof, a log that shrank or forked, content or names that differ from the
// signed statement); OUT_OF_RANGE for a tree size beyond the latest
// checkpoint. Errors of the calls to the archive are returned as
// ArchiveClient gives them (FromServer), and those of the trust, known-archives
// and seen files as those give them.
class VerifyingClient {
 public:
  // Loads the trust file and the known-archives file (their errors, e.g.
  // INVALID_ARGUMENT for a malformed line).
  static absl::StatusOr<VerifyingClient> Create(ArchiveClient* client,
                                                VerifyOptions options);

  // The server's latest checkpoint, verified and recorded as seen.
  absl::StatusOr<Checkpoint> LatestCheckpoint(std::string* note = nullptr);
  // Verifies a receipt (statement, checkpoint, inclusion, consistency with what
  // was seen) and records its checkpoint as seen.
  // This form checks nothing about which revision it is: use the next one
  // wherever the caller knows what it asked for.
  absl::StatusOr<VerifiedReceipt> VerifyReceipt(const v1::Receipt& receipt);
  // The same, and the statement names what was asked for (document, revision).
  absl::StatusOr<VerifiedReceipt> VerifyReceipt(
      const v1::Receipt& receipt, const ExpectedRevision& expected);

  // Get and GetBytes refuse (DATA_LOSS) an answer whose signed statement is
  // not of the requested document or revision, a draft for the authoritative
  // version, a --head answer the server itself does not name as a head, and a
  // header whose unsigned description differs from the signed statement. The
  // header returned describes the revision as its signed statement does.
  //
  // Fetches a revision into `out_path`, a path or "-" for stdout, through an
  // OutputFile (output_file.h): nothing reaches out_path before the content
  // and receipt verified, and a device or FIFO is written, never replaced.
  // With header_only set, writes nothing. RESOURCE_EXHAUSTED if writing the
  // temporary file fails (for any reason, not only a full disk).
  absl::StatusOr<std::pair<v1::GetHeader, VerifiedReceipt>> Get(
      const v1::GetRequest& request, const std::string& out_path,
      const Progress& progress);
  // Fetches a revision's verified content into memory (for diff).
  absl::StatusOr<std::string> GetBytes(const v1::GetRequest& request);

  // The rest are in verified_reads.cc.
  //
  // The whole history of `document_id`, newest first: the listing checked by
  // CheckHistory (history_check.h), every revision fetched (header only) and
  // verified as Get verifies it, each described by its signed statement. A
  // revision from an origin this client has no key for (imported by sync) is
  // checked as far as the archive vouches for it: its statement hashes to its
  // id and is included in the archive's verified checkpoint; its origin's
  // signature is not checked, and the origin is added to `untrusted_origins`.
  absl::StatusOr<v1::HistoryResponse> History(
      const std::string& document_id,
      std::set<std::string>* untrusted_origins = nullptr);
  // `revision_id`'s statement: signed by its origin's trusted key, hashing to
  // the id asked for, its description rebuilt from it.
  absl::StatusOr<v1::GetStatementResponse> Statement(
      const std::string& revision_id);
  // The inclusion proof of `revision_id` in the tree of `tree_size` (0: the
  // latest checkpoint's), checked against the latest verified checkpoint:
  // directly at that size, else through a consistency proof to it.
  absl::StatusOr<v1::InclusionProof> InclusionProof(
      const std::string& revision_id, uint64_t tree_size);
  // The consistency proof from `old_size` to `new_size` (0: the latest), both
  // trees' roots established from the latest verified checkpoint. Reading a
  // root at a size no checkpoint names takes one log entry (ReadLog), which
  // the reader role may not do: PERMISSION_DENIED then, from the archive.
  absl::StatusOr<v1::ConsistencyProof> ConsistencyProof(uint64_t old_size,
                                                        uint64_t new_size);

  const TrustStore& trust() const { return trust_; }
  const VerifyOptions& options() const { return options_; }

 private:
  VerifyingClient(ArchiveClient* client, VerifyOptions options,
                  TrustStore trust, KnownArchives known)
      : client_(client),
        options_(std::move(options)),
        trust_(std::move(trust)),
        known_(std::move(known)) {}
  absl::Status EnsureTrusted(const std::string& checkpoint_note);
  // OK without a policy; else the policy's quorum check of the note (and the
  // witnesses named once, in a notice).
  absl::Status CheckWitnessed(const std::string& checkpoint_note);
  bool PinsAddresses() const;
  absl::Status CheckAgainstSeen(const Checkpoint& cp, const std::string& note);
  absl::Status CheckHeader(const v1::GetRequest& request,
                           const VerifiedReceipt& verified,
                           v1::GetHeader* header);
  // Streams the revision to `sink`, then verifies the header, what it names
  // and the content's digest. For a large content `sink` runs on a helper
  // thread, one chunk at a time, all of them before this returns.
  absl::StatusOr<std::pair<v1::GetHeader, VerifiedReceipt>> FetchVerified(
      const v1::GetRequest& request, const ChunkSink& sink,
      const Progress& progress, uint64_t* size, std::string* sha256_hex);

  // `listed` (of `doc`, its statement bound to its id by CheckHistory), its
  // statement included in the archive's verified checkpoint.
  absl::StatusOr<v1::Revision> IncludedRevision(const std::string& doc,
                                                const v1::Revision& listed);
  // The root of the log's first `size` entries, proven against `latest`.
  absl::StatusOr<std::string> RootAt(uint64_t size, const Checkpoint& latest);
  // OK iff `root` is the root at `size` of the log `latest` signs.
  absl::Status CheckRootAt(uint64_t size, const std::string& root,
                           const Checkpoint& latest);

  ArchiveClient* client_;
  VerifyOptions options_;
  TrustStore trust_;
  KnownArchives known_;
  std::shared_ptr<const WitnessPolicy> witness_policy_;  // null: none
  bool witnesses_noticed_ = false;
};

}  // namespace archive

#endif  // ARCHIVE_CLIENTS_API_VERIFIED_FETCH_H_
