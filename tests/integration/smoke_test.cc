// The smallest end-to-end check: a real server, a put and a verified get
// through archivectl. The broader suites live in the other *_test.cc files.
#include <gtest/gtest.h>

#include "tests/integration/test_harness.h"

namespace archive::testing {
namespace {

TEST(Smoke, PutThenVerifiedGet) {
  auto server = TestServer::Start();
  ASSERT_TRUE(server->running());
  Cli cli(server->address());
  TempDir out;
  std::string doc_path = out.path() + "/doc.txt";
  WriteFileOrDie(doc_path, "policy text\n");
  ProcessResult put = cli.Run({"put", doc_path, "--id", "doc-1"});
  ASSERT_EQ(put.exit_code, 0) << put.err;
  ProcessResult get = cli.Run({"get", "doc-1", "-o", out.path() + "/got.txt"});
  ASSERT_EQ(get.exit_code, 0) << get.err;
  EXPECT_EQ(ReadFileOrDie(out.path() + "/got.txt"), "policy text\n");
  EXPECT_EQ(server->Stop(), 0);
}

// A second archived on a port the first still serves must refuse to start,
// not share the port (gRPC's default SO_REUSEPORT would let it, and clients
// would then reach either server at random).
TEST(Smoke, SecondServerOnTheSamePortRefusesToStart) {
  auto first = TestServer::Start();
  TempDir other;
  ProcessResult r = RunProcess(
      {"/usr/bin/timeout", "10", ArchivedPath(),
       "--data_dir=" + other.path() + "/data", "--origin=other.archive.example",
       "--listen=127.0.0.1:" + std::to_string(first->port())});
  EXPECT_NE(r.exit_code, 124) << "the second server kept serving";
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("cannot listen on 127.0.0.1:"), std::string::npos)
      << Describe(r);
}

}  // namespace
}  // namespace archive::testing
