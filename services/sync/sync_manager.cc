#include "services/sync/sync_manager.h"

#include <google/protobuf/io/tokenizer.h>
#include <google/protobuf/text_format.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "clients/api/archive_client.h"
#include "services/sync/log_recovery.h"
#include "services/sync/peer_puller.h"
#include "storage/base/env.h"
#include "storage/base/log_line.h"
#include "storage/base/this_thread.h"
#include "storage/verify/note_verifier.h"

namespace archive {
namespace {

// Collects the parser's complaints so the error names the line.
class ConfigErrors : public google::protobuf::io::ErrorCollector {
 public:
  void AddError(int line, int column, const std::string& message) override {
    errors.push_back(
        absl::StrCat("line ", line + 1, ":", column + 1, ": ", message));
  }
  std::vector<std::string> errors;
};

}  // namespace

absl::StatusOr<archive_config::v1::ServerConfig> LoadServerConfig(
    const std::string& path, Env* env) {
  auto text = env->ReadFile(path);
  if (!text.ok()) return text.status();
  archive_config::v1::ServerConfig config;
  google::protobuf::TextFormat::Parser parser;
  ConfigErrors errors;
  parser.RecordErrorsTo(&errors);
  if (!parser.ParseFromString(*text, &config)) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": ", absl::StrJoin(errors.errors, "; ")));
  }
  for (const archive_config::v1::PeerConfig& peer : config.peers()) {
    if (peer.address().empty() || peer.name().empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          path, ": every peer needs a name (its origin) and an address"));
    }
    if (peer.verifier_key().empty()) continue;
    auto key = VerifierKey::Parse(peer.verifier_key());
    if (!key.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(
          path, ": peer ", peer.name(), ": ", key.status().message()));
    }
    if ((*key)->name() != peer.name()) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": peer ", peer.name(), " at ", peer.address(),
                       " has the verifier key of \"", (*key)->name(),
                       "\"; a peer's key must carry its name (its origin)"));
    }
  }
  return config;
}

SyncManager::SyncManager(Archive* archive, std::string trust_file,
                         archive_config::v1::ServerConfig config)
    : archive_(archive),
      trust_file_(std::move(trust_file)),
      config_(std::move(config)) {}

SyncManager::~SyncManager() {
  {
    // Under the lock, so the worker's Await sees the change at once.
    absl::MutexLock lock(&mu_);
    stop_ = true;
  }
  // Queued jobs see stop_ and finish at once with UNAVAILABLE or CANCELLED.
  if (worker_.joinable()) worker_.join();
}

void SyncManager::Start() {
  absl::Time now = absl::FromUnixMicros(archive_->env()->NowMicros());
  {
    absl::MutexLock lock(&mu_);
    for (const archive_config::v1::PeerConfig& peer : config_.peers()) {
      if (peer.pull_interval_seconds() > 0) next_pull_[peer.address()] = now;
    }
  }
  worker_ = std::thread([this] { WorkerLoop(); });
}

void SyncManager::RecoverWhileHeld(std::vector<std::string> peers,
                                   absl::Duration retry) {
  if (peers.empty()) {
    for (const archive_config::v1::PeerConfig& peer : config_.peers()) {
      peers.push_back(peer.address());
    }
  }
  recovery_peers_ = std::move(peers);
  recovery_retry_ = retry;
  absl::MutexLock lock(&mu_);
  next_recovery_ = absl::InfinitePast();
}

void SyncManager::QueueRecovery() {
  absl::Time now = absl::FromUnixMicros(archive_->env()->NowMicros());
  if (next_recovery_ > now) return;
  if (!archive_->signing_hold()) {
    next_recovery_ = absl::InfiniteFuture();
    return;
  }
  next_recovery_ = now + recovery_retry_;
  jobs_.push_back([this] { RunRecovery(); });
}

void SyncManager::RunRecovery() {
  if (stop_ || !archive_->signing_hold()) return;
  auto trust = CurrentTrust();
  absl::StatusOr<RecoveryReport> report = absl::UnknownError("not run");
  if (trust.ok()) {
    std::vector<RecoveryPeer> peers;
    for (const std::string& address : recovery_peers_) {
      peers.push_back(RecoveryPeer{address, PeerTls(address)});
    }
    report = LogRecovery(archive_, &*trust, &stop_).Recover(peers);
  } else {
    report = trust.status();
  }
  if (!report.ok()) {
    LogLine(absl::StrCat("archived: recovery of the log's missing tail: ",
                         report.status().message(), "; trying again in ",
                         absl::FormatDuration(recovery_retry_)),
            LogLevel::kWarning);
    return;
  }
  LogLine(absl::StrCat(
      "archived: recovered ", report->entries_recovered,
      " log entries from peers' mirrors (", report->blobs_fetched,
      " contents fetched); the log has ", report->log_size_after,
      " entries, the newest checkpoint a peer mirrors; the hold is lifted and "
      "this archive signs again (",
      absl::StrJoin(report->peers, "; "), ")"));
}

void SyncManager::Queue(std::function<void()> job) {
  absl::MutexLock lock(&mu_);
  jobs_.push_back(std::move(job));
}

void SyncManager::PullAsync(const std::string& address,
                            Done<v1::SyncResponse> done) {
  Queue([this, address, done] { done(RunPull(address)); });
}

void SyncManager::ScrubAsync(bool repair, std::vector<std::string> peers,
                             Done<v1::ScrubResponse> done) {
  Queue([this, repair, peers, done] {
    if (stop_) return done(absl::UnavailableError("server is shutting down"));
    int64_t started_at = archive_->env()->NowSeconds();
    absl::StatusOr<v1::ScrubResponse> response = RunScrub(repair, peers);
    if (!response.ok()) return done(response.status());
    RecordScrub(started_at, &*response);
    done(std::move(*response));
  });
}

void SyncManager::RequestRepair(const std::string& sha256, uint64_t size) {
  {
    absl::MutexLock lock(&mu_);
    if (!repairs_queued_.insert(sha256).second) return;
  }
  Queue([this, sha256, size] {
    auto from = RepairBlob(sha256, size, {});
    LogLine(from.ok()
                ? absl::StrCat("archived: repaired blob sha256:", sha256,
                               " from ", *from)
                : absl::StrCat("archived: cannot repair blob sha256:", sha256,
                               ": ", from.status().message()));
    absl::MutexLock lock(&mu_);
    repairs_queued_.erase(sha256);
  });
}

absl::StatusOr<TrustStore> SyncManager::CurrentTrust() const {
  if (!trust_file_.empty() && !archive_->env()->FileExists(trust_file_)) {
    return absl::FailedPreconditionError(
        absl::StrCat("trust file ", trust_file_, " does not exist"));
  }
  auto trust = TrustStore::Load(trust_file_);
  if (!trust.ok()) return trust.status();
  absl::Status s = trust->AddKey(archive_->key().VerifierKey());
  if (!s.ok()) return s;
  for (const archive_config::v1::PeerConfig& peer : config_.peers()) {
    if (peer.verifier_key().empty()) continue;
    if (s = trust->AddKey(peer.verifier_key()); !s.ok()) return s;
  }
  return trust;
}

archive_config::v1::PeerConfig SyncManager::ConfiguredPeer(
    const std::string& address) const {
  for (const archive_config::v1::PeerConfig& peer : config_.peers()) {
    if (peer.address() == address) return peer;
  }
  return archive_config::v1::PeerConfig{};
}

TlsFiles SyncManager::PeerTls(const std::string& address) const {
  archive_config::v1::PeerConfig peer = ConfiguredPeer(address);
  return TlsFiles{peer.tls_ca_file(), peer.tls_cert_file(),
                  peer.tls_key_file()};
}

void SyncManager::QueueScheduledPulls() {
  // A held archive may not grow its log by a pull; recovery comes first.
  if (next_recovery_ != absl::InfiniteFuture()) return;
  absl::Time now = absl::FromUnixMicros(archive_->env()->NowMicros());
  for (const archive_config::v1::PeerConfig& peer : config_.peers()) {
    auto it = next_pull_.find(peer.address());
    if (it == next_pull_.end() || it->second > now) continue;
    it->second = now + absl::Seconds(peer.pull_interval_seconds());
    std::string address = peer.address();
    jobs_.push_back([this, address] { RunPull(address).IgnoreError(); });
  }
}

void SyncManager::WorkerLoop() {
  NameThisThread("sync-worker");
  while (true) {
    std::function<void()> job;
    {
      absl::MutexLock lock(&mu_);
      mu_.AwaitWithTimeout(
          absl::Condition(
              +[](SyncManager* m) ABSL_EXCLUSIVE_LOCKS_REQUIRED(m->mu_) {
                return m->stop_.load() || !m->jobs_.empty();
              },
              this),
          absl::Seconds(1));
      if (!stop_) {
        QueueRecovery();
        QueueScheduledPulls();
      }
      if (jobs_.empty()) {
        if (stop_) return;
        continue;
      }
      job = std::move(jobs_.front());
      jobs_.pop_front();
    }
    job();  // with stop_ set, a pull ends at its first entry and says so
  }
}

absl::StatusOr<v1::SyncResponse> SyncManager::RunPull(
    const std::string& address) {
  if (stop_) return absl::UnavailableError("server is shutting down");
  absl::StatusOr<v1::SyncResponse> result;
  auto trust = CurrentTrust();
  if (!trust.ok()) {
    result = trust.status();
  } else {
    // A configured peer must be the office its config entry names.
    result =
        PeerPuller(archive_, &*trust, &stop_, witness_policy_.get())
            .Pull(address, PeerTls(address), ConfiguredPeer(address).name());
  }
  if (result.ok()) {
    LogLine(absl::StrCat(
        "archived: pulled ", result->peer_origin(), " at ", address, ": ",
        result->imported(), " revisions imported, ", result->already_present(),
        " already here, ", result->blobs_fetched(), " blobs (",
        result->bytes_fetched(), " bytes) fetched, peer checkpoint ",
        result->checkpoint_size(),
        result->conflicts_size() > 0
            ? absl::StrCat(", conflicts in ",
                           absl::StrJoin(result->conflicts(), ", "))
            : ""));
  } else {
    LogLine(absl::StrCat("archived: pull from ", address,
                         " failed: ", result.status().message()),
            LogLevel::kWarning);
  }
  if (pull_observer_ != nullptr) pull_observer_->PullFinished(address, result);
  return result;
}

}  // namespace archive
