// The skeleton of a server-streaming call (Get, GetBlob, ReadLog): one message
// written at a time, each awaited by the client for at most
// --idle_stream_seconds under the stream's ticket (stream_limits.h), and one
// request log line with the status the client gets. The reactor owns its
// ticket and deletes itself when gRPC is done with it (OnDone).
#ifndef ARCHIVE_SERVICES_RPC_STREAMING_REACTOR_H_
#define ARCHIVE_SERVICES_RPC_STREAMING_REACTOR_H_

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>
#include <utility>

#include "services/rpc/request_log.h"
#include "services/rpc/stream_limits.h"

namespace archive {

// A server-streaming call that writes one message at a time and one log line
// when it stops. Subclasses implement SendNext(): Write the next message,
// or Stop().
//
// Thread-safety: gRPC runs the reactions; the reactor keeps no lock, so its
// state (and the subclass's) is touched only from the constructor and from
// OnWriteDone, one at a time, as only one write is ever outstanding. The
// ticket's idle watchdog runs on its own thread; it touches only the ticket
// (atomically) and cancels the call, which the reactor then sees as a failed
// write.
// Ownership: the reactor is created with new, belongs to gRPC once returned
// from the handler, and deletes itself in OnDone; objects it borrows (the
// archive, the limits) must outlive every call.
//
// Errors: a failed write (the client went away) ends the call with CANCELLED;
// a client that reads nothing for --idle_stream_seconds gets
// DEADLINE_EXCEEDED (Ticket::Explain); anything else is the status the
// subclass gives Stop().
template <typename Response>
class StreamingReactor : public grpc::ServerWriteReactor<Response> {
 public:
  StreamingReactor(grpc::CallbackServerContext* ctx, const char* method,
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
  // Writes the next message or stops; called from OnWriteDone (and, for the
  // first message, by the subclass's constructor).
  virtual void SendNext() = 0;
  // Writes one message; the client has --idle_stream_seconds to take it.
  void Write(const Response* message) {
    ticket_->WaitOnClient("the client read nothing");
    this->StartWrite(message);
  }
  // Ends the call with `status` (or the idle status) and writes the log line.
  // Call Stop or StopAfter exactly once: unlike UploadReactor::Stop, it is not
  // idempotent.
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

}  // namespace archive

#endif  // ARCHIVE_SERVICES_RPC_STREAMING_REACTOR_H_
