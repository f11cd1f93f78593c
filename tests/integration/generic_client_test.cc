// Generic gRPC tools (issue 12): a client with no project code resolves every
// service archived serves through reflection, health included, and calls them;
// health is reported per service, and archive.v1.Archive turns NOT_SERVING
// for a watcher the moment a drain starts.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <future>
#include <string>

#include "archive/v1/archive.grpc.pb.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "tests/integration/test_harness.h"

namespace archive::testing {
namespace {

using grpc::health::v1::HealthCheckRequest;
using grpc::health::v1::HealthCheckResponse;

TEST(GenericClient, ReflectionResolvesAndCallsEveryServiceIncludingHealth) {
  auto server = TestServer::Start();
  ASSERT_NE(server, nullptr);
  ProcessResult r = RunProcess(
      {"/usr/bin/python3",
       std::string(ARCHIVE_SOURCE_DIR) + "/tests/tools/reflection_client.py",
       server->address()});
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  for (const char* line :
       {"resolved archive.v1.Archive", "resolved grpc.health.v1.Health",
        "health archive.v1.Archive: 1", "GetCheckpoint: tree_size 0",
        "detail archive.v1.ErrorDetail: reason INVALID_FIELD field page_token",
        "detail google.rpc.BadRequest: field_violations page_token"}) {
    EXPECT_NE(r.out.find(line), std::string::npos) << line << "\n" << r.out;
  }
}

TEST(GenericClient, ArchiveHealthTurnsNotServingWhenTheDrainStarts) {
  auto server = TestServer::Start();
  ASSERT_NE(server, nullptr);
  auto health = grpc::health::v1::Health::NewStub(grpc::CreateChannel(
      server->address(), grpc::InsecureChannelCredentials()));
  HealthCheckRequest request;
  request.set_service(v1::Archive::service_full_name());
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
  auto watch = health->Watch(&ctx, request);
  HealthCheckResponse status;
  ASSERT_TRUE(watch->Read(&status));
  EXPECT_EQ(status.status(), HealthCheckResponse::SERVING);
  auto stopped = std::async(std::launch::async, [&] { return server->Stop(); });
  ASSERT_TRUE(watch->Read(&status)) << "the watch ended without a status";
  EXPECT_EQ(status.status(), HealthCheckResponse::NOT_SERVING);
  ctx.TryCancel();
  EXPECT_EQ(stopped.get(), 0) << server->log();
}

}  // namespace
}  // namespace archive::testing
