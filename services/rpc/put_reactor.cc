#include "services/rpc/put_reactor.h"

#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "clients/api/api_enums.h"
#include "services/rpc/call_support.h"
#include "services/rpc/proto_convert.h"
#include "services/rpc/request_log.h"
#include "services/rpc/upload_reactor.h"
#include "storage/base/error_detail.h"
#include "storage/base/hex.h"

namespace archive {
namespace {

using grpc::CallbackServerContext;

// Stands in for the digest of a one-pass put until its trailer brings it.
const char kDigestToCome[] =
    "0000000000000000000000000000000000000000000000000000000000000000";

// Under mutual TLS the certificate says who submits, and nobody can claim
// another name. Without it nobody vouches for the caller; the identity says so.
absl::StatusOr<std::string> SubmitterIdentity(const Caller& caller,
                                              const std::string& as_name) {
  if (caller.authenticated || caller.identity == "anonymous") {
    if (!as_name.empty()) {
      return InvalidFieldError(
          "header.as_name",
          absl::StrCat(
              "as_name: you are ", caller.identity,
              "; only unauthenticated local callers may name themselves"));
    }
    return caller.identity;
  }
  if (as_name.empty()) return std::string("local");
  if (as_name.size() > 64 || !ValidateDocumentId(as_name).ok()) {
    return InvalidFieldError(
        "header.as_name",
        "as_name: must be 1-64 printable characters without spaces");
  }
  return "local:" + as_name;
}

class PutReactor : public UploadReactor<v1::PutRequest> {
 public:
  PutReactor(CallbackServerContext* ctx, Archive* archive,
             const ServiceLimits& limits, Caller caller,
             std::unique_ptr<StreamLimits::Ticket> ticket, WitnessAck* ack,
             v1::PutResponse* response)
      : UploadReactor(ctx, "Put", caller.identity, std::move(ticket),
                      "the client sent nothing (the put stored nothing)"),
        archive_(archive),
        limits_(limits),
        caller_(std::move(caller)),
        ack_(ack),
        response_(response) {}

 private:
  grpc::Status Consume() override {
    if (request().has_header()) return StartDocument(request().header());
    if (!header_seen_) {
      return Invalid("header", "the first message of a Put must be its header");
    }
    if (request().has_trailer()) return TakeTrailer(request().trailer());
    if (trailer_seen_) {
      return Invalid("trailer",
                     "the trailer must be the last message of a Put");
    }
    const std::string& chunk = request().chunk();
    if (grpc::Status s = CheckChunkSize(chunk.size(), limits_); !s.ok())
      return s;
    if (header_.reuse_content()) {
      return Invalid(
          "chunk",
          "reuse_content: the header says the content is already stored, so "
          "a Put must not send chunks");
    }
    if (temp_blob()->size() + chunk.size() > header_.size()) {
      return Invalid(
          "chunk", absl::StrCat("size: received more than the ", header_.size(),
                                " bytes the header promised"));
    }
    log().add_bytes(chunk.size());
    // Handed over, not copied: the message's buffer goes to the writer.
    return ToGrpc(temp_blob()->AppendOwned(mutable_request()->mutable_chunk()));
  }

  grpc::Status StartDocument(const v1::PutHeader& header) {
    if (header_seen_)
      return Invalid("header", "a Put carries exactly one header");
    header_seen_ = true;
    header_ = header;
    log().set_document(header.document_id());
    if (header.digest_in_trailer()) {
      if (grpc::Status s = CheckTrailerMode(header); !s.ok()) return s;
    } else if (!IsSha256Hex(header.sha256())) {
      return Invalid("header.sha256",
                     "sha256: the header must give the content's SHA-256 as 64 "
                     "lowercase hex characters");
    }
    if (header.size() > limits_.max_document_bytes) {
      return ToGrpc(LimitExceededError(
          {"document_bytes", limits_.max_document_bytes,
           "--max_document_bytes"},
          "header.size",
          absl::StrCat("size: ", header.size(),
                       " bytes exceeds this archive's limit of ",
                       limits_.max_document_bytes,
                       " bytes (archived --max_document_bytes)")));
    }
    if (static_cast<uint32_t>(header.expected_parents_size()) >
        limits_.max_parents) {
      return ToGrpc(LimitExceededError(
          {"parents", limits_.max_parents, "--max_parents"},
          "header.expected_parents",
          absl::StrCat("parent: ", header.expected_parents_size(),
                       " parents named; this archive allows at most ",
                       limits_.max_parents, " (archived --max_parents)")));
    }
    for (const std::string& p : header.expected_parents()) {
      if (!IsSha256Hex(p)) {
        return Invalid(
            "header.expected_parents",
            absl::StrCat("parent: \"", p,
                         "\" is not a revision id (64 lowercase hex)"));
      }
    }
    auto submitter = SubmitterIdentity(caller_, header.as_name());
    if (!submitter.ok()) return ToGrpc(submitter.status());
    // The API's enums become the statement's words (or must agree with them).
    if (absl::Status s = ResolveEnums(header_.mutable_metadata()); !s.ok()) {
      return ToGrpc(UnderField(s, "header.metadata"));
    }
    revision_.statement = StatementFromPutHeader(header_, *submitter);
    revision_.expected_parents.assign(header.expected_parents().begin(),
                                      header.expected_parents().end());
    if (grpc::Status s = CheckMetadataLengths(header.metadata()); !s.ok()) {
      return s;
    }
    // Reject bad metadata before a single content byte is received. Origin and
    // time are the archive's to fill; placeholders stand in for them here.
    Statement probe = revision_.statement;
    probe.origin = archive_->origin();
    probe.submitted_at = "2000-01-01T00:00:00Z";
    // A one-pass put's digest is not known yet: a placeholder no content
    // hashes to stands in for it in the checks before the bytes.
    if (header.digest_in_trailer()) probe.content_sha256 = kDigestToCome;
    if (absl::Status s = ValidateStatement(probe); !s.ok()) {
      return ToGrpc(InPutHeader(s));
    }
    // A moved head or a conflict is refused before any content is received,
    // so a refused put leaves nothing behind. Without the digest a conditional
    // put's conflict may yet be a retry of a put that succeeded (same content
    // as the head): the commit's own check decides that once the digest is in.
    NewRevision precheck = revision_;
    if (header.digest_in_trailer()) {
      precheck.statement.content_sha256 = kDigestToCome;
    }
    if (absl::Status s = archive_->Precheck(std::move(precheck)); !s.ok()) {
      bool maybe_retry = header.digest_in_trailer() && absl::IsAborted(s) &&
                         header.expected_parents_size() > 0;
      if (!maybe_retry) return ToGrpc(s);
    }
    if (header.reuse_content()) return CheckReusedContent();
    return OpenTempBlob(archive_->blobs(), header.sha256(), header.size());
  }

  // A one-pass put: the digest comes last (PutTrailer).
  grpc::Status CheckTrailerMode(const v1::PutHeader& header) {
    if (!header.sha256().empty()) {
      return Invalid("header.sha256",
                     "sha256: must be empty when digest_in_trailer is set (the "
                     "digest comes in the trailer)");
    }
    if (header.reuse_content()) {
      return Invalid("header.digest_in_trailer",
                     "digest_in_trailer: reuse_content names stored content by "
                     "its digest, so the header must give it");
    }
    return grpc::Status::OK;
  }

  grpc::Status TakeTrailer(const v1::PutTrailer& trailer) {
    if (!header_.digest_in_trailer()) {
      return Invalid("trailer",
                     "a trailer ends only a Put whose header set "
                     "digest_in_trailer; this one gave sha256 in the header");
    }
    if (trailer_seen_) return Invalid("trailer", "a Put carries one trailer");
    trailer_seen_ = true;
    if (!IsSha256Hex(trailer.sha256())) {
      return Invalid("trailer.sha256",
                     "sha256: the trailer must give the content's SHA-256 as "
                     "64 lowercase hex characters; nothing was stored");
    }
    if (trailer.size() != header_.size() ||
        temp_blob()->size() != header_.size()) {
      return Invalid(
          "trailer.size",
          absl::StrCat("size: the header promised ", header_.size(),
                       " bytes, the trailer says ", trailer.size(), ", and ",
                       temp_blob()->size(), " arrived; nothing was stored"));
    }
    header_.set_sha256(trailer.sha256());
    revision_.statement.content_sha256 = trailer.sha256();
    return grpc::Status::OK;
  }

  grpc::Status EndOfStream() override {
    if (Abandoned()) {
      return grpc::Status(grpc::StatusCode::CANCELLED,
                          "the client cancelled the put; nothing was stored");
    }
    if (!header_seen_) return Invalid("header", "a Put needs a header message");
    if (header_.digest_in_trailer() && !trailer_seen_) {
      return Invalid("trailer",
                     "the stream ended without the trailer that carries the "
                     "content's digest; nothing was stored");
    }
    if (!header_.reuse_content()) {
      // A small content is sealed, not stored: the sequencer writes it in the
      // batch of its revision, so the put's only fsync is the batch's.
      auto sealed = temp_blob()->Seal(header_.sha256(), header_.size());
      if (!sealed.ok()) return ToGrpc(TrailerMismatch(sealed.status()));
      revision_.content = std::move(*sealed);
    }
    // Runs on the sequencer thread: a wait for witnesses is handed to the
    // collector (witness_ack.h), which finishes the call from its own thread.
    archive_->CommitAsync(
        std::move(revision_), [this](absl::StatusOr<CommitResult> r) {
          if (!r.ok() || ack_ == nullptr) return Reply(r);
          ack_->Hold(std::move(*r),
                     [this](absl::StatusOr<CommitResult> h) { Reply(h); });
        });
    return grpc::Status::OK;
  }

  void Reply(const absl::StatusOr<CommitResult>& r) {
    if (!r.ok()) return Stop(ToGrpc(r.status()));
    response_->set_revision_id(r->revision.id);
    response_->set_created(r->created);
    ToProto(r->revision, response_->mutable_revision());
    ToProto(r->receipt, response_->mutable_receipt());
    Stop(grpc::Status::OK);
  }

  // In a one-pass put the client's trailer, not the content, is what is wrong
  // when the two disagree: INVALID_ARGUMENT on trailer.sha256 (the message
  // names both digests), as for any other bad field. A digest promised in the
  // header keeps its DATA_LOSS.
  absl::Status TrailerMismatch(const absl::Status& s) const {
    if (!header_.digest_in_trailer() || !absl::IsDataLoss(s)) return s;
    return InvalidFieldError(
        "trailer.sha256", absl::StrCat(s.message(),
                                       " (the trailer's digest); nothing was "
                                       "stored"));
  }

  // A lifecycle change re-uses stored bytes: they must be here, at the size
  // the statement will record.
  grpc::Status CheckReusedContent() {
    auto size = archive_->BlobSize(header_.sha256());
    if (!size.ok() || *size != header_.size()) {
      return ToGrpc(
          WithReason(absl::FailedPreconditionError(absl::StrCat(
                         "reuse_content: no content sha256:", header_.sha256(),
                         " of ", header_.size(),
                         " bytes is stored in this archive; send the bytes")),
                     kReasonContentNotStored, {{"sha256", header_.sha256()}}));
    }
    return grpc::Status::OK;
  }

  grpc::Status CheckMetadataLengths(const v1::Metadata& m) const {
    const std::pair<const char*, const std::string*> fields[] = {
        {"title", &m.title()},    {"issuer", &m.issuer()},
        {"number", &m.number()},  {"region", &m.region()},
        {"date", &m.date()},      {"source", &m.source()},
        {"status", &m.status()},  {"media-type", &m.media_type()},
        {"note", &m.note()},      {"effective", &m.effective()},
        {"expires", &m.expires()}};
    for (const auto& [name, value] : fields) {
      if (value->size() > limits_.max_metadata_value_bytes) {
        // INVALID_ARGUMENT, as for any other bad value, with the limit said.
        ErrorDetail detail{
            kReasonLimitExceeded,
            PutHeaderField(name),
            ErrorLimit{"metadata_value_bytes", limits_.max_metadata_value_bytes,
                       "--max_metadata_value_bytes"},
            {}};
        return ToGrpc(WithDetail(
            absl::InvalidArgumentError(absl::StrCat(
                name, ": ", value->size(),
                " bytes exceeds this archive's limit of ",
                limits_.max_metadata_value_bytes,
                " bytes per value (archived --max_metadata_value_bytes)")),
            detail));
      }
    }
    return grpc::Status::OK;
  }

  Archive* archive_;
  const ServiceLimits& limits_;
  Caller caller_;
  WitnessAck* ack_;
  v1::PutResponse* response_;
  v1::PutHeader header_;
  NewRevision revision_;
  bool header_seen_ = false;
  bool trailer_seen_ = false;
};

}  // namespace

grpc::ServerReadReactor<v1::PutRequest>* NewPutReactor(
    CallbackServerContext* ctx, Archive* archive, const ServiceLimits& limits,
    Caller caller, std::unique_ptr<StreamLimits::Ticket> ticket,
    WitnessAck* ack, v1::PutResponse* response) {
  return new PutReactor(ctx, archive, limits, std::move(caller),
                        std::move(ticket), ack, response);
}

}  // namespace archive
