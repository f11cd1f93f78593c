// POST /witness/add-checkpoint (C2SP tlog-witness) on the HTTP listener: this
// archive cosigns the checkpoints of the logs whose keys it trusts (its trust
// file and configured peers), as storage/witness/witness.h decides; and
// GET /witness/state, the latest cosigned size per origin and the count of
// refusals kept as evidence, for an operator. Metrics:
// archive_witness_cosigned_size{origin}, archive_witness_requests_total{code}.
//
// Thread-safety: thread-safe; the witness must outlive the listener.
#ifndef ARCHIVE_SERVICES_RPC_WITNESS_ROUTES_H_
#define ARCHIVE_SERVICES_RPC_WITNESS_ROUTES_H_

#include <functional>

#include "absl/status/statusor.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "prometheus/registry.h"
#include "services/http/http_listener.h"
#include "storage/verify/trust_store.h"
#include "storage/witness/witness.h"

namespace archive {

// The logs witnessed: the keys trusted now (re-read per request, so adding an
// office to the trust file needs no restart).
using WitnessedLogs = std::function<absl::StatusOr<TrustStore>()>;

class WitnessRoutes {
 public:
  WitnessRoutes(Witness* witness, WitnessedLogs logs,
                prometheus::Registry& registry);

  void AddRoutes(HttpListener* listener);
  HttpResponse AddCheckpoint(const HttpRequest& request);
  HttpResponse State();

 private:
  Witness* witness_;
  WitnessedLogs logs_;
  prometheus::Family<prometheus::Gauge>& cosigned_size_;
  prometheus::Family<prometheus::Counter>& requests_;
};

}  // namespace archive

#endif  // ARCHIVE_SERVICES_RPC_WITNESS_ROUTES_H_
