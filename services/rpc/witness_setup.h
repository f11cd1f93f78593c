// archived's witness roles, made from its flags in one place: this archive as
// a witness for the logs it trusts (storage/witness/witness.h), as a log
// asking its own witnesses (--witnesses, witness_collector.h), and holding
// puts for their cosignatures (--witness_quorum_for_ack, witness_ack.h); and
// the policy its pulls apply to peers' checkpoints (--witness_policy).
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
#include "services/rpc/witness_ack.h"
#include "services/sync/witness_collector.h"
#include "storage/db/archive.h"
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
  // Null without --witnesses.
  WitnessCollector* collector() const { return collector_.get(); }
  // Null unless --witness_quorum_for_ack > 0.
  WitnessAck* ack() const { return ack_.get(); }
  // Null without --witness_policy.
  std::shared_ptr<const WitnessPolicy> pull_policy() const {
    return pull_policy_;
  }

  // Starts asking the witnesses.
  void Start();
  // Stops asking them (after the server drained: it answers the puts still
  // held); the archive may then go.
  void StopAsking();

 private:
  std::unique_ptr<Witness> witness_;
  std::unique_ptr<WitnessCollector> collector_;
  std::unique_ptr<WitnessAck> ack_;
  std::shared_ptr<const WitnessPolicy> pull_policy_;
};

}  // namespace archive

#endif  // ARCHIVE_SERVICES_RPC_WITNESS_SETUP_H_
