// One-pass puts (PutHeader.digest_in_trailer): the digest comes last, in a
// PutTrailer, and the archive hashes as it receives. The content is stored
// byte-exact; a trailer whose digest or size is wrong, a stream that ends
// without one, and a client that goes away mid-stream all store nothing (no
// revision, no blob, no temp file left); an old-style put (digest in the
// header) works as before; and archivectl's client library takes the one-pass
// route for a large file and checks the receipt against what it hashed.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "archive/v1/archive.grpc.pb.h"
#include "clients/api/archive_client.h"
#include "storage/base/hex.h"
#include "storage/base/sha256.h"
#include "tests/integration/rich_status.h"
#include "tests/integration/test_harness.h"

namespace archive::testing {
namespace {

namespace fs = std::filesystem;

// Pseudo-random bytes that break UTF-8 at once (so archivectl's media type
// guess is decided by the first chunk).
std::string RandomContent(size_t n, uint64_t seed) {
  std::string out;
  out.reserve(n + 32);
  for (uint64_t block = 0; out.size() < n; ++block) {
    out += Sha256::Digest(absl::StrCat(seed, ":", block));  // 32 bytes
  }
  out.resize(n);
  out[0] = '\xff';
  return out;
}

v1::PutHeader OnePassHeader(const std::string& doc, uint64_t size) {
  v1::PutHeader header = HeaderFor(doc, "");
  header.clear_sha256();
  header.set_size(size);
  header.mutable_metadata()->set_media_type("application/octet-stream");
  header.set_digest_in_trailer(true);
  return header;
}

class OnePassPut : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = TestServer::Start();
    ASSERT_TRUE(server_->running());
    channel_ = ArchiveClient::Dial(server_->address());
    client_ = std::make_unique<ArchiveClient>(channel_);
    stub_ = v1::Archive::NewStub(channel_);
  }

  std::string Blobs() const { return server_->data_dir() + "/blobs"; }

  // Sends `header`, `content` in 1 MiB chunks, then `trailer` unless null.
  grpc::Status Send(const v1::PutHeader& header, const std::string& content,
                    const v1::PutTrailer* trailer,
                    v1::PutResponse* response = nullptr) {
    v1::PutResponse ignored;
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() +
                     std::chrono::seconds(60));
    auto stream = stub_->Put(&ctx, response ? response : &ignored);
    v1::PutRequest r;
    *r.mutable_header() = header;
    bool open = stream->Write(r);
    for (size_t at = 0; open && at < content.size(); at += 1 << 20) {
      r.set_chunk(content.substr(at, 1 << 20));
      open = stream->Write(r);
    }
    if (open && trailer != nullptr) {
      *r.mutable_trailer() = *trailer;
      stream->Write(r);
    }
    stream->WritesDone();
    return stream->Finish();
  }

  // No revision of `doc`, no blob but `blobs_before`, no temp file.
  void ExpectNothingStored(const std::string& doc,
                           const std::set<std::string>& blobs_before) {
    v1::HistoryRequest h;
    h.set_document_id(doc);
    auto history = client_->History(h);
    EXPECT_TRUE(absl::IsNotFound(history.status())) << history.status();
    std::set<std::string> blobs = FilesUnder(Blobs());
    for (auto it = blobs.begin(); it != blobs.end();) {
      it = absl::StartsWith(*it, "tmp/") ? blobs.erase(it) : std::next(it);
    }
    EXPECT_EQ(blobs, blobs_before);
    WaitForNoTempFiles();
  }

  // The server removes a discarded upload's temp file when it ends the call;
  // after a cancel that may come a moment after the client's Finish.
  void WaitForNoTempFiles() {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (!FilesUnder(Blobs() + "/tmp").empty()) {
      ASSERT_LT(std::chrono::steady_clock::now(), deadline)
          << "temp files left in " << Blobs() << "/tmp; server log:\n"
          << server_->log();
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }

  std::set<std::string> BlobFiles() {
    std::set<std::string> blobs = FilesUnder(Blobs());
    for (auto it = blobs.begin(); it != blobs.end();) {
      it = absl::StartsWith(*it, "tmp/") ? blobs.erase(it) : std::next(it);
    }
    return blobs;
  }

  std::unique_ptr<TestServer> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<ArchiveClient> client_;
  std::unique_ptr<v1::Archive::Stub> stub_;
};

TEST_F(OnePassPut, ContentIsStoredByteExactUnderTheTrailersDigest) {
  const std::string content = RandomContent((5 << 20) + 7, 1);
  const std::string hex = Sha256::HexDigest(content);
  v1::PutTrailer trailer;
  trailer.set_sha256(hex);
  trailer.set_size(content.size());
  v1::PutResponse response;
  grpc::Status s = Send(OnePassHeader("one-pass", content.size()), content,
                        &trailer, &response);
  ASSERT_TRUE(s.ok()) << s.error_message() << "\n" << server_->log();
  EXPECT_TRUE(response.created());
  EXPECT_EQ(response.revision().sha256(), hex);
  EXPECT_EQ(response.revision().size(), content.size());
  const std::string blob =
      absl::StrCat(Blobs(), "/", hex.substr(0, 2), "/", hex);
  EXPECT_EQ(FileSha256(blob), hex);
  EXPECT_EQ(ReadFileOrDie(blob).size(), content.size());
  WaitForNoTempFiles();

  v1::GetRequest get;
  get.set_document_id("one-pass");
  std::string got;
  auto header = client_->Get(get, [&](absl::string_view chunk) {
    got.append(chunk.data(), chunk.size());
    return absl::OkStatus();
  });
  ASSERT_TRUE(header.ok()) << header.status();
  EXPECT_TRUE(got == content) << "get returned other bytes";
}

TEST_F(OnePassPut, SmallContentGoesInlineAsBefore) {
  const std::string content = "small, one pass\n";
  v1::PutTrailer trailer;
  trailer.set_sha256(Sha256::HexDigest(content));
  trailer.set_size(content.size());
  const std::set<std::string> before = BlobFiles();
  v1::PutResponse response;
  grpc::Status s = Send(OnePassHeader("one-pass-small", content.size()),
                        content, &trailer, &response);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(response.revision().sha256(), trailer.sha256());
  EXPECT_EQ(BlobFiles(), before) << "a small content is kept inline";
}

TEST_F(OnePassPut, WrongTrailerDigestIsRefusedNamingBothAndStoresNothing) {
  const std::string content = RandomContent(3 << 20, 2);
  const std::string actual = Sha256::HexDigest(content);
  const std::string claimed = Sha256::HexDigest("something else");
  v1::PutTrailer trailer;
  trailer.set_sha256(claimed);
  trailer.set_size(content.size());
  const std::set<std::string> before = BlobFiles();
  grpc::Status s =
      Send(OnePassHeader("lying-digest", content.size()), content, &trailer);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
      << s.error_message();
  EXPECT_TRUE(absl::StrContains(s.error_message(), actual))
      << s.error_message();
  EXPECT_TRUE(absl::StrContains(s.error_message(), claimed))
      << s.error_message();
  EXPECT_EQ(RichStatusOf(s).detail.field(), "trailer.sha256");
  ExpectNothingStored("lying-digest", before);
}

TEST_F(OnePassPut, StreamEndingWithoutTheTrailerStoresNothing) {
  const std::string content = RandomContent(3 << 20, 3);
  const std::set<std::string> before = BlobFiles();
  grpc::Status s =
      Send(OnePassHeader("no-trailer", content.size()), content, nullptr);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
      << s.error_message();
  EXPECT_TRUE(absl::StrContains(s.error_message(), "trailer"))
      << s.error_message();
  ExpectNothingStored("no-trailer", before);
}

TEST_F(OnePassPut, TrailerOrContentOfAnotherSizeIsRefused) {
  const std::string content = RandomContent(3 << 20, 4);
  const std::set<std::string> before = BlobFiles();
  v1::PutTrailer trailer;
  trailer.set_sha256(Sha256::HexDigest(content));
  // The trailer says otherwise than the header and the bytes.
  trailer.set_size(content.size() - 1);
  grpc::Status s =
      Send(OnePassHeader("size-lie", content.size()), content, &trailer);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
      << s.error_message();
  EXPECT_EQ(RichStatusOf(s).detail.field(), "trailer.size")
      << s.error_message();
  // Fewer bytes than the header and the trailer promised.
  const std::string shorter = content.substr(0, content.size() - 10);
  trailer.set_size(content.size());
  trailer.set_sha256(Sha256::HexDigest(shorter));
  s = Send(OnePassHeader("size-lie", content.size()), shorter, &trailer);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
      << s.error_message();
  EXPECT_EQ(RichStatusOf(s).detail.field(), "trailer.size")
      << s.error_message();
  ExpectNothingStored("size-lie", before);
}

TEST_F(OnePassPut, TrailerRulesAreKept) {
  const std::string content = RandomContent(2 << 20, 5);
  const std::set<std::string> before = BlobFiles();
  v1::PutTrailer trailer;
  trailer.set_sha256(Sha256::HexDigest(content));
  trailer.set_size(content.size());
  // A digest in the header too.
  v1::PutHeader both = OnePassHeader("rules", content.size());
  both.set_sha256(trailer.sha256());
  grpc::Status s = Send(both, content, &trailer);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(RichStatusOf(s).detail.field(), "header.sha256")
      << s.error_message();
  // A trailer ending an old-style put.
  v1::PutHeader old_style = OnePassHeader("rules", content.size());
  old_style.clear_digest_in_trailer();
  old_style.set_sha256(trailer.sha256());
  s = Send(old_style, content, &trailer);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(RichStatusOf(s).detail.field(), "trailer") << s.error_message();
  ExpectNothingStored("rules", before);
}

TEST_F(OnePassPut, ClientGoneMidStreamStoresNothing) {
  const std::string content = RandomContent(4 << 20, 6);
  const std::set<std::string> before = BlobFiles();
  grpc::ClientContext ctx;
  v1::PutResponse response;
  auto stream = stub_->Put(&ctx, &response);
  v1::PutRequest r;
  *r.mutable_header() = OnePassHeader("gone", content.size());
  ASSERT_TRUE(stream->Write(r));
  r.set_chunk(content.substr(0, 1 << 20));
  ASSERT_TRUE(stream->Write(r));
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (FilesUnder(Blobs() + "/tmp").empty()) {
    ASSERT_LT(std::chrono::steady_clock::now(), deadline)
        << "the server never started the temp blob";
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  ctx.TryCancel();
  grpc::Status s = stream->Finish();
  EXPECT_EQ(s.error_code(), grpc::StatusCode::CANCELLED) << s.error_message();
  ExpectNothingStored("gone", before);
}

TEST_F(OnePassPut, ArchivectlKilledMidPutLeavesAllOrNothing) {
  TempDir dir;
  const std::string path = dir.path() + "/big.bin";
  const std::string hex = WriteRandomFile(path, 256ull << 20, 77);
  const std::set<std::string> before = BlobFiles();
  // env execs archivectl in its own place, so the kill reaches it.
  ProcessResult r = RunKilledAfter(
      {"/usr/bin/env", "XDG_CONFIG_HOME=" + dir.path(), ArchivectlPath(),
       "--server", server_->address(), "put", path, "--id", "killed",
       "--media-type", "application/octet-stream"},
      absl::Milliseconds(300));
  WaitForNoTempFiles();
  v1::HistoryRequest h;
  h.set_document_id("killed");
  auto history = client_->History(h);
  if (history.ok()) {
    // The put was acknowledged before the kill: then it is all there.
    ASSERT_EQ(history->revisions_size(), 1);
    EXPECT_EQ(history->revisions(0).sha256(), hex);
  } else {
    EXPECT_TRUE(absl::IsNotFound(history.status())) << history.status();
    EXPECT_EQ(BlobFiles(), before) << Describe(r);
  }
}

TEST_F(OnePassPut, OldStylePutWithTheDigestInTheHeaderStillWorks) {
  const std::string content = RandomContent((2 << 20) + 3, 7);
  v1::PutHeader header = OnePassHeader("old-style", content.size());
  header.clear_digest_in_trailer();
  header.set_sha256(Sha256::HexDigest(content));
  v1::PutResponse response;
  grpc::Status s = Send(header, content, nullptr, &response);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(response.revision().sha256(), header.sha256());
  // And a wrong header digest keeps its DATA_LOSS.
  header.set_document_id("old-style-wrong");
  header.set_sha256(Sha256::HexDigest("other"));
  s = Send(header, content, nullptr);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::DATA_LOSS) << s.error_message();
}

TEST_F(OnePassPut, ClientLibraryPutsALargeFileInOnePass) {
  TempDir dir;
  const std::string path = dir.path() + "/large.bin";
  const std::string hex = WriteRandomFile(path, (9ull << 20) + 11, 99);
  v1::PutHeader header = HeaderFor("library", "");
  header.clear_sha256();
  header.clear_size();
  header.mutable_metadata()->set_media_type("application/octet-stream");
  v1::PutHeader sent;
  auto reply = client_->PutFile(path, header, nullptr, nullptr, &sent);
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_TRUE(sent.digest_in_trailer());
  EXPECT_EQ(sent.sha256(), hex);
  EXPECT_EQ(reply->revision().sha256(), hex);
  // A small file goes the old way (digest in the header).
  const std::string small = dir.path() + "/small.txt";
  WriteFileOrDie(small, "a small file\n");
  header.set_document_id("library-small");
  reply = client_->PutFile(small, header, nullptr, nullptr, &sent);
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_FALSE(sent.digest_in_trailer());
  EXPECT_EQ(sent.sha256(), Sha256::HexDigest("a small file\n"));
}

TEST_F(OnePassPut, LargeTextFileIsStillGuessedAsText) {
  // Valid UTF-8 to the end of the first chunk: the guess needs the whole
  // file, so archivectl reads it twice, as before.
  TempDir dir;
  const std::string path = dir.path() + "/text.txt";
  std::string text;
  while (text.size() < (3 << 20)) text += "第一条 为了规范行政行为。\n";
  WriteFileOrDie(path, text);
  Cli cli(server_->address());
  ProcessResult put = cli.Run({"put", path, "--id", "big-text", "--json"});
  ASSERT_EQ(put.exit_code, 0) << Describe(put);
  Json j = ParseJson(put);
  EXPECT_EQ(j["revision"].value("sha256", ""), Sha256::HexDigest(text));
  EXPECT_EQ(j["revision"].value("media_type", ""), "text/plain; charset=utf-8");
}

TEST_F(OnePassPut, ArchivectlPutAndGetAreByteExact) {
  TempDir dir;
  const std::string path = dir.path() + "/doc.bin";
  const std::string out = dir.path() + "/doc.out";
  const std::string hex = WriteRandomFile(path, (17ull << 20) + 5, 5);
  Cli cli(server_->address());
  // No --media-type: guessed from the first chunk (not UTF-8).
  ProcessResult put = cli.Run({"put", path, "--id", "cli-one-pass", "--json"});
  ASSERT_EQ(put.exit_code, 0) << Describe(put);
  Json j = ParseJson(put);
  EXPECT_EQ(j["revision"].value("sha256", ""), hex);
  EXPECT_EQ(j["revision"].value("media_type", ""), "application/octet-stream");
  ProcessResult get = cli.Run({"get", "cli-one-pass", "-o", out});
  ASSERT_EQ(get.exit_code, 0) << Describe(get);
  EXPECT_EQ(FileSha256(out), hex);
}

// An archive from before digest_in_trailer, as far as Put goes: it requires
// the digest in the header (with the message the old archived gives) and
// checks the bytes against it.
class OldArchive : public v1::Archive::Service {
 public:
  grpc::Status Put(grpc::ServerContext*,
                   grpc::ServerReader<v1::PutRequest>* reader,
                   v1::PutResponse* response) override {
    v1::PutRequest r;
    if (!reader->Read(&r) || !r.has_header()) {
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "header");
    }
    ++puts;
    const v1::PutHeader header = r.header();
    if (header.sha256().size() != 64) {
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                          "sha256: the header must give the content's "
                          "SHA-256 as 64 lowercase hex characters");
    }
    Sha256 hasher;
    uint64_t size = 0;
    while (reader->Read(&r)) {
      hasher.Update(r.chunk());
      size += r.chunk().size();
    }
    if (ToHex(hasher.Finish()) != header.sha256() || size != header.size()) {
      return grpc::Status(grpc::StatusCode::DATA_LOSS, "mismatch");
    }
    response->mutable_revision()->set_sha256(header.sha256());
    return grpc::Status::OK;
  }
  std::atomic<int> puts{0};
};

TEST(OnePassPutFallback, AnOlderArchiveGetsThePutTheOldWay) {
  OldArchive old;
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                           &port);
  builder.RegisterService(&old);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  ASSERT_NE(server, nullptr);
  ArchiveClient client(ArchiveClient::Dial(absl::StrCat("127.0.0.1:", port)));
  TempDir dir;
  const std::string path = dir.path() + "/large.bin";
  const std::string hex = WriteRandomFile(path, (3ull << 20) + 1, 3);
  v1::PutHeader header = HeaderFor("fallback", "");
  header.clear_sha256();
  header.clear_size();
  header.mutable_metadata()->set_media_type("application/octet-stream");
  v1::PutHeader sent;
  auto reply = client.PutFile(path, header, nullptr, nullptr, &sent);
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_EQ(old.puts.load(), 2) << "one refused one-pass put, then the old way";
  EXPECT_FALSE(sent.digest_in_trailer());
  EXPECT_EQ(sent.sha256(), hex);
  EXPECT_EQ(reply->revision().sha256(), hex);
  server->Shutdown();
}

TEST(OnePassPutFallback, ASmallMessageLimitStillTakesArchivectlPuts) {
  TestServer::Options options;
  options.extra_flags = {"--max_message_bytes=524288"};
  auto server = TestServer::Start(options);
  ASSERT_TRUE(server->running());
  TempDir dir;
  const std::string path = dir.path() + "/large.bin";
  const std::string hex = WriteRandomFile(path, 3ull << 20, 4);
  Cli cli(server->address());
  ProcessResult put = cli.Run({"put", path, "--id", "small-limit", "--json"});
  ASSERT_EQ(put.exit_code, 0) << Describe(put) << server->log();
  EXPECT_EQ(ParseJson(put)["revision"].value("sha256", ""), hex);
  // archivectl's 1 MiB chunks were refused, naming the limit, and the put was
  // sent again in chunks of it: two requests, not a failure.
  const std::string log = server->log();
  EXPECT_TRUE(
      absl::StrContains(log, "doc=small-limit status=RESOURCE_EXHAUSTED"))
      << log;
  EXPECT_TRUE(absl::StrContains(log, "doc=small-limit status=OK")) << log;
}

}  // namespace
}  // namespace archive::testing
