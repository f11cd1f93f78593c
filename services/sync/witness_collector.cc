#include "services/sync/witness_collector.h"

#include <httplib.h>
#include <sys/stat.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "absl/algorithm/container.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "storage/base/hex.h"
#include "storage/base/log_line.h"
#include "storage/base/this_thread.h"
#include "storage/format/signed_note.h"

namespace archive {
bool SplitHttpUrl(const std::string& url, std::string* origin,
                  std::string* path) {
  size_t scheme = url.find("://");
  if (scheme == std::string::npos) return false;
  size_t slash = url.find('/', scheme + 3);
  *origin = url.substr(0, slash);
  *path = slash == std::string::npos ? "" : url.substr(slash);
  while (!path->empty() && path->back() == '/') path->pop_back();
  return true;
}

namespace {

std::string RequestBody(uint64_t old_size,
                        const std::vector<std::string>& proof,
                        const std::string& note) {
  std::string body = absl::StrCat("old ", old_size, "\n");
  for (const std::string& h : proof)
    absl::StrAppend(&body, Base64Encode(h), "\n");
  absl::StrAppend(&body, "\n", note);
  return body;
}

}  // namespace

absl::StatusOr<std::unique_ptr<WitnessCollector>> WitnessCollector::Create(
    Archive* archive, const std::string& witnesses_file,
    absl::Duration timeout) {
  std::unique_ptr<WitnessCollector> collector(
      new WitnessCollector(archive, witnesses_file, timeout));
  auto peers = LoadPeers(witnesses_file);
  if (!peers.ok()) return peers.status();
  collector->ReloadIfChanged();
  return collector;
}

bool WitnessCollector::ReloadIfChanged() {
  struct stat st;
  int64_t mtime = ::stat(file_.c_str(), &st) == 0
                      ? st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec
                      : -1;
  if (mtime == file_mtime_) return false;
  file_mtime_ = mtime;
  auto loaded = LoadPeers(file_);
  if (!loaded.ok()) {
    LogLine(absl::StrCat("archived: --witnesses: ", loaded.status().message(),
                         "; keeping the witnesses read before"),
            LogLevel::kWarning);
    return false;
  }
  absl::MutexLock lock(&mu_);
  // A witness listed before keeps the size it last cosigned.
  for (Peer& peer : *loaded) {
    for (const Peer& old : peers_) {
      if (old.witness.key->ToString() == peer.witness.key->ToString()) {
        peer.cosigned_size = old.cosigned_size;
      }
    }
  }
  peers_ = std::move(*loaded);
  return true;
}

absl::StatusOr<std::vector<WitnessCollector::Peer>> WitnessCollector::LoadPeers(
    const std::string& witnesses_file) {
  auto policy = WitnessPolicy::Load(witnesses_file, /*require_quorum=*/false);
  if (!policy.ok()) return policy.status();
  std::vector<Peer> peers;
  for (const WitnessPolicy::Witness& w : policy->witnesses()) {
    std::string origin, path;
    if (w.url.empty() || !SplitHttpUrl(w.url, &origin, &path)) {
      return absl::InvalidArgumentError(absl::StrCat(
          witnesses_file, ": witness ", w.key->name(),
          " needs its submission prefix URL (http://HOST:PORT/witness)"));
    }
    peers.push_back(Peer{w, 0, ""});
  }
  return peers;
}

WitnessCollector::~WitnessCollector() {
  {
    absl::MutexLock lock(&mu_);  // wakes the expirer
    stop_ = true;
  }
  if (thread_.joinable()) thread_.join();
  if (expirer_.joinable()) expirer_.join();
  std::vector<Waiter> left;
  {
    absl::MutexLock lock(&mu_);
    left.swap(waiters_);
  }
  for (Waiter& w : left) {
    w.done(absl::UnavailableError(
        "archived is stopping before the witnesses cosigned"));
  }
}

void WitnessCollector::Start() {
  thread_ = std::thread([this] { Loop(); });
  expirer_ = std::thread([this] { ExpireLoop(); });
}

void WitnessCollector::ExpireLoop() {
  NameThisThread("witness-expire");
  while (true) {
    {
      // Asleep until the earliest deadline, a waiter added (it may be due
      // sooner) or the stop; a quorum reached is answered by Publish.
      absl::MutexLock lock(&mu_);
      absl::Time due = absl::InfiniteFuture();
      for (const Waiter& w : waiters_) due = std::min(due, w.deadline);
      const uint64_t added = waiters_added_;
      auto woken = [this, added]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return stop_ || waiters_added_ != added;
      };
      mu_.AwaitWithDeadline(absl::Condition(&woken), due);
      if (stop_) return;
    }
    AnswerWaiters(absl::Now());
  }
}

void WitnessCollector::Loop() {
  NameThisThread("witness-collect");
  uint64_t sent_size = UINT64_MAX;
  absl::Time retry_at = absl::InfiniteFuture();
  while (!stop_) {
    if (ReloadIfChanged()) sent_size = UINT64_MAX;
    SignedCheckpoint cp = archive_->LatestCheckpoint();
    // A new checkpoint goes to every witness; the current one goes again,
    // every 2 s, to those that did not cosign it (one was down, a put waits).
    const bool fresh = cp.size != sent_size;
    if (!peers_.empty() && (fresh || absl::Now() >= retry_at)) {
      std::vector<std::string> lines, signers;
      if (!fresh) {
        absl::MutexLock lock(&mu_);
        lines = lines_;
        signers = signers_;
      }
      SendToAll(cp, &lines, &signers);
      retry_at = signers.size() < peers_.size() ? absl::Now() + absl::Seconds(2)
                                                : absl::InfiniteFuture();
      Publish(cp, std::move(lines), std::move(signers));
      sent_size = cp.size;
    }
    // Polled: the archive tells no one of a new checkpoint (its one
    // CommitObserver is the metrics'), and waking on one would change its
    // API. The waiters do not poll (ExpireLoop).
    absl::SleepFor(absl::Milliseconds(100));
  }
}

void WitnessCollector::SendToAll(const SignedCheckpoint& cp,
                                 std::vector<std::string>* lines,
                                 std::vector<std::string>* signers) {
  std::vector<absl::StatusOr<std::string>> answers(
      peers_.size(), absl::UnknownError("not asked"));
  std::vector<bool> asked(peers_.size(), false);
  std::vector<std::thread> senders;
  for (size_t i = 0; i < peers_.size(); ++i) {
    if (absl::c_linear_search(*signers, peers_[i].witness.key->name())) {
      continue;
    }
    asked[i] = true;
    senders.emplace_back([&, i] { answers[i] = SendTo(peers_[i], cp); });
  }
  for (std::thread& t : senders) t.join();
  absl::MutexLock lock(&mu_);
  for (size_t i = 0; i < peers_.size(); ++i) {
    if (!asked[i]) continue;
    if (answers[i].ok()) {
      lines->push_back(std::move(*answers[i]));
      signers->push_back(peers_[i].witness.key->name());
      peers_[i].last_error.clear();
    } else if (peers_[i].last_error != answers[i].status().message()) {
      // Said once per cause, not at every retry.
      peers_[i].last_error = std::string(answers[i].status().message());
      LogLine(absl::StrCat("archived: witness ", peers_[i].witness.key->name(),
                           " did not cosign ", "the checkpoint of ", cp.size,
                           ": ", answers[i].status().message()),
              LogLevel::kWarning);
    }
  }
}

absl::StatusOr<std::string> WitnessCollector::SendTo(
    Peer& peer, const SignedCheckpoint& cp) {
  std::string origin, path;
  SplitHttpUrl(peer.witness.url, &origin, &path);
  httplib::Client client(origin);
  const int64_t micros = absl::ToInt64Microseconds(timeout_);
  client.set_connection_timeout(micros / 1000000, micros % 1000000);
  client.set_read_timeout(micros / 1000000, micros % 1000000);
  client.set_write_timeout(micros / 1000000, micros % 1000000);
  // A 409 names the size the witness holds: resend once from there.
  for (int attempt = 0; attempt < 2; ++attempt) {
    std::vector<std::string> proof;
    uint64_t old_size = std::min(peer.cosigned_size, cp.size);
    if (old_size > 0 && old_size < cp.size) {
      auto p = archive_->ConsistencyProof(old_size, cp.size);
      if (!p.ok()) return p.status();
      proof = std::move(*p);
    }
    auto reply =
        client.Post(path + "/add-checkpoint",
                    RequestBody(old_size, proof, cp.note), "text/plain");
    if (!reply) {
      return absl::UnavailableError(absl::StrCat(
          peer.witness.url, ": ", httplib::to_string(reply.error())));
    }
    if (reply->status == 409) {
      uint64_t size = 0;
      if (!absl::SimpleAtoi(absl::StripAsciiWhitespace(reply->body), &size) ||
          size > cp.size || attempt > 0) {
        return absl::FailedPreconditionError(
            absl::StrCat("409: the witness holds a checkpoint of ",
                         absl::StripAsciiWhitespace(reply->body), " entries"));
      }
      peer.cosigned_size = size;
      continue;
    }
    if (reply->status != 200) {
      return absl::UnavailableError(absl::StrCat(
          reply->status, ": ", absl::StripAsciiWhitespace(reply->body)));
    }
    // Keep only a cosignature by this witness's key, for this checkpoint:
    // whatever else the answer holds is dropped, and a bad one refuses it.
    auto note = ParseNote(cp.note + reply->body);
    if (!note.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("its answer does not parse as signature lines: ",
                       note.status().message()));
    }
    auto line = VerifiedCosignatureLine(*note, *peer.witness.key);
    if (!line.ok()) return line.status();
    peer.cosigned_size = cp.size;
    return line;
  }
  return absl::UnavailableError("no answer");
}

std::string WitnessCollector::Cosigned(const std::string& note) const {
  absl::MutexLock lock(&mu_);
  if (note != cosigned_.note) return note;
  return absl::StrCat(note, absl::StrJoin(lines_, ""));
}

void WitnessCollector::Publish(const SignedCheckpoint& cp,
                               std::vector<std::string> lines,
                               std::vector<std::string> signers) {
  {
    absl::MutexLock lock(&mu_);
    cosigned_ = cp;
    lines_ = std::move(lines);
    signers_ = std::move(signers);
  }
  AnswerWaiters(absl::Now());
}

void WitnessCollector::WhenCosigned(uint64_t size, size_t quorum,
                                    absl::Time deadline,
                                    CosignedCallback done) {
  Waiter w{size, quorum, deadline, std::move(done)};
  absl::StatusOr<SignedCheckpoint> answer;
  {
    absl::MutexLock lock(&mu_);
    if (!Reached(w)) {
      waiters_.push_back(std::move(w));
      ++waiters_added_;
      return;
    }
    answer = Answer(w);
  }
  w.done(std::move(answer));
}

bool WitnessCollector::Reached(const Waiter& w) const {
  return cosigned_.size >= w.size && lines_.size() >= w.quorum;
}

absl::StatusOr<SignedCheckpoint> WitnessCollector::Answer(
    const Waiter& w) const {
  if (Reached(w)) {
    SignedCheckpoint cp = cosigned_;
    cp.note = absl::StrCat(cp.note, absl::StrJoin(lines_, ""));
    return cp;
  }
  // Who cosigned a checkpoint covering the size, and who did not (and why).
  const bool covers = cosigned_.size >= w.size;
  std::vector<std::string> signed_by, missing;
  for (const Peer& p : peers_) {
    const std::string& name = p.witness.key->name();
    if (covers && absl::c_linear_search(signers_, name)) {
      signed_by.push_back(name);
    } else {
      missing.push_back(p.last_error.empty()
                            ? name
                            : absl::StrCat(name, " (", p.last_error, ")"));
    }
  }
  return absl::UnavailableError(absl::StrCat(
      signed_by.size(), " of the ", w.quorum,
      " witness cosignatures required had come for a checkpoint of ", w.size,
      " entries or more when the wait ended (cosigned by: ",
      signed_by.empty() ? "none" : absl::StrJoin(signed_by, ", "),
      "; did not cosign: ",
      missing.empty() ? "none" : absl::StrJoin(missing, "; "), ")"));
}

void WitnessCollector::AnswerWaiters(absl::Time now) {
  std::vector<std::pair<CosignedCallback, absl::StatusOr<SignedCheckpoint>>>
      answers;
  {
    absl::MutexLock lock(&mu_);
    std::vector<Waiter> waiting;
    for (Waiter& w : waiters_) {
      if (Reached(w) || now >= w.deadline) {
        answers.emplace_back(std::move(w.done), Answer(w));
      } else {
        waiting.push_back(std::move(w));
      }
    }
    waiters_ = std::move(waiting);
  }
  for (auto& [done, answer] : answers) done(std::move(answer));
}

size_t WitnessCollector::witness_count() const {
  absl::MutexLock lock(&mu_);
  return peers_.size();
}

std::vector<std::string> WitnessCollector::Describe() const {
  absl::MutexLock lock(&mu_);
  std::vector<std::string> lines;
  for (const Peer& p : peers_) {
    lines.push_back(absl::StrCat(
        p.witness.key->name(), " at ", p.witness.url,
        p.last_error.empty() ? "" : absl::StrCat(": ", p.last_error)));
  }
  return lines;
}

}  // namespace archive
