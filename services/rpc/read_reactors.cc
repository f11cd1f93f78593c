#include "services/rpc/read_reactors.h"

#include <algorithm>
#include <functional>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "services/rpc/blob_chunks.h"
#include "services/rpc/proto_convert.h"
#include "services/rpc/request_log.h"
#include "services/rpc/streaming_reactor.h"
#include "storage/base/error_detail.h"

namespace archive {
namespace {

using grpc::CallbackServerContext;

// Get: one header, then the content's chunks.
class GetReactor : public StreamingReactor<v1::GetResponse> {
 public:
  GetReactor(CallbackServerContext* ctx, Archive* archive, SyncManager* sync,
             const ServiceLimits& limits, const std::string& identity,
             std::unique_ptr<StreamLimits::Ticket> ticket,
             const v1::GetRequest& request, const ReadQueries& queries)
      : StreamingReactor(ctx, "Get", identity, std::move(ticket)),
        archive_(archive),
        sync_(sync),
        limits_(limits) {
    cosigned_ = [queries](const std::string& note) {
      return queries.Cosigned(note);
    };
    log_.set_document(request.document_id());
    grpc::Status s = Start(request);
    if (!s.ok()) Stop(s);
  }

 private:
  grpc::Status Start(const v1::GetRequest& request) {
    DocumentInfo doc;
    auto revision = Resolve(request, &doc);
    if (!revision.ok()) return ToGrpc(revision.status());
    auto receipt = archive_->ReceiptFor(*revision);
    if (!receipt.ok()) return ToGrpc(receipt.status());
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
    header->mutable_receipt()->set_checkpoint(
        cosigned_(header->receipt().checkpoint()));
    for (const std::string& h : doc.heads) header->add_heads(h);
    if (header_only_) {
      StopAfter(&response_);
    } else if (Inline(request, st.content_size)) {
      // Verified whole by Open (a content this small always is), so the one
      // message goes out with the status.
      absl::Status s = chunks_.Next(header->mutable_content());
      if (!s.ok()) return ToGrpc(Damaged(s));
      log_.add_bytes(header->content().size());
      StopAfter(&response_);
    } else {
      // Not with WriteOptions::set_buffer_hint(): gRPC 1.51 then holds the
      // write's completion until a later flush, and the call never proceeds.
      Write(&response_);
    }
    return grpc::Status::OK;
  }

  // The revision asked for, and its document's record (for the heads).
  absl::StatusOr<StoredRevision> Resolve(const v1::GetRequest& request,
                                         DocumentInfo* doc) {
    if (request.revision_id().empty()) {
      // Authoritative reads the document's record anyway: reuse it.
      return archive_->Authoritative(request.document_id(), request.head(),
                                     doc);
    }
    auto revision = archive_->GetRevision(request.revision_id());
    if (revision.ok() && !request.document_id().empty() &&
        revision->statement.document != request.document_id()) {
      return absl::NotFoundError(absl::StrCat(
          "revision ", request.revision_id(), " belongs to ",
          revision->statement.document, ", not ", request.document_id()));
    }
    if (!revision.ok()) return revision;
    auto read = archive_->GetDocument(revision->statement.document);
    if (!read.ok()) return read.status();
    *doc = std::move(*read);
    return revision;
  }

  // Whether the content goes inside the header: the client asked for it and
  // it fits in one chunk, the most a message of this call carries anyway.
  // Only a content BlobChunks verified whole goes there, so nothing
  // unverified is sent.
  bool Inline(const v1::GetRequest& request, uint64_t size) const {
    return size <= request.inline_max_bytes() && size <= limits_.chunk_bytes &&
           size <= BlobChunks::kVerifyWholeBelow;
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
  // The receipt's checkpoint with the witnesses' cosignatures.
  std::function<std::string(const std::string&)> cosigned_;
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
                 const ServiceLimits& limits, const std::string& identity,
                 std::unique_ptr<StreamLimits::Ticket> ticket,
                 const v1::ReadLogRequest& request)
      : StreamingReactor(ctx, "ReadLog", identity, std::move(ticket)),
        blobs_(archive->blobs()),
        next_(request.start()),
        proof_size_(request.tree_size()),
        inline_max_bytes_(std::min<uint64_t>(
            request.inline_max_bytes(),
            std::min<uint64_t>(limits.chunk_bytes,
                               BlobChunks::kVerifyWholeBelow))) {
    auto log = archive->ServedLog(request.mirror_origin());
    if (!log.ok()) {
      Stop(ToGrpc(log.status()));
      return;
    }
    log_reader_.emplace(std::move(*log));
    uint64_t latest = log_reader_->checkpoint().size;
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
    auto entries = log_reader_->Entries(next_, 1);
    if (!entries.ok()) return Stop(ToGrpc(entries.status()));
    StoredRevision& revision = (*entries)[0];
    entry_.Clear();
    if (proof_size_ > 0) {
      auto proof = log_reader_->Inclusion(next_, proof_size_);
      if (!proof.ok()) return Stop(ToGrpc(proof.status()));
      for (std::string& h : *proof) entry_.add_inclusion(std::move(h));
    }
    entry_.set_index(next_++);
    entry_.set_signed_statement(std::move(revision.signed_statement));
    AddContent(revision.statement);
    log_.add_bytes(entry_.signed_statement().size() + entry_.content().size());
    Write(&entry_);
  }

  // The statement's content inline, if the reader asked for contents this
  // small. Only verified bytes go: a content that is missing or damaged here
  // is left out, so the reader asks GetBlob for it, which reports the damage
  // (and has it repaired) as for any reader.
  void AddContent(const Statement& statement) {
    if (inline_max_bytes_ == 0 || statement.content_size > inline_max_bytes_)
      return;
    auto bytes =
        blobs_.ReadVerified(statement.content_sha256, statement.content_size);
    if (bytes.ok()) entry_.set_content(std::move(*bytes));
  }

  BlobStore& blobs_;
  // The log read (this archive's or a mirror), fixed at its checkpoint.
  std::optional<LogReader> log_reader_;
  uint64_t next_;
  uint64_t proof_size_;
  // Contents up to this size go inside their entries (0: none).
  const uint64_t inline_max_bytes_;
  uint64_t end_ = 0;
  v1::ReadLogResponse entry_;
};

}  // namespace

grpc::ServerWriteReactor<v1::GetResponse>* NewGetReactor(
    CallbackServerContext* ctx, Archive* archive, SyncManager* sync,
    const ServiceLimits& limits, const std::string& identity,
    std::unique_ptr<StreamLimits::Ticket> ticket, const v1::GetRequest& request,
    const ReadQueries& queries) {
  return new GetReactor(ctx, archive, sync, limits, identity, std::move(ticket),
                        request, queries);
}

grpc::ServerWriteReactor<v1::GetBlobResponse>* NewGetBlobReactor(
    CallbackServerContext* ctx, Archive* archive, const ServiceLimits& limits,
    const std::string& identity, std::unique_ptr<StreamLimits::Ticket> ticket,
    const v1::GetBlobRequest& request) {
  return new GetBlobReactor(ctx, archive, limits, identity, std::move(ticket),
                            request);
}

grpc::ServerWriteReactor<v1::ReadLogResponse>* NewReadLogReactor(
    CallbackServerContext* ctx, Archive* archive, const ServiceLimits& limits,
    const std::string& identity, std::unique_ptr<StreamLimits::Ticket> ticket,
    const v1::ReadLogRequest& request) {
  return new ReadLogReactor(ctx, archive, limits, identity, std::move(ticket),
                            request);
}

}  // namespace archive
