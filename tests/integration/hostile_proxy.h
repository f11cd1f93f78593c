// A hostile archive for the client: a gRPC server in this process in front of
// a real archived that forwards every call archivectl's read commands make and
// can apply one chosen lie to the answers. Every lie uses genuine material the
// real archive signed (another document's revision, an older checkpoint, a
// proof for another leaf), or material signed with the archive's own key (a
// forked checkpoint), so only a client that checks that an answer is the one
// it asked for can tell. The lying peer for sync is sync_faults_test.cc's
// LyingProxy; this one lies to archivectl.
#ifndef ARCHIVE_TESTS_INTEGRATION_HOSTILE_PROXY_H_
#define ARCHIVE_TESTS_INTEGRATION_HOSTILE_PROXY_H_

#include <grpcpp/grpcpp.h>

#include <memory>
#include <mutex>
#include <string>

#include "absl/status/statusor.h"
#include "archive/v1/archive.grpc.pb.h"
#include "storage/format/signing_key.h"

namespace archive::testing {

enum class Lie {
  kNone,
  kOtherDocument,       // Get, History, GetStatement, GetInclusionProof of A:
                        // document B's genuine answer, its description's
                        // document relabelled A
  kOtherRevision,       // Get and GetInclusionProof: another genuine revision
                        // of the same document, as it is
  kRelabel,             // the unsigned description (title, status) altered
  kOtherStatement,      // Get receipts and GetStatement: another revision's
                        // genuine signed statement
  kOtherContent,        // Get: genuine header, another revision's bytes
  kOtherInlineContent,  // Get: genuine header carrying another revision's
                        // bytes inline (GetHeader.content), where the
                        // client asked for them there
  kStaleCheckpoint,     // GetCheckpoint and receipts: an older checkpoint
  kForkedCheckpoint,    // GetCheckpoint and receipts: another root, signed
                        // with the archive's own key
  kAlteredCheckpoint,   // GetCheckpoint and receipts: root altered, old
                        // signature
  kAlteredInclusion,    // receipts and GetInclusionProof: a hash flipped
  kSwappedInclusion,    // receipts and GetInclusionProof: the proof of another
                        // revision
  kAlteredConsistency,  // GetConsistencyProof: a hash flipped
  kSwappedConsistency,  // GetConsistencyProof: a proof for other sizes
  kHistoryDropped,      // History: the second entry left out
  kHistoryReordered,    // History: the first two entries swapped
  kHistoryForeign,      // History: another document's revision inserted
};
inline constexpr int kLieCount = static_cast<int>(Lie::kHistoryForeign) + 1;
const char* LieName(Lie lie);

// What a lie substitutes.
struct LieScript {
  Lie lie = Lie::kNone;
  std::string other_document;    // for kOtherDocument, kHistoryForeign
  std::string other_revision;    // of the same document: kOtherRevision,
                                 // kOtherStatement, kOtherContent,
                                 // kOtherInlineContent,
                                 // kSwappedInclusion
  std::string stale_checkpoint;  // a note the archive signed earlier
};

class HostileProxy final : public v1::Archive::Service {
 public:
  // `key` (the archive's own signing key, for kForkedCheckpoint) must outlive
  // the proxy.
  HostileProxy(const std::string& upstream, const SigningKey* key);
  ~HostileProxy() override;

  std::string address() const;
  void Tell(LieScript script);

  grpc::Status Get(grpc::ServerContext*, const v1::GetRequest* request,
                   grpc::ServerWriter<v1::GetResponse>* writer) override;
  grpc::Status History(grpc::ServerContext*, const v1::HistoryRequest* request,
                       v1::HistoryResponse* response) override;
  grpc::Status List(grpc::ServerContext*, const v1::ListRequest* request,
                    v1::ListResponse* response) override;
  grpc::Status GetStatement(grpc::ServerContext*,
                            const v1::GetStatementRequest* request,
                            v1::GetStatementResponse* response) override;
  grpc::Status GetCheckpoint(grpc::ServerContext*,
                             const v1::GetCheckpointRequest* request,
                             v1::GetCheckpointResponse* response) override;
  grpc::Status GetInclusionProof(
      grpc::ServerContext*, const v1::GetInclusionProofRequest* request,
      v1::GetInclusionProofResponse* response) override;
  grpc::Status GetConsistencyProof(
      grpc::ServerContext*, const v1::GetConsistencyProofRequest* request,
      v1::GetConsistencyProofResponse* response) override;
  grpc::Status ReadLog(
      grpc::ServerContext*, const v1::ReadLogRequest* request,
      grpc::ServerWriter<v1::ReadLogResponse>* writer) override;
  grpc::Status GetArchiveInfo(grpc::ServerContext*,
                              const v1::GetArchiveInfoRequest* request,
                              v1::GetArchiveInfoResponse* response) override;

 private:
  LieScript script() const;
  // The upstream answer to a Get: its header and the content's chunks (an
  // inline content taken out of the header as one chunk).
  grpc::Status UpstreamGet(const v1::GetRequest& request, v1::GetHeader* header,
                           std::vector<std::string>* chunks);
  // The newest revision of `doc` upstream.
  absl::StatusOr<std::string> HeadOf(const std::string& doc);
  std::string LieAboutCheckpoint(const LieScript& script,
                                 const std::string& note) const;
  void LieAboutReceipt(const LieScript& script, const v1::GetRequest& asked,
                       v1::Receipt* receipt);

  std::unique_ptr<v1::Archive::Stub> stub_;
  const SigningKey* key_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
  mutable std::mutex mu_;
  LieScript script_;
};

}  // namespace archive::testing

#endif  // ARCHIVE_TESTS_INTEGRATION_HOSTILE_PROXY_H_
