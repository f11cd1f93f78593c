// Issue 17: a small content comes inside the Get header when the client asks
// for it (GetRequest.inline_max_bytes), so a small get is one message. A
// client that does not ask (an older one) still gets chunks; a content
// bigger than a chunk still streams, and one streamed from the store comes in
// 1 MiB chunks; archivectl's verified get is byte-exact either way. A lying
// server's inline bytes are refused in hostile_server_test.cc
// (Lie::kOtherInlineContent).
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "archive/v1/archive.grpc.pb.h"
#include "clients/api/archive_client.h"
#include "storage/base/sha256.h"
#include "tests/integration/test_harness.h"

namespace archive::testing {
namespace {

struct Answer {
  grpc::Status status;
  std::vector<v1::GetResponse> messages;
};

class InlineGet : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    server_ = TestServer::Start().release();
    channel_ = new std::shared_ptr<grpc::Channel>(grpc::CreateChannel(
        server_->address(), grpc::InsecureChannelCredentials()));
    ArchiveClient client(*channel_);
    for (const auto& [id, content] :
         {std::pair{"small", Small()}, std::pair{"empty", std::string()},
          std::pair{"large", Large()}, std::pair{"streamed", Streamed()}}) {
      v1::PutHeader header;
      header.set_document_id(id);
      header.mutable_metadata()->set_media_type("application/octet-stream");
      header.set_sha256(Sha256::HexDigest(content));
      header.set_size(content.size());
      auto put = client.PutBytes(content, header);
      ASSERT_TRUE(put.ok()) << id << ": " << put.status();
    }
  }
  static void TearDownTestSuite() {
    delete channel_;
    delete server_;
  }

  static std::string Small() {
    std::string s;
    for (int i = 0; s.size() < 40000; ++i)
      s += "第" + std::to_string(i) + "条\n";
    s.push_back('\0');  // bytes, not text: sent as they are
    return s;
  }
  // Bigger than one chunk (256 KiB by default).
  static std::string Large() { return std::string((256 << 10) * 3 + 17, 'L'); }
  // Bigger than the archive verifies whole before sending (4 MiB): streamed
  // from the store, re-hashed on the way.
  static std::string Streamed() {
    std::string s((5 << 20) + 17, 'S');
    for (size_t i = 0; i < s.size(); i += 4096) s[i] = static_cast<char>(i);
    return s;
  }

  static Answer Get(const std::string& id, uint32_t inline_max_bytes) {
    auto stub = v1::Archive::NewStub(*channel_);
    grpc::ClientContext ctx;
    v1::GetRequest request;
    request.set_document_id(id);
    request.set_inline_max_bytes(inline_max_bytes);
    auto reader = stub->Get(&ctx, request);
    Answer answer;
    v1::GetResponse message;
    while (reader->Read(&message)) answer.messages.push_back(message);
    answer.status = reader->Finish();
    return answer;
  }

  static std::string Chunks(const Answer& a) {
    std::string bytes;
    for (const v1::GetResponse& m : a.messages) bytes += m.chunk();
    return bytes;
  }

  static TestServer* server_;
  static std::shared_ptr<grpc::Channel>* channel_;
};

TestServer* InlineGet::server_ = nullptr;
std::shared_ptr<grpc::Channel>* InlineGet::channel_ = nullptr;

TEST_F(InlineGet, SmallContentAskedForComesInTheHeaderAlone) {
  Answer a = Get("small", 1 << 20);
  ASSERT_TRUE(a.status.ok()) << a.status.error_message();
  ASSERT_EQ(a.messages.size(), 1u);
  ASSERT_TRUE(a.messages[0].has_header());
  ASSERT_TRUE(a.messages[0].header().has_content());
  EXPECT_EQ(a.messages[0].header().content(), Small());
}

TEST_F(InlineGet, EmptyContentComesInTheHeaderToo) {
  Answer a = Get("empty", 1 << 20);
  ASSERT_TRUE(a.status.ok()) << a.status.error_message();
  ASSERT_EQ(a.messages.size(), 1u);
  EXPECT_TRUE(a.messages[0].header().has_content());
  EXPECT_TRUE(a.messages[0].header().content().empty());
}

// What an older client, which does not know the field, is sent.
TEST_F(InlineGet, ClientThatDoesNotAskGetsChunks) {
  Answer a = Get("small", 0);
  ASSERT_TRUE(a.status.ok()) << a.status.error_message();
  ASSERT_GE(a.messages.size(), 2u);
  EXPECT_FALSE(a.messages[0].header().has_content());
  EXPECT_EQ(Chunks(a), Small());
}

TEST_F(InlineGet, ContentOverTheClientsLimitComesInChunks) {
  Answer a = Get("small", 1000);
  ASSERT_TRUE(a.status.ok()) << a.status.error_message();
  EXPECT_FALSE(a.messages[0].header().has_content());
  EXPECT_EQ(Chunks(a), Small());
}

TEST_F(InlineGet, ContentBiggerThanAChunkStillStreams) {
  Answer a = Get("large", 64 << 20);
  ASSERT_TRUE(a.status.ok()) << a.status.error_message();
  EXPECT_FALSE(a.messages[0].header().has_content());
  EXPECT_GE(a.messages.size(), 4u);  // header and at least three chunks
  EXPECT_EQ(Chunks(a), Large());
}

// BlobChunks::kStreamChunkBytes: a quarter of the messages of 256 KiB chunks.
TEST_F(InlineGet, ContentStreamedFromTheStoreComesInMebibyteChunks) {
  Answer a = Get("streamed", 1 << 20);
  ASSERT_TRUE(a.status.ok()) << a.status.error_message();
  ASSERT_EQ(a.messages.size(), 1u + 6u) << "a header and 6 chunks";
  for (size_t i = 1; i + 1 < a.messages.size(); ++i) {
    EXPECT_EQ(a.messages[i].chunk().size(), size_t{1} << 20) << "chunk " << i;
  }
  EXPECT_EQ(a.messages.back().chunk().size(), 17u);
  EXPECT_EQ(Chunks(a), Streamed());
}

TEST_F(InlineGet, ArchivectlGetIsVerifiedAndByteExact) {
  Cli cli(server_->address());
  TempDir out;
  for (const auto& [id, content] :
       {std::pair{"small", Small()}, std::pair{"empty", std::string()},
        std::pair{"large", Large()}, std::pair{"streamed", Streamed()}}) {
    const std::string path = out.path() + "/" + id;
    ProcessResult got = cli.Run({"get", id, "-o", path});
    ASSERT_EQ(got.exit_code, 0) << Describe(got);
    EXPECT_EQ(ReadFileOrDie(path), content) << id;
  }
}

}  // namespace
}  // namespace archive::testing
