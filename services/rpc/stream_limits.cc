#include "services/rpc/stream_limits.h"

#include <grpc/grpc.h>

#include <algorithm>
#include <chrono>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "storage/base/error_detail.h"
#include "storage/base/this_thread.h"

namespace archive {
namespace {

int64_t NowMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// "ipv4:127.0.0.1:5000" -> "127.0.0.1", "ipv6:[::1]:5000" -> "[::1]": one
// client may open many connections, each from another port.
std::string PeerHost(const std::string& peer) {
  std::string host = peer;
  for (const char* scheme : {"ipv4:", "ipv6:"}) {
    if (absl::StartsWith(host, scheme)) {
      host = host.substr(std::char_traits<char>::length(scheme));
      size_t colon = host.rfind(':');
      if (colon != std::string::npos) host.resize(colon);
    }
  }
  return host;
}

}  // namespace

StreamLimits::StreamLimits(uint32_t max_streams_per_client, absl::Duration idle)
    : max_per_client_(max_streams_per_client), idle_(idle) {
  if (idle_ > absl::ZeroDuration())
    watchdog_ = std::thread([this] { Watch(); });
}

StreamLimits::~StreamLimits() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (watchdog_.joinable()) watchdog_.join();
}

std::string StreamLimits::ClientOf(const Caller& caller,
                                   const std::string& peer) {
  if (caller.authenticated) return caller.identity;
  return absl::StrCat(caller.identity, "@", PeerHost(peer));
}

absl::StatusOr<std::unique_ptr<StreamLimits::Ticket>> StreamLimits::Admit(
    const std::string& client, grpc::CallbackServerContext* ctx) {
  absl::MutexLock lock(&mu_);
  auto it = open_.find(client);
  uint32_t open = it == open_.end() ? 0 : it->second;
  if (max_per_client_ > 0 && open >= max_per_client_) {
    return LimitExceededError(
        {"streams_per_client", max_per_client_, "--max_streams_per_client"}, "",
        absl::StrCat("max_streams_per_client: ", client, " already has ", open,
                     " streaming calls open, the most this archive allows per "
                     "client (archived --max_streams_per_client=",
                     max_per_client_, "); retry when one ends"));
  }
  ++open_[client];
  std::unique_ptr<Ticket> ticket(new Ticket(this, client, ctx->c_call()));
  tickets_.insert(ticket.get());
  return ticket;
}

void StreamLimits::Release(Ticket* ticket) {
  if (ticket->released_) return;
  ticket->released_ = true;
  tickets_.erase(ticket);
  auto it = open_.find(ticket->client_);
  if (it != open_.end() && --it->second == 0) open_.erase(it);
}

void StreamLimits::Watch() {
  NameThisThread("stream-watch");
  // Checking a few times per idle period ends a stream at most a quarter
  // period late.
  absl::Duration period =
      std::clamp(idle_ / 4, absl::Milliseconds(50), absl::Seconds(1));
  absl::MutexLock lock(&mu_);
  while (!stopping_) {
    mu_.AwaitWithTimeout(absl::Condition(&stopping_), period);
    if (stopping_) break;
    mu_.Unlock();
    EndIdleStreams();
    mu_.Lock();
  }
}

void StreamLimits::EndIdleStreams() {
  struct Idle {
    grpc_call* call;
    std::string message;
  };
  std::vector<Idle> idle;
  const int64_t now = NowMicros();
  const int64_t limit = absl::ToInt64Microseconds(idle_);
  {
    absl::MutexLock lock(&mu_);
    std::vector<Ticket*> claimed;
    for (Ticket* t : tickets_) {
      int64_t since = t->state_.load();
      if (since <= 0 || now - since < limit) continue;
      // Progress made since the load wins: then the stream is not idle.
      if (t->state_.compare_exchange_strong(since, Ticket::kEndedIdle)) {
        claimed.push_back(t);
      }
    }
    for (Ticket* t : claimed) {
      // A watched ticket's call lives at least until its reactor's OnDone,
      // which waits for mu_ to release the ticket; the ref keeps the call
      // valid for the cancel below, made outside the lock because gRPC may
      // run reactions inline.
      grpc_call_ref(t->call_);
      idle.push_back({t->call_, t->IdleStatus().error_message()});
      Release(t);
    }
  }
  for (const Idle& i : idle) {
    // A server-side cancel with a status sends that status and message to the
    // client, even past a write the client never read.
    grpc_call_cancel_with_status(i.call, GRPC_STATUS_DEADLINE_EXCEEDED,
                                 i.message.c_str(), nullptr);
    grpc_call_unref(i.call);
  }
}

StreamLimits::Ticket::~Ticket() { Release(); }

void StreamLimits::Ticket::Release() {
  absl::MutexLock lock(&limits_->mu_);
  limits_->Release(this);
}

void StreamLimits::Ticket::Move(int64_t to) {
  int64_t from = state_.load();
  while (from != kEndedIdle && !state_.compare_exchange_weak(from, to)) {
  }
}

void StreamLimits::Ticket::WaitOnClient(const char* what) {
  what_.store(what);
  Move(NowMicros());
}

void StreamLimits::Ticket::Progressed() { Move(kNotWaiting); }

grpc::Status StreamLimits::Ticket::IdleStatus() const {
  int64_t seconds = absl::ToInt64Seconds(limits_->idle_);
  return grpc::Status(
      grpc::StatusCode::DEADLINE_EXCEEDED,
      absl::StrCat("idle stream: ", what_.load(), " for ", seconds,
                   " s, the longest this archive waits "
                   "(archived --idle_stream_seconds=",
                   seconds, ")"));
}

grpc::Status StreamLimits::Ticket::Explain(const grpc::Status& s) const {
  return ended_idle() ? IdleStatus() : s;
}

}  // namespace archive
