// Limits on streaming calls (Put, ImportRevision, Get, GetBlob, ReadLog);
// unary calls are not counted.
//
// - Per client: at most `max_streams_per_client` streams open at once per
//   client, across all its connections. A client is its authenticated identity
//   under mutual TLS; otherwise nobody vouches for the name, so it is the
//   identity ("local", "anonymous") at the peer's address, e.g.
//   "local@127.0.0.1". A stream over the limit is refused with
//   RESOURCE_EXHAUSTED naming the client, the limit and the flag. The count is
//   released just before the reactor finishes the call (so a client that saw
//   its stream end may start the next at once), and at the latest when the
//   ticket is destroyed in OnDone: every way a stream ends (ok, error, cancel,
//   idle) releases it.
// - Idle: a stream that has waited on its client (for the next message of a
//   Put or ImportRevision, or for the client to read what a Get/GetBlob/ReadLog
//   wrote) longer than `idle` is cancelled by a watchdog thread with
//   DEADLINE_EXCEEDED naming the flag. Waiting on the archive itself (a put's
//   or an import's commit) is not idleness. The uploads share their handling
//   in services/upload_reactor.h.
#ifndef ARCHIVE_SERVICES_RPC_STREAM_LIMITS_H_
#define ARCHIVE_SERVICES_RPC_STREAM_LIMITS_H_

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "services/rpc/access_control.h"

namespace archive {

class StreamLimits {
 public:
  // 0 for either limit: no limit.
  StreamLimits(uint32_t max_streams_per_client, absl::Duration idle);
  ~StreamLimits();  // stops the watchdog; every ticket must be gone
  StreamLimits(const StreamLimits&) = delete;
  StreamLimits& operator=(const StreamLimits&) = delete;

  // Who counts as one client: see above.
  static std::string ClientOf(const Caller& caller, const std::string& peer);

  class Ticket;
  // Admits one more stream for `client` on the call `ctx`, or refuses it with
  // RESOURCE_EXHAUSTED. Destroy the ticket when the call is done (OnDone).
  absl::StatusOr<std::unique_ptr<Ticket>> Admit(
      const std::string& client, grpc::CallbackServerContext* ctx);

 private:
  void Release(Ticket* ticket) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Watch();
  void EndIdleStreams();

  const uint32_t max_per_client_;
  const absl::Duration idle_;
  absl::Mutex mu_;
  std::map<std::string, uint32_t> open_ ABSL_GUARDED_BY(mu_);
  std::set<Ticket*> tickets_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread watchdog_;
};

// One admitted stream. The reactor tells it when it waits on the client; the
// watchdog reads that from its own thread.
class StreamLimits::Ticket {
 public:
  ~Ticket();  // releases the client's count (if Release() was not called)

  // The stream is ending: no longer counted, no longer watched. Call it just
  // before Finish. Idempotent.
  void Release();

  // A read or write is outstanding from now on; `what` ("the client sent
  // nothing") goes into the idle status message. A static string.
  void WaitOnClient(const char* what);
  // The outstanding read or write completed.
  void Progressed();
  // True once the watchdog ended the stream for idleness. Sticky: once it is
  // true, no later progress counts (the call is cancelled).
  bool ended_idle() const { return state_.load() == kEndedIdle; }
  // The status the stream ended with: the idle status if the watchdog ended
  // it (the reactor then only sees a cancelled call), else `s`.
  grpc::Status Explain(const grpc::Status& s) const;

 private:
  friend class StreamLimits;
  Ticket(StreamLimits* limits, std::string client, grpc_call* call)
      : limits_(limits), client_(std::move(client)), call_(call) {}
  grpc::Status IdleStatus() const;

  StreamLimits* limits_;
  const std::string client_;
  grpc_call* call_;
  // Sets state_ to `to` unless the watchdog ended the stream.
  void Move(int64_t to);

  // kNotWaiting, kEndedIdle, or the steady-clock microsecond the stream began
  // waiting on the client. One atomic, so that the watchdog's claim and the
  // reactor's progress cannot both win.
  static constexpr int64_t kNotWaiting = 0;
  static constexpr int64_t kEndedIdle = -1;
  std::atomic<int64_t> state_{kNotWaiting};
  std::atomic<const char*> what_{"the client sent nothing"};
  bool released_ = false;  // guarded by limits_->mu_
};

}  // namespace archive

#endif  // ARCHIVE_SERVICES_RPC_STREAM_LIMITS_H_
