// Operating archived (issue 14): the HTTP listener's /metrics, /healthz and
// /readyz, the JSON log and its reopening on SIGHUP. Metrics are read by
// Prometheus's own Python parser (read_metrics.py), and their values checked
// against what each test did.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>

#include <cmath>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "archive/v1/archive.grpc.pb.h"
#include "nlohmann/json.hpp"
#include "tests/integration/sync_test_util.h"
#include "tests/integration/test_harness.h"
#include "tests/integration/tls_test_util.h"

namespace archive::testing {
namespace {

using Metrics = std::map<std::string, double>;

std::vector<std::string> HttpFlags(int http_port) {
  return {absl::StrCat("--http_listen=127.0.0.1:", http_port),
          "--metrics_usage_seconds=1"};
}

std::unique_ptr<TestServer> StartWithHttp(
    int* http_port, const std::vector<std::string>& extra = {}) {
  *http_port = FreePort();
  TestServer::Options options;
  options.extra_flags = HttpFlags(*http_port);
  options.extra_flags.insert(options.extra_flags.end(), extra.begin(),
                             extra.end());
  auto server = TestServer::Start(options);
  // TestServer waits for gRPC; archived starts its HTTP listener just after,
  // so a loaded machine can run the test's first request before it listens.
  httplib::Client client("127.0.0.1", *http_port);
  for (int i = 0; i < 100 && !client.Get("/healthz"); ++i) {
    absl::SleepFor(absl::Milliseconds(100));
  }
  return server;
}

// /metrics at `url`, parsed by prometheus_client; empty (and a test failure)
// if it cannot be fetched or parsed.
Metrics Scrape(const std::string& url, const std::string& ca_file = "") {
  std::vector<std::string> argv = {
      "/usr/bin/python3", SourceDir() + "/tests/integration/read_metrics.py",
      url};
  if (!ca_file.empty()) argv.push_back(ca_file);
  ProcessResult r = RunProcess(argv);
  EXPECT_EQ(r.exit_code, 0) << Describe(r);
  if (r.exit_code != 0) return {};
  return ParseJson(r).get<Metrics>();
}

Metrics Scrape(int http_port) {
  return Scrape(absl::StrCat("http://127.0.0.1:", http_port, "/metrics"));
}

// The sample `key` (NAME{labels, sorted}); NaN, and a failure listing what
// there is, if it is missing.
double Sample(const Metrics& metrics, const std::string& key) {
  auto it = metrics.find(key);
  if (it != metrics.end()) return it->second;
  std::string have;
  for (const auto& [name, value] : metrics) {
    if (absl::StartsWith(name, key.substr(0, key.find('{')))) {
      absl::StrAppend(&have, "\n  ", name, " ", value);
    }
  }
  ADD_FAILURE() << "no sample " << key << "; of that name:" << have;
  return std::nan("");
}

std::string Grpc(const std::string& method, const std::string& type,
                 const std::string& code = "") {
  return absl::StrCat(code.empty() ? "" : "grpc_code=\"" + code + "\",",
                      "grpc_method=\"", method,
                      "\",grpc_service=\"archive.v1.Archive\",grpc_type=\"",
                      type, "\"");
}

// Scrapes until `key` has `value` (a background figure), at most 20 s.
Metrics ScrapeUntil(int http_port, const std::string& key, double value) {
  Metrics metrics;
  for (int i = 0; i < 200; ++i) {
    metrics = Scrape(http_port);
    auto it = metrics.find(key);
    if (it != metrics.end() && it->second == value) break;
    absl::SleepFor(absl::Milliseconds(100));
  }
  return metrics;
}

std::string WriteFile(const TempDir& dir, const std::string& name,
                      const std::string& bytes) {
  std::string path = dir.path() + "/" + name;
  std::ofstream(path, std::ios::binary) << bytes;
  return path;
}

TEST(Metrics, APrometheusParserReadsWhatTheTestDid) {
  int64_t started = std::time(nullptr);
  int http_port = 0;
  auto server = StartWithHttp(&http_port);
  Cli cli(server->address());
  TempDir files;
  const std::vector<std::string> contents = {"one\n", "second text\n",
                                             "a third document\n"};
  uint64_t content_bytes = 0;
  for (size_t i = 0; i < contents.size(); ++i) {
    std::string path = WriteFile(files, absl::StrCat(i, ".txt"), contents[i]);
    ProcessResult put =
        cli.Run({"put", path, "--id", absl::StrCat("metrics/doc-", i)});
    ASSERT_EQ(put.exit_code, 0) << Describe(put);
    content_bytes += contents[i].size();
  }
  ProcessResult missing =
      cli.Run({"get", "metrics/none", "-o", files.path() + "/out"});
  ASSERT_NE(missing.exit_code, 0);
  auto checkpoint = HttpGet(http_port, "/log/checkpoint");
  ASSERT_TRUE(checkpoint && checkpoint->status == 200);

  // archive_documents is measured every second (--metrics_usage_seconds=1).
  Metrics m = ScrapeUntil(http_port, "archive_documents{}", 3);
  EXPECT_EQ(Sample(m, "archive_documents{}"), 3);
  EXPECT_EQ(Sample(m, "archive_blob_bytes{store=\"inline\"}"), content_bytes);
  EXPECT_EQ(Sample(m, "archive_blob_bytes{store=\"file\"}"), 0);
  EXPECT_EQ(Sample(m, "archive_log_size{}"), 3);

  const std::string put = Grpc("Put", "client_stream");
  EXPECT_EQ(Sample(m, "grpc_server_started_total{" + put + "}"), 3);
  EXPECT_EQ(Sample(m, "grpc_server_handled_total{" +
                          Grpc("Put", "client_stream", "OK") + "}"),
            3);
  EXPECT_EQ(Sample(m, "grpc_server_handling_seconds_count{" + put + "}"), 3);
  EXPECT_EQ(Sample(m, "grpc_server_handled_total{" +
                          Grpc("Get", "server_stream", "NotFound") + "}"),
            1);
  // Each put's header and its one chunk.
  EXPECT_EQ(Sample(m, "grpc_server_msg_received_total{" + put + "}"), 6);
  // Their bytes: the contents and three headers of a few hundred bytes;
  // each answer a receipt (statement, signatures, checkpoint, proof).
  double put_in =
      Sample(m, "grpc_server_msg_received_bytes_total{" + put + "}");
  EXPECT_GT(put_in, content_bytes + 3 * 64);
  EXPECT_LT(put_in, content_bytes + 3 * 1024);
  EXPECT_GT(Sample(m, "grpc_server_msg_sent_bytes_total{" + put + "}"),
            3 * 200);
  // HTTP bodies by route: the one checkpoint fetched, exactly.
  EXPECT_EQ(Sample(m,
                   "archive_http_bytes_total{direction=\"sent\",route="
                   "\"log\"}"),
            checkpoint->body.size());
  EXPECT_EQ(Sample(m,
                   "archive_http_bytes_total{direction=\"received\","
                   "route=\"log\"}"),
            0);
  EXPECT_EQ(Sample(m, "archive_blob_store_up{}"), 1);

  // Three puts in one to three batches, each with its one synced write.
  double batches = Sample(m, "archive_commit_batch_requests_count{}");
  EXPECT_GE(batches, 1);
  EXPECT_LE(batches, 3);
  EXPECT_EQ(Sample(m, "archive_commit_batch_requests_sum{}"), 3);
  EXPECT_EQ(Sample(m, "archive_commit_sync_seconds_count{}"), batches);
  EXPECT_EQ(Sample(m, "archive_commit_failures_total{}"), 0);

  EXPECT_EQ(Sample(m, "archive_writable{}"), 1);
  EXPECT_GT(Sample(m, "archive_disk_free_bytes{}"), 0);
  EXPECT_GE(Sample(m, "archive_disk_size_bytes{}"),
            Sample(m, "archive_disk_free_bytes{}"));
  double signed_at = Sample(m, "archive_checkpoint_timestamp_seconds{}");
  EXPECT_GE(signed_at, started - 1);
  EXPECT_LE(signed_at, std::time(nullptr) + 1);
  EXPECT_EQ(Sample(m, "archive_scrub_last_timestamp_seconds{}"), 0);

  EXPECT_GT(Sample(m, "process_resident_memory_bytes{}"), 1 << 20);
  EXPECT_GT(Sample(m, "process_open_fds{}"), 3);
  double process_start = Sample(m, "process_start_time_seconds{}");
  EXPECT_GE(process_start, started - 2);
  EXPECT_LE(process_start, std::time(nullptr) + 1);

  ProcessResult version =
      RunProcess({std::string(ARCHIVE_BIN_DIR) + "/archived", "--version"});
  std::vector<std::string> words = absl::StrSplit(version.out, ' ');
  ASSERT_GE(words.size(), 2u) << version.out;
  bool found = false;
  for (const auto& [key, value] : m) {
    if (absl::StartsWith(key, "archive_build_info{") &&
        absl::StrContains(key, "version=\"" + words[1] + "\"")) {
      found = value == 1;
    }
  }
  EXPECT_TRUE(found) << "no archive_build_info with version " << words[1];
}

TEST(Metrics, PullsAndScrubsAreCounted) {
  auto a = Office::Start("metrics-a.example");
  int http_port = FreePort();
  auto b = Office::Start(
      Office::Options{"metrics-b.example", "", HttpFlags(http_port), 0});
  b->Trust({a.get()});
  a->PutText("pulled/one", "first\n");
  a->PutText("pulled/two", "second\n");
  b->SyncOk(a->address());
  ASSERT_NE(b->Sync(absl::StrCat("127.0.0.1:", FreePort())).exit_code, 0);
  ProcessResult scrub = b->Ctl({"scrub"});
  ASSERT_EQ(scrub.exit_code, 0) << Describe(scrub);

  Metrics m = Scrape(http_port);
  const std::string peer = "peer=\"" + a->address() + "\"";
  EXPECT_EQ(Sample(m, "archive_sync_pulls_total{" + peer + ",result=\"ok\"}"),
            1);
  EXPECT_EQ(Sample(m, "archive_sync_imported_revisions_total{" + peer + "}"),
            2);
  EXPECT_EQ(Sample(m, "archive_sync_lag_entries{" + peer + "}"), 0);
  EXPECT_GT(
      Sample(m, "archive_sync_last_success_timestamp_seconds{" + peer + "}"),
      0);
  double failed = 0;
  for (const auto& [key, value] : m) {
    if (absl::StartsWith(key, "archive_sync_pulls_total{") &&
        absl::StrContains(key, "result=\"error\"")) {
      failed += value;
    }
  }
  EXPECT_EQ(failed, 1);
  EXPECT_GT(Sample(m, "archive_scrub_last_timestamp_seconds{}"), 0);
  EXPECT_EQ(Sample(m, "archive_scrub_damaged_blobs{}"), 0);
  EXPECT_EQ(Sample(m, "archive_scrub_log_problems{}"), 0);
  EXPECT_EQ(Sample(m, "archive_log_size{}"), 2);

  // deploy/alerts.yml names only metrics this archived exports (now that it
  // has put, pulled and scrubbed, it exports every one).
  ProcessResult alerts = RunProcess(
      {"/usr/bin/python3", SourceDir() + "/tests/integration/check_alerts.py",
       SourceDir() + "/deploy/alerts.yml",
       absl::StrCat("http://127.0.0.1:", http_port, "/metrics")});
  EXPECT_EQ(alerts.exit_code, 0) << Describe(alerts);
}

TEST(Readiness, HealthzAndReadyzAnswer) {
  int http_port = 0;
  auto server = StartWithHttp(&http_port);
  auto health = HttpGet(http_port, "/healthz");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
  auto ready = HttpGet(http_port, "/readyz");
  ASSERT_TRUE(ready);
  EXPECT_EQ(ready->status, 200) << ready->body;
  auto unknown = HttpGet(http_port, "/nothing-here");
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->status, 404);
  EXPECT_TRUE(absl::StrContains(unknown->body, "/nothing-here"))
      << unknown->body;
}

TEST(Readiness, ADiskBelowTheFreeSpaceFloorIsNotReady) {
  int http_port = 0;
  // More free bytes than any disk has.
  auto server =
      StartWithHttp(&http_port, {"--ready_min_free_bytes=4611686018427387904"});
  auto ready = HttpGet(http_port, "/readyz");
  ASSERT_TRUE(ready);
  EXPECT_EQ(ready->status, 503);
  EXPECT_TRUE(absl::StrContains(ready->body, "disk nearly full"))
      << ready->body;
  EXPECT_TRUE(absl::StrContains(ready->body, "--ready_min_free_bytes"))
      << ready->body;
  EXPECT_EQ(HttpGet(http_port, "/healthz")->status, 200);
}

TEST(Readiness, ADrainingServerIsNotReady) {
  int http_port = 0;
  auto server = StartWithHttp(&http_port, {"--drain_seconds=20"});
  // A put held open keeps the drain going.
  auto stub = v1::Archive::NewStub(grpc::CreateChannel(
      server->address(), grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  v1::PutResponse response;
  auto writer = stub->Put(&context, &response);
  v1::PutRequest header;
  *header.mutable_header() = HeaderFor("drain/doc", "held open\n");
  ASSERT_TRUE(writer->Write(header));
  ASSERT_EQ(HttpGet(http_port, "/readyz")->status, 200);

  ASSERT_EQ(::kill(server->pid(), SIGTERM), 0);
  std::string body;
  int status = 0;
  for (int i = 0; i < 100 && status != 503; ++i) {
    auto ready = HttpGet(http_port, "/readyz");
    if (ready) {
      status = ready->status;
      body = ready->body;
    }
    absl::SleepFor(absl::Milliseconds(50));
  }
  EXPECT_EQ(status, 503);
  EXPECT_TRUE(absl::StrContains(body, "draining")) << body;
  context.TryCancel();
  EXPECT_EQ(server->Stop(), 0) << server->log();
}

// Every line of `path`, each parsed as a JSON object (failing on one that is
// not).
std::vector<nlohmann::json> JsonLines(const std::string& path) {
  std::ifstream in(path);
  std::vector<nlohmann::json> lines;
  std::string line;
  while (std::getline(in, line)) {
    auto parsed =
        nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    EXPECT_TRUE(parsed.is_object()) << path << ": not a JSON object: " << line;
    if (!parsed.is_object()) continue;
    EXPECT_TRUE(parsed.contains("time") && parsed.contains("level") &&
                parsed.contains("msg"))
        << line;
    lines.push_back(parsed);
  }
  return lines;
}

bool HasRequestFor(const std::vector<nlohmann::json>& lines,
                   const std::string& doc) {
  for (const nlohmann::json& line : lines) {
    if (line.value("msg", "") == "request" && line.value("doc", "") == doc &&
        line.value("method", "") == "Put" && line.value("status", "") == "OK" &&
        line["bytes"].is_number()) {
      return true;
    }
  }
  return false;
}

TEST(Logs, JsonLinesInAFileThatSighupReopens) {
  TempDir dir;
  const std::string log = dir.path() + "/archived.log";
  TestServer::Options options;
  options.extra_flags = {"--log_format=json", "--log_file=" + log};
  auto server = TestServer::Start(options);
  Cli cli(server->address());
  std::string text = WriteFile(dir, "doc.txt", "logged\n");
  ASSERT_EQ(cli.Run({"put", text, "--id", "log/before"}).exit_code, 0);

  // What logrotate does: move the file, then signal.
  std::filesystem::rename(log, log + ".1");
  ASSERT_EQ(::kill(server->pid(), SIGHUP), 0);
  for (int i = 0; i < 100 && !std::filesystem::exists(log); ++i) {
    absl::SleepFor(absl::Milliseconds(20));
  }
  ASSERT_TRUE(std::filesystem::exists(log)) << "SIGHUP did not reopen the log";
  ASSERT_EQ(cli.Run({"put", text, "--id", "log/after"}).exit_code, 0)
      << "archived did not survive SIGHUP";
  ASSERT_EQ(server->Stop(), 0);

  std::vector<nlohmann::json> old_lines = JsonLines(log + ".1");
  std::vector<nlohmann::json> new_lines = JsonLines(log);
  EXPECT_TRUE(HasRequestFor(old_lines, "log/before"));
  EXPECT_FALSE(HasRequestFor(old_lines, "log/after"));
  EXPECT_TRUE(HasRequestFor(new_lines, "log/after"));
  ASSERT_FALSE(new_lines.empty());
  EXPECT_EQ(new_lines.front().value("msg", ""), "SIGHUP, log reopened");
  EXPECT_EQ(new_lines.back().value("msg", ""), "stopped cleanly");
  EXPECT_TRUE(server->log().empty())
      << "written to stderr despite --log_file: " << server->log();
}

// archived with `flags` must refuse to start, saying `why`.
void ExpectRefused(const std::vector<std::string>& flags,
                   const std::string& why) {
  TempDir dir;
  std::vector<std::string> argv = {
      std::string(ARCHIVE_BIN_DIR) + "/archived",
      "--data_dir=" + dir.path() + "/data", "--origin=refused.example",
      absl::StrCat("--listen=127.0.0.1:", FreePort())};
  argv.insert(argv.end(), flags.begin(), flags.end());
  ProcessResult r = RunKilledAfter(argv, absl::Seconds(20));
  EXPECT_EQ(r.exit_code, 1) << Describe(r);
  EXPECT_TRUE(absl::StrContains(r.err, why)) << Describe(r);
}

TEST(Logs, BadOperationsFlagsAreRefusedNamingThem) {
  ExpectRefused({"--log_format=xml"},
                "--log_format=xml: expected text or json");
  ExpectRefused({"--log_file=/nonexistent/dir/archived.log"},
                "cannot open log file /nonexistent/dir/archived.log");
  ExpectRefused({absl::StrCat("--http_listen=0.0.0.0:", FreePort())},
                "without TLS");
  ExpectRefused({"--http_listen=no-port"}, "--http_listen=no-port");
}

TEST(Https, MetricsAreServedOverTlsWithTheServerCertificate) {
  TempDir certs_dir;
  MakeCerts(certs_dir.path(), "metrics-tls.example", {});
  OfficeCerts certs{certs_dir.path()};
  int http_port = FreePort();
  TestServer::Options options;
  options.extra_flags = {"--tls_cert=" + certs.server_cert(),
                         "--tls_key=" + certs.server_key(),
                         absl::StrCat("--http_listen=127.0.0.1:", http_port)};
  options.tls_ca = certs.ca();
  auto server = TestServer::Start(options);
  Metrics m = Scrape(absl::StrCat("https://localhost:", http_port, "/metrics"),
                     certs.ca());
  EXPECT_EQ(Sample(m, "archive_log_size{}"), 0);
  // Plain HTTP on that port gets no answer.
  EXPECT_FALSE(HttpGet(http_port, "/healthz") &&
               HttpGet(http_port, "/healthz")->status == 200);
}

}  // namespace
}  // namespace archive::testing
