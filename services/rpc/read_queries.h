// The read-only questions both transports answer: the gRPC calls
// (unary_calls.cc, index_calls.cc) and the HTTP JSON API (api_routes.h). Each
// takes the API's request message and returns its response message, so the
// two give the same answers, the same limits and the same errors.
//
// Thread-safety: const and thread-safe; the archive and the catalog (either
// may be null only where said) are not owned and must outlive this object.
// Errors: INVALID_ARGUMENT naming the request field (ErrorDetail.field);
// Checkpoints and receipts carry the cosignatures the witnesses gave, and a
// mirrored peer's checkpoint this archive's mirror cosignature.
// NOT_FOUND for an unknown document or revision; UNAVAILABLE when this server
// keeps no index (Search, Relations); the archive's and catalog's own errors.
#ifndef ARCHIVE_SERVICES_RPC_READ_QUERIES_H_
#define ARCHIVE_SERVICES_RPC_READ_QUERIES_H_

#include <string>

#include "absl/status/statusor.h"
#include "archive/v1/archive.pb.h"
#include "services/rpc/service_limits.h"
#include "services/sync/mirror_collector.h"
#include "services/sync/witness_collector.h"
#include "storage/db/archive.h"
#include "storage/index/catalog.h"
#include "storage/witness/mirror_cosigner.h"

namespace archive {

// Whose cosignatures the served checkpoints carry; each may be null (none).
// Not owned; they must outlive every ReadQueries given them.
struct ServedCosigners {
  // This archive's checkpoint: the witnesses' (witness_collector.h) and
  // the mirrors' of its log (mirror_collector.h).
  const WitnessCollector* witnesses = nullptr;
  const MirrorCollector* mirrors = nullptr;
  // A peer's mirrored checkpoint: this archive's own mirror cosignature.
  MirrorCosigner* mirror = nullptr;
};

class ReadQueries {
 public:
  // `catalog` may be null: a server without an index.
  ReadQueries(Archive* archive, Catalog* catalog, ServiceLimits limits,
              ServedCosigners cosigners = {})
      : archive_(archive),
        catalog_(catalog),
        limits_(limits),
        cosigners_(cosigners) {}

  absl::StatusOr<v1::ListResponse> List(const v1::ListRequest& request) const;
  absl::StatusOr<v1::HistoryResponse> History(
      const v1::HistoryRequest& request) const;
  absl::StatusOr<v1::SearchResponse> Search(
      const v1::SearchRequest& request) const;
  absl::StatusOr<v1::RelationsResponse> Relations(
      const v1::RelationsRequest& request) const;
  // The revision's signed statement and decoded form.
  absl::StatusOr<v1::GetStatementResponse> Statement(
      const std::string& revision_id) const;
  // One document as a listing shows it (its newest revision as `latest`).
  absl::StatusOr<v1::DocumentSummary> Document(const std::string& id) const;
  // A receipt for the revision against the latest checkpoint.
  absl::StatusOr<v1::Receipt> ReceiptOf(const std::string& revision_id) const;
  // This archive's latest checkpoint, or its mirror's of a peer's log.
  absl::StatusOr<v1::GetCheckpointResponse> Checkpoint(
      const v1::GetCheckpointRequest& request) const;
  absl::StatusOr<v1::GetConsistencyProofResponse> Consistency(
      const v1::GetConsistencyProofRequest& request) const;
  // The authoritative revision's id, or "" (several heads, only drafts).
  std::string AuthoritativeId(const std::string& document) const;
  // This archive's checkpoint `note` with the witnesses' and mirrors'
  // cosignatures collected for it, if any.
  std::string Cosigned(const std::string& note) const;
  // The checkpoint `log` is served at: this archive's with its witnesses'
  // cosignatures, or a peer's mirrored one with this archive's mirror
  // cosignature (C2SP tlog-mirror: stored and served up to its size).
  std::string ServedCheckpoint(const LogReader& log) const;

 private:
  Archive* archive_;
  Catalog* catalog_;
  ServiceLimits limits_;
  ServedCosigners cosigners_;
};

}  // namespace archive

#endif  // ARCHIVE_SERVICES_RPC_READ_QUERIES_H_
