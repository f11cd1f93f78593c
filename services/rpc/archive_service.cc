#include "services/rpc/archive_service.h"

#include <algorithm>
#include <memory>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "clients/api/api_enums.h"
#include "services/rpc/proto_convert.h"
#include "services/rpc/request_log.h"
#include "services/rpc/upload_reactor.h"
#include "storage/base/build_version.h"
#include "storage/base/error_detail.h"
#include "storage/base/hex.h"
#include "storage/base/utf8.h"

namespace archive {

grpc::Status CheckChunkSize(size_t size, const ServiceLimits& limits) {
  if (size <= limits.max_chunk_bytes) return grpc::Status::OK;
  return ToGrpc(LimitExceededError(
      {"chunk_bytes", limits.max_chunk_bytes, "--max_message_bytes"}, "chunk",
      absl::StrCat(
          "chunk: ", size, " bytes exceeds this archive's limit of ",
          limits.max_chunk_bytes,
          " bytes per message (archived --max_message_bytes); send "
          "the content in smaller chunks (archivectl sends 256 KiB)")));
}
namespace {

using grpc::CallbackServerContext;
using grpc::ServerUnaryReactor;

// How long Relations and Search wait for the index to catch up with the log.
constexpr absl::Duration kIndexWait = absl::Seconds(3);
constexpr size_t kMaxQueryBytes = 1024;

// INVALID_ARGUMENT `message` about the request's `field` (a path of proto
// field names, ErrorDetail.field).
grpc::Status Invalid(absl::string_view field, const std::string& message) {
  return ToGrpc(InvalidFieldError(field, message));
}

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

// The authoritative revision's id, or "" (several heads, only drafts).
std::string AuthoritativeId(Archive& archive, const std::string& document) {
  auto revision = archive.Authoritative(document, false);
  return revision.ok() ? revision->id : "";
}

// Finishes a unary call and writes its log line.
ServerUnaryReactor* FinishUnary(CallbackServerContext* ctx,
                                const RequestLog& log,
                                const grpc::Status& status) {
  log.Write(status);
  ServerUnaryReactor* reactor = ctx->DefaultReactor();
  reactor->Finish(status);
  return reactor;
}

// One unary call's bookkeeping: identifies and authorizes the caller, and
// writes the request's log line when it finishes.
class UnaryCall {
 public:
  UnaryCall(CallbackServerContext* ctx, const AccessControl& access,
            const char* method, Role needed)
      : ctx_(ctx), log_(method, ctx->peer()), caller_(access.Identify(*ctx)) {
    log_.set_identity(caller_.identity);
    authorized_ = AccessControl::Check(caller_, needed, method);
  }
  bool allowed() const { return authorized_.ok(); }
  ServerUnaryReactor* Refuse() { return Finish(ToGrpc(authorized_)); }
  ServerUnaryReactor* Finish(const grpc::Status& status) {
    return FinishUnary(ctx_, log_, status);
  }
  RequestLog& log() { return log_; }
  const Caller& caller() const { return caller_; }

 private:
  CallbackServerContext* ctx_;
  RequestLog log_;
  Caller caller_;
  absl::Status authorized_;
};

// Finishes a streaming call at once: the caller may not make it.
template <typename Reactor>
class RefusedReactor : public Reactor {
 public:
  explicit RefusedReactor(const grpc::Status& status) { this->Finish(status); }
  void OnDone() override { delete this; }
};

// Put: header, then chunks hashed and written to a temp blob as they arrive; at
// the end the blob is verified and made durable, then the revision is queued to
// the sequencer, whose callback finishes the call once the revision is durable
// and checkpointed.
class PutReactor : public UploadReactor<v1::PutRequest> {
 public:
  PutReactor(CallbackServerContext* ctx, Archive* archive,
             const ServiceLimits& limits, Caller caller,
             std::unique_ptr<StreamLimits::Ticket> ticket,
             v1::PutResponse* response)
      : UploadReactor(ctx, "Put", caller.identity, std::move(ticket),
                      "the client sent nothing (the put stored nothing)"),
        archive_(archive),
        limits_(limits),
        caller_(std::move(caller)),
        response_(response) {}

 private:
  grpc::Status Consume() override {
    if (request().has_header()) return StartDocument(request().header());
    if (!header_seen_) {
      return Invalid("header", "the first message of a Put must be its header");
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
    return ToGrpc(temp_blob()->Append(chunk));
  }

  grpc::Status StartDocument(const v1::PutHeader& header) {
    if (header_seen_)
      return Invalid("header", "a Put carries exactly one header");
    header_seen_ = true;
    header_ = header;
    log().set_document(header.document_id());
    if (!IsSha256Hex(header.sha256())) {
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
    if (absl::Status s = ValidateStatement(probe); !s.ok()) {
      return ToGrpc(InPutHeader(s));
    }
    // A moved head or a conflict is refused before any content is received,
    // so a refused put leaves nothing behind.
    if (absl::Status s = archive_->Precheck(revision_); !s.ok())
      return ToGrpc(s);
    if (header.reuse_content()) return CheckReusedContent();
    return OpenTempBlob(archive_->blobs(), header.size());
  }

  grpc::Status EndOfStream() override {
    if (Abandoned()) {
      return grpc::Status(grpc::StatusCode::CANCELLED,
                          "the client cancelled the put; nothing was stored");
    }
    if (!header_seen_) return Invalid("header", "a Put needs a header message");
    if (!header_.reuse_content()) {
      // A small content is sealed, not stored: the sequencer writes it in the
      // batch of its revision, so the put's only fsync is the batch's.
      auto sealed = temp_blob()->Seal(header_.sha256(), header_.size());
      if (!sealed.ok()) return ToGrpc(sealed.status());
      revision_.content = std::move(*sealed);
    }
    archive_->CommitAsync(std::move(revision_),
                          [this](absl::StatusOr<CommitResult> r) {
                            if (!r.ok()) return Stop(ToGrpc(r.status()));
                            response_->set_revision_id(r->revision.id);
                            response_->set_created(r->created);
                            ToProto(r->revision, response_->mutable_revision());
                            ToProto(r->receipt, response_->mutable_receipt());
                            Stop(grpc::Status::OK);
                          });
    return grpc::Status::OK;
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
  v1::PutResponse* response_;
  v1::PutHeader header_;
  NewRevision revision_;
  bool header_seen_ = false;
};

// Yields a blob's bytes in chunks, re-hashed on the way. A small blob is
// verified whole before its first chunk, so damage is reported before anything
// was sent; a large one streams and its last Next() fails with DATA_LOSS if the
// re-hash does not match.
class BlobChunks {
 public:
  static constexpr uint64_t kVerifyWholeBelow = 4 << 20;

  absl::Status Open(BlobStore& blobs, const std::string& sha256, uint64_t size,
                    uint32_t chunk_bytes) {
    chunk_bytes_ = chunk_bytes;
    if (size <= kVerifyWholeBelow) {
      auto bytes = blobs.ReadVerified(sha256, size);
      if (!bytes.ok()) return bytes.status();
      small_ = std::move(*bytes);
      return absl::OkStatus();
    }
    auto reader = blobs.NewReader(sha256, size);
    if (!reader.ok()) return reader.status();
    reader_ = std::move(*reader);
    scratch_.resize(chunk_bytes);
    return absl::OkStatus();
  }

  // True once Next() has handed out every byte of a blob verified whole, so
  // the last chunk can go out with the call's status.
  bool done() const { return reader_ == nullptr && offset_ == small_.size(); }

  // Sets *chunk to the next bytes; empty at the (verified) end.
  absl::Status Next(std::string* chunk) {
    if (reader_ == nullptr) {
      size_t n = std::min<size_t>(chunk_bytes_, small_.size() - offset_);
      chunk->assign(small_, offset_, n);
      offset_ += n;
      return absl::OkStatus();
    }
    auto got = reader_->Read(scratch_.size(), scratch_.data());
    if (!got.ok()) return got.status();
    chunk->assign(got->data(), got->size());
    return absl::OkStatus();
  }

 private:
  uint32_t chunk_bytes_ = 0;
  std::string small_;
  size_t offset_ = 0;
  std::unique_ptr<BlobStore::Reader> reader_;
  std::string scratch_;
};

// A server-streaming call that writes one message at a time and one log line
// when it stops. Subclasses implement SendNext(): Write the next message,
// or Stop().
template <typename Response>
class StreamingReactor : public grpc::ServerWriteReactor<Response> {
 public:
  StreamingReactor(CallbackServerContext* ctx, const char* method,
                   const std::string& identity,
                   std::unique_ptr<StreamLimits::Ticket> ticket)
      : log_(method, ctx->peer()), ticket_(std::move(ticket)) {
    log_.set_identity(identity);
  }

  void OnWriteDone(bool ok) override {
    ticket_->Progressed();
    if (!ok) {
      return Stop(
          grpc::Status(grpc::StatusCode::CANCELLED, "client went away"));
    }
    SendNext();
  }
  void OnDone() override { delete this; }

 protected:
  virtual void SendNext() = 0;
  // Writes one message; the client has --idle_stream_seconds to take it.
  void Write(const Response* message) {
    ticket_->WaitOnClient("the client read nothing");
    this->StartWrite(message);
  }
  void Stop(const grpc::Status& status) {
    grpc::Status s = ticket_->Explain(status);
    log_.Write(s);
    ticket_->Release();
    this->Finish(s);
  }
  // Sends `last` and the OK status together: one flush fewer than a write
  // followed by Finish, which a small get or GetBlob feels.
  void StopAfter(const Response* last) {
    log_.Write(grpc::Status::OK);
    ticket_->Release();
    this->StartWriteAndFinish(last, grpc::WriteOptions(), grpc::Status::OK);
  }
  RequestLog log_;

 private:
  std::unique_ptr<StreamLimits::Ticket> ticket_;
};

// Get: one header, then the content's chunks.
class GetReactor : public StreamingReactor<v1::GetResponse> {
 public:
  GetReactor(CallbackServerContext* ctx, Archive* archive, SyncManager* sync,
             const ServiceLimits& limits, const std::string& identity,
             std::unique_ptr<StreamLimits::Ticket> ticket,
             const v1::GetRequest& request)
      : StreamingReactor(ctx, "Get", identity, std::move(ticket)),
        archive_(archive),
        sync_(sync),
        limits_(limits) {
    log_.set_document(request.document_id());
    grpc::Status s = Start(request);
    if (!s.ok()) Stop(s);
  }

 private:
  grpc::Status Start(const v1::GetRequest& request) {
    auto revision = Resolve(request);
    if (!revision.ok()) return ToGrpc(revision.status());
    auto receipt = archive_->ReceiptFor(*revision);
    if (!receipt.ok()) return ToGrpc(receipt.status());
    auto doc = archive_->GetDocument(revision->statement.document);
    if (!doc.ok()) return ToGrpc(doc.status());
    const Statement& st = revision->statement;
    header_only_ = request.header_only();
    sha256_ = st.content_sha256;
    size_ = st.content_size;
    if (!header_only_) {
      absl::Status opened = chunks_.Open(archive_->blobs(), st.content_sha256,
                                         st.content_size, limits_.chunk_bytes);
      if (!opened.ok()) return ToGrpc(Damaged(opened));
    }
    v1::GetHeader* header = response_.mutable_header();
    ToProto(*revision, header->mutable_revision());
    ToProto(*receipt, header->mutable_receipt());
    for (const std::string& h : doc->heads) header->add_heads(h);
    if (header_only_) {
      StopAfter(&response_);
    } else {
      // Not with WriteOptions::set_buffer_hint(): gRPC 1.51 then holds the
      // write's completion until a later flush, and the call never proceeds.
      Write(&response_);
    }
    return grpc::Status::OK;
  }

  absl::StatusOr<StoredRevision> Resolve(const v1::GetRequest& request) {
    if (request.revision_id().empty()) {
      return archive_->Authoritative(request.document_id(), request.head());
    }
    auto revision = archive_->GetRevision(request.revision_id());
    if (revision.ok() && !request.document_id().empty() &&
        revision->statement.document != request.document_id()) {
      return absl::NotFoundError(absl::StrCat(
          "revision ", request.revision_id(), " belongs to ",
          revision->statement.document, ", not ", request.document_id()));
    }
    return revision;
  }

  void SendNext() override {
    response_.Clear();
    absl::Status s = chunks_.Next(response_.mutable_chunk());
    if (!s.ok()) return Stop(ToGrpc(Damaged(s)));
    if (response_.chunk().empty()) return Stop(grpc::Status::OK);
    log_.add_bytes(response_.chunk().size());
    if (chunks_.done()) return StopAfter(&response_);
    Write(&response_);
  }

  // Bit rot found while serving: have the blob fetched again from a peer, so
  // the next get succeeds. The damaged bytes are never sent as good.
  absl::Status Damaged(const absl::Status& s) {
    if (absl::IsDataLoss(s) && sync_ != nullptr && !sha256_.empty()) {
      sync_->RequestRepair(sha256_, size_);
    }
    return s;
  }

  Archive* archive_;
  SyncManager* sync_;
  std::string sha256_;
  uint64_t size_ = 0;
  const ServiceLimits& limits_;
  v1::GetResponse response_;
  bool header_only_ = false;
  BlobChunks chunks_;
};

// GetBlob: the bytes with a digest, for replication and repair.
class GetBlobReactor : public StreamingReactor<v1::GetBlobResponse> {
 public:
  GetBlobReactor(CallbackServerContext* ctx, Archive* archive,
                 const ServiceLimits& limits, const std::string& identity,
                 std::unique_ptr<StreamLimits::Ticket> ticket,
                 const v1::GetBlobRequest& request)
      : StreamingReactor(ctx, "GetBlob", identity, std::move(ticket)) {
    log_.set_document("sha256:" + request.sha256());
    auto size = archive->BlobSize(request.sha256());
    absl::Status s = size.status();
    if (s.ok()) {
      s = chunks_.Open(archive->blobs(), request.sha256(), *size,
                       limits.chunk_bytes);
    }
    if (!s.ok()) {
      Stop(ToGrpc(s));
      return;
    }
    SendNext();
  }

 private:
  void SendNext() override {
    absl::Status s = chunks_.Next(response_.mutable_chunk());
    if (!s.ok()) return Stop(ToGrpc(s));
    if (response_.chunk().empty()) return Stop(grpc::Status::OK);
    log_.add_bytes(response_.chunk().size());
    if (chunks_.done()) return StopAfter(&response_);
    Write(&response_);
  }

  v1::GetBlobResponse response_;
  BlobChunks chunks_;
};

// ReadLog: streams signed statements in log order, a page at a time.
class ReadLogReactor : public StreamingReactor<v1::ReadLogResponse> {
 public:
  ReadLogReactor(CallbackServerContext* ctx, Archive* archive,
                 const std::string& identity,
                 std::unique_ptr<StreamLimits::Ticket> ticket,
                 const v1::ReadLogRequest& request)
      : StreamingReactor(ctx, "ReadLog", identity, std::move(ticket)),
        archive_(archive),
        next_(request.start()),
        proof_size_(request.tree_size()) {
    uint64_t latest = archive_->LatestCheckpoint().size;
    if (proof_size_ > latest) {
      Stop(ToGrpc(
          WithDetail(absl::OutOfRangeError(absl::StrCat(
                         "tree_size ", proof_size_,
                         " is beyond the latest checkpoint (", latest, ")")),
                     {kReasonTreeBeyondCheckpoint,
                      "tree_size",
                      std::nullopt,
                      {{"latest", absl::StrCat(latest)}}})));
      return;
    }
    uint64_t limit = proof_size_ > 0 ? proof_size_ : latest;
    if (next_ > limit) {
      Stop(ToGrpc(
          WithDetail(absl::OutOfRangeError(absl::StrCat(
                         "start ", next_, " is beyond the log's size ", limit)),
                     {kReasonInvalidField, "start", std::nullopt, {}})));
      return;
    }
    // Compared as a remainder, never as next_ + count: a count near 2^64
    // ("everything from here") must not wrap to an empty range.
    uint64_t count = request.count();
    end_ = (count == 0 || count > limit - next_) ? limit : next_ + count;
    SendNext();
  }

 private:
  void SendNext() override {
    if (next_ >= end_) return Stop(grpc::Status::OK);
    auto entries = archive_->LogEntries(next_, 1);
    if (!entries.ok()) return Stop(ToGrpc(entries.status()));
    entry_.Clear();
    if (proof_size_ > 0) {
      auto proof = archive_->InclusionProof(next_, proof_size_);
      if (!proof.ok()) return Stop(ToGrpc(proof.status()));
      for (std::string& h : *proof) entry_.add_inclusion(std::move(h));
    }
    entry_.set_index(next_++);
    entry_.set_signed_statement(std::move((*entries)[0]));
    log_.add_bytes(entry_.signed_statement().size());
    Write(&entry_);
  }

  Archive* archive_;
  uint64_t next_;
  uint64_t proof_size_;
  uint64_t end_ = 0;
  v1::ReadLogResponse entry_;
};

// Page tokens are the last item's key, opaque to clients. The default page
// (100) is capped by --max_page_size too, and a page holds at least one item.
uint32_t PageSize(uint32_t requested, uint32_t max) {
  return std::max<uint32_t>(1, std::min(requested == 0 ? 100 : requested, max));
}

}  // namespace

absl::Status ArchiveService::Authorize(const CallbackServerContext& ctx,
                                       Role needed, const char* method,
                                       RequestLog& log) const {
  Caller caller = access_->Identify(ctx);
  log.set_identity(caller.identity);
  return AccessControl::Check(caller, needed, method);
}

template <typename Reactor>
Reactor* ArchiveService::Refuse(CallbackServerContext* ctx, const char* method,
                                const Caller& caller,
                                const std::string& document,
                                const absl::Status& status) const {
  RequestLog log(method, ctx->peer());
  log.set_identity(caller.identity);
  log.set_document(document);
  log.Write(ToGrpc(status));
  return new RefusedReactor<Reactor>(ToGrpc(status));
}
// ImportRevision (services/import_revision.cc) is refused through here too.
template grpc::ServerReadReactor<v1::ImportRevisionRequest>*
ArchiveService::Refuse(CallbackServerContext* ctx, const char* method,
                       const Caller& caller, const std::string& document,
                       const absl::Status& status) const;

absl::StatusOr<std::unique_ptr<StreamLimits::Ticket>>
ArchiveService::AdmitStream(CallbackServerContext* ctx, const Caller& caller,
                            Role needed, const char* method) {
  if (absl::Status s = AccessControl::Check(caller, needed, method); !s.ok()) {
    return s;
  }
  return streams_.Admit(StreamLimits::ClientOf(caller, ctx->peer()), ctx);
}

grpc::ServerReadReactor<v1::PutRequest>* ArchiveService::Put(
    CallbackServerContext* ctx, v1::PutResponse* response) {
  Caller caller = access_->Identify(*ctx);
  auto ticket = AdmitStream(ctx, caller, Role::kArchivist, "Put");
  if (!ticket.ok()) {
    // Refused before its header is read: the document is not known yet.
    return Refuse<grpc::ServerReadReactor<v1::PutRequest>>(ctx, "Put", caller,
                                                           "", ticket.status());
  }
  return new PutReactor(ctx, archive_, limits_, std::move(caller),
                        std::move(*ticket), response);
}

grpc::ServerWriteReactor<v1::GetResponse>* ArchiveService::Get(
    CallbackServerContext* ctx, const v1::GetRequest* request) {
  Caller caller = access_->Identify(*ctx);
  auto ticket = AdmitStream(ctx, caller, Role::kReader, "Get");
  if (!ticket.ok()) {
    return Refuse<grpc::ServerWriteReactor<v1::GetResponse>>(
        ctx, "Get", caller, request->document_id(), ticket.status());
  }
  return new GetReactor(ctx, archive_, sync_, limits_, caller.identity,
                        std::move(*ticket), *request);
}

grpc::ServerWriteReactor<v1::GetBlobResponse>* ArchiveService::GetBlob(
    CallbackServerContext* ctx, const v1::GetBlobRequest* request) {
  Caller caller = access_->Identify(*ctx);
  auto ticket = AdmitStream(ctx, caller, Role::kPeer, "GetBlob");
  if (!ticket.ok()) {
    return Refuse<grpc::ServerWriteReactor<v1::GetBlobResponse>>(
        ctx, "GetBlob", caller, "sha256:" + request->sha256(), ticket.status());
  }
  return new GetBlobReactor(ctx, archive_, limits_, caller.identity,
                            std::move(*ticket), *request);
}

grpc::ServerWriteReactor<v1::ReadLogResponse>* ArchiveService::ReadLog(
    CallbackServerContext* ctx, const v1::ReadLogRequest* request) {
  Caller caller = access_->Identify(*ctx);
  auto ticket = AdmitStream(ctx, caller, Role::kPeer, "ReadLog");
  if (!ticket.ok()) {
    return Refuse<grpc::ServerWriteReactor<v1::ReadLogResponse>>(
        ctx, "ReadLog", caller, "", ticket.status());
  }
  return new ReadLogReactor(ctx, archive_, caller.identity, std::move(*ticket),
                            *request);
}

ServerUnaryReactor* ArchiveService::History(CallbackServerContext* ctx,
                                            const v1::HistoryRequest* request,
                                            v1::HistoryResponse* response) {
  UnaryCall call(ctx, *access_, "History", Role::kReader);
  call.log().set_document(request->document_id());
  if (!call.allowed()) return call.Refuse();
  uint64_t before = UINT64_MAX;
  if (!request->page_token().empty() &&
      !absl::SimpleAtoi(request->page_token(), &before)) {
    return call.Finish(
        Invalid("page_token", "page_token: not a token this server issued"));
  }
  auto doc = archive_->GetDocument(request->document_id());
  if (!doc.ok()) return call.Finish(ToGrpc(doc.status()));
  uint32_t page = PageSize(request->page_size(), limits_.max_page_size);
  std::vector<std::string> damage;
  auto revisions =
      archive_->History(request->document_id(), before, page + 1, &damage);
  if (!revisions.ok()) return call.Finish(ToGrpc(revisions.status()));
  for (const std::string& d : damage) response->add_damage(d);
  for (size_t i = 0; i < revisions->size() && i < page; ++i) {
    ToProto((*revisions)[i], response->add_revisions());
  }
  if (revisions->size() > page) {
    response->set_next_page_token(
        absl::StrCat((*revisions)[page - 1].leaf_index));
  }
  for (const std::string& h : doc->heads) response->add_heads(h);
  response->set_authoritative(AuthoritativeId(*archive_, doc->id));
  return call.Finish(grpc::Status::OK);
}

ServerUnaryReactor* ArchiveService::List(CallbackServerContext* ctx,
                                         const v1::ListRequest* request,
                                         v1::ListResponse* response) {
  UnaryCall call(ctx, *access_, "List", Role::kReader);
  if (!call.allowed()) return call.Refuse();
  v1::ListRequest resolved = *request;
  if (absl::Status s = ResolveEnums(&resolved); !s.ok()) {
    return call.Finish(ToGrpc(s));  // names "lifecycle", a ListRequest field
  }
  DocumentFilter filter{resolved.region(),    resolved.issuer(),
                        resolved.number(),    resolved.status(),
                        resolved.date_from(), resolved.date_to(),
                        resolved.query()};
  if (!filter.status.empty() && !IsKnownStatus(filter.status)) {
    return call.Finish(Invalid(
        "status",
        absl::StrCat("status: unknown status \"", filter.status, "\"")));
  }
  uint32_t page = PageSize(request->page_size(), limits_.max_page_size);
  std::vector<std::string> damage;
  auto docs =
      archive_->ListDocuments(filter, request->page_token(), page + 1, &damage);
  if (!docs.ok()) return call.Finish(ToGrpc(docs.status()));
  for (const std::string& d : damage) response->add_damage(d);
  for (size_t i = 0; i < docs->size() && i < page; ++i) {
    const auto& [info, latest] = (*docs)[i];
    v1::DocumentSummary* d = response->add_documents();
    d->set_document_id(info.id);
    for (const std::string& h : info.heads) d->add_heads(h);
    d->set_revision_count(info.revision_count);
    ToProto(latest, d->mutable_latest());
    d->set_authoritative(AuthoritativeId(*archive_, info.id));
  }
  if (docs->size() > page)
    response->set_next_page_token((*docs)[page - 1].first.id);
  return call.Finish(grpc::Status::OK);
}

ServerUnaryReactor* ArchiveService::GetStatement(
    CallbackServerContext* ctx, const v1::GetStatementRequest* request,
    v1::GetStatementResponse* response) {
  UnaryCall call(ctx, *access_, "GetStatement", Role::kReader);
  if (!call.allowed()) return call.Refuse();
  auto revision = archive_->GetRevision(request->revision_id());
  if (!revision.ok()) return call.Finish(ToGrpc(revision.status()));
  call.log().set_document(revision->statement.document);
  response->set_signed_statement(revision->signed_statement);
  ToProto(*revision, response->mutable_revision());
  return call.Finish(grpc::Status::OK);
}

ServerUnaryReactor* ArchiveService::GetCheckpoint(
    CallbackServerContext* ctx, const v1::GetCheckpointRequest*,
    v1::GetCheckpointResponse* response) {
  UnaryCall call(ctx, *access_, "GetCheckpoint", Role::kReader);
  if (!call.allowed()) return call.Refuse();
  SignedCheckpoint cp = archive_->LatestCheckpoint();
  response->set_checkpoint(cp.note);
  response->set_tree_size(cp.size);
  response->set_verifier_key(archive_->key().VerifierKey());
  return call.Finish(grpc::Status::OK);
}

ServerUnaryReactor* ArchiveService::GetInclusionProof(
    CallbackServerContext* ctx, const v1::GetInclusionProofRequest* request,
    v1::GetInclusionProofResponse* response) {
  UnaryCall call(ctx, *access_, "GetInclusionProof", Role::kReader);
  if (!call.allowed()) return call.Refuse();
  auto revision = archive_->GetRevision(request->revision_id());
  if (!revision.ok()) return call.Finish(ToGrpc(revision.status()));
  call.log().set_document(revision->statement.document);
  SignedCheckpoint cp = archive_->CheckpointCovering(revision->leaf_index);
  uint64_t size = request->tree_size() == 0 ? cp.size : request->tree_size();
  auto proof = archive_->InclusionProof(revision->leaf_index, size);
  if (!proof.ok()) return call.Finish(ToGrpc(proof.status()));
  v1::InclusionProof* out = response->mutable_proof();
  out->set_leaf_index(revision->leaf_index);
  out->set_tree_size(size);
  for (const std::string& h : *proof) out->add_hashes(h);
  response->set_checkpoint(cp.note);
  return call.Finish(grpc::Status::OK);
}

ServerUnaryReactor* ArchiveService::GetConsistencyProof(
    CallbackServerContext* ctx, const v1::GetConsistencyProofRequest* request,
    v1::GetConsistencyProofResponse* response) {
  UnaryCall call(ctx, *access_, "GetConsistencyProof", Role::kReader);
  if (!call.allowed()) return call.Refuse();
  SignedCheckpoint cp = archive_->LatestCheckpoint();
  uint64_t new_size = request->new_size() == 0 ? cp.size : request->new_size();
  auto proof = archive_->ConsistencyProof(request->old_size(), new_size);
  if (!proof.ok()) return call.Finish(ToGrpc(proof.status()));
  v1::ConsistencyProof* out = response->mutable_proof();
  out->set_old_size(request->old_size());
  out->set_new_size(new_size);
  for (const std::string& h : *proof) out->add_hashes(h);
  response->set_checkpoint(cp.note);
  return call.Finish(grpc::Status::OK);
}

ServerUnaryReactor* ArchiveService::GetArchiveInfo(
    CallbackServerContext* ctx, const v1::GetArchiveInfoRequest*,
    v1::GetArchiveInfoResponse* response) {
  UnaryCall call(ctx, *access_, "GetArchiveInfo", Role::kReader);
  if (!call.allowed()) return call.Refuse();
  auto scrub = archive_->LastScrub();
  if (!scrub.ok()) return call.Finish(ToGrpc(scrub.status()));
  SignedCheckpoint cp = archive_->LatestCheckpoint();
  response->set_origin(archive_->origin());
  response->set_verifier_key(archive_->key().VerifierKey());
  response->set_log_size(cp.size);
  response->set_checkpoint(cp.note);
  if (scrub->has_value()) {
    response->set_scrubbed(true);
    ToProto(**scrub, response->mutable_last_scrub());
  }
  const Caller& caller = call.caller();
  response->set_caller_identity(caller.identity);
  response->set_caller_authenticated(caller.authenticated);
  for (std::string& role : AccessControl::RoleNames(caller))
    response->add_caller_roles(std::move(role));
  access_->Describe(response->mutable_access());
  response->set_server_version(VersionString());
  return call.Finish(grpc::Status::OK);
}

ServerUnaryReactor* ArchiveService::Sync(CallbackServerContext* ctx,
                                         const v1::SyncRequest* request,
                                         v1::SyncResponse* response) {
  auto log = std::make_shared<RequestLog>("Sync", ctx->peer());
  log->set_document(request->peer());
  if (absl::Status s = Authorize(*ctx, Role::kAdmin, "Sync", *log); !s.ok()) {
    return FinishUnary(ctx, *log, ToGrpc(s));
  }
  if (sync_ == nullptr) {
    return FinishUnary(ctx, *log,
                       grpc::Status(grpc::StatusCode::UNAVAILABLE,
                                    "this server does not sync"));
  }
  if (request->peer().empty()) {
    return FinishUnary(ctx, *log,
                       Invalid("peer", "peer: give the peer's HOST:PORT"));
  }
  ServerUnaryReactor* reactor = ctx->DefaultReactor();
  sync_->PullAsync(request->peer(), [reactor, response,
                                     log](absl::StatusOr<v1::SyncResponse> r) {
    grpc::Status status = r.ok() ? grpc::Status::OK : ToGrpc(r.status());
    if (r.ok()) *response = std::move(*r);
    log->Write(status);
    reactor->Finish(status);
  });
  return reactor;
}

ServerUnaryReactor* ArchiveService::Scrub(CallbackServerContext* ctx,
                                          const v1::ScrubRequest* request,
                                          v1::ScrubResponse* response) {
  auto log = std::make_shared<RequestLog>("Scrub", ctx->peer());
  if (absl::Status s = Authorize(*ctx, Role::kAdmin, "Scrub", *log); !s.ok()) {
    return FinishUnary(ctx, *log, ToGrpc(s));
  }
  if (sync_ == nullptr) {
    return FinishUnary(ctx, *log,
                       grpc::Status(grpc::StatusCode::UNAVAILABLE,
                                    "this server has no background worker"));
  }
  ServerUnaryReactor* reactor = ctx->DefaultReactor();
  std::vector<std::string> peers(request->peers().begin(),
                                 request->peers().end());
  sync_->ScrubAsync(
      request->repair(), std::move(peers),
      [reactor, response, log](absl::StatusOr<v1::ScrubResponse> r) {
        grpc::Status status = r.ok() ? grpc::Status::OK : ToGrpc(r.status());
        if (r.ok()) *response = std::move(*r);
        log->Write(status);
        reactor->Finish(status);
      });
  return reactor;
}

ServerUnaryReactor* ArchiveService::Relations(
    CallbackServerContext* ctx, const v1::RelationsRequest* request,
    v1::RelationsResponse* response) {
  UnaryCall call(ctx, *access_, "Relations", Role::kReader);
  call.log().set_document(request->document_id());
  if (!call.allowed()) return call.Refuse();
  if (catalog_ == nullptr) {
    return call.Finish(grpc::Status(grpc::StatusCode::UNAVAILABLE,
                                    "this server keeps no index"));
  }
  if (auto doc = archive_->GetDocument(request->document_id()); !doc.ok()) {
    return call.Finish(ToGrpc(doc.status()));
  }
  catalog_->WaitIndexed(archive_->LatestCheckpoint().size, kIndexWait);
  auto edges = catalog_->Relations(request->document_id());
  if (!edges.ok()) return call.Finish(ToGrpc(edges.status()));
  for (const RelationEdge& e : *edges) {
    v1::RelationEdge* out = response->add_relations();
    out->set_kind(e.kind);
    out->set_type(RelationKindOf(e.kind));
    out->set_other(e.other);
    out->set_declared_by(e.declared_by);
    out->set_revision_id(e.revision_id);
  }
  response->set_indexed_through(catalog_->indexed_through());
  return call.Finish(grpc::Status::OK);
}

ServerUnaryReactor* ArchiveService::Search(CallbackServerContext* ctx,
                                           const v1::SearchRequest* request,
                                           v1::SearchResponse* response) {
  UnaryCall call(ctx, *access_, "Search", Role::kReader);
  if (!call.allowed()) return call.Refuse();
  if (catalog_ == nullptr) {
    return call.Finish(grpc::Status(grpc::StatusCode::UNAVAILABLE,
                                    "this server keeps no index"));
  }
  if (request->query().size() > kMaxQueryBytes) {
    return call.Finish(
        Invalid("query",
                absl::StrCat("query: longer than ", kMaxQueryBytes, " bytes")));
  }
  if (!IsValidUtf8(request->query())) {
    return call.Finish(Invalid("query", "query: not valid UTF-8"));
  }
  // Read your own writes: a search right after a put or a sync sees it.
  const uint64_t log_size = archive_->LatestCheckpoint().size;
  catalog_->WaitIndexed(log_size, kIndexWait);
  uint32_t limit = request->limit() == 0
                       ? 20
                       : std::min(request->limit(), limits_.max_page_size);
  auto result = catalog_->Search(request->query(), limit);
  if (!result.ok()) return call.Finish(ToGrpc(result.status()));
  for (const SearchHit& h : result->hits) {
    v1::SearchHit* out = response->add_hits();
    out->set_document_id(h.document);
    out->set_revision_id(h.revision_id);
    out->set_title(h.title);
    out->set_snippet(h.snippet);
    out->set_occurrences(h.occurrences);
    out->set_score(h.score);
  }
  response->set_total_matches(result->total_matches);
  response->set_indexed_through(result->indexed_through);
  response->set_log_size(log_size);
  return call.Finish(grpc::Status::OK);
}

}  // namespace archive
