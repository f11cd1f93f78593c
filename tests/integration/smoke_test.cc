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

}  // namespace
}  // namespace archive::testing
