// The archive's recovery: checking the store against the newest checkpoint it
// ever signed, and reopening it after a failed write (archive.h).
#include <sys/statvfs.h>

#include <cstdio>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "storage/base/log_line.h"
#include "storage/db/archive.h"
#include "storage/db/leveldb_status.h"

namespace archive {
namespace {

// How often at most a failed store is reopened: each try replays its log.
constexpr int64_t kReopenIntervalMicros = 200 * 1000;
// Room beyond the logs' size for the new table, manifest and log.
constexpr uint64_t kReopenMarginBytes = 1 << 20;

}  // namespace

absl::Status Archive::CheckAgainstRecord(const RecordedCheckpoint& recorded) {
  const std::string meta = options_.data_dir + "/meta";
  const std::string record = CheckpointRecord::PathIn(options_.data_dir);
  const char* kHowToRecover =
      options_.repair
          ? ": repair could not recover it, and serving it would sign a log "
            "that contradicts that checkpoint (a fork). Restore the data "
            "directory from a backup or from a peer office that mirrors this "
            "log"
          : ": starting would sign a log that contradicts it (a fork). Run "
            "archived --repair to recover the store from its files; if that "
            "cannot, restore the data directory from a backup or from a peer "
            "office that mirrors this log";
  uint64_t have = log_->size();
  if (have < recorded.size) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the metadata store ", meta, " holds a log of ", have,
        " entries, behind the checkpoint of ", recorded.size,
        " entries this archive signed (", record, ")", kHowToRecover));
  }
  auto root = log_->Root(recorded.size);
  if (!root.ok() || *root != recorded.root) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the metadata store ", meta, " holds a log whose first ", recorded.size,
        " entries differ from the checkpoint this archive "
        "signed (",
        record, ")", kHowToRecover));
  }
  return absl::OkStatus();
}

absl::Status Archive::CheckRepaired() {
  auto report = Scrub();
  if (!report.ok()) return report.status();
  LogLine(absl::StrCat(
      "archived: repaired store re-verified: ", report->revisions_checked,
      " revisions, ", report->blobs_checked, " blobs, ", report->damaged.size(),
      " damaged blobs, ",
      report->log_problems.size() + report->damaged_records.size() +
          report->damaged_blocks.size(),
      " log problems"));
  std::vector<std::string> problems = report->log_problems;
  for (const DamagedRecord& r : report->damaged_records) {
    problems.push_back(absl::StrCat("log entry ", r.leaf_index,
                                    ": the record of revision ", r.revision_id,
                                    " is lost: ", r.problem));
  }
  for (const std::string& b : report->damaged_blocks) problems.push_back(b);
  if (problems.empty()) return absl::OkStatus();
  return absl::FailedPreconditionError(absl::StrCat(
      "the repaired metadata store does not verify (", problems.size(),
      " problems, the first: ", problems.front(),
      "); restore the data directory from a backup or from a peer office "
      "that mirrors this log"));
}

void Archive::ReportWriteFailure(const absl::Status& status) {
  LogLine(absl::StrCat("archived: a write to the metadata store failed: ",
                       status.message(),
                       "; nothing more is acknowledged until the store has "
                       "been reopened and checked (retried with each later "
                       "write)"),
          LogLevel::kError);
}

// Whether the file system has room to reopen the store: its recovery writes
// the logs' records into a new table, so about their size must be free. A
// reopen that fails leaves the store closed, reads included, so it is not
// tried without that room.
bool Archive::RoomToReopen() {
  const std::string meta = options_.data_dir + "/meta";
  auto names = options_.env->ListDir(meta);
  if (!names.ok()) return true;  // let the reopen say what is wrong
  uint64_t logs = 0;
  for (const std::string& name : *names) {
    if (!absl::EndsWith(name, ".log")) continue;
    auto size = options_.env->FileSize(meta + "/" + name);
    if (size.ok()) logs += *size;
  }
  struct statvfs fs;
  if (::statvfs(meta.c_str(), &fs) != 0) return true;
  uint64_t free_bytes = static_cast<uint64_t>(fs.f_bavail) * fs.f_frsize;
  return free_bytes >= logs + kReopenMarginBytes;
}

absl::Status Archive::EnsureWritable() {
  if (!store_unusable_.ok()) return store_unusable_;
  leveldb::Status failed = db_->write_failure();
  if (failed.ok()) return absl::OkStatus();
  int64_t now = options_.env->NowMicros();
  if (now - last_reopen_micros_ < kReopenIntervalMicros) {
    return FromLevelDb(failed);
  }
  last_reopen_micros_ = now;
  if (!RoomToReopen()) return FromLevelDb(failed);
  return ReopenStore();
}

absl::Status Archive::ReopenStore(bool repair) {
  if (leveldb::Status s = db_->Reopen(repair); !s.ok()) return FromLevelDb(s);
  mirrors_->Forget();
  const SignedCheckpoint signed_cp = LatestCheckpoint();
  auto stored = StoredCheckpoint();
  absl::Status agrees = stored.status();
  if (agrees.ok() && !stored->has_value()) {
    agrees = absl::DataLossError("the reopened store holds no checkpoint");
  } else if (agrees.ok() && (*stored)->size < signed_cp.size) {
    agrees = absl::DataLossError(
        absl::StrCat("the reopened log holds ", (*stored)->size, " entries"));
  } else if (agrees.ok()) {
    auto root = log_->Root(signed_cp.size);
    if (!root.ok() || *root != signed_cp.root) {
      agrees = absl::DataLossError("the reopened log has another root");
    }
  }
  if (!agrees.ok()) {
    store_unusable_ = absl::DataLossError(absl::StrCat(
        "the metadata store no longer agrees with the checkpoint of ",
        signed_cp.size, " entries this archive signed, after ",
        repair ? "rewriting it without its damaged blocks: "
               : "a failed write: ",
        agrees.message(),
        "; writes stay refused until archived is restarted "
        "with --repair"));
    LogLine(absl::StrCat("archived: ", store_unusable_.ToString()),
            LogLevel::kError);
    absl::MutexLock lock(&mu_);
    refused_ = store_unusable_;
    return store_unusable_;
  }
  // A batch whose write reported failure may still have reached the log in
  // full (a failed sync); it was never acknowledged, and is kept as a whole.
  const SignedCheckpoint& now = **stored;
  if (now.size > signed_cp.size) {
    log_->Committed(now.size);
    record_->Offer(now.note, now.size);
    absl::MutexLock lock(&mu_);
    checkpoint_ = now;
  }
  LogLine(absl::StrCat("archived: metadata store ",
                       repair ? "rewritten without its damaged blocks"
                              : "reopened after a failed write",
                       "; its log of ", now.size,
                       " entries agrees with the last signed checkpoint; "
                       "writes resume"));
  return absl::OkStatus();
}

}  // namespace archive
