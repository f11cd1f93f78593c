// archived: serves one office's archive over gRPC until SIGTERM or SIGINT, then
// drains in-flight requests and exits 0.
#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>
#include <malloc.h>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/flags/usage_config.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "clients/api/archive_client.h"
#include "grpc/health/v1/health.pb.h"
#include "services/http/http_listener.h"
#include "services/metrics/archive_metrics.h"
#include "services/metrics/grpc_metrics.h"
#include "services/metrics/process_metrics.h"
#include "services/rpc/api_routes.h"
#include "services/rpc/archive_service.h"
#include "services/rpc/blob_store_setup.h"
#include "services/rpc/operations.h"
#include "services/rpc/request_log.h"
#include "services/rpc/tile_routes.h"
#include "services/rpc/web_routes.h"
#include "services/rpc/witness_routes.h"
#include "services/rpc/witness_setup.h"
#include "storage/base/build_version.h"
#include "storage/base/env.h"
#include "storage/base/freed_memory.h"
#include "storage/base/log_line.h"
#include "storage/db/restore_from_backup.h"
#include "storage/db/signing_hold.h"

// The defaults of the limit and store flags are the library's own, stated once
// in service_limits.h and archive.h.
static const archive::ServiceLimits kLimits;
static const archive::ArchiveOptions kStore;

ABSL_FLAG(std::string, data_dir, "", "data directory (created on first start)");
ABSL_FLAG(std::string, origin, "",
          "this archive's origin name, e.g. gx.archive.example; fixed at first "
          "start");
ABSL_FLAG(
    std::string, listen, "127.0.0.1:7070",
    "address to serve on; without TLS only loopback addresses are allowed");
ABSL_FLAG(uint64_t, max_document_bytes, kLimits.max_document_bytes,
          "largest document accepted, in bytes");
ABSL_FLAG(
    std::string, trust, "",
    "file of verifier keys (one per line) of the offices whose statements this "
    "archive accepts and whose archives it may pull; re-read before every "
    "pull");
ABSL_FLAG(
    std::string, config, "",
    "server configuration (protobuf text, archive_config.v1.ServerConfig): "
    "peers to pull");
ABSL_FLAG(std::string, tls_cert, "",
          "server certificate chain (PEM); enables TLS");
ABSL_FLAG(std::string, tls_key, "", "server private key (PEM)");
ABSL_FLAG(
    std::string, tls_client_ca, "",
    "CA certificates (PEM) for client certificates: with it, clients must "
    "present one (mutual TLS) and get the roles the --config binds to them");
ABSL_FLAG(uint32_t, max_message_bytes, kLimits.max_chunk_bytes,
          "largest chunk one put or import message may carry; a larger one "
          "is refused naming this flag (the transport admits up to twice it)");
ABSL_FLAG(uint32_t, max_parents, kLimits.max_parents,
          "most parents one revision may name");
ABSL_FLAG(uint32_t, max_metadata_value_bytes, kLimits.max_metadata_value_bytes,
          "longest metadata value (title, issuer, note, ...) accepted; at most "
          "4096, the statement format's own cap");
ABSL_FLAG(uint32_t, max_page_size, kLimits.max_page_size,
          "most items one History/List page returns");
ABSL_FLAG(uint32_t, max_concurrent_streams, 100,
          "most concurrent calls one client connection may have open");
ABSL_FLAG(uint32_t, max_streams_per_client, kLimits.max_streams_per_client,
          "most streaming calls (put, import, get, blob and log reads) one "
          "client may have open at once over all its connections; a client "
          "is its certificate identity under mutual TLS, else its address; "
          "0: no limit");
ABSL_FLAG(uint32_t, idle_stream_seconds, kLimits.idle_stream_seconds,
          "a streaming call on which the client sends or reads nothing for "
          "this long is ended with DEADLINE_EXCEEDED (a put or import then "
          "stores nothing); 0: wait forever");
ABSL_FLAG(int, drain_seconds, 30,
          "on SIGTERM, how long in-flight requests may finish");
ABSL_FLAG(bool, reindex, false,
          "drop the search and relation index (DATA_DIR/index) and rebuild it "
          "from the log before serving");
ABSL_FLAG(bool, repair, false,
          "repair a damaged metadata store (DATA_DIR/meta) with LevelDB's "
          "repair, re-verify every record and the log, and serve only if the "
          "log agrees with the newest checkpoint this archive signed "
          "(DATA_DIR/newest-signed-checkpoint)");
ABSL_FLAG(std::string, http_listen, "",
          "HOST:PORT for HTTP (/metrics, /healthz, /readyz); without TLS "
          "only loopback addresses are allowed, with --tls_cert the same "
          "certificate serves HTTPS; empty: no HTTP");
ABSL_FLAG(uint64_t, ready_min_free_bytes, 64ULL << 20,
          "/readyz fails (503) when the data directory's disk has fewer free "
          "bytes than this");
ABSL_FLAG(int, metrics_usage_seconds, 60,
          "how often archive_documents and archive_blob_bytes are measured "
          "(a pass over the archive)");
ABSL_FLAG(std::string, log_format, "text",
          "text: one line per message; json: one JSON object per line, with "
          "time, level and msg (requests: method, id, doc, status, bytes, "
          "ms, peer, error)");
ABSL_FLAG(std::string, log_file, "",
          "append the log to this file instead of stderr; SIGHUP reopens it "
          "(after logrotate moved it)");
ABSL_FLAG(std::string, restore_from, "",
          "build --data_dir from this backup (archivectl backup) before "
          "serving; copy keys/ from the key backup into DATA_DIR/keys first. "
          "The restored archive signs nothing new until "
          "--accept_restored_log");
ABSL_FLAG(bool, accept_restored_log, false,
          "lift a restore's hold: declare that the archive signed nothing "
          "after the backup it was restored from, so it may sign again "
          "(wrongly given, clients that saw a later checkpoint see a fork)");
ABSL_FLAG(std::string, web_root, "",
          "serve the web view's files from this folder (services/web/assets "
          "of a checkout) instead of the copies built into archived: for "
          "working on the page");
ABSL_FLAG(std::string, recover_from, "",
          "HOST:PORT[,HOST:PORT...]: peers whose mirror of this archive's log "
          "supplies the entries a restored archive signed after its backup; "
          "while restored and held, archived asks them (default: the config's "
          "peers) until its log is back at the newest checkpoint they hold, "
          "then signs again (see deploy/RUNBOOK.md)");
ABSL_FLAG(int32_t, recover_retry_seconds, 10,
          "while held after a restore, seconds between attempts to recover "
          "the log's missing tail from peers");
ABSL_FLAG(uint64_t, inline_blob_max_bytes, kStore.inline_blob_max_bytes,
          "contents up to this size are stored inside the metadata store, "
          "written with their revision in one fsync; larger ones go to the "
          "blob store: files under DIR/blobs, or --blob_store (0: every "
          "content goes to the blob store)");
ABSL_FLAG(std::string, blob_store, "",
          "s3://BUCKET/PREFIX: keep contents that are not inline as objects "
          "PREFIX/sha256/<2 hex>/<sha256> in that bucket of --s3_endpoint "
          "(credentials from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or "
          "--s3_credentials_file); empty: files under DIR/blobs");
ABSL_FLAG(std::string, s3_endpoint, "",
          "the S3 endpoint of --blob_store, http(s)://HOST[:PORT], addressed "
          "path-style (Ceph RGW, MinIO, AWS)");
ABSL_FLAG(std::string, s3_region, "us-east-1",
          "the region requests to --s3_endpoint are signed for (SigV4)");
ABSL_FLAG(std::string, s3_credentials_file, "",
          "an AWS shared-credentials file (aws_access_key_id, "
          "aws_secret_access_key) to read instead of the environment");
ABSL_FLAG(std::string, s3_profile, "default",
          "the section of --s3_credentials_file to use");
ABSL_FLAG(std::string, s3_ca_file, "",
          "CA certificates (PEM) an https --s3_endpoint must chain to; "
          "empty: the system's");
ABSL_FLAG(uint64_t, s3_part_bytes, 8 << 20,
          "the part size of multipart uploads (at least 5 MiB), and the "
          "largest content sent in one PUT; one part per upload is held in "
          "memory");
ABSL_FLAG(int32_t, s3_attempts, 4,
          "tries per request to the object store when it cannot be reached "
          "or answers 5xx/SlowDown, with exponential backoff between them");
ABSL_FLAG(int32_t, s3_abandoned_upload_hours, 24,
          "at start, abort the multipart uploads under --blob_store begun "
          "more than this many hours ago (left by a crash in the middle of a "
          "put; they hold space but are never objects); negative: leave them");
ABSL_FLAG(int32_t, s3_timeout_seconds, 30,
          "a request to the object store that cannot connect or moves no "
          "byte for this long is abandoned (and retried)");

namespace archive {
namespace {

// Signals are blocked in every thread and taken here, so the drain runs on a
// normal thread rather than in a signal handler. SIGHUP reopens the log file
// (log rotation) and waits on.
int WaitForStopSignal() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGHUP);
  while (true) {
    int sig = 0;
    sigwait(&set, &sig);
    if (sig != SIGHUP) return sig;
    absl::Status s = ReopenLog();
    LogLine(s.ok() ? "archived: SIGHUP, log reopened"
                   : absl::StrCat("archived: SIGHUP, cannot reopen the log: ",
                                  s.message()),
            s.ok() ? LogLevel::kInfo : LogLevel::kError);
  }
}

int Fail(const std::string& message) {
  LogLine("archived: " + message);
  return 1;
}

struct TlsSetup {
  std::shared_ptr<grpc::ServerCredentials> credentials;  // null: plaintext
  AccessControl::Mode mode = AccessControl::Mode::kLocalPlaintext;
  std::string server_cert_pem;
  std::string client_ca_pem;  // under mutual TLS: which CAs identities name
};

// The search and relation index. With --reindex it is rebuilt before the
// server answers, so what it serves is complete.
absl::StatusOr<std::unique_ptr<Catalog>> OpenCatalog(
    Archive* archive, const std::string& data_dir) {
  CatalogOptions options;
  options.dir = data_dir + "/index";
  auto catalog = Catalog::Open(archive, options);
  if (!catalog.ok()) return catalog.status();
  if (!(*catalog)->damage().empty()) {
    LogLine("archived: " + (*catalog)->damage(), LogLevel::kWarning);
  }
  if (absl::GetFlag(FLAGS_reindex) || !(*catalog)->damage().empty()) {
    absl::Time start = absl::Now();
    if (absl::Status s = (*catalog)->Rebuild(); !s.ok()) return s;
    LogLine(absl::StrCat("archived: reindexed ", (*catalog)->indexed_through(),
                         " log entries in ",
                         absl::FormatDuration(absl::Now() - start)));
  }
  (*catalog)->Start();
  return catalog;
}

absl::StatusOr<std::string> ReadPem(const std::string& flag,
                                    const std::string& path) {
  auto pem = Env::Default()->ReadFile(path);
  if (!pem.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--", flag, "=", path, ": ", pem.status().message()));
  }
  return pem;
}

absl::StatusOr<TlsSetup> ServerTls() {
  std::string cert = absl::GetFlag(FLAGS_tls_cert);
  std::string key = absl::GetFlag(FLAGS_tls_key);
  std::string client_ca = absl::GetFlag(FLAGS_tls_client_ca);
  TlsSetup setup;
  if (cert.empty() && key.empty()) {
    if (!client_ca.empty()) {
      return absl::InvalidArgumentError(
          "--tls_client_ca needs --tls_cert and --tls_key");
    }
    return setup;
  }
  if (cert.empty() || key.empty()) {
    return absl::InvalidArgumentError("give both --tls_cert and --tls_key");
  }
  grpc::SslServerCredentialsOptions options(
      client_ca.empty()
          ? GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE
          : GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
  auto cert_pem = ReadPem("tls_cert", cert);
  auto key_pem = ReadPem("tls_key", key);
  if (!cert_pem.ok()) return cert_pem.status();
  if (!key_pem.ok()) return key_pem.status();
  options.pem_key_cert_pairs.push_back({*key_pem, *cert_pem});
  if (!client_ca.empty()) {
    auto ca_pem = ReadPem("tls_client_ca", client_ca);
    if (!ca_pem.ok()) return ca_pem.status();
    options.pem_root_certs = *ca_pem;
    setup.client_ca_pem = *ca_pem;
  }
  setup.server_cert_pem = *cert_pem;
  setup.credentials = grpc::SslServerCredentials(options);
  setup.mode = client_ca.empty() ? AccessControl::Mode::kTlsAnonymous
                                 : AccessControl::Mode::kMutualTls;
  return setup;
}

// The HTTP listener, if --http_listen names one; null if not.
absl::StatusOr<std::unique_ptr<HttpListener>> StartHttp(
    const std::function<void(HttpListener*)>& add_routes) {
  std::string address = absl::GetFlag(FLAGS_http_listen);
  if (address.empty()) return std::unique_ptr<HttpListener>();
  HttpListenerOptions options;
  options.address = address;
  options.tls_cert_file = absl::GetFlag(FLAGS_tls_cert);
  options.tls_key_file = absl::GetFlag(FLAGS_tls_key);
  auto listener = HttpListener::Create(options);
  if (!listener.ok()) return listener.status();
  add_routes(listener->get());
  if (absl::Status s = (*listener)->Start(); !s.ok()) return s;
  LogLine(absl::StrCat(
      "archived: serving HTTP (the web view at /, the API under /api/v1/, "
      "/metrics, /healthz, /readyz, the log's tiles under /log/, peers' "
      "mirrors under /mirror/) on ",
      options.tls_cert_file.empty() ? "http://" : "https://",
      address.substr(0, address.rfind(':') + 1), (*listener)->port()));
  return listener;
}

// --restore_from and --accept_restored_log, before the archive opens.
absl::Status RestoreIfAsked(const ArchiveOptions& options) {
  if (std::string from = absl::GetFlag(FLAGS_restore_from); !from.empty()) {
    auto restored = RestoreFromBackup(from, options);
    if (!restored.ok()) {
      return absl::Status(restored.status().code(),
                          absl::StrCat("--restore_from=", from, ": ",
                                       restored.status().message()));
    }
    LogLine(absl::StrCat("archived: restored ", restored->entries,
                         " log entries and ", restored->blobs, " contents (",
                         restored->blob_bytes, " bytes) from ", from));
  }
  if (absl::GetFlag(FLAGS_accept_restored_log)) {
    if (absl::Status s = LiftSigningHold(options.env, options.data_dir);
        !s.ok()) {
      return s;
    }
    LogLine(
        "archived: --accept_restored_log: the restore's hold is lifted; "
        "this archive signs on top of its restored log",
        LogLevel::kWarning);
  }
  return absl::OkStatus();
}

BlobStoreFlags BlobStoreFlagValues() {
  BlobStoreFlags f;
  f.blob_store = absl::GetFlag(FLAGS_blob_store);
  f.s3_endpoint = absl::GetFlag(FLAGS_s3_endpoint);
  f.s3_region = absl::GetFlag(FLAGS_s3_region);
  f.s3_credentials_file = absl::GetFlag(FLAGS_s3_credentials_file);
  f.s3_profile = absl::GetFlag(FLAGS_s3_profile);
  f.s3_ca_file = absl::GetFlag(FLAGS_s3_ca_file);
  f.s3_part_bytes = absl::GetFlag(FLAGS_s3_part_bytes);
  f.s3_attempts = absl::GetFlag(FLAGS_s3_attempts);
  f.s3_timeout_seconds = absl::GetFlag(FLAGS_s3_timeout_seconds);
  f.s3_abandoned_upload_hours = absl::GetFlag(FLAGS_s3_abandoned_upload_hours);
  return f;
}

// --log_format and --log_file, before anything is logged.
absl::Status SetUpLog() {
  LogFormat format;
  if (absl::Status s = ParseLogFormat(absl::GetFlag(FLAGS_log_format), &format);
      !s.ok()) {
    return s;
  }
  return ConfigureLog(format, absl::GetFlag(FLAGS_log_file));
}

int Serve() {
  if (absl::Status s = SetUpLog(); !s.ok()) {
    return Fail(std::string(s.message()));
  }
  std::string data_dir = absl::GetFlag(FLAGS_data_dir);
  std::string origin = absl::GetFlag(FLAGS_origin);
  std::string listen = absl::GetFlag(FLAGS_listen);
  if (data_dir.empty()) return Fail("--data_dir is required");
  if (origin.empty())
    return Fail("--origin is required (e.g. --origin=gx.archive.example)");
  auto tls = ServerTls();
  if (!tls.ok()) return Fail(std::string(tls.status().message()));
  if (tls->credentials == nullptr && !IsLoopbackAddress(listen)) {
    return Fail(absl::StrCat(
        "refusing to listen on ", listen,
        " without TLS: plaintext would let anyone on the network read and "
        "write as an unauthenticated user; use 127.0.0.1:PORT or [::1]:PORT, "
        "or give --tls_cert and --tls_key (and --tls_client_ca for mutual "
        "TLS)"));
  }
  // Before the archive opens, so its first commits are counted.
  prometheus::Registry registry;
  ArchiveMetrics metrics(registry, data_dir);
  ProcessMetrics process_metrics;
  ArchiveOptions options;
  options.observer = &metrics;
  options.data_dir = data_dir;
  options.origin = origin;
  options.inline_blob_max_bytes = absl::GetFlag(FLAGS_inline_blob_max_bytes);
  options.repair = absl::GetFlag(FLAGS_repair);
  std::string store_warning;
  auto backend =
      MakeBlobBackend(BlobStoreFlagValues(), Env::Default(), &store_warning);
  if (!backend.ok()) return Fail(std::string(backend.status().message()));
  if (!store_warning.empty()) {
    LogLine("archived: " + store_warning, LogLevel::kWarning);
  }
  options.blob_backend = *backend;
  if (absl::Status s = RestoreIfAsked(options); !s.ok()) {
    return Fail(std::string(s.message()));
  }
  auto archive = Archive::Open(options);
  if (!archive.ok()) return Fail(std::string(archive.status().message()));
  if (const auto hold = (*archive)->signing_hold(); hold.has_value()) {
    LogLine(absl::StrCat("archived: ", SigningHeldError(*hold).message()),
            LogLevel::kWarning);
  }
  metrics.set_archive(archive->get());

  archive_config::v1::ServerConfig config;
  if (std::string path = absl::GetFlag(FLAGS_config); !path.empty()) {
    auto loaded = LoadServerConfig(path);
    if (!loaded.ok()) return Fail(std::string(loaded.status().message()));
    config = std::move(*loaded);
  }
  archive_config::v1::ServerConfig config_for_roles = config;
  auto sync = std::make_unique<SyncManager>(
      archive->get(), absl::GetFlag(FLAGS_trust), std::move(config));
  if (auto trust = sync->CurrentTrust(); !trust.ok()) {
    return Fail(std::string(trust.status().message()));
  }
  sync->SetPullObserver(&metrics);

  ClientCas client_cas;
  if (tls->mode == AccessControl::Mode::kMutualTls) {
    auto cas = ClientCas::Create(tls->client_ca_pem, tls->server_cert_pem,
                                 config_for_roles);
    if (!cas.ok()) return Fail(std::string(cas.status().message()));
    client_cas = std::move(*cas);
  }
  auto access = AccessControl::Create(tls->mode, config_for_roles, client_cas);
  if (!access.ok()) return Fail(std::string(access.status().message()));

  ServiceLimits limits;
  limits.max_document_bytes = absl::GetFlag(FLAGS_max_document_bytes);
  limits.max_parents = absl::GetFlag(FLAGS_max_parents);
  limits.max_metadata_value_bytes =
      std::min<uint32_t>(absl::GetFlag(FLAGS_max_metadata_value_bytes), 4096);
  limits.max_page_size = absl::GetFlag(FLAGS_max_page_size);
  limits.max_chunk_bytes = absl::GetFlag(FLAGS_max_message_bytes);
  auto catalog = OpenCatalog(archive->get(), data_dir);
  if (!catalog.ok()) return Fail(std::string(catalog.status().message()));
  limits.max_streams_per_client = absl::GetFlag(FLAGS_max_streams_per_client);
  limits.idle_stream_seconds = absl::GetFlag(FLAGS_idle_stream_seconds);
  ArchiveService service(archive->get(), sync.get(), &*access, limits);
  service.set_catalog(catalog->get());
  // As a witness for the offices it trusts (POST /witness/add-checkpoint)
  // and a mirror, with keys of its own; and as a log, asking its own
  // witnesses. Before the server starts: its keys exist once it answers.
  auto witnessing = WitnessSetup::Open(archive->get(), data_dir, origin,
                                       WitnessFlagValues(), registry);
  if (!witnessing.ok()) {
    return Fail(std::string(witnessing.status().message()));
  }
  service.set_cosigners((*witnessing)->cosigners());
  service.set_witness_ack((*witnessing)->ack());
  grpc::EnableDefaultHealthCheckService(true);
  // The built-in health service does not register its descriptor; using the
  // generated one links it in, so reflection can describe grpc.health.v1.
  grpc::health::v1::HealthCheckRequest::descriptor();
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(listen,
                           tls->credentials != nullptr
                               ? tls->credentials
                               : grpc::InsecureServerCredentials(),
                           &port);
  builder.RegisterService(&service);
  std::vector<
      std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
      interceptors;
  interceptors.push_back(std::make_unique<GrpcMetrics>(registry));
  builder.experimental().SetInterceptorCreators(std::move(interceptors));
  // Room above the chunk limit, so an oversized chunk reaches the service,
  // which refuses it naming --max_message_bytes.
  builder.SetMaxReceiveMessageSize(static_cast<int>(std::min<uint64_t>(
      2ULL * absl::GetFlag(FLAGS_max_message_bytes) + (64 << 10), INT32_MAX)));
  // Drain waits for client connections to close; an idle one (no call for a
  // while) is closed by the server, so an idle client never holds up a stop.
  // Clients reconnect transparently on their next call.
  builder.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_IDLE_MS, 2000);
  // gRPC sets SO_REUSEPORT by default, which lets a second archived bind a
  // port the first still serves, and clients then reach either at random.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  builder.AddChannelArgument(GRPC_ARG_MAX_CONCURRENT_STREAMS,
                             absl::GetFlag(FLAGS_max_concurrent_streams));
  // A fixed receive window per stream (16 MiB). With gRPC's bandwidth-delay
  // probing the window of a fast loopback upload grew until a busy server,
  // hashing and writing slower than the client sent, held 70 MB of one put's
  // chunks in the transport: RssAnon rose to 74 MB during a 200 MiB put and
  // fell back when it ended (LargeDocument failed 1 run in 3 under load).
  // With this window it stays under 8 MB, and a 256 MiB put is as fast.
  builder.AddChannelArgument(GRPC_ARG_HTTP2_BDP_PROBE, 0);
  builder.AddChannelArgument(GRPC_ARG_HTTP2_STREAM_LOOKAHEAD_BYTES,
                             archive::ArchiveClient::kStreamWindowBytes);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    return Fail(
        absl::StrCat("cannot listen on ", listen, " (is the port in use?)"));
  }
  std::string address =
      listen.substr(0, listen.rfind(':') + 1) + std::to_string(port);
  LogLine(absl::StrCat("archived: serving origin ", origin, " on ", address,
                       " (data dir ", data_dir, ", log size ",
                       (*archive)->LatestCheckpoint().size, ", blobs in ",
                       (*archive)->blobs().backend().Describe(), ")"));
  LogLine(
      absl::StrCat("archived: verifier key ", (*archive)->key().VerifierKey()));

  OperationsOptions ops_options;
  ops_options.ready_min_free_bytes = absl::GetFlag(FLAGS_ready_min_free_bytes);
  ops_options.usage_interval =
      absl::Seconds(std::max(1, absl::GetFlag(FLAGS_metrics_usage_seconds)));
  Operations operations(archive->get(), &metrics, {&registry, &process_metrics},
                        ops_options);
  WitnessRoutes witness_routes((*witnessing)->witness(),
                               [&sync] { return sync->CurrentTrust(); },
                               registry);
  TileRoutes tiles(archive->get(), service.queries());
  ApiRoutes api(archive->get(), service.queries(), access->HttpCaller(),
                [&sync]() -> absl::StatusOr<std::vector<std::string>> {
                  auto trust = sync->CurrentTrust();
                  if (!trust.ok()) return trust.status();
                  return trust->VerifierKeys();
                });
  WebRoutes web(absl::GetFlag(FLAGS_web_root));
  auto http = StartHttp([&](HttpListener* listener) {
    listener->set_traffic_observer(
        [&metrics](const std::string& path, uint64_t received, uint64_t sent) {
          metrics.HttpServed(path, received, sent);
        });
    operations.AddRoutes(listener);
    tiles.AddRoutes(listener);
    api.AddRoutes(listener);
    web.AddRoutes(listener);
    witness_routes.AddRoutes(listener);
  });
  if (!http.ok()) return Fail(std::string(http.status().message()));
  operations.StartMeasuring();

  // Per service, for health checks that name it (a load balancer, a
  // generic client): SERVING now, NOT_SERVING from the start of the drain.
  server->GetHealthCheckService()->SetServingStatus(
      v1::Archive::service_full_name(), true);
  if (auto policy = (*witnessing)->pull_policy(); policy != nullptr) {
    sync->SetWitnessPolicy(std::move(policy));
  }
  sync->RecoverWhileHeld(
      absl::StrSplit(absl::GetFlag(FLAGS_recover_from), ',',
                     absl::SkipWhitespace()),
      absl::Seconds(std::max(1, absl::GetFlag(FLAGS_recover_retry_seconds))));
  sync->Start();
  (*witnessing)->Start();

  int sig = WaitForStopSignal();
  LogLine(absl::StrCat("archived: ", sig == SIGTERM ? "SIGTERM" : "SIGINT",
                       ", draining requests"));
  operations.SetDraining();
  server->GetHealthCheckService()->SetServingStatus(false);
  server->Shutdown(std::chrono::system_clock::now() +
                   std::chrono::seconds(absl::GetFlag(FLAGS_drain_seconds)));
  LogLine("archived: requests drained");
  // Before what its routes read (the sync manager's trust) goes.
  if (*http != nullptr) (*http)->Stop();
  sync.reset();  // ends a running pull early; it resumes next time
  server->Wait();
  operations.StopMeasuring();
  (*witnessing)->StopAsking();  // asking witnesses reads the archive
  catalog->reset();             // stops the indexer, which reads the archive
  archive->reset();             // finishes queued commits
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
  sigaddset(&set, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
  absl::SetProgramUsageMessage(
      "Policy Archive server.\n\n"
      "  archived --data_dir=DIR --origin=NAME [--listen=127.0.0.1:7070]\n\n"
      "Creates DIR and its Ed25519 identity (DIR/keys) on first start, then "
      "serves the\n"
      "archive.v1.Archive gRPC API until SIGTERM/SIGINT.");
  // --version: ours, not Abseil's default (which reports how Abseil itself
  // was built, "Debug build (NDEBUG not #defined)", whatever this binary is).
  absl::FlagsUsageConfig usage_config;
  usage_config.version_string = [] {
    return archive::VersionLine("archived") + "\n";
  };
  absl::SetFlagsUsageConfig(usage_config);
  absl::ParseCommandLine(argc, argv);
  archive::KeepFreedMemoryForReuse();
  if (absl::StartsWith(absl::GetFlag(FLAGS_blob_store), "s3://")) {
    // With S3, buffers of 256 KiB or more (an upload's part, a read window)
    // are mapped for each use and returned to the system when freed. Kept in
    // whichever thread's heap served them, they grew a 256 MiB S3 put's peak
    // RSS by up to 370 MB (S3Archive.LargeDocument*). Files keep the larger
    // threshold KeepFreedMemoryForReuse sets.
    mallopt(M_MMAP_THRESHOLD, 256 << 10);
  }
  // Debian's Abseil is built with its debug checks, which keep a lock graph
  // on every Mutex acquisition (GraphCycles in bench/PROFILE.md); the locking
  // here is simple enough not to need it at run time.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  return archive::Serve();
}
