#include "services/sync/log_recovery.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "services/sync/content_fetcher.h"
#include "storage/format/merkle.h"
#include "storage/verify/proof_verifier.h"
#include "storage/verify/receipt_checker.h"

namespace archive {
namespace {

constexpr absl::Duration kPeerCallDeadline = absl::Seconds(8);
constexpr absl::Duration kPeerIdleTimeout = absl::Seconds(8);
// Entries imported per batch: one fsync and one checkpoint each.
constexpr size_t kPageEntries = 256;

std::vector<std::string> Hashes(
    const google::protobuf::RepeatedPtrField<std::string>& hashes) {
  return std::vector<std::string>(hashes.begin(), hashes.end());
}

// A peer that stopped answering in time is unavailable, not the caller's
// deadline.
absl::Status FromPeer(const absl::Status& s) {
  if (!absl::IsDeadlineExceeded(s)) return s;
  return absl::UnavailableError(s.message());
}

absl::Status ImportPage(Archive* archive, std::vector<PeerEntry>& page,
                        ContentFetcher& content) {
  if (page.empty()) return absl::OkStatus();
  std::vector<absl::StatusOr<CommitResult>> results =
      archive->ImportAll(std::move(page));
  page.clear();
  content.Forget();
  for (const auto& r : results) {
    if (!r.ok()) return r.status();
  }
  return absl::OkStatus();
}

// Reads the mirrored entries [log size, checkpoint size) of this archive's log
// from `client`, each checked against `cp`, and imports them at their places.
absl::Status ImportTail(Archive* archive, ArchiveClient& client,
                        const ReceiptChecker& checker, const Checkpoint& cp,
                        const std::atomic<bool>* stop, RecoveryReport* report) {
  uint64_t next = archive->LatestCheckpoint().size;
  ContentFetcher content(archive, &client);
  std::vector<PeerEntry> page;
  absl::Status read = client.ReadLog(
      next, cp.size,
      [&](const v1::ReadLogResponse& entry) -> absl::Status {
        if (stop != nullptr && stop->load()) {
          return absl::CancelledError("the server is shutting down");
        }
        if (entry.index() != next) {
          return absl::DataLossError(absl::StrCat("the mirror sent entry ",
                                                  entry.index(), " where ",
                                                  next, " was due"));
        }
        auto statement = checker.CheckStatement(entry.signed_statement());
        if (!statement.ok()) {
          return absl::Status(
              statement.status().code(),
              absl::StrCat("entry ", next, ": ", statement.status().message()));
        }
        absl::Status included =
            VerifyInclusion(next, cp.size, MerkleLeafHash(statement->text),
                            Hashes(entry.inclusion()), cp.root_hash);
        if (!included.ok()) {
          return absl::DataLossError(
              absl::StrCat("entry ", next, " is not in this archive's ",
                           "checkpoint: ", included.message()));
        }
        std::shared_ptr<const VerifiedBlob> none;
        auto blob =
            archive->HasRevision(statement->revision_id)
                ? absl::StatusOr<std::shared_ptr<const VerifiedBlob>>(none)
                : content.Ensure(statement->statement, entry.has_content()
                                                           ? &entry.content()
                                                           : nullptr);
        if (!blob.ok()) return blob.status();
        page.push_back(PeerEntry{entry.signed_statement(),
                                 std::move(*blob),
                                 {},
                                 next,
                                 Hashes(entry.inclusion())});
        ++next;
        return page.size() < kPageEntries ? absl::OkStatus()
                                          : ImportPage(archive, page, content);
      },
      archive->origin(), ContentFetcher::kInlineMaxBytes);
  // What was verified before an error is kept: a rerun continues from it.
  absl::Status imported = ImportPage(archive, page, content);
  report->blobs_fetched += content.blobs_fetched();
  if (!read.ok()) return FromPeer(read);
  return imported;
}

}  // namespace

absl::StatusOr<uint64_t> LogRecovery::RecoverFrom(const RecoveryPeer& peer,
                                                  RecoveryReport* report) {
  auto channel = ArchiveClient::Dial(peer.address, peer.tls);
  if (!channel.ok()) return channel.status();
  ArchiveClient client(std::move(*channel));
  client.set_timeouts(kPeerCallDeadline, kPeerIdleTimeout);
  const std::string& origin = archive_->origin();
  auto latest = client.GetCheckpoint(origin);
  if (!latest.ok()) return FromPeer(latest.status());
  // A peer serves its mirror's checkpoint with cosignatures on it (its own
  // as a C2SP tlog-mirror, any the log had collected): the checker ignores
  // them, and RaiseSigningHold keeps this archive's own line alone.
  const std::string& note = latest->checkpoint();
  if (note.substr(0, note.find('\n')) != origin) {
    // An archive that keeps no mirrors answers with its own log.
    return absl::NotFoundError("it keeps no mirror of this archive's log");
  }
  ReceiptChecker checker(trust_);
  auto cp = checker.CheckCheckpoint(note);
  if (!cp.ok()) {
    return absl::DataLossError(absl::StrCat(
        "its mirror's checkpoint does not verify with this archive's key: ",
        cp.status().message()));
  }
  const SignedCheckpoint log = archive_->LatestCheckpoint();
  if (cp->size <= log.size) {
    // Nothing to fetch; but the mirror must agree with the restored log.
    auto proof = archive_->ConsistencyProof(cp->size, log.size);
    if (!proof.ok()) return proof.status();
    absl::Status agrees =
        cp->size == 0 ? absl::OkStatus()
                      : VerifyConsistency(cp->size, log.size, cp->root_hash,
                                          log.root, *proof);
    if (!agrees.ok()) {
      return absl::DataLossError(absl::StrCat(
          "it mirrors a checkpoint of ", cp->size,
          " entries that this archive's log contradicts: ", agrees.message()));
    }
    return cp->size;
  }
  std::vector<std::string> proof;
  if (log.size > 0) {
    auto reply = client.GetConsistencyProof(log.size, cp->size, origin);
    if (!reply.ok()) return FromPeer(reply.status());
    proof = Hashes(reply->proof().hashes());
  }
  if (absl::Status s = archive_->RaiseSigningHold(note, proof); !s.ok()) {
    return s;
  }
  if (absl::Status s =
          ImportTail(archive_, client, checker, *cp, stop_, report);
      !s.ok()) {
    return s;
  }
  const SignedCheckpoint after = archive_->LatestCheckpoint();
  if (after.size != cp->size || after.root != cp->root_hash) {
    return absl::DataLossError(
        absl::StrCat("after importing its mirror the log has ", after.size,
                     " entries, not the ", cp->size, " of the checkpoint"));
  }
  return cp->size;
}

absl::StatusOr<RecoveryReport> LogRecovery::Recover(
    const std::vector<RecoveryPeer>& peers) {
  if (!archive_->signing_hold()) {
    return absl::FailedPreconditionError(
        "this archive is not held: there is nothing to recover");
  }
  RecoveryReport report;
  report.log_size_before = archive_->LatestCheckpoint().size;
  absl::Status unanswered;
  bool any_mirror = false;
  for (const RecoveryPeer& peer : peers) {
    uint64_t before = archive_->LatestCheckpoint().size;
    auto mirrored = RecoverFrom(peer, &report);
    report.entries_recovered += archive_->LatestCheckpoint().size - before;
    if (mirrored.ok()) {
      any_mirror = true;
      report.newest_mirrored_size =
          std::max(report.newest_mirrored_size, *mirrored);
      report.peers.push_back(absl::StrCat(
          peer.address, " mirrors this log up to ", *mirrored, " entries"));
      continue;
    }
    report.peers.push_back(
        absl::StrCat(peer.address, ": ", mirrored.status().message()));
    if (!absl::IsNotFound(mirrored.status()) && unanswered.ok()) {
      unanswered = mirrored.status();
    }
  }
  report.log_size_after = archive_->LatestCheckpoint().size;
  const std::string asked = absl::StrJoin(report.peers, "; ");
  if (peers.empty()) {
    return absl::FailedPreconditionError(
        "no peer to recover from: name one with --recover_from=HOST:PORT or "
        "in the config's peers");
  }
  if (!unanswered.ok()) {
    return absl::Status(unanswered.code(),
                        absl::StrCat("the hold stays: ", asked));
  }
  if (!any_mirror) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the hold stays: no peer asked holds a mirror of this archive's log (",
        asked,
        "); if it signed nothing after its backup, start it with "
        "--accept_restored_log"));
  }
  if (absl::Status s = archive_->LiftSigningHold(); !s.ok()) {
    return absl::Status(s.code(), absl::StrCat("the hold stays: ", s.message(),
                                               " (", asked, ")"));
  }
  report.hold_lifted = true;
  return report;
}

}  // namespace archive
