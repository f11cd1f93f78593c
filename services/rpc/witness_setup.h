// archived's cosigning roles, made from its flags in one place: this archive
// as a witness for the logs it trusts (storage/witness/witness.h) and as a
// mirror cosigner for the peers' logs it mirrors (mirror_cosigner.h); as a
// log asking its own witnesses and reading its mirrors' cosignatures
// (--witnesses: witness_collector.h, mirror_collector.h), and holding puts
// for the witnesses (--witness_quorum_for_ack, witness_ack.h); and the policy
// its pulls apply to peers' checkpoints (--witness_policy).
//
// Thread-safety: Open, Start and StopAsking from main; the parts are
// thread-safe themselves. Owns them all.
#ifndef ARCHIVE_SERVICES_RPC_WITNESS_SETUP_H_
#define ARCHIVE_SERVICES_RPC_WITNESS_SETUP_H_

#include <cstddef>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "prometheus/registry.h"
#include "services/rpc/read_queries.h"
#include "services/rpc/witness_ack.h"
#include "services/sync/mirror_collector.h"
#include "services/sync/witness_collector.h"
#include "storage/db/archive.h"
#include "storage/witness/mirror_cosigner.h"
#include "storage/witness/witness.h"

namespace archive {

struct WitnessFlags {
  std::string witnesses_file;  // --witnesses; "" asks no witness
  size_t quorum_for_ack = 0;   // --witness_quorum_for_ack
  absl::Duration ack_timeout = absl::Seconds(10);
  std::string pull_policy_file;  // --witness_policy; "" requires none
};
// The flags above as given to archived (defined in witness_setup.cc).
WitnessFlags WitnessFlagValues();

class WitnessSetup {
 public:
  // Errors name the flag: the witness key's (Env), --witnesses' and
  // --witness_policy's (a malformed file), --witness_quorum_for_ack's (more
  // than the witnesses listed).
  static absl::StatusOr<std::unique_ptr<WitnessSetup>> Open(
      Archive* archive, const std::string& data_dir, const std::string& origin,
      const WitnessFlags& flags, prometheus::Registry& registry);

  Witness* witness() const { return witness_.get(); }
  MirrorCosigner* mirror_cosigner() const { return mirror_cosigner_.get(); }
  // What the served checkpoints carry (read_queries.h).
  ServedCosigners cosigners() const {
    return {collector_.get(), mirrors_.get(), mirror_cosigner_.get()};
  }
  // Null without --witnesses.
  WitnessCollector* collector() const { return collector_.get(); }
  // Null unless --witness_quorum_for_ack > 0.
  WitnessAck* ack() const { return ack_.get(); }
  // Null without --witness_policy.
  std::shared_ptr<const WitnessPolicy> pull_policy() const {
    return pull_policy_;
  }

  // Says the witness and mirror keys (the log), and starts asking the
  // witnesses and reading the mirrors.
  void Start();
  // Stops asking them (after the server drained: it answers the puts still
  // held); the archive may then go.
  void StopAsking();

 private:
  std::unique_ptr<Witness> witness_;
  std::unique_ptr<MirrorCosigner> mirror_cosigner_;
  std::unique_ptr<WitnessCollector> collector_;
  std::unique_ptr<MirrorCollector> mirrors_;
  std::unique_ptr<WitnessAck> ack_;
  std::shared_ptr<const WitnessPolicy> pull_policy_;
};

}  // namespace archive

#endif  // ARCHIVE_SERVICES_RPC_WITNESS_SETUP_H_
