// ImportRevision: a revision signed elsewhere, handed in by a client
// (archivectl import --bagit), stored with its signed statement unchanged
// through the path sync uses (Archive::Import). The client's checks count for
// nothing here: the signature is verified with the origin's key from this
// server's own trust (SyncManager::CurrentTrust: its own key, --trust,
// configured peers), the content is re-hashed against the statement before
// anything is committed, and every parent must already be here.
#include <memory>
#include <utility>

#include "absl/strings/str_cat.h"
#include "services/rpc/archive_service.h"
#include "services/rpc/call_support.h"
#include "services/rpc/proto_convert.h"
#include "services/rpc/request_log.h"
#include "services/rpc/upload_reactor.h"
#include "storage/base/error_detail.h"
#include "storage/verify/receipt_checker.h"

namespace archive {
namespace {

using grpc::CallbackServerContext;

// The statement, if this server trusts its origin and the signature is good.
absl::StatusOr<VerifiedStatement> VerifyHandedInStatement(
    SyncManager* sync, const std::string& signed_statement) {
  if (sync == nullptr) {
    return absl::UnavailableError("this server has no trust configured");
  }
  auto trust = sync->CurrentTrust();
  if (!trust.ok()) return trust.status();
  auto verified = ReceiptChecker(&*trust).CheckStatement(signed_statement);
  if (absl::IsPermissionDenied(verified.status())) {
    auto note = ParseNote(signed_statement);
    auto statement = ParseStatement(note.ok() ? note->text : "");
    std::string origin = statement.ok() ? statement->origin : "?";
    return absl::FailedPreconditionError(absl::StrCat(
        "statement origin ", origin,
        " is not trusted by this archive: add its verifier key (the line in ",
        origin, "'s keys/verifier.key) to the file given to archived --trust"));
  }
  if (!verified.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("signed_statement: ", verified.status().message()));
  }
  return verified;
}

class ImportReactor : public UploadReactor<v1::ImportRevisionRequest> {
 public:
  ImportReactor(CallbackServerContext* ctx, Archive* archive, SyncManager* sync,
                const ServiceLimits& limits, const std::string& identity,
                std::unique_ptr<StreamLimits::Ticket> ticket,
                v1::ImportRevisionResponse* response)
      : UploadReactor(ctx, "ImportRevision", identity, std::move(ticket),
                      "the client sent nothing (the import stored nothing)"),
        archive_(archive),
        sync_(sync),
        limits_(limits),
        response_(response) {}

 private:
  grpc::Status Consume() override {
    if (request().has_header()) return Start(request().header());
    if (statement_.content_sha256.empty()) {
      return Invalid("header",
                     "the first message of an ImportRevision is its header");
    }
    const std::string& chunk = request().chunk();
    if (grpc::Status s = CheckChunkSize(chunk.size(), limits_); !s.ok())
      return s;
    received_ += chunk.size();
    log().add_bytes(chunk.size());
    if (received_ > statement_.content_size) {
      return Invalid("chunk", absl::StrCat("content: received more than the ",
                                           statement_.content_size,
                                           " bytes the statement gives"));
    }
    // Content of a revision already here is not needed again.
    return temp_blob() == nullptr ? grpc::Status::OK
                                  : ToGrpc(temp_blob()->Append(chunk));
  }

  grpc::Status Start(const v1::ImportRevisionHeader& header) {
    if (!statement_.content_sha256.empty()) {
      return Invalid("header", "an ImportRevision carries exactly one header");
    }
    auto verified = VerifyHandedInStatement(sync_, header.signed_statement());
    if (!verified.ok()) return ToGrpc(verified.status());
    statement_ = std::move(verified->statement);
    signed_statement_ = header.signed_statement();
    revision_id_ = verified->revision_id;
    log().set_document(statement_.document);
    response_->set_revision_id(revision_id_);
    if (statement_.content_size > limits_.max_document_bytes) {
      return ToGrpc(LimitExceededError(
          {"document_bytes", limits_.max_document_bytes,
           "--max_document_bytes"},
          "header.signed_statement",
          absl::StrCat("content: ", statement_.content_size,
                       " bytes exceeds this archive's limit of ",
                       limits_.max_document_bytes,
                       " bytes (archived --max_document_bytes)")));
    }
    present_ = archive_->HasRevision(revision_id_);
    response_->set_already_present(present_);
    for (const std::string& parent : statement_.parents) {
      if (!archive_->HasRevision(parent))
        response_->add_missing_parents(parent);
    }
    if (header.check_only()) return Reply(grpc::Status::OK);
    if (present_) return grpc::Status::OK;
    if (response_->missing_parents_size() > 0) {
      return grpc::Status(
          grpc::StatusCode::FAILED_PRECONDITION,
          absl::StrCat("revision ", revision_id_, " of ", statement_.document,
                       " names parent ", response_->missing_parents(0),
                       ", which this archive does not have: import it first"));
    }
    return OpenTempBlob(archive_->blobs(), statement_.content_sha256,
                        statement_.content_size);
  }

  grpc::Status EndOfStream() override {
    if (Abandoned()) {
      return grpc::Status(
          grpc::StatusCode::CANCELLED,
          "the client cancelled the import; nothing was stored");
    }
    if (statement_.content_sha256.empty()) {
      return Invalid("header", "an ImportRevision needs a header message");
    }
    if (present_) return ReplyWithStored();
    // Sealed like a put's content: a small one is written in the batch of
    // its revision.
    auto sealed =
        temp_blob()->Seal(statement_.content_sha256, statement_.content_size);
    if (!sealed.ok()) {
      return ToGrpc(
          absl::Status(sealed.status().code(),
                       absl::StrCat("content of revision ", revision_id_,
                                    " does not match its signed statement: ",
                                    sealed.status().message())));
    }
    archive_->ImportAsync(signed_statement_, std::move(*sealed),
                          [this](absl::StatusOr<CommitResult> r) {
                            if (!r.ok()) return Stop(ToGrpc(r.status()));
                            response_->set_created(r->created);
                            response_->set_already_present(!r->created);
                            ToProto(r->revision, response_->mutable_revision());
                            ToProto(r->receipt, response_->mutable_receipt());
                            Stop(grpc::Status::OK);
                          });
    return grpc::Status::OK;
  }

  grpc::Status ReplyWithStored() {
    auto stored = archive_->GetRevision(revision_id_);
    if (!stored.ok()) return ToGrpc(stored.status());
    auto receipt = archive_->ReceiptFor(*stored);
    if (!receipt.ok()) return ToGrpc(receipt.status());
    ToProto(*stored, response_->mutable_revision());
    ToProto(*receipt, response_->mutable_receipt());
    return Reply(grpc::Status::OK);
  }

  // Finishes the call (with OK, a reply ahead of the end of the stream is
  // fine: check_only sends nothing more).
  grpc::Status Reply(const grpc::Status& s) {
    Stop(s);
    return grpc::Status::OK;
  }

  Archive* archive_;
  SyncManager* sync_;
  const ServiceLimits& limits_;
  v1::ImportRevisionResponse* response_;
  Statement statement_;
  std::string signed_statement_;
  std::string revision_id_;
  bool present_ = false;
  uint64_t received_ = 0;
};

}  // namespace

grpc::ServerReadReactor<v1::ImportRevisionRequest>*
ArchiveService::ImportRevision(CallbackServerContext* ctx,
                               v1::ImportRevisionResponse* response) {
  Caller caller = access_->Identify(*ctx);
  auto ticket = AdmitStream(ctx, caller, Role::kPeer, "ImportRevision");
  if (!ticket.ok()) {
    // Refused before its header is read: the document is not known yet.
    return Refuse<grpc::ServerReadReactor<v1::ImportRevisionRequest>>(
        ctx, "ImportRevision", caller, "", ticket.status());
  }
  return new ImportReactor(ctx, archive_, sync_, limits_, caller.identity,
                           std::move(*ticket), response);
}

}  // namespace archive
