#include "services/sync/peer_puller.h"

#include <algorithm>
#include <map>

#include "absl/strings/str_cat.h"
#include "clients/api/archive_client.h"
#include "services/sync/content_fetcher.h"
#include "storage/format/merkle.h"
#include "storage/verify/proof_verifier.h"
#include "storage/verify/receipt_checker.h"

namespace archive {
namespace {

constexpr absl::Duration kPeerCallDeadline = absl::Seconds(8);
constexpr absl::Duration kPeerIdleTimeout = absl::Seconds(8);
// Verified entries are imported a page at a time (Archive::ImportAll: one
// fsync and one checkpoint per page); a page also bounds the small contents
// held in memory until they are written.
constexpr size_t kPageEntries = 256;
constexpr uint64_t kPageBytes = 16 << 20;

std::vector<std::string> Hashes(
    const google::protobuf::RepeatedPtrField<std::string>& hashes) {
  return std::vector<std::string>(hashes.begin(), hashes.end());
}

// One pull's state: the peer, what was verified of it, and the running report.
class PullSession {
 public:
  PullSession(Archive* archive, const TrustStore* trust,
              const WitnessPolicy* witnesses, const std::atomic<bool>* stop,
              const std::string& address, const std::string& expected_origin,
              std::shared_ptr<grpc::Channel> channel)
      : archive_(archive),
        checker_(trust),
        witnesses_(witnesses),
        stop_(stop),
        address_(address),
        expected_origin_(expected_origin),
        client_(std::move(channel)) {
    // A peer that stops answering ends the pull with an error (and frees the
    // worker for other peers); a slow but steady one is waited for.
    client_.set_timeouts(kPeerCallDeadline, kPeerIdleTimeout);
  }

  absl::StatusOr<v1::SyncResponse> Run() {
    if (absl::Status s = VerifyPeerCheckpoint(); !s.ok()) return s;
    if (absl::Status s = CheckConsistencyWithLast(); !s.ok()) return s;
    // The new checkpoint is verified and extends the last one. It is recorded
    // with every entry imported from here on, so if this pull is interrupted
    // the next one checks the peer against the checkpoint those entries were
    // verified in; checking against an older one would miss a fork of exactly
    // the entries imported so far.
    progress_.checkpoint_note = checkpoint_note_;
    report_.set_start_index(progress_.next_index);
    // Read only when entries are due: ReadLog's tree_size 0 means "the latest",
    // so an empty checkpoint would bring entries it does not cover.
    if (progress_.next_index < checkpoint_.size) {
      absl::Status s = client_.ReadLog(
          progress_.next_index, checkpoint_.size,
          [this](const v1::ReadLogResponse& entry) {
            return ImportEntry(entry);
          },
          "", ContentFetcher::kInlineMaxBytes);
      // What was verified before an error is still imported.
      absl::Status flushed = FlushPage();
      if (!s.ok()) return Context(s);
      if (!flushed.ok()) return flushed;
    }
    if (progress_.next_index != checkpoint_.size) {
      return absl::UnavailableError(absl::StrCat(
          "pull from ", address_, " ended at entry ", progress_.next_index,
          " of ", checkpoint_.size, "; the next pull resumes there"));
    }
    // Everything up to the new checkpoint is here (the cursor also covers
    // entries skipped as already present).
    if (absl::Status s = archive_->SavePeerProgress(progress_); !s.ok())
      return s;
    report_.set_checkpoint_size(checkpoint_.size);
    return FinishReport();
  }

 private:
  absl::Status Context(const absl::Status& s) {
    return absl::Status(
        PeerCode(s), absl::StrCat("pull from ", address_, " (",
                                  report_.peer_origin(), "): ", s.message()));
  }

  // A peer that stopped answering in time is unavailable; DEADLINE_EXCEEDED
  // would read as the caller's own deadline.
  static absl::StatusCode PeerCode(const absl::Status& s) {
    return absl::IsDeadlineExceeded(s) ? absl::StatusCode::kUnavailable
                                       : s.code();
  }

  absl::Status VerifyPeerCheckpoint() {
    auto latest = client_.GetCheckpoint();
    if (!latest.ok()) {
      return absl::Status(
          PeerCode(latest.status()),
          absl::StrCat("peer ", address_, ": ", latest.status().message()));
    }
    checkpoint_note_ = latest->checkpoint();
    std::string origin =
        checkpoint_note_.substr(0, checkpoint_note_.find('\n'));
    report_.set_peer_origin(origin);
    if (origin == archive_->origin()) {
      return absl::InvalidArgumentError(
          absl::StrCat(address_, " is this archive (", origin, ") itself"));
    }
    // Another office answering at a configured peer's address (moved, or
    // impersonating it with its own valid key) is not that peer.
    if (!expected_origin_.empty() && origin != expected_origin_) {
      return absl::FailedPreconditionError(absl::StrCat(
          "peer ", address_, " presents origin \"", origin,
          "\", but the server config names the peer at that address \"",
          expected_origin_, "\"; nothing was pulled"));
    }
    auto cp = checker_.CheckCheckpoint(checkpoint_note_);
    if (!cp.ok()) return Context(cp.status());
    if (witnesses_ != nullptr) {
      if (auto quorum = witnesses_->Check(checkpoint_note_); !quorum.ok()) {
        return Context(absl::UnauthenticatedError(
            absl::StrCat("witness policy: ", quorum.status().message())));
      }
    }
    checkpoint_ = std::move(*cp);
    auto progress = archive_->GetPeerProgress(origin);
    if (absl::IsNotFound(progress.status())) {
      progress_.peer_origin = origin;
      return absl::OkStatus();
    }
    if (!progress.ok()) return progress.status();
    progress_ = std::move(*progress);
    // A cursor ahead of the mirror (pulled before mirrors were kept) reads
    // again from where the mirror ends: entries here already cost a look-up.
    auto mirrored = archive_->mirrors().Size(origin);
    if (!mirrored.ok()) return mirrored.status();
    progress_.next_index = std::min(progress_.next_index, *mirrored);
    return absl::OkStatus();
  }

  // A fork or a shrunk log means the peer rewrote history: stop before reading
  // anything, and keep everything here as it is.
  absl::Status CheckConsistencyWithLast() {
    if (progress_.next_index > checkpoint_.size) {
      return Context(absl::DataLossError(absl::StrCat(
          "peer log shrank: this archive already read ", progress_.next_index,
          " entries, the peer's checkpoint now has size ", checkpoint_.size)));
    }
    if (progress_.checkpoint_note.empty()) return absl::OkStatus();
    auto old_cp = checker_.CheckCheckpoint(progress_.checkpoint_note);
    if (!old_cp.ok()) return Context(old_cp.status());
    std::vector<std::string> proof;
    if (old_cp->size > 0 && old_cp->size < checkpoint_.size) {
      auto reply = client_.GetConsistencyProof(old_cp->size, checkpoint_.size);
      if (!reply.ok()) return Context(reply.status());
      proof = Hashes(reply->proof().hashes());
    }
    absl::Status s = CheckExtends(*old_cp, checkpoint_, proof);
    return s.ok() ? s : Context(s);
  }

  absl::Status ImportEntry(const v1::ReadLogResponse& entry) {
    if (stop_ != nullptr && stop_->load()) {
      return absl::CancelledError("the server is shutting down");
    }
    uint64_t index = progress_.next_index;
    if (entry.index() != index) {
      return absl::DataLossError(absl::StrCat("peer sent entry ", entry.index(),
                                              " where ", index, " was due"));
    }
    auto statement = checker_.CheckStatement(entry.signed_statement());
    if (!statement.ok()) {
      return absl::Status(
          statement.status().code(),
          absl::StrCat("entry ", index, ": ", statement.status().message()));
    }
    absl::Status included = VerifyInclusion(
        index, checkpoint_.size, MerkleLeafHash(statement->text),
        Hashes(entry.inclusion()), checkpoint_.root_hash);
    if (!included.ok()) {
      return absl::DataLossError(absl::StrCat(
          "entry ", index,
          " is not in the peer's signed checkpoint: ", included.message()));
    }
    progress_.next_index = index + 1;
    // An entry already here is imported too (storing nothing new) so that it
    // lands in the peer's mirror in its place.
    std::shared_ptr<const VerifiedBlob> none;
    auto content =
        archive_->HasRevision(statement->revision_id)
            ? absl::StatusOr<std::shared_ptr<const VerifiedBlob>>(none)
            : content_.Ensure(statement->statement,
                              entry.has_content() ? &entry.content() : nullptr);
    if (!content.ok()) {
      const absl::Status& s = content.status();
      return absl::Status(
          s.code(),
          absl::StrCat("entry ", index, ": fetching content sha256:",
                       statement->statement.content_sha256, ": ", s.message()));
    }
    if (*content != nullptr) page_bytes_ += (*content)->bytes().size();
    page_.push_back(
        PeerEntry{entry.signed_statement(), std::move(*content), progress_});
    page_documents_.push_back(statement->statement.document);
    if (page_.size() >= kPageEntries || page_bytes_ >= kPageBytes) {
      return FlushPage();
    }
    return absl::OkStatus();
  }

  // Imports the verified entries gathered so far in one batch.
  absl::Status FlushPage() {
    std::vector<absl::StatusOr<CommitResult>> results =
        archive_->ImportAll(std::move(page_));
    absl::Status first_error;
    for (size_t i = 0; i < results.size(); ++i) {
      if (!results[i].ok()) {
        first_error = results[i].status();
        break;
      }
      if (results[i]->created) {
        report_.set_imported(report_.imported() + 1);
        touched_.push_back(page_documents_[i]);
      } else {
        report_.set_already_present(report_.already_present() + 1);
      }
    }
    page_.clear();
    page_documents_.clear();
    content_.Forget();
    page_bytes_ = 0;
    return first_error;
  }

  absl::StatusOr<v1::SyncResponse> FinishReport() {
    report_.set_blobs_fetched(content_.blobs_fetched());
    report_.set_bytes_fetched(content_.bytes_fetched());
    std::sort(touched_.begin(), touched_.end());
    touched_.erase(std::unique(touched_.begin(), touched_.end()),
                   touched_.end());
    for (const std::string& doc : touched_) {
      auto info = archive_->GetDocument(doc);
      if (info.ok() && info->heads.size() > 1) report_.add_conflicts(doc);
    }
    return report_;
  }

  Archive* archive_;
  ReceiptChecker checker_;
  const WitnessPolicy* witnesses_;
  const std::atomic<bool>* stop_;
  std::string address_;
  std::string expected_origin_;
  ArchiveClient client_;
  ContentFetcher content_{archive_, &client_};
  std::string checkpoint_note_;
  Checkpoint checkpoint_;
  PeerProgress progress_;
  v1::SyncResponse report_;
  std::vector<std::string> touched_;
  // Verified entries not yet imported and their documents.
  std::vector<PeerEntry> page_;
  std::vector<std::string> page_documents_;
  uint64_t page_bytes_ = 0;
};

}  // namespace

absl::StatusOr<v1::SyncResponse> PeerPuller::Pull(
    const std::string& address, const TlsFiles& tls,
    const std::string& expected_origin) {
  auto channel = ArchiveClient::Dial(address, tls);
  if (!channel.ok()) return channel.status();
  return PullSession(archive_, trust_, witnesses_, stop_, address,
                     expected_origin, std::move(*channel))
      .Run();
}

}  // namespace archive
