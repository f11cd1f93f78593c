// A thin, typed client for the archive.v1.Archive API: streaming put and get,
// and the unary calls, with gRPC statuses turned into absl::Status. It verifies
// nothing itself; see verified_fetch.h for the verifying layer archivectl uses.
#ifndef ARCHIVE_CLIENTS_API_ARCHIVE_CLIENT_H_
#define ARCHIVE_CLIENTS_API_ARCHIVE_CLIENT_H_

#include <grpcpp/grpcpp.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "archive/v1/archive.grpc.pb.h"
#include "storage/base/file_hash.h"

namespace archive {

// The server's status as an absl::Status, marked as the server's (FromServer),
// so that a caller can tell the archive refusing it (PERMISSION_DENIED for a
// role) from the client refusing the archive (an untrusted key). The code is
// kept; UNAVAILABLE gets a "server unavailable: " prefix, and an ErrorDetail
// in the trailer is attached (status_details.h). Note that every non-OK
// grpc::Status is marked, including ones gRPC makes locally (a deadline, a
// failed connection, a cancel).
absl::Status FromGrpc(const grpc::Status& status);
bool FromServer(const absl::Status& status);
// `status` with another message; its code and payloads (FromServer) kept.
absl::Status WithMessage(const absl::Status& status, absl::string_view message);

// Reports transfer progress: bytes done of total.
using Progress = std::function<void(uint64_t done, uint64_t total)>;
// Receives content chunks in order; an error stops the transfer.
using ChunkSink = std::function<absl::Status(absl::string_view chunk)>;
// The same, but the sink may take a chunk's bytes (swap them out): no copy.
using TakingChunkSink = std::function<absl::Status(std::string* chunk)>;

// Sees a file's bytes while PutFile hashes them, and may complete the header
// (say, a media type guessed from the content) before it is sent. Called on
// the caller's thread: Chunk for every chunk in order, then Finish once if
// hashing succeeded. A one-pass put (PutFile) shows it the first chunk and
// asks Decided(): if so, Finish completes the header then, before the rest is
// read; if not, Restart() and the file is read twice as before.
class PutInspector {
 public:
  virtual ~PutInspector() = default;
  virtual void Chunk(absl::string_view chunk) = 0;
  virtual void Finish(v1::PutHeader* header) = 0;
  // True if Finish would complete `header` the same way whatever bytes follow
  // the ones seen.
  virtual bool Decided(const v1::PutHeader& header) const = 0;
  // Forgets the bytes seen: the file is shown again from its start.
  virtual void Restart() = 0;
};

// Files for a TLS connection; all empty means plaintext.
struct TlsFiles {
  std::string ca;    // CA certificates (PEM) that sign the server's certificate
  std::string cert;  // client certificate (PEM), for mutual TLS
  std::string key;   // its private key (PEM)
  bool enabled() const { return !ca.empty() || !cert.empty(); }
};

// Under TLS a server that refuses the client's certificate (or wants one and
// got none) drops the connection in the handshake, and gRPC reports only
// UNAVAILABLE "Socket closed". This turns such a status from a call to
// `server` over `tls` into UNAVAILABLE saying that, naming the certificate;
// any other status is returned unchanged.
absl::Status ExplainTlsRefusal(const absl::Status& status,
                               const std::string& server, const TlsFiles& tls);

// SHA-256 (lowercase hex) and size of a file, read in chunks (never whole into
// memory); `inspector`, if given, sees every chunk (its Finish is not called).
// NOT_FOUND if the file cannot be opened, DATA_LOSS on a read error.
absl::StatusOr<std::string> HashFile(const std::string& path, uint64_t* size,
                                     PutInspector* inspector = nullptr);

// Thread-safe: the calls may be made concurrently from any thread (each uses
// its own grpc::ClientContext on a shared, thread-safe stub), but
// set_timeouts() is not synchronized: call it before sharing the client.
// Callbacks (Progress, ChunkSink, PutInspector, ReadLog's `entry`) run on the
// calling thread, before the call returns; they are not kept.
//
// Errors: a failed RPC returns the gRPC status through FromGrpc (same code,
// marked FromServer). Errors found on the client side are not marked:
// a callback's own error is returned as is (and cancels the call), DATA_LOSS
// for a stream that breaks the protocol or a local file that cannot be read
// while sending, NOT_FOUND for a file to hash that cannot be opened,
// UNAVAILABLE when the idle timeout fires, INVALID_ARGUMENT from Dial for TLS
// files.
class ArchiveClient {
 public:
  // The channel is shared; it is kept alive by the client.
  explicit ArchiveClient(std::shared_ptr<grpc::Channel> channel);
  // A plaintext channel to host:port.
  static std::shared_ptr<grpc::Channel> Dial(const std::string& target);
  // A channel using `tls` if enabled, else plaintext. INVALID_ARGUMENT naming
  // an unreadable file, or for a client certificate without its key (or the
  // reverse).
  static absl::StatusOr<std::shared_ptr<grpc::Channel>> Dial(
      const std::string& target, const TlsFiles& tls);

  static constexpr size_t kChunkBytes = archive::kChunkBytes;
  // The fixed receive window of each stream, at both ends (archived's server
  // and every channel Dial makes), with gRPC's bandwidth-delay probing off:
  // a probed window grew on loopback until the slower end held tens of MB of
  // one large document's chunks (bench/PROFILE.md).
  static constexpr int kStreamWindowBytes = 16 << 20;
  // The most content Get asks to have inside the header message.
  static constexpr uint32_t kInlineContentBytes = 1 << 20;
  // A file of at least this size is put in one pass (PutFile), in chunks of
  // kOnePassChunkBytes: a quarter of the messages and thread hand-offs of
  // 256 KiB ones; 1 GiB puts ran 545-685 MB/s against 412-543. It costs the
  // archive ~8 MB more RSS (LargeDocument measures it), now that its freed
  // buffers are kept for reuse (freed_memory.h): before that, 1 MiB buffers
  // grew it by 68 MiB for a 200 MiB put. An archive whose
  // --max_message_bytes is smaller refuses the first chunk and names its
  // limit; the put is then sent again in chunks of that limit.
  static constexpr uint64_t kOnePassMinBytes = 1 << 20;
  static constexpr size_t kOnePassChunkBytes = 1 << 20;

  // Streams the file at `path`. With header.sha256 empty, fills header.sha256
  // and header.size from the file: a file of at least kOnePassMinBytes whose
  // header `inspector` can complete from its first chunk is read once, hashed
  // as it is sent, the digest going last (PutHeader.digest_in_trailer; an
  // archive that predates it refuses the header, and the put is sent again
  // the old way); any other file is read once to hash it, then again to send
  // it. With header.sha256 already set the file is read once, and the archive
  // refuses bytes that do not match the given digest and size (DATA_LOSS /
  // INVALID_ARGUMENT), so a file changed after the caller checked it is never
  // stored under the checked digest; `inspector` is not used then. `sent`, if
  // given, receives the header as sent, with the digest and size of the bytes
  // sent, for checking the receipt against. NOT_FOUND / DATA_LOSS if the file
  // cannot be hashed; DATA_LOSS if a read fails while sending, or the file
  // changes size while sent in one pass (the call is cancelled, nothing is
  // stored). No deadline applies.
  absl::StatusOr<v1::PutResponse> PutFile(const std::string& path,
                                          v1::PutHeader header,
                                          const Progress& progress = nullptr,
                                          PutInspector* inspector = nullptr,
                                          v1::PutHeader* sent = nullptr);
  // Sends `content` as given; the header's sha256 and size are used as they
  // are.
  absl::StatusOr<v1::PutResponse> PutBytes(absl::string_view content,
                                           const v1::PutHeader& header);
  // Hands the archive a revision signed elsewhere (e.g. from a bag): its
  // signed statement, then the file at `content_path`. With `check_only` the
  // archive only verifies and reports (content_path is not read).
  absl::StatusOr<v1::ImportRevisionResponse> ImportRevision(
      const std::string& signed_statement, const std::string& content_path,
      bool check_only);
  // Streams a revision: returns its header after every chunk went to `sink`.
  // Unless the request says otherwise, a content of up to kInlineContentBytes
  // is asked for inside the header; it goes to `sink` as one chunk and is
  // taken out of the header returned. `sink`'s error is returned as is and
  // cancels the stream; DATA_LOSS if the server sends content before the
  // header, two headers, or no header. No deadline applies.
  absl::StatusOr<v1::GetHeader> Get(const v1::GetRequest& request,
                                    const ChunkSink& sink,
                                    const Progress& progress = nullptr);
  // As Get, with a sink that may take each chunk's bytes.
  absl::StatusOr<v1::GetHeader> GetTakingChunks(
      const v1::GetRequest& request, const TakingChunkSink& sink,
      const Progress& progress = nullptr);

  absl::StatusOr<v1::HistoryResponse> History(
      const v1::HistoryRequest& request);
  // Every page of a document's history, newest first, with its heads.
  absl::StatusOr<v1::HistoryResponse> FullHistory(
      const std::string& document_id);
  absl::StatusOr<v1::ListResponse> List(const v1::ListRequest& request);
  absl::StatusOr<v1::RelationsResponse> Relations(
      const std::string& document_id);
  absl::StatusOr<v1::SearchResponse> Search(const v1::SearchRequest& request);
  absl::StatusOr<v1::GetStatementResponse> GetStatement(
      const std::string& revision_id);
  // With `mirror_origin`, GetCheckpoint, GetConsistencyProof and ReadLog read
  // the server's verbatim mirror of that peer's log instead of its own.
  absl::StatusOr<v1::GetCheckpointResponse> GetCheckpoint(
      const std::string& mirror_origin = "");
  // Origin, key, log size, last scrub, access policy and who the caller is.
  absl::StatusOr<v1::GetArchiveInfoResponse> GetArchiveInfo();
  absl::StatusOr<v1::GetInclusionProofResponse> GetInclusionProof(
      const std::string& revision_id, uint64_t tree_size);
  absl::StatusOr<v1::GetConsistencyProofResponse> GetConsistencyProof(
      uint64_t old_size, uint64_t new_size,
      const std::string& mirror_origin = "");

  // Streams log entries from `start` up to `tree_size`, each with its inclusion
  // proof in that tree, to `entry` in order; an error from `entry` stops it.
  // With `inline_max_bytes`, an entry's content of at most that size may come
  // in the entry (ReadLogResponse.content; unverified: the caller re-hashes).
  absl::Status ReadLog(
      uint64_t start, uint64_t tree_size,
      const std::function<absl::Status(const v1::ReadLogResponse&)>& entry,
      const std::string& mirror_origin = "", uint64_t inline_max_bytes = 0);
  // Streams the blob with this digest to `sink` (unverified: the caller
  // re-hashes).
  absl::Status GetBlob(const std::string& sha256_hex, const ChunkSink& sink);
  // Asks this archive to pull from `peer` now.
  absl::StatusOr<v1::SyncResponse> Sync(const std::string& peer);
  // Asks this archive to scrub itself (and repair from peers if `repair`).
  absl::StatusOr<v1::ScrubResponse> Scrub(const v1::ScrubRequest& request);

  // Unary calls fail with DEADLINE_EXCEEDED after `deadline` (default 60 s),
  // except Sync and Scrub, which have fixed deadlines of 1 h and 24 h; the
  // streaming Put, Get and ImportRevision have none. ReadLog and GetBlob fail
  // with UNAVAILABLE when nothing arrives for `idle` (default: never), so a
  // stalled peer cannot hold a pull forever. The idle clock also runs while
  // the callback works on a message, so a callback slower than `idle` trips
  // it too. Not thread-safe: call before any call is in flight.
  void set_timeouts(absl::Duration deadline, absl::Duration idle) {
    unary_deadline_ = deadline;
    idle_timeout_ = idle;
  }

 private:
  // PutFile in one pass (one_pass_put.cc). Sets `*fall_back` (and returns
  // its status unused) when the file is to be put the old way instead: too
  // small, a header the inspector cannot complete early (restarted), or an
  // archive that refused the trailer mode.
  // `chunk_bytes`: the size of each chunk message.
  absl::StatusOr<v1::PutResponse> PutOnePass(
      const std::string& path, v1::PutHeader* header, const Progress& progress,
      PutInspector* inspector, size_t chunk_bytes, bool* fall_back);

  std::unique_ptr<v1::Archive::Stub> stub_;
  absl::Duration unary_deadline_ = absl::Seconds(60);
  absl::Duration idle_timeout_ = absl::ZeroDuration();
};

}  // namespace archive

#endif  // ARCHIVE_CLIENTS_API_ARCHIVE_CLIENT_H_
