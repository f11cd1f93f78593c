// Certificates for integration tests under TLS: deploy/make-certs.sh run for
// one office, and the server and archivectl flags that use its files.
#ifndef ARCHIVE_TESTS_INTEGRATION_TLS_TEST_UTIL_H_
#define ARCHIVE_TESTS_INTEGRATION_TLS_TEST_UTIL_H_

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "clients/api/archive_client.h"
#include "tests/integration/test_harness.h"

namespace archive::testing {

// Number of audit lines for `method` by `identity` with `status`.
inline int AuditLines(const std::string& log, const std::string& method,
                      const std::string& identity, const std::string& status) {
  int n = 0;
  for (absl::string_view line : absl::StrSplit(log, '\n')) {
    if (absl::StrContains(line,
                          absl::StrCat(" ", method, " id=", identity, " ")) &&
        absl::StrContains(line, absl::StrCat(" status=", status, " "))) {
      ++n;
    }
  }
  return n;
}

// Runs deploy/make-certs.sh --out DIR [OPTIONS] OFFICE CLIENT...; fails the
// test if it fails.
inline void MakeCerts(const std::string& dir, const std::string& office,
                      const std::vector<std::string>& clients,
                      const std::vector<std::string>& options = {}) {
  std::vector<std::string> argv = {SourceDir() + "/deploy/make-certs.sh",
                                   "--out", dir};
  argv.insert(argv.end(), options.begin(), options.end());
  argv.push_back(office);
  argv.insert(argv.end(), clients.begin(), clients.end());
  ProcessResult r = RunProcess(argv);
  ASSERT_EQ(r.exit_code, 0)
      << "make-certs.sh " << office << ": " << Describe(r);
}

// The files one office's make-certs.sh run made.
struct OfficeCerts {
  std::string dir;
  std::string ca() const { return dir + "/ca.pem"; }
  std::string server_cert() const { return dir + "/server.pem"; }
  std::string server_key() const { return dir + "/server.key"; }
  // With make-certs.sh --peer: what this office presents when it pulls.
  std::string peer_cert() const { return dir + "/peer.pem"; }
  std::string peer_key() const { return dir + "/peer.key"; }
  std::string cert(const std::string& client) const {
    return absl::StrCat(dir, "/client-", client, ".pem");
  }
  std::string key(const std::string& client) const {
    return absl::StrCat(dir, "/client-", client, ".key");
  }
  // TLS files for `client` (empty: no client certificate).
  TlsFiles Tls(const std::string& client) const {
    if (client.empty()) return TlsFiles{ca(), "", ""};
    return TlsFiles{ca(), cert(client), key(client)};
  }
  // archivectl's global TLS flags for `client`.
  std::vector<std::string> CtlFlags(const std::string& client) const {
    std::vector<std::string> flags = {"--tls_ca", ca()};
    if (!client.empty()) {
      flags.insert(flags.end(),
                   {"--tls_cert", cert(client), "--tls_key", key(client)});
    }
    return flags;
  }
  // archived's flags for mutual TLS with this office's CA.
  std::vector<std::string> ServerFlags() const {
    return {"--tls_cert=" + server_cert(), "--tls_key=" + server_key(),
            "--tls_client_ca=" + ca()};
  }
  // A server under mutual TLS whose roles are in `config`; the harness's
  // health check presents `client`'s certificate.
  TestServer::Options MutualTlsServer(const std::string& origin,
                                      const std::string& config,
                                      const std::string& client) const {
    TestServer::Options options;
    options.origin = origin;
    options.extra_flags = ServerFlags();
    options.extra_flags.push_back("--config=" + config);
    options.tls_ca = ca();
    options.tls_cert = cert(client);
    options.tls_key = key(client);
    return options;
  }
};

}  // namespace archive::testing

#endif  // ARCHIVE_TESTS_INTEGRATION_TLS_TEST_UTIL_H_
