#include "services/rpc/witness_setup.h"

#include <algorithm>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "storage/base/env.h"
#include "storage/base/log_line.h"

ABSL_FLAG(std::string, witnesses, "",
          "file of the witnesses this archive asks to cosign each new "
          "checkpoint, one line each: witness <cosigner verifier key> "
          "<submission prefix URL> (another office's archived: "
          "http://HOST:HTTP_PORT/witness); the checkpoint served carries "
          "the cosignatures collected");
ABSL_FLAG(uint32_t, witness_quorum_for_ack, 0,
          "acknowledge a put only once this many of the --witnesses "
          "cosigned a checkpoint that includes it (its receipt carries that "
          "checkpoint); 0: do not wait for witnesses");
ABSL_FLAG(int32_t, witness_ack_timeout_seconds, 10,
          "how long a put waits for --witness_quorum_for_ack before it "
          "answers UNAVAILABLE (the revision is stored all the same)");
ABSL_FLAG(std::string, witness_policy, "",
          "pull a peer only when its checkpoint carries the quorum of "
          "cosignatures this file asks: lines \"witness <cosigner verifier "
          "key> [URL]\" and \"quorum <k>\"");

namespace archive {

WitnessFlags WitnessFlagValues() {
  WitnessFlags f;
  f.witnesses_file = absl::GetFlag(FLAGS_witnesses);
  f.quorum_for_ack = absl::GetFlag(FLAGS_witness_quorum_for_ack);
  f.ack_timeout = absl::Seconds(
      std::max(1, absl::GetFlag(FLAGS_witness_ack_timeout_seconds)));
  f.pull_policy_file = absl::GetFlag(FLAGS_witness_policy);
  return f;
}

absl::StatusOr<std::unique_ptr<WitnessSetup>> WitnessSetup::Open(
    Archive* archive, const std::string& data_dir, const std::string& origin,
    const WitnessFlags& flags, prometheus::Registry& registry) {
  std::unique_ptr<WitnessSetup> setup(new WitnessSetup());
  auto witness = Witness::Open(Env::Default(), data_dir, origin + "/witness");
  if (!witness.ok()) return witness.status();
  setup->witness_ = std::move(*witness);
  auto mirror =
      MirrorCosigner::Open(Env::Default(), data_dir, origin + "/mirror");
  if (!mirror.ok()) return mirror.status();
  setup->mirror_cosigner_ = std::move(*mirror);
  if (!flags.witnesses_file.empty()) {
    auto created = WitnessCollector::Create(archive, flags.witnesses_file);
    absl::Status s = created.status();
    if (s.ok()) {
      setup->collector_ = std::move(*created);
      auto mirrors = MirrorCollector::Create(archive, flags.witnesses_file);
      s = mirrors.status();
      if (s.ok()) setup->mirrors_ = std::move(*mirrors);
    }
    if (!s.ok()) {
      return absl::Status(s.code(), absl::StrCat("--witnesses: ", s.message()));
    }
  }
  if (!flags.pull_policy_file.empty()) {
    auto policy = WitnessPolicy::Load(flags.pull_policy_file);
    if (!policy.ok()) {
      return absl::Status(
          policy.status().code(),
          absl::StrCat("--witness_policy: ", policy.status().message()));
    }
    setup->pull_policy_ =
        std::make_shared<const WitnessPolicy>(std::move(*policy));
  }
  if (flags.quorum_for_ack > 0) {
    absl::Status valid =
        WitnessAck::Validate(flags.quorum_for_ack, setup->collector_.get());
    if (!valid.ok()) return valid;
    setup->ack_ = std::make_unique<WitnessAck>(archive, setup->collector_.get(),
                                               flags.quorum_for_ack,
                                               flags.ack_timeout, registry);
  }
  return setup;
}

void WitnessSetup::Start() {
  LogLine(absl::StrCat("archived: witness key ", witness_->VerifierKey()));
  LogLine(
      absl::StrCat("archived: mirror key ", mirror_cosigner_->VerifierKey()));
  if (collector_ != nullptr) collector_->Start();
  if (mirrors_ != nullptr) mirrors_->Start();
}

void WitnessSetup::StopAsking() {
  mirrors_.reset();
  collector_.reset();  // answers any put still held, through ack_
  ack_.reset();
}

}  // namespace archive
