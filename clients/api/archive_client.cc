#include "clients/api/archive_client.h"

#include <chrono>
#include <fstream>
#include <thread>

#include "absl/strings/cord.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "clients/api/status_details.h"
#include "storage/base/env.h"
#include "storage/base/error_detail.h"
#include "storage/base/file_hash.h"
#include "storage/base/hex.h"
#include "storage/base/sha256.h"

namespace archive {
namespace {

// Unary calls are small; a generous deadline still catches a hung server.
// Cancels a streaming call when no message arrived for `idle`: a peer that
// keeps the connection open but stops sending must not hold a caller forever,
// while a slow but steady transfer of any size goes on.
class IdleWatchdog {
 public:
  IdleWatchdog(grpc::ClientContext* ctx, absl::Duration idle)
      : ctx_(ctx), idle_(idle), last_(absl::Now()) {
    if (idle_ > absl::ZeroDuration())
      thread_ = std::thread([this] { Watch(); });
  }
  ~IdleWatchdog() {
    {
      absl::MutexLock lock(&mu_);
      done_ = true;
    }
    if (thread_.joinable()) thread_.join();
  }
  void Touch() {
    absl::MutexLock lock(&mu_);
    last_ = absl::Now();
  }
  // The error to report instead of the cancellation, if the watchdog fired.
  absl::Status Explain(const absl::Status& s) const {
    absl::MutexLock lock(&mu_);
    if (!fired_) return s;
    return absl::UnavailableError(absl::StrCat(
        "the server sent nothing for ", absl::FormatDuration(idle_),
        "; gave up (", s.message(), ")"));
  }

 private:
  void Watch() {
    absl::MutexLock lock(&mu_);
    while (!done_) {
      mu_.AwaitWithTimeout(absl::Condition(&done_), absl::Milliseconds(200));
      if (!done_ && absl::Now() - last_ > idle_) {
        fired_ = true;
        ctx_->TryCancel();
        return;
      }
    }
  }
  grpc::ClientContext* ctx_;
  absl::Duration idle_;
  mutable absl::Mutex mu_;
  absl::Time last_ ABSL_GUARDED_BY(mu_);
  bool done_ ABSL_GUARDED_BY(mu_) = false;
  bool fired_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

template <typename Response, typename Call>
absl::StatusOr<Response> Unary(Call call, absl::Duration deadline) {
  grpc::ClientContext ctx;
  ctx.set_deadline(absl::ToChronoTime(absl::Now() + deadline));
  Response response;
  grpc::Status s = call(&ctx, &response);
  if (!s.ok()) return FromGrpc(s);
  return response;
}

// Sends `first` (a header) and then the file at `path` in chunks on a
// client-streaming call, and finishes it.
template <typename Request>
absl::Status SendFile(grpc::ClientContext* ctx,
                      grpc::ClientWriter<Request>* stream, Request& first,
                      const std::string& path, const Progress& progress,
                      uint64_t size) {
  bool open = stream->Write(first);
  Request request;
  std::ifstream in(path, std::ios::binary);
  std::string buf(ArchiveClient::kChunkBytes, '\0');
  uint64_t sent = 0;
  while (open && in) {
    in.read(buf.data(), buf.size());
    if (in.gcount() == 0) break;
    request.set_chunk(buf.data(), in.gcount());
    open = stream->Write(request);
    sent += in.gcount();
    if (progress) progress(sent, size);
  }
  if (!path.empty() && in.bad()) {
    ctx->TryCancel();
    stream->Finish().IgnoreError();
    return absl::DataLossError(
        absl::StrCat("error reading ", path, " while sending it"));
  }
  stream->WritesDone();
  return FromGrpc(stream->Finish());
}

}  // namespace

absl::StatusOr<std::string> HashFile(const std::string& path, uint64_t* size,
                                     PutInspector* inspector) {
  if (inspector == nullptr) return Sha256File(path, size);
  return Sha256File(path, size, [inspector](absl::string_view chunk) {
    inspector->Chunk(chunk);
  });
}

constexpr char kFromServerPayload[] = "archive/from-server";

absl::Status FromGrpc(const grpc::Status& status) {
  if (status.ok()) return absl::OkStatus();
  std::string message = status.error_message();
  if (status.error_code() == grpc::StatusCode::UNAVAILABLE) {
    message = absl::StrCat("server unavailable: ", message);
  }
  absl::Status s(static_cast<absl::StatusCode>(status.error_code()), message);
  s.SetPayload(kFromServerPayload, absl::Cord());
  return WithDetailFrom(std::move(s), status.error_details());
}

bool FromServer(const absl::Status& status) {
  return status.GetPayload(kFromServerPayload).has_value();
}

absl::Status WithMessage(const absl::Status& status,
                         absl::string_view message) {
  absl::Status out(status.code(), message);
  status.ForEachPayload([&out](absl::string_view url, const absl::Cord& p) {
    out.SetPayload(url, p);
  });
  return out;
}

absl::Status ExplainTlsRefusal(const absl::Status& status,
                               const std::string& server, const TlsFiles& tls) {
  if (!tls.enabled() || !absl::IsUnavailable(status)) return status;
  absl::string_view m = status.message();
  if (!absl::StrContains(m, "Socket closed") &&
      !absl::StrContains(m, "Connection reset") &&
      !absl::StrContains(m, "andshake")) {
    return status;
  }
  std::string why =
      tls.cert.empty()
          ? "it requires a client certificate and none was given (use "
            "--tls_cert and --tls_key)"
          : absl::StrCat("the server refused the client certificate ", tls.cert,
                         " (is it signed by a CA the server trusts, its "
                         "--tls_client_ca, and still valid?)");
  return absl::UnavailableError(absl::StrCat(
      "the archive at ", server,
      " closed the connection during the TLS handshake: ", why, " (", m, ")"));
}

ArchiveClient::ArchiveClient(std::shared_ptr<grpc::Channel> channel)
    : stub_(v1::Archive::NewStub(std::move(channel))) {}

namespace {

// The arguments of every channel to an archive, with the fixed stream window
// (kStreamWindowBytes): probed, the window of a fast loopback get grew until
// archivectl, writing to a disk slower than the archive sent, held up to
// 100 MB of one get's chunks and faulted fresh pages in for them.
grpc::ChannelArguments ArchiveChannelArguments() {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(8 << 20);
  args.SetInt(GRPC_ARG_HTTP2_BDP_PROBE, 0);
  args.SetInt(GRPC_ARG_HTTP2_STREAM_LOOKAHEAD_BYTES,
              ArchiveClient::kStreamWindowBytes);
  return args;
}

// The largest chunk the archive takes, when `s` is its refusal of a larger
// one (its limit rides on the status's detail); 0 for any other status.
uint64_t ChunksTaken(const absl::Status& s) {
  if (!FromServer(s) || !absl::IsResourceExhausted(s)) return 0;
  ErrorDetail detail = DetailOf(s);
  if (!detail.limit || detail.limit->name != "chunk_bytes") return 0;
  return detail.limit->maximum;
}

}  // namespace

std::shared_ptr<grpc::Channel> ArchiveClient::Dial(const std::string& target) {
  return grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(),
                                   ArchiveChannelArguments());
}

absl::StatusOr<std::shared_ptr<grpc::Channel>> ArchiveClient::Dial(
    const std::string& target, const TlsFiles& tls) {
  if (!tls.enabled()) return Dial(target);
  grpc::SslCredentialsOptions options;
  for (auto [path, out] : {std::pair<const std::string*, std::string*>{
                               &tls.ca, &options.pem_root_certs},
                           {&tls.cert, &options.pem_cert_chain},
                           {&tls.key, &options.pem_private_key}}) {
    if (path->empty()) continue;
    auto pem = Env::Default()->ReadFile(*path);
    if (!pem.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("cannot read ", *path, ": ", pem.status().message()));
    }
    *out = std::move(*pem);
  }
  if (options.pem_cert_chain.empty() != options.pem_private_key.empty()) {
    return absl::InvalidArgumentError(
        "a client certificate needs its key: give both --tls_cert and "
        "--tls_key");
  }
  return grpc::CreateCustomChannel(target, grpc::SslCredentials(options),
                                   ArchiveChannelArguments());
}

absl::StatusOr<v1::PutResponse> ArchiveClient::PutFile(const std::string& path,
                                                       v1::PutHeader header,
                                                       const Progress& progress,
                                                       PutInspector* inspector,
                                                       v1::PutHeader* sent) {
  if (header.sha256().empty()) {
    bool fall_back = false;
    auto reply = PutOnePass(path, &header, progress, inspector,
                            kOnePassChunkBytes, &fall_back);
    if (uint64_t taken = ChunksTaken(reply.status());
        !fall_back && taken > 0 && taken < kOnePassChunkBytes) {
      // The archive refused the first chunk and stored nothing; the
      // inspector has completed the header already.
      reply = PutOnePass(path, &header, progress, nullptr,
                         static_cast<size_t>(taken), &fall_back);
    }
    if (!fall_back) {
      if (sent != nullptr) *sent = header;
      return reply;
    }
    // The header may be complete already (the inspector decided early).
    if (!header.metadata().media_type().empty()) inspector = nullptr;
    header.clear_digest_in_trailer();
    header.clear_sha256();
  }
  if (header.sha256().empty()) {
    uint64_t size = 0;
    auto digest = HashFile(path, &size, inspector);
    if (!digest.ok()) return digest.status();
    if (inspector != nullptr) inspector->Finish(&header);
    header.set_sha256(*digest);
    header.set_size(size);
  }
  const uint64_t size = header.size();

  grpc::ClientContext ctx;
  v1::PutResponse response;
  auto stream = stub_->Put(&ctx, &response);
  v1::PutRequest request;
  *request.mutable_header() = header;
  absl::Status s = SendFile(&ctx, stream.get(), request, path, progress, size);
  if (!s.ok()) return s;
  if (sent != nullptr) *sent = header;
  return response;
}

absl::StatusOr<v1::PutResponse> ArchiveClient::PutBytes(
    absl::string_view content, const v1::PutHeader& header) {
  grpc::ClientContext ctx;
  v1::PutResponse response;
  auto stream = stub_->Put(&ctx, &response);
  v1::PutRequest request;
  *request.mutable_header() = header;
  bool open = stream->Write(request);
  for (size_t off = 0; open && off < content.size(); off += kChunkBytes) {
    request.set_chunk(std::string(content.substr(off, kChunkBytes)));
    open = stream->Write(request);
  }
  stream->WritesDone();
  grpc::Status s = stream->Finish();
  if (!s.ok()) return FromGrpc(s);
  return response;
}

absl::StatusOr<v1::ImportRevisionResponse> ArchiveClient::ImportRevision(
    const std::string& signed_statement, const std::string& content_path,
    bool check_only) {
  grpc::ClientContext ctx;
  v1::ImportRevisionResponse response;
  auto stream = stub_->ImportRevision(&ctx, &response);
  v1::ImportRevisionRequest request;
  request.mutable_header()->set_signed_statement(signed_statement);
  request.mutable_header()->set_check_only(check_only);
  absl::Status s = SendFile(&ctx, stream.get(), request,
                            check_only ? "" : content_path, nullptr, 0);
  if (!s.ok()) return s;
  return response;
}

absl::StatusOr<v1::GetHeader> ArchiveClient::Get(const v1::GetRequest& request,
                                                 const ChunkSink& sink,
                                                 const Progress& progress) {
  return GetTakingChunks(
      request, [&sink](std::string* chunk) { return sink(*chunk); }, progress);
}

absl::StatusOr<v1::GetHeader> ArchiveClient::GetTakingChunks(
    const v1::GetRequest& request, const TakingChunkSink& sink,
    const Progress& progress) {
  grpc::ClientContext ctx;
  v1::GetRequest asked = request;
  // A small content in the header: one message instead of two. Up to 1 MiB,
  // well under gRPC's 4 MiB message limit with the receipt beside it.
  if (!asked.header_only() && asked.inline_max_bytes() == 0) {
    asked.set_inline_max_bytes(kInlineContentBytes);
  }
  auto stream = stub_->Get(&ctx, asked);
  v1::GetResponse message;
  v1::GetHeader header;
  bool have_header = false;
  bool inlined = false;  // the whole content came in the header
  uint64_t received = 0;
  absl::Status sink_status;
  while (stream->Read(&message)) {
    if (message.has_header() && have_header) {
      sink_status = absl::DataLossError("server sent a second header");
    } else if (message.has_header()) {
      header = std::move(*message.mutable_header());
      have_header = true;
      if (!header.has_content()) continue;
      inlined = true;
      received += header.content().size();
      // Handed on like a chunk (which the sink may take), so it is hashed
      // and checked like one.
      sink_status = sink(header.mutable_content());
      header.clear_content();
      if (sink_status.ok() && progress) {
        progress(received, header.revision().size());
      }
    } else if (!have_header) {
      sink_status =
          absl::DataLossError("server sent content before the header");
    } else if (inlined) {
      sink_status = absl::DataLossError(
          "server sent content in chunks after the whole of it in the header");
    } else {
      received += message.chunk().size();
      sink_status = sink(message.mutable_chunk());
      if (progress) progress(received, header.revision().size());
    }
    if (!sink_status.ok()) {
      ctx.TryCancel();
      break;
    }
  }
  grpc::Status s = stream->Finish();
  if (!sink_status.ok()) return sink_status;
  if (!s.ok()) return FromGrpc(s);
  if (!have_header) return absl::DataLossError("server sent no header");
  return header;
}

absl::StatusOr<v1::HistoryResponse> ArchiveClient::History(
    const v1::HistoryRequest& r) {
  return Unary<v1::HistoryResponse>(
      [&](grpc::ClientContext* c, v1::HistoryResponse* out) {
        return stub_->History(c, r, out);
      },
      unary_deadline_);
}

absl::StatusOr<v1::HistoryResponse> ArchiveClient::FullHistory(
    const std::string& document_id) {
  v1::HistoryResponse all;
  v1::HistoryRequest request;
  request.set_document_id(document_id);
  request.set_page_size(1000);
  do {
    auto page = History(request);
    if (!page.ok()) return page.status();
    for (auto& r : *page->mutable_revisions())
      *all.add_revisions() = std::move(r);
    for (auto& d : *page->mutable_damage()) all.add_damage(std::move(d));
    *all.mutable_heads() = page->heads();
    all.set_authoritative(page->authoritative());
    request.set_page_token(page->next_page_token());
  } while (!request.page_token().empty());
  return all;
}

absl::StatusOr<v1::ListResponse> ArchiveClient::List(const v1::ListRequest& r) {
  return Unary<v1::ListResponse>(
      [&](grpc::ClientContext* c, v1::ListResponse* out) {
        return stub_->List(c, r, out);
      },
      unary_deadline_);
}

absl::StatusOr<v1::RelationsResponse> ArchiveClient::Relations(
    const std::string& document_id) {
  v1::RelationsRequest r;
  r.set_document_id(document_id);
  return Unary<v1::RelationsResponse>(
      [&](grpc::ClientContext* c, v1::RelationsResponse* out) {
        return stub_->Relations(c, r, out);
      },
      unary_deadline_);
}

absl::StatusOr<v1::SearchResponse> ArchiveClient::Search(
    const v1::SearchRequest& r) {
  return Unary<v1::SearchResponse>(
      [&](grpc::ClientContext* c, v1::SearchResponse* out) {
        return stub_->Search(c, r, out);
      },
      unary_deadline_);
}

absl::StatusOr<v1::GetStatementResponse> ArchiveClient::GetStatement(
    const std::string& revision_id) {
  v1::GetStatementRequest r;
  r.set_revision_id(revision_id);
  return Unary<v1::GetStatementResponse>(
      [&](grpc::ClientContext* c, v1::GetStatementResponse* out) {
        return stub_->GetStatement(c, r, out);
      },
      unary_deadline_);
}

absl::StatusOr<v1::GetCheckpointResponse> ArchiveClient::GetCheckpoint(
    const std::string& mirror_origin) {
  v1::GetCheckpointRequest r;
  r.set_mirror_origin(mirror_origin);
  return Unary<v1::GetCheckpointResponse>(
      [&](grpc::ClientContext* c, v1::GetCheckpointResponse* out) {
        return stub_->GetCheckpoint(c, r, out);
      },
      unary_deadline_);
}

absl::StatusOr<v1::GetArchiveInfoResponse> ArchiveClient::GetArchiveInfo() {
  v1::GetArchiveInfoRequest r;
  return Unary<v1::GetArchiveInfoResponse>(
      [&](grpc::ClientContext* c, v1::GetArchiveInfoResponse* out) {
        return stub_->GetArchiveInfo(c, r, out);
      },
      unary_deadline_);
}

absl::StatusOr<v1::GetInclusionProofResponse> ArchiveClient::GetInclusionProof(
    const std::string& revision_id, uint64_t tree_size) {
  v1::GetInclusionProofRequest r;
  r.set_revision_id(revision_id);
  r.set_tree_size(tree_size);
  return Unary<v1::GetInclusionProofResponse>(
      [&](grpc::ClientContext* c, v1::GetInclusionProofResponse* out) {
        return stub_->GetInclusionProof(c, r, out);
      },
      unary_deadline_);
}

absl::StatusOr<v1::GetConsistencyProofResponse>
ArchiveClient::GetConsistencyProof(uint64_t old_size, uint64_t new_size,
                                   const std::string& mirror_origin) {
  v1::GetConsistencyProofRequest r;
  r.set_mirror_origin(mirror_origin);
  r.set_old_size(old_size);
  r.set_new_size(new_size);
  return Unary<v1::GetConsistencyProofResponse>(
      [&](grpc::ClientContext* c, v1::GetConsistencyProofResponse* out) {
        return stub_->GetConsistencyProof(c, r, out);
      },
      unary_deadline_);
}

absl::Status ArchiveClient::ReadLog(
    uint64_t start, uint64_t tree_size,
    const std::function<absl::Status(const v1::ReadLogResponse&)>& entry,
    const std::string& mirror_origin, uint64_t inline_max_bytes) {
  grpc::ClientContext ctx;
  v1::ReadLogRequest request;
  request.set_mirror_origin(mirror_origin);
  request.set_inline_max_bytes(inline_max_bytes);
  request.set_start(start);
  request.set_tree_size(tree_size);
  IdleWatchdog watchdog(&ctx, idle_timeout_);
  auto stream = stub_->ReadLog(&ctx, request);
  v1::ReadLogResponse message;
  absl::Status consumer;
  while (consumer.ok() && stream->Read(&message)) {
    watchdog.Touch();
    consumer = entry(message);
    watchdog.Touch();
  }
  if (!consumer.ok()) ctx.TryCancel();
  grpc::Status s = stream->Finish();
  if (!consumer.ok()) return consumer;
  return watchdog.Explain(FromGrpc(s));
}

absl::Status ArchiveClient::GetBlob(const std::string& sha256_hex,
                                    const ChunkSink& sink) {
  grpc::ClientContext ctx;
  v1::GetBlobRequest request;
  request.set_sha256(sha256_hex);
  IdleWatchdog watchdog(&ctx, idle_timeout_);
  auto stream = stub_->GetBlob(&ctx, request);
  v1::GetBlobResponse message;
  absl::Status consumer;
  while (consumer.ok() && stream->Read(&message)) {
    watchdog.Touch();
    consumer = sink(message.chunk());
    watchdog.Touch();
  }
  if (!consumer.ok()) ctx.TryCancel();
  grpc::Status s = stream->Finish();
  if (!consumer.ok()) return consumer;
  return watchdog.Explain(FromGrpc(s));
}

absl::StatusOr<v1::SyncResponse> ArchiveClient::Sync(const std::string& peer) {
  v1::SyncRequest request;
  request.set_peer(peer);
  grpc::ClientContext ctx;
  // A catch-up can take a while; the deadline only guards against a hung
  // server.
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::hours(1));
  v1::SyncResponse response;
  grpc::Status s = stub_->Sync(&ctx, request, &response);
  if (!s.ok()) return FromGrpc(s);
  return response;
}

absl::StatusOr<v1::ScrubResponse> ArchiveClient::Scrub(
    const v1::ScrubRequest& request) {
  grpc::ClientContext ctx;
  // Re-hashing every blob takes as long as reading the whole archive.
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::hours(24));
  v1::ScrubResponse response;
  grpc::Status s = stub_->Scrub(&ctx, request, &response);
  if (!s.ok()) return FromGrpc(s);
  return response;
}

}  // namespace archive
