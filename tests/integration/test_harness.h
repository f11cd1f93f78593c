// Shared test harness for integration tests: real archived processes on free
// loopback ports with their own temporary data directories, and real archivectl
// runs.
#ifndef ARCHIVE_TESTS_INTEGRATION_TEST_HARNESS_H_
#define ARCHIVE_TESTS_INTEGRATION_TEST_HARNESS_H_

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "archive/v1/archive.pb.h"
#include "nlohmann/json.hpp"

namespace archive::testing {

// A fresh directory under $TMPDIR (or /tmp), removed by the destructor.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Paths of the built binaries and shared test data.
std::string ArchivedPath();
std::string ArchivectlPath();
std::string CorpusDir();  // samples/: the 18 documents and manifest.tsv
std::string SourceDir();

// A port nobody listens on right now.
int FreePort();

// Reads a whole file; aborts the test on failure (via ADD_FAILURE) and returns
// "".
std::string ReadFileOrDie(const std::string& path);
void WriteFileOrDie(const std::string& path, const std::string& contents);

struct ProcessResult {
  int exit_code = -1;     // 128+signal if killed
  long peak_rss_kb = -1;  // the most memory it held (RunProcess only)
  std::string out;
  std::string err;
};

// "exit N", stdout and stderr of a finished process, for assertion messages.
std::string Describe(const ProcessResult& r);

using Json = nlohmann::json;
// Parses archivectl's --json output; a test failure (with the output) if it is
// not JSON.
Json ParseJson(const ProcessResult& r);
// Every regular file under `dir`, relative to it (empty if there is no dir).
std::set<std::string> FilesUnder(const std::string& dir);
// Lowercase hex SHA-256 of a file's bytes ("cannot read PATH" if unreadable).
std::string FileSha256(const std::string& path);

// Writes `size` pseudo-random bytes (xorshift64*, seeded) to `path`, 1 MiB at
// a time, never holding them whole; returns their SHA-256 (hex).
std::string WriteRandomFile(const std::string& path, uint64_t size,
                            uint64_t seed);
// A valid Put header for `content` (text/plain; charset=utf-8, in_force).
v1::PutHeader HeaderFor(const std::string& doc, const std::string& content);

// Runs a program to completion with extra environment variables; captures
// output.
ProcessResult RunProcess(const std::vector<std::string>& argv,
                         const std::map<std::string, std::string>& env = {},
                         const std::string& stdin_file = "");

// Runs a program and SIGKILLs it `after` from its start unless it has exited
// by then; returns once it is reaped, so every file and lock it held is
// released (`timeout -s KILL` returns before its child is gone).
ProcessResult RunKilledAfter(const std::vector<std::string>& argv,
                             absl::Duration after);

// An archived process.
class TestServer {
 public:
  struct Options {
    std::string origin = "test.archive.example";
    std::string data_dir;  // empty: a fresh temp dir owned by the server object
    std::vector<std::string> extra_flags;
    int port = 0;  // 0: a free port
    // Host part of --listen; the harness itself always connects over loopback.
    std::string listen_host = "127.0.0.1";
    // For a server started with --tls_cert: the CA (PEM file) that signed its
    // certificate, and the client certificate and key the harness's health
    // check presents under mutual TLS. With tls_ca set, address() is
    // localhost:PORT, a name the server certificate carries.
    std::string tls_ca, tls_cert, tls_key;
  };
  // Starts the server and waits until its health service answers (or fails the
  // test).
  static std::unique_ptr<TestServer> Start(Options options);
  static std::unique_ptr<TestServer> Start() { return Start(Options{}); }
  ~TestServer();  // SIGTERM (then SIGKILL) if still running

  // Sends SIGTERM and waits; returns the exit status (0 = clean drain).
  int Stop();
  // SIGKILL, no drain: a crash.
  void Kill();
  // Starts again on the same port and data dir. Returns false if it did not
  // come up.
  bool Restart();

  // Where clients connect: 127.0.0.1:PORT, or localhost:PORT with TLS.
  const std::string& address() const { return address_; }
  int port() const { return options_.port; }
  const std::string& data_dir() const { return options_.data_dir; }
  const std::string& origin() const { return options_.origin; }
  pid_t pid() const { return pid_; }
  bool running() const { return pid_ > 0; }
  std::string log() const;  // everything the server wrote to stderr so far
  long RssKb() const;       // VmRSS
  long PeakRssKb() const;   // VmHWM

 private:
  TestServer() = default;
  bool Launch();
  Options options_;
  std::unique_ptr<TempDir> owned_dir_;
  std::string address_;
  std::string log_path_;
  pid_t pid_ = -1;
};

// Runs archivectl against `server_address` with its own client config directory
// (XDG_CONFIG_HOME), so trust and seen checkpoints do not leak between tests.
class Cli {
 public:
  explicit Cli(std::string server_address);
  ProcessResult Run(const std::vector<std::string>& args) const;
  const std::string& config_home() const { return config_.path(); }
  void set_server(std::string address) { server_ = std::move(address); }

 private:
  std::string server_;
  TempDir config_;
};

// One row of samples/manifest.tsv.
struct CorpusDocument {
  std::string id, region, title, issuer, number, date, note;
  std::string raw_sha256, clean_sha256;
  long raw_bytes = 0, clean_bytes = 0;
  std::string raw_path() const;
  std::string clean_path() const;
  // The manifest's metadata as `archivectl put` flags (--title, --issuer,
  // --number, --region, --date), omitting empty values.
  std::vector<std::string> PutFlags() const;
};
std::vector<CorpusDocument> LoadCorpus();

}  // namespace archive::testing

#endif  // ARCHIVE_TESTS_INTEGRATION_TEST_HARNESS_H_
