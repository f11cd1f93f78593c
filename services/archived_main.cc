// archived: serves one office's archive over gRPC until SIGTERM or SIGINT, then
// drains in-flight requests and exits 0.
#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>

#include <csignal>
#include <cstdio>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "services/archive_service.h"
#include "services/request_log.h"

ABSL_FLAG(std::string, data_dir, "", "data directory (created on first start)");
ABSL_FLAG(std::string, origin, "",
          "this archive's origin name, e.g. gx.archive.example; fixed at first "
          "start");
ABSL_FLAG(
    std::string, listen, "127.0.0.1:7070",
    "address to serve on; without TLS only loopback addresses are allowed");
ABSL_FLAG(uint64_t, max_document_bytes, 4ULL << 30,
          "largest document accepted, in bytes");
ABSL_FLAG(
    std::string, trust, "",
    "file of verifier keys (one per line) of the offices whose statements this "
    "archive accepts and whose archives it may pull; re-read before every "
    "pull");
ABSL_FLAG(std::string, config, "",
          "server configuration (protobuf text, archive.v1.ServerConfig): "
          "peers to pull");
ABSL_FLAG(int, drain_seconds, 30,
          "on SIGTERM, how long in-flight requests may finish");

namespace archive {
namespace {

bool IsLoopback(const std::string& address) {
  return absl::StartsWith(address, "127.") ||
         absl::StartsWith(address, "[::1]:") ||
         absl::StartsWith(address, "localhost:");
}

// Signals are blocked in every thread and taken here, so the drain runs on a
// normal thread rather than in a signal handler.
int WaitForStopSignal() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  int sig = 0;
  sigwait(&set, &sig);
  return sig;
}

int Fail(const std::string& message) {
  LogLine("archived: " + message);
  return 1;
}

int Serve() {
  std::string data_dir = absl::GetFlag(FLAGS_data_dir);
  std::string origin = absl::GetFlag(FLAGS_origin);
  std::string listen = absl::GetFlag(FLAGS_listen);
  if (data_dir.empty()) return Fail("--data_dir is required");
  if (origin.empty())
    return Fail("--origin is required (e.g. --origin=gx.archive.example)");
  if (!IsLoopback(listen)) {
    return Fail(
        absl::StrCat("refusing to listen on ", listen,
                     " without TLS: plaintext is allowed on loopback only "
                     "(127.0.0.1:PORT or [::1]:PORT)"));
  }
  ArchiveOptions options;
  options.data_dir = data_dir;
  options.origin = origin;
  auto archive = Archive::Open(options);
  if (!archive.ok()) return Fail(std::string(archive.status().message()));

  v1::ServerConfig config;
  if (std::string path = absl::GetFlag(FLAGS_config); !path.empty()) {
    auto loaded = LoadServerConfig(path);
    if (!loaded.ok()) return Fail(std::string(loaded.status().message()));
    config = std::move(*loaded);
  }
  auto sync = std::make_unique<SyncManager>(
      archive->get(), absl::GetFlag(FLAGS_trust), std::move(config));
  if (auto trust = sync->CurrentTrust(); !trust.ok()) {
    return Fail(std::string(trust.status().message()));
  }

  ServiceLimits limits;
  limits.max_document_bytes = absl::GetFlag(FLAGS_max_document_bytes);
  ArchiveService service(archive->get(), sync.get(), limits);
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(listen, grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&service);
  builder.SetMaxReceiveMessageSize(4 << 20);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    return Fail(
        absl::StrCat("cannot listen on ", listen, " (is the port in use?)"));
  }
  std::string address =
      listen.substr(0, listen.rfind(':') + 1) + std::to_string(port);
  LogLine(absl::StrCat("archived: serving origin ", origin, " on ", address,
                       " (data dir ", data_dir, ", log size ",
                       (*archive)->LatestCheckpoint().size, ")"));
  LogLine(
      absl::StrCat("archived: verifier key ", (*archive)->key().VerifierKey()));

  sync->Start();

  int sig = WaitForStopSignal();
  LogLine(absl::StrCat("archived: ", sig == SIGTERM ? "SIGTERM" : "SIGINT",
                       ", draining requests"));
  server->Shutdown(std::chrono::system_clock::now() +
                   std::chrono::seconds(absl::GetFlag(FLAGS_drain_seconds)));
  sync.reset();  // ends a running pull early; it resumes next time
  server->Wait();
  archive->reset();  // finishes queued commits
  LogLine("archived: stopped cleanly");
  return 0;
}

}  // namespace
}  // namespace archive

int main(int argc, char** argv) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
  absl::SetProgramUsageMessage(
      "Policy Archive server.\n\n"
      "  archived --data_dir=DIR --origin=NAME [--listen=127.0.0.1:7070]\n\n"
      "Creates DIR and its Ed25519 identity (DIR/keys) on first start, then "
      "serves the\n"
      "archive.v1.Archive gRPC API until SIGTERM/SIGINT.");
  absl::ParseCommandLine(argc, argv);
  return archive::Serve();
}
