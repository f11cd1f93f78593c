// A client certificate the server refuses (issue 11, defect 9, client part):
// under mutual TLS the handshake fails on the server's side, and all gRPC
// tells the client is UNAVAILABLE "Socket closed". archivectl says instead that
// the server refused the certificate it presented, or that it presented none.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "tests/integration/test_harness.h"
#include "tests/integration/tls_test_util.h"

namespace archive::testing {
namespace {

TEST(TlsClientCertificate, RefusedClientCertificateSaysSo) {
  TempDir dir;
  OfficeCerts certs{dir.path() + "/certs"}, other{dir.path() + "/other"};
  ASSERT_NO_FATAL_FAILURE(MakeCerts(certs.dir, "a.archive.test", {"admin"}));
  // The same client name, certified by another office's CA.
  ASSERT_NO_FATAL_FAILURE(MakeCerts(other.dir, "o.archive.test", {"admin"}));
  std::string config = dir.path() + "/archived.textproto";
  WriteFileOrDie(config, "roles { identity: \"admin\" roles: \"admin\" }\n");
  auto server = TestServer::Start(
      certs.MutualTlsServer("a.archive.test", config, "admin"));
  ASSERT_TRUE(server->running());
  Cli cli(server->address());

  ProcessResult r =
      cli.Run({"--tls_ca", certs.ca(), "--tls_cert", other.cert("admin"),
               "--tls_key", other.key("admin"), "checkpoint"});
  EXPECT_NE(r.exit_code, 0) << Describe(r);
  EXPECT_TRUE(absl::StrContains(r.err, "refused the client certificate"))
      << Describe(r);
  EXPECT_TRUE(absl::StrContains(r.err, other.cert("admin"))) << Describe(r);

  r = cli.Run({"--tls_ca", certs.ca(), "checkpoint"});
  EXPECT_NE(r.exit_code, 0) << Describe(r);
  EXPECT_TRUE(absl::StrContains(r.err, "--tls_cert")) << Describe(r);

  // The right certificate still works.
  r = cli.Run({"--tls_ca", certs.ca(), "--tls_cert", certs.cert("admin"),
               "--tls_key", certs.key("admin"), "checkpoint"});
  EXPECT_EQ(r.exit_code, 0) << Describe(r);
}

}  // namespace
}  // namespace archive::testing
