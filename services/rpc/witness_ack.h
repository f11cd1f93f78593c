// archived --witness_quorum_for_ack=K: a put is acknowledged only once K of
// the witnesses this archive asks (--witnesses) cosigned a checkpoint that
// includes its revision, and the receipt it returns carries that cosigned
// checkpoint, with the inclusion proof against it (the checkpoint may be
// newer than the put's own batch). With K = 0 a put is answered as soon as it
// is durable and signed, as before.
//
// The wait holds no thread: the put's commit callback (on the sequencer
// thread) hands the result to Hold(), which registers a callback with the
// WitnessCollector; the collector's threads finish the put when the quorum
// arrives or the deadline (--witness_ack_timeout_seconds) passes. A put that
// misses its quorum fails with UNAVAILABLE saying that the revision IS durably
// stored and logged (only the cosignatures are missing) and naming the
// witnesses that did not cosign; a retry is idempotent (the same put stores
// nothing new and waits again).
//
// Metrics: archive_witness_ack_waits_total{outcome="cosigned|timeout"},
// archive_witness_ack_wait_seconds (histogram).
//
// Thread-safety: thread-safe. The archive and the collector must outlive it.
#ifndef ARCHIVE_SERVICES_RPC_WITNESS_ACK_H_
#define ARCHIVE_SERVICES_RPC_WITNESS_ACK_H_

#include <cstddef>
#include <functional>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"
#include "services/sync/witness_collector.h"
#include "storage/db/archive.h"

namespace archive {

class WitnessAck {
 public:
  // INVALID_ARGUMENT naming the flag if `quorum` exceeds the witnesses the
  // collector lists (or there is no collector and `quorum` > 0).
  static absl::Status Validate(size_t quorum,
                               const WitnessCollector* collector);

  // `collector` may be null only with `quorum` 0.
  WitnessAck(Archive* archive, WitnessCollector* collector, size_t quorum,
             absl::Duration timeout, prometheus::Registry& registry);

  using Done = std::function<void(absl::StatusOr<CommitResult>)>;
  // Calls `done` with `result` at once if no quorum is required; else once
  // the quorum cosigned a checkpoint covering the revision, with the receipt
  // against that checkpoint, or with the UNAVAILABLE above. `done` may run on
  // this thread or one of the collector's and must not block.
  void Hold(CommitResult result, Done done);

  size_t quorum() const { return quorum_; }

 private:
  void Finish(CommitResult result, absl::Time started,
              absl::StatusOr<SignedCheckpoint> cosigned, const Done& done);

  Archive* archive_;
  WitnessCollector* collector_;
  size_t quorum_;
  absl::Duration timeout_;
  prometheus::Family<prometheus::Counter>& waits_;
  prometheus::Histogram& wait_seconds_;
};

}  // namespace archive

#endif  // ARCHIVE_SERVICES_RPC_WITNESS_ACK_H_
