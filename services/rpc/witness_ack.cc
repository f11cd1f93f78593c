#include "services/rpc/witness_ack.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace archive {

absl::Status WitnessAck::Validate(size_t quorum,
                                  const WitnessCollector* collector) {
  const size_t listed = collector == nullptr ? 0 : collector->witness_count();
  if (quorum <= listed) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(
      "--witness_quorum_for_ack=", quorum, " asks for more witnesses than the ",
      listed, " listed in --witnesses",
      collector == nullptr ? " (none given)" : "",
      ": list more witnesses or lower the quorum"));
}

WitnessAck::WitnessAck(Archive* archive, WitnessCollector* collector,
                       size_t quorum, absl::Duration timeout,
                       prometheus::Registry& registry)
    : archive_(archive),
      collector_(collector),
      quorum_(quorum),
      timeout_(timeout),
      waits_(prometheus::BuildCounter()
                 .Name("archive_witness_ack_waits_total")
                 .Help("Puts held for --witness_quorum_for_ack, by outcome: "
                       "cosigned (acknowledged with the quorum) or timeout "
                       "(answered UNAVAILABLE; the revision is stored).")
                 .Register(registry)),
      wait_seconds_(
          prometheus::BuildHistogram()
              .Name("archive_witness_ack_wait_seconds")
              .Help("Time a put waited for its witness quorum, "
                    "after it was durable and signed.")
              .Register(registry)
              .Add({}, prometheus::Histogram::BucketBoundaries{
                           0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30})) {
  for (const char* outcome : {"cosigned", "timeout"}) {
    waits_.Add({{"outcome", outcome}});
  }
}

void WitnessAck::Hold(CommitResult result, Done done) {
  if (quorum_ == 0 || collector_ == nullptr) return done(std::move(result));
  const absl::Time started = absl::Now();
  const uint64_t covering = result.revision.leaf_index + 1;
  collector_->WhenCosigned(
      covering, quorum_, started + timeout_,
      [this, started, result = std::move(result),
       done = std::move(done)](absl::StatusOr<SignedCheckpoint> cp) mutable {
        Finish(std::move(result), started, std::move(cp), done);
      });
}

void WitnessAck::Finish(CommitResult result, absl::Time started,
                        absl::StatusOr<SignedCheckpoint> cosigned,
                        const Done& done) {
  wait_seconds_.Observe(absl::ToDoubleSeconds(absl::Now() - started));
  waits_.Add({{"outcome", cosigned.ok() ? "cosigned" : "timeout"}}).Increment();
  if (!cosigned.ok()) {
    return done(absl::UnavailableError(absl::StrCat(
        "revision ", result.revision.id, " IS durably stored and logged (leaf ",
        result.revision.leaf_index,
        "), but the witness quorum this archive requires before it "
        "acknowledges a put (--witness_quorum_for_ack=",
        quorum_, ") was not met within ", absl::FormatDuration(timeout_), ": ",
        cosigned.status().message(),
        ". Retrying the same put is safe: it stores nothing new and waits "
        "for the witnesses again")));
  }
  // The receipt is against the cosigned checkpoint, which may be newer than
  // the batch's own.
  Receipt& receipt = result.receipt;
  auto proof =
      archive_->InclusionProof(result.revision.leaf_index, cosigned->size);
  if (!proof.ok()) return done(proof.status());
  receipt.checkpoint = std::move(*cosigned);
  receipt.inclusion = std::move(*proof);
  done(std::move(result));
}

}  // namespace archive
