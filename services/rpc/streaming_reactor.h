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

}  // namespace archive

#endif  // ARCHIVE_SERVICES_RPC_STREAMING_REACTOR_H_
