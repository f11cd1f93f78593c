#include "services/sync_manager.h"

#include <google/protobuf/io/tokenizer.h>
#include <google/protobuf/text_format.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "services/peer_puller.h"
#include "services/request_log.h"
#include "storage/env.h"

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

absl::StatusOr<v1::ServerConfig> LoadServerConfig(const std::string& path) {
  auto text = Env::Default()->ReadFile(path);
  if (!text.ok()) return text.status();
  v1::ServerConfig config;
  google::protobuf::TextFormat::Parser parser;
  ConfigErrors errors;
  parser.RecordErrorsTo(&errors);
  if (!parser.ParseFromString(*text, &config)) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": ", absl::StrJoin(errors.errors, "; ")));
  }
  for (const v1::PeerConfig& peer : config.peers()) {
    if (peer.address().empty() || peer.name().empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          path, ": every peer needs a name (its origin) and an address"));
    }
  }
  return config;
}

SyncManager::SyncManager(Archive* archive, std::string trust_file,
                         v1::ServerConfig config)
    : archive_(archive),
      trust_file_(std::move(trust_file)),
      config_(std::move(config)) {}

SyncManager::~SyncManager() {
  stop_ = true;
  {
    absl::MutexLock lock(&mu_);
    for (Job& job : jobs_)
      job.done(absl::UnavailableError("server is shutting down"));
    jobs_.clear();
  }
  if (worker_.joinable()) worker_.join();
}

void SyncManager::Start() {
  absl::Time now = absl::Now();
  {
    absl::MutexLock lock(&mu_);
    for (const v1::PeerConfig& peer : config_.peers()) {
      if (peer.pull_interval_seconds() > 0) next_pull_[peer.address()] = now;
    }
  }
  worker_ = std::thread([this] { WorkerLoop(); });
}

void SyncManager::PullAsync(const std::string& address, Done done) {
  absl::MutexLock lock(&mu_);
  jobs_.push_back(Job{address, std::move(done)});
}

absl::StatusOr<TrustStore> SyncManager::CurrentTrust() const {
  auto trust = TrustStore::Load(trust_file_);
  if (!trust.ok()) return trust.status();
  if (!trust_file_.empty() && !Env::Default()->FileExists(trust_file_)) {
    return absl::FailedPreconditionError(
        absl::StrCat("trust file ", trust_file_, " does not exist"));
  }
  if (absl::Status s = trust->AddKey(archive_->key().VerifierKey()); !s.ok())
    return s;
  for (const v1::PeerConfig& peer : config_.peers()) {
    if (peer.verifier_key().empty()) continue;
    if (absl::Status s = trust->AddKey(peer.verifier_key()); !s.ok()) return s;
  }
  return trust;
}

void SyncManager::QueueScheduledPulls() {
  absl::Time now = absl::Now();
  for (const v1::PeerConfig& peer : config_.peers()) {
    auto it = next_pull_.find(peer.address());
    if (it == next_pull_.end() || it->second > now) continue;
    it->second = now + absl::Seconds(peer.pull_interval_seconds());
    jobs_.push_back(Job{peer.address(), nullptr});
  }
}

void SyncManager::WorkerLoop() {
  while (!stop_) {
    Job job;
    {
      absl::MutexLock lock(&mu_);
      mu_.AwaitWithTimeout(
          absl::Condition(
              +[](SyncManager* m) ABSL_EXCLUSIVE_LOCKS_REQUIRED(m->mu_) {
                return m->stop_.load() || !m->jobs_.empty();
              },
              this),
          absl::Seconds(1));
      if (stop_) return;
      QueueScheduledPulls();
      if (jobs_.empty()) continue;
      job = std::move(jobs_.front());
      jobs_.pop_front();
    }
    RunJob(job);
  }
}

void SyncManager::RunJob(const Job& job) {
  absl::StatusOr<v1::SyncResponse> result;
  auto trust = CurrentTrust();
  if (!trust.ok()) {
    result = trust.status();
  } else {
    result = PeerPuller(archive_, &*trust, &stop_).Pull(job.address);
  }
  if (result.ok()) {
    LogLine(absl::StrCat(
        "archived: pulled ", result->peer_origin(), " at ", job.address, ": ",
        result->imported(), " revisions imported, ", result->already_present(),
        " already here, ", result->blobs_fetched(), " blobs (",
        result->bytes_fetched(), " bytes) fetched, peer checkpoint ",
        result->checkpoint_size(),
        result->conflicts_size() > 0
            ? absl::StrCat(", conflicts in ",
                           absl::StrJoin(result->conflicts(), ", "))
            : ""));
  } else {
    LogLine(absl::StrCat("archived: pull from ", job.address,
                         " failed: ", result.status().message()));
  }
  if (job.done) job.done(std::move(result));
}

}  // namespace archive
