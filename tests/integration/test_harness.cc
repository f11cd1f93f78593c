#include "tests/integration/test_harness.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "storage/base/hex.h"
#include "storage/base/sha256.h"

namespace archive::testing {
namespace fs = std::filesystem;

TempDir::TempDir() {
  const char* tmp = std::getenv("TMPDIR");
  std::string templ =
      absl::StrCat(tmp && *tmp ? tmp : "/tmp", "/archive-test-XXXXXX");
  char* made = ::mkdtemp(templ.data());
  if (made == nullptr) std::abort();
  path_ = made;
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

std::string ArchivedPath() { return ARCHIVE_BIN_DIR "/archived"; }
std::string ArchivectlPath() { return ARCHIVE_BIN_DIR "/archivectl"; }
std::string CorpusDir() { return ARCHIVE_CORPUS_DIR; }
std::string SourceDir() { return ARCHIVE_SOURCE_DIR; }

int FreePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

std::string ReadFileOrDie(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    ADD_FAILURE() << "cannot read " << path;
    return "";
  }
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void WriteFileOrDie(const std::string& path, const std::string& contents) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << contents;
  if (!out) ADD_FAILURE() << "cannot write " << path;
}

namespace {

// Starts argv with stdout/stderr redirected to files; returns the pid.
pid_t Spawn(const std::vector<std::string>& argv,
            const std::map<std::string, std::string>& env,
            const std::string& out_path, const std::string& err_path,
            const std::string& stdin_path) {
  pid_t pid = ::fork();
  if (pid != 0) return pid;
  // Child: only async-signal-safe work from here on, then exec.
  int in =
      ::open(stdin_path.empty() ? "/dev/null" : stdin_path.c_str(), O_RDONLY);
  int out =
      ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0644);
  int err = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  ::dup2(in, 0);
  ::dup2(out, 1);
  ::dup2(err, 2);
  for (const auto& [k, v] : env) ::setenv(k.c_str(), v.c_str(), 1);
  std::vector<char*> args;
  for (const std::string& a : argv)
    args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  ::execv(args[0], args.data());
  ::_exit(127);
}

// A wait status as a shell reports it: the exit code, or 128 + the signal.
int ExitCode(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

// Waits for `pid` to end; its exit code, and in `*peak_rss_kb` (if given) the
// most memory it held.
int WaitExit(pid_t pid, long* peak_rss_kb = nullptr) {
  int status = 0;
  struct rusage usage {};
  while (::wait4(pid, &status, 0, &usage) < 0 && errno == EINTR) {
  }
  if (peak_rss_kb != nullptr) *peak_rss_kb = usage.ru_maxrss;
  return ExitCode(status);
}

long ProcStatusKb(pid_t pid, const std::string& field) {
  std::ifstream in(absl::StrCat("/proc/", pid, "/status"));
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field + ":", 0) == 0)
      return std::atol(line.c_str() + field.size() + 1);
  }
  return -1;
}

// True once something accepts TCP connections on the port. Polling this first
// keeps gRPC's reconnect backoff (a second or more) out of every server start.
bool PortAccepts(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

// Plaintext credentials, or TLS ones from the server options' files.
std::shared_ptr<grpc::ChannelCredentials> HealthCheckCredentials(
    const TestServer::Options& options) {
  if (options.tls_ca.empty()) return grpc::InsecureChannelCredentials();
  grpc::SslCredentialsOptions ssl;
  ssl.pem_root_certs = ReadFileOrDie(options.tls_ca);
  if (!options.tls_cert.empty()) {
    ssl.pem_cert_chain = ReadFileOrDie(options.tls_cert);
    ssl.pem_private_key = ReadFileOrDie(options.tls_key);
  }
  return grpc::SslCredentials(ssl);
}

bool WaitHealthy(const std::string& address,
                 std::shared_ptr<grpc::ChannelCredentials> credentials,
                 pid_t pid) {
  int port = std::atoi(address.substr(address.rfind(':') + 1).c_str());
  for (int i = 0; i < 2000 && !PortAccepts(port); ++i) {
    if (::waitpid(pid, nullptr, WNOHANG) == pid) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  auto channel = grpc::CreateChannel(address, std::move(credentials));
  auto stub = grpc::health::v1::Health::NewStub(channel);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    if (::waitpid(pid, nullptr, WNOHANG) == pid) return false;  // it exited
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() +
                     std::chrono::seconds(2));
    ctx.set_wait_for_ready(true);
    grpc::health::v1::HealthCheckRequest req;
    grpc::health::v1::HealthCheckResponse resp;
    if (stub->Check(&ctx, req, &resp).ok() &&
        resp.status() == grpc::health::v1::HealthCheckResponse::SERVING) {
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

}  // namespace

std::string Describe(const ProcessResult& r) {
  return absl::StrCat("exit ", r.exit_code, "\n--- stdout:\n", r.out,
                      "\n--- stderr:\n", r.err);
}

ProcessResult RunProcess(const std::vector<std::string>& argv,
                         const std::map<std::string, std::string>& env,
                         const std::string& stdin_file) {
  TempDir dir;
  std::string out = dir.path() + "/out", err = dir.path() + "/err";
  pid_t pid = Spawn(argv, env, out, err, stdin_file);
  ProcessResult r;
  r.exit_code = WaitExit(pid, &r.peak_rss_kb);
  r.out = ReadFileOrDie(out);
  r.err = ReadFileOrDie(err);
  return r;
}

ProcessResult RunKilledAfter(const std::vector<std::string>& argv,
                             absl::Duration after) {
  TempDir dir;
  std::string out = dir.path() + "/out", err = dir.path() + "/err";
  // Made here, not only by the child: a kill that lands before the child has
  // opened them (a few ms under load) must read as empty output.
  WriteFileOrDie(out, "");
  WriteFileOrDie(err, "");
  pid_t pid = Spawn(argv, {}, out, err, "");
  absl::Time deadline = absl::Now() + after;
  ProcessResult r;
  int status = 0;
  pid_t reaped = 0;
  while ((reaped = ::waitpid(pid, &status, WNOHANG)) == 0 &&
         absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(1));
  }
  if (reaped != pid) ::kill(pid, SIGKILL);
  r.exit_code = reaped == pid ? ExitCode(status) : WaitExit(pid);
  r.out = ReadFileOrDie(out);
  r.err = ReadFileOrDie(err);
  return r;
}

std::unique_ptr<TestServer> TestServer::Start(Options options) {
  std::unique_ptr<TestServer> server(new TestServer);
  if (options.data_dir.empty()) {
    server->owned_dir_ = std::make_unique<TempDir>();
    options.data_dir = server->owned_dir_->path() + "/data";
  }
  const bool pick_port = options.port == 0;
  server->options_ = std::move(options);
  // A port found free may be taken by a parallel test before archived binds
  // it: then, for a port we picked, try another.
  for (int attempt = 0;; ++attempt) {
    if (pick_port) server->options_.port = FreePort();
    server->address_ = absl::StrCat(
        server->options_.tls_ca.empty() ? "127.0.0.1" : "localhost", ":",
        server->options_.port);
    server->log_path_ = absl::StrCat(server->options_.data_dir, ".",
                                     server->options_.port, ".log");
    if (server->Launch()) return server;
    if (!pick_port || attempt == 2 ||
        !absl::StrContains(server->log(), "Address already in use")) {
      break;
    }
  }
  ADD_FAILURE() << "archived did not start; its log:\n" << server->log();
  return server;
}

bool TestServer::Launch() {
  std::vector<std::string> argv = {
      ArchivedPath(), "--data_dir=" + options_.data_dir,
      "--origin=" + options_.origin,
      absl::StrCat("--listen=", options_.listen_host, ":", options_.port)};
  argv.insert(argv.end(), options_.extra_flags.begin(),
              options_.extra_flags.end());
  // The log is appended to across restarts so a test can read the whole story.
  pid_ = Spawn(argv, {}, log_path_ + ".out", log_path_, "");
  if (WaitHealthy(address_, HealthCheckCredentials(options_), pid_)) {
    return true;
  }
  ::kill(pid_, SIGKILL);
  WaitExit(pid_);
  pid_ = -1;
  return false;
}

TestServer::~TestServer() {
  if (pid_ > 0) Stop();
  std::error_code ec;
  fs::remove(log_path_, ec);
  fs::remove(log_path_ + ".out", ec);
}

int TestServer::Stop() {
  if (pid_ <= 0) return -1;
  ::kill(pid_, SIGTERM);
  int code = WaitExit(pid_);
  pid_ = -1;
  return code;
}

void TestServer::Kill() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  WaitExit(pid_);
  pid_ = -1;
}

bool TestServer::Restart() {
  if (pid_ > 0) Stop();
  return Launch();
}

std::string TestServer::log() const {
  std::ifstream in(log_path_);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

long TestServer::RssKb() const { return ProcStatusKb(pid_, "VmRSS"); }
long TestServer::PeakRssKb() const { return ProcStatusKb(pid_, "VmHWM"); }

Cli::Cli(std::string server_address) : server_(std::move(server_address)) {}

ProcessResult Cli::Run(const std::vector<std::string>& args) const {
  std::vector<std::string> argv = {ArchivectlPath()};
  argv.insert(argv.end(), args.begin(), args.end());
  return RunProcess(
      argv, {{"XDG_CONFIG_HOME", config_.path()}, {"ARCHIVE_SERVER", server_}});
}

std::vector<std::string> CorpusDocument::PutFlags() const {
  std::vector<std::string> flags;
  for (const auto& [flag, value] :
       {std::pair<const char*, const std::string*>{"--title", &title},
        {"--issuer", &issuer},
        {"--number", &number},
        {"--region", &region},
        {"--date", &date}}) {
    if (value->empty()) continue;
    flags.push_back(flag);
    flags.push_back(*value);
  }
  return flags;
}

std::string CorpusDocument::raw_path() const {
  return absl::StrCat(CorpusDir(), "/raw/", id, ".txt");
}
std::string CorpusDocument::clean_path() const {
  return absl::StrCat(CorpusDir(), "/clean/", id, ".txt");
}

std::vector<CorpusDocument> LoadCorpus() {
  std::vector<CorpusDocument> docs;
  std::string tsv = ReadFileOrDie(CorpusDir() + "/manifest.tsv");
  bool header = true;
  for (absl::string_view line : absl::StrSplit(tsv, '\n', absl::SkipEmpty())) {
    if (header) {
      header = false;
      continue;
    }
    std::vector<std::string> f = absl::StrSplit(line, '\t');
    if (f.size() < 11) {
      ADD_FAILURE() << "bad manifest line: " << line;
      continue;
    }
    CorpusDocument d{f[0], f[1], f[2], f[3], f[4], f[5], f[6], f[7], f[9]};
    d.raw_bytes = std::atol(f[8].c_str());
    d.clean_bytes = std::atol(f[10].c_str());
    docs.push_back(std::move(d));
  }
  return docs;
}

Json ParseJson(const ProcessResult& r) {
  Json j = Json::parse(r.out, nullptr, /*allow_exceptions=*/false);
  EXPECT_FALSE(j.is_discarded()) << "not JSON: " << Describe(r);
  return j;
}

std::set<std::string> FilesUnder(const std::string& dir) {
  namespace fs = std::filesystem;
  std::set<std::string> files;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec);
       it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) break;
    if (it->is_regular_file()) {
      files.insert(fs::relative(it->path(), dir).string());
    }
  }
  return files;
}

std::string FileSha256(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return "cannot read " + path;
  Sha256 hasher;
  std::string buf(1 << 20, '\0');
  while (in) {
    in.read(buf.data(), buf.size());
    hasher.Update(absl::string_view(buf.data(), in.gcount()));
  }
  return ToHex(hasher.Finish());
}

v1::PutHeader HeaderFor(const std::string& doc, const std::string& content) {
  v1::PutHeader h;
  h.set_document_id(doc);
  h.set_sha256(Sha256::HexDigest(content));
  h.set_size(content.size());
  h.mutable_metadata()->set_media_type("text/plain; charset=utf-8");
  h.mutable_metadata()->set_status("in_force");
  return h;
}

std::string WriteRandomFile(const std::string& path, uint64_t size,
                            uint64_t seed) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  Sha256 hasher;
  std::string buf(1 << 20, '\0');
  uint64_t x = seed | 1;
  for (uint64_t done = 0; done < size;) {
    size_t n = static_cast<size_t>(std::min<uint64_t>(buf.size(), size - done));
    for (size_t i = 0; i < n; i += 8) {
      x ^= x >> 12;
      x ^= x << 25;
      x ^= x >> 27;
      uint64_t v = x * 0x2545F4914F6CDD1Dull;
      for (size_t b = 0; b < 8 && i + b < n; ++b)
        buf[i + b] = char(v >> (8 * b));
    }
    absl::string_view piece(buf.data(), n);
    hasher.Update(piece);
    out.write(piece.data(), piece.size());
    done += n;
  }
  out.close();
  if (!out) ADD_FAILURE() << "cannot write " << path;
  return ToHex(hasher.Finish());
}

}  // namespace archive::testing
