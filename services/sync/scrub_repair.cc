// SyncManager's scrubs and repairs (sync_manager.h): damaged blobs and damaged
// metadata records are restored from peers, and only with bytes this archive
// can check itself: a blob must hash to its digest, a statement must carry a
// trusted signature and be the one this archive's own log holds.
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "services/sync/sync_manager.h"
#include "storage/base/env.h"
#include "storage/base/log_line.h"
#include "storage/db/scrub_record.h"
#include "storage/verify/receipt_checker.h"

namespace archive {
namespace {

void AddCounts(const ScrubReport& report, v1::ScrubResponse* response) {
  response->set_revisions_checked(report.revisions_checked);
  response->set_blobs_checked(report.blobs_checked);
  response->set_bytes_checked(report.bytes_checked);
  for (const std::string& p : report.log_problems)
    response->add_log_problems(p);
}

v1::DamagedRecord* AddDamagedRecord(const DamagedRecord& record,
                                    v1::ScrubResponse* response) {
  v1::DamagedRecord* out = response->add_damaged_records();
  out->set_leaf_index(record.leaf_index);
  out->set_revision_id(record.revision_id);
  out->set_problem(record.problem);
  return out;
}

}  // namespace

absl::StatusOr<std::string> SyncManager::FromSomePeer(
    const std::vector<std::string>& extra_peers,
    const std::function<absl::Status(ArchiveClient&)>& attempt) {
  std::vector<std::string> peers = extra_peers;
  for (const archive_config::v1::PeerConfig& peer : config_.peers())
    peers.push_back(peer.address());
  if (peers.empty()) {
    return absl::FailedPreconditionError("no peers to repair from");
  }
  std::vector<std::string> failures;
  for (const std::string& address : peers) {
    auto channel = ArchiveClient::Dial(address, PeerTls(address));
    if (!channel.ok()) {
      failures.push_back(
          absl::StrCat(address, ": ", channel.status().message()));
      continue;
    }
    ArchiveClient client(std::move(*channel));
    client.set_timeouts(absl::Seconds(8), absl::Seconds(8));
    absl::Status s = attempt(client);
    if (s.ok()) return address;
    failures.push_back(absl::StrCat(address, ": ", s.message()));
  }
  return absl::UnavailableError(absl::StrJoin(failures, "; "));
}

absl::StatusOr<std::string> SyncManager::RepairBlob(
    const std::string& sha256, uint64_t size,
    const std::vector<std::string>& extra_peers) {
  return FromSomePeer(extra_peers, [&](ArchiveClient& client) -> absl::Status {
    // Where reads look for a blob of this size: inline or a file.
    auto writer = archive_->blobs().NewWriter(sha256, size);
    if (!writer.ok()) return writer.status();
    absl::Status s = client.GetBlob(sha256, [&](absl::string_view chunk) {
      if ((*writer)->size() + chunk.size() > size) {
        return absl::DataLossError("peer sent too many bytes");
      }
      return (*writer)->Append(chunk);
    });
    // Commit re-hashes: only bytes matching the digest replace the damaged
    // copy.
    if (s.ok()) s = (*writer)->Commit(sha256, size).status();
    return s;
  });
}

absl::StatusOr<std::string> SyncManager::RepairRecord(
    uint64_t leaf_index, const std::string& revision_id,
    const std::vector<std::string>& extra_peers) {
  auto trust = CurrentTrust();
  if (!trust.ok()) return trust.status();
  ReceiptChecker checker(&*trust);
  return FromSomePeer(extra_peers, [&](ArchiveClient& client) -> absl::Status {
    auto copy = client.GetStatement(revision_id);
    if (!copy.ok()) return copy.status();
    auto verified = checker.CheckStatement(copy->signed_statement());
    if (!verified.ok()) return verified.status();
    // The archive checks that it is the statement its log holds there.
    return archive_->RestoreRevisionRecord(leaf_index,
                                           copy->signed_statement());
  });
}

void SyncManager::RepairRecords(const ScrubReport& report,
                                const std::vector<std::string>& peers,
                                v1::ScrubResponse* response) {
  size_t restored = 0;
  // In log order, so a parent's record is back before its child's.
  for (const DamagedRecord& record : report.damaged_records) {
    v1::DamagedRecord* out = AddDamagedRecord(record, response);
    auto from = RepairRecord(record.leaf_index, record.revision_id, peers);
    if (from.ok()) {
      out->set_repaired_from(*from);
      ++restored;
    } else {
      out->set_problem(absl::StrCat(
          record.problem, "; repair failed: ", from.status().message()));
    }
  }
  // The damaged blocks stay in their tables (a compaction reading one would
  // stop every write) until the store is rewritten without them, which drops
  // what they held: so only once every record scrub found in them is back.
  if (report.damaged_blocks.empty() ||
      restored != report.damaged_records.size() ||
      !report.log_problems.empty()) {
    return;
  }
  absl::Status rewritten = archive_->RewriteStore();
  if (!rewritten.ok()) {
    response->add_log_problems(absl::StrCat(
        "rewriting the metadata store without its damaged blocks failed: ",
        rewritten.message()));
    return;
  }
  response->set_store_rewritten(true);
}

absl::StatusOr<v1::ScrubResponse> SyncManager::RunScrub(
    bool repair, const std::vector<std::string>& peers) {
  v1::ScrubResponse response;
  auto report = archive_->Scrub();
  if (report.ok() && repair && !report->damaged_records.empty()) {
    RepairRecords(*report, peers, &response);
    // What is left after the repair is what this scrub reports.
    if (response.store_rewritten()) report = archive_->Scrub();
  } else if (report.ok()) {
    for (const DamagedRecord& record : report->damaged_records)
      AddDamagedRecord(record, &response);
  }
  if (absl::IsUnavailable(report.status()) ||
      absl::IsDeadlineExceeded(report.status())) {
    return report.status();  // the object store is down, not the data
  }
  if (!report.ok()) {
    response.add_log_problems(std::string(report.status().message()));
    return response;
  }
  AddCounts(*report, &response);
  for (const std::string& b : report->damaged_blocks)
    response.add_damaged_blocks(b);
  for (const DamagedBlob& blob : report->damaged) {
    v1::DamagedBlob* out = response.add_damaged();
    out->set_sha256(blob.sha256);
    out->set_size(blob.size);
    out->set_problem(blob.problem);
    for (const std::string& d : blob.documents) out->add_documents(d);
    if (!repair) continue;
    auto from = RepairBlob(blob.sha256, blob.size, peers);
    if (from.ok()) {
      out->set_repaired_from(*from);
    } else {
      out->set_problem(absl::StrCat(
          blob.problem, "; repair failed: ", from.status().message()));
    }
  }
  LogLine(absl::StrCat(
      "archived: scrub checked ", response.blobs_checked(), " blobs, ",
      response.revisions_checked(), " revisions: ", response.damaged_size(),
      " damaged blobs, ", response.damaged_records_size(), " damaged records, ",
      response.damaged_blocks_size(), " damaged blocks, ",
      response.log_problems_size(), " log problems"));
  return response;
}

void SyncManager::RecordScrub(int64_t started_at, v1::ScrubResponse* response) {
  ScrubRecord record;
  record.started_at = started_at;
  record.finished_at = archive_->env()->NowSeconds();
  record.revisions_checked = response->revisions_checked();
  record.blobs_checked = response->blobs_checked();
  record.bytes_checked = response->bytes_checked();
  record.damaged_blobs = response->damaged_size();
  for (const v1::DamagedBlob& blob : response->damaged()) {
    if (!blob.repaired_from().empty()) ++record.repaired_blobs;
  }
  // A record not restored, or a block still in the store, is a problem left.
  record.log_problems =
      response->log_problems_size() + response->damaged_blocks_size();
  for (const v1::DamagedRecord& r : response->damaged_records()) {
    if (r.repaired_from().empty()) ++record.log_problems;
  }
  if (absl::Status s = archive_->RecordScrub(record); !s.ok()) {
    // The scrub ran, but "when was it last scrubbed" would be wrong: say so.
    response->add_log_problems(absl::StrCat(
        "the scrub's outcome could not be recorded: ", s.message()));
  }
}

}  // namespace archive
