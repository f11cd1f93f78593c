// The skeleton of a client-streaming upload (Put, ImportRevision): a header
// message, then content chunks written to a temp blob, then a commit. What the
// skeleton owns, so that every upload behaves alike under the stream limits
// (services/stream_limits.h):
// - the stream's ticket: the client's next message is awaited for at most
//   --idle_stream_seconds; the ticket is released just before the call
//   finishes;
// - the temp blob (OpenTempBlob, temp_blob()): discarded whenever the upload
//   stops uncommitted, so an abandoned, refused or idle upload stores nothing;
// - the request log line, written once with the status the client gets (the
//   idle status if the watchdog ended the stream).
// A subclass implements Consume() (one message, in request()) and
// EndOfStream() (the client is done sending: commit, or return why not), and
// finishes with Stop(); Abandoned() tells EndOfStream whether the client left.
//
// Thread-safety: the reactor keeps no lock. gRPC runs one OnReadDone at a time
// (only one read is outstanding); OnCancel may run alongside it, so it only
// sets an atomic flag. A subclass may call Stop() from another thread (the
// archive's commit callback) only after EndOfStream returned OK, when no read
// is outstanding and no reaction touches the reactor again.
// Ownership: created with new, owned by gRPC once the handler returns it, and
// deleted by itself in OnDone; the ticket and the temp blob are owned; the
// BlobStore and the archive are borrowed and must outlive every call.
//
// Errors: a client idle for --idle_stream_seconds gets DEADLINE_EXCEEDED
// (Ticket::Explain, whatever status the reactor then stops with); a temp blob
// that cannot be opened is the BlobStore's status through ToGrpc; anything else
// is the status Consume() or EndOfStream() returns or the subclass gives
// Stop().
#ifndef ARCHIVE_SERVICES_RPC_UPLOAD_REACTOR_H_
#define ARCHIVE_SERVICES_RPC_UPLOAD_REACTOR_H_

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <memory>
#include <string>
#include <utility>

#include "services/rpc/proto_convert.h"
#include "services/rpc/request_log.h"
#include "services/rpc/stream_limits.h"
#include "storage/db/blob_store.h"

namespace archive {

template <typename Request>
class UploadReactor : public grpc::ServerReadReactor<Request> {
 public:
  void OnReadDone(bool ok) override {
    if (finished_) return;
    ticket_->Progressed();
    grpc::Status s = ok ? Consume() : EndOfStream();
    if (!s.ok()) return Stop(s);
    // A subclass may have finished early (a reply before the end of stream).
    if (ok && !finished_) {
      request_.Clear();
      ReadNext();
    }
  }
  void OnDone() override { delete this; }
  void OnCancel() override { cancelled_ = true; }

 protected:
  // `method` names the call in the request log; `idle_what` (a static string)
  // says in the idle status what the client failed to do and what was kept.
  // The first read starts here: gRPC delivers no reaction before the method
  // handler has returned the fully built reactor.
  UploadReactor(grpc::CallbackServerContext* ctx, const char* method,
                const std::string& identity,
                std::unique_ptr<StreamLimits::Ticket> ticket,
                const char* idle_what)
      : ctx_(ctx),
        log_(method, ctx->peer()),
        ticket_(std::move(ticket)),
        idle_what_(idle_what) {
    log_.set_identity(identity);
    ReadNext();
  }

  // The latest message, for Consume(), which may take its bytes (it is
  // cleared before the next read).
  const Request& request() const { return request_; }
  Request* mutable_request() { return &request_; }
  // Handles request(); a non-OK status stops the upload with it.
  virtual grpc::Status Consume() = 0;
  // The client closed its side; a non-OK status stops the upload with it.
  virtual grpc::Status EndOfStream() = 0;

  // The client cancelled or the watchdog ended the stream as idle. OnCancel
  // may come after the final OnReadDone, so the context is asked too: an
  // abandoned upload is never committed.
  bool Abandoned() const {
    return cancelled_ || ctx_->IsCancelled() || ticket_->ended_idle();
  }

  // Finishes the call with `status` (the idle status if the stream was ended
  // for idleness), discarding an uncommitted temp blob. Idempotent.
  void Stop(const grpc::Status& status) {
    if (finished_) return;
    finished_ = true;
    writer_.reset();
    grpc::Status s = ticket_->Explain(status);
    log_.Write(s);
    ticket_->Release();
    this->Finish(s);
  }

  // Opens the upload's blob: held in memory if `expected_size` fits the
  // inline store (sealed into the revision's batch), else an upload to the
  // blob backend (a temp file, or an object store upload named by
  // `expected_sha256`).
  grpc::Status OpenTempBlob(BlobStore& blobs,
                            const std::string& expected_sha256,
                            uint64_t expected_size) {
    auto writer = blobs.NewWriter(expected_sha256, expected_size);
    if (!writer.ok()) return ToGrpc(writer.status());
    writer_ = std::move(*writer);
    return grpc::Status::OK;
  }
  // The open temp blob, or null.
  BlobStore::Writer* temp_blob() { return writer_.get(); }
  RequestLog& log() { return log_; }

 private:
  // Waits for the client's next message, for at most --idle_stream_seconds.
  void ReadNext() {
    ticket_->WaitOnClient(idle_what_);
    this->StartRead(&request_);
  }

  grpc::CallbackServerContext* ctx_;
  RequestLog log_;
  std::unique_ptr<StreamLimits::Ticket> ticket_;
  const char* idle_what_;
  Request request_;
  std::unique_ptr<BlobStore::Writer> writer_;
  std::atomic<bool> cancelled_{false};
  bool finished_ = false;
};

}  // namespace archive

#endif  // ARCHIVE_SERVICES_RPC_UPLOAD_REACTOR_H_
