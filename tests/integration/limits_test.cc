// Limits (issue 5): each limit exceeded, with the status code the server gives
// and a message naming the limit; nothing is stored (log size, documents,
// history and blob store unchanged, no temp file left); the server takes a good
// put afterwards. Limits the product does not have yet are DISABLED_ tests
// written as the product should behave.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "archive/v1/archive.grpc.pb.h"
#include "clients/archive_client.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "nlohmann/json.hpp"
#include "storage/sha256.h"
#include "tests/integration/test_harness.h"

namespace archive::testing {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;
using std::chrono::steady_clock;

constexpr char kBaseDoc[] = "gx-2021-limits-1";
constexpr char kBaseText[] = "关于严格控制文件篇幅的通知\n";

v1::PutHeader HeaderFor(const std::string& doc, const std::string& content) {
  v1::PutHeader h;
  h.set_document_id(doc);
  h.set_sha256(Sha256::HexDigest(content));
  h.set_size(content.size());
  h.mutable_metadata()->set_media_type("text/plain; charset=utf-8");
  h.mutable_metadata()->set_status("in_force");
  return h;
}

std::set<std::string> FilesUnder(const std::string& dir) {
  std::set<std::string> files;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec);
       it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) break;
    if (it->is_regular_file())
      files.insert(fs::relative(it->path(), dir).string());
  }
  return files;
}

// A channel with its own TCP connection (channels to one target otherwise
// share a connection through gRPC's global subchannel pool).
std::shared_ptr<grpc::Channel> OwnConnection(const std::string& address) {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  args.SetMaxReceiveMessageSize(64 << 20);
  args.SetMaxSendMessageSize(64 << 20);
  return grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(),
                                   args);
}

bool Healthy(const std::shared_ptr<grpc::Channel>& channel) {
  auto stub = grpc::health::v1::Health::NewStub(channel);
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  grpc::health::v1::HealthCheckRequest req;
  grpc::health::v1::HealthCheckResponse resp;
  return stub->Check(&ctx, req, &resp).ok() &&
         resp.status() == grpc::health::v1::HealthCheckResponse::SERVING;
}

struct Snapshot {
  uint64_t tree_size = 0;
  std::vector<std::string> documents;
  std::vector<std::string> base_history;
  std::set<std::string> blobs;
  bool operator==(const Snapshot& o) const {
    return tree_size == o.tree_size && documents == o.documents &&
           base_history == o.base_history && blobs == o.blobs;
  }
};

std::ostream& operator<<(std::ostream& os, const Snapshot& s) {
  return os << "tree_size " << s.tree_size << ", documents ["
            << absl::StrJoin(s.documents, "; ") << "], history of " << kBaseDoc
            << " [" << absl::StrJoin(s.base_history, " ") << "], blobs ["
            << absl::StrJoin(s.blobs, " ") << "]";
}

class Limits : public ::testing::Test {
 protected:
  // Starts archived with `flags` and puts the base document. Blobs are files
  // (not inline in the metadata store), so a snapshot can list them and a
  // put's temp file shows that its header was read.
  void Start(const std::vector<std::string>& flags) {
    TestServer::Options options;
    options.extra_flags = flags;
    options.extra_flags.push_back("--inline_blob_max_bytes=0");
    server_ = TestServer::Start(options);
    ASSERT_TRUE(server_->running());
    cli_ = std::make_unique<Cli>(server_->address());
    channel_ = OwnConnection(server_->address());
    client_ = std::make_unique<ArchiveClient>(channel_);
    stub_ = v1::Archive::NewStub(channel_);
    auto put = client_->PutBytes(kBaseText, HeaderFor(kBaseDoc, kBaseText));
    ASSERT_TRUE(put.ok()) << put.status();
    base_rev_ = put->revision_id();
    before_ = Take();
    ASSERT_EQ(before_.tree_size, 1u);
  }

  Snapshot Take() {
    Snapshot s;
    auto cp = client_->GetCheckpoint();
    EXPECT_TRUE(cp.ok()) << cp.status();
    if (cp.ok()) s.tree_size = cp->tree_size();
    v1::ListRequest list;
    do {
      auto docs = client_->List(list);
      EXPECT_TRUE(docs.ok()) << docs.status();
      if (!docs.ok()) break;
      for (const v1::DocumentSummary& d : docs->documents()) {
        s.documents.push_back(absl::StrCat(d.document_id(), " ",
                                           absl::StrJoin(d.heads(), ","), " ",
                                           d.revision_count()));
      }
      list.set_page_token(docs->next_page_token());
    } while (!list.page_token().empty());
    v1::HistoryRequest history;
    history.set_document_id(kBaseDoc);
    auto h = client_->History(history);
    EXPECT_TRUE(h.ok()) << h.status();
    if (h.ok()) {
      for (const v1::Revision& r : h->revisions())
        s.base_history.push_back(r.revision_id());
    }
    for (const std::string& f : FilesUnder(server_->data_dir() + "/blobs")) {
      if (!absl::StartsWith(f, "tmp/")) s.blobs.insert(f);
    }
    return s;
  }

  // Nothing changed since Start(), no temp file is left, and the server still
  // takes a good put and serves it back.
  void ExpectNothingStoredAndStillServing() {
    EXPECT_EQ(Take(), before_) << "something was stored";
    EXPECT_EQ(FilesUnder(server_->data_dir() + "/blobs/tmp"),
              std::set<std::string>{})
        << "a temp file was left";
    ASSERT_TRUE(server_->running());
    EXPECT_TRUE(Healthy(OwnConnection(server_->address())));
    std::string text = absl::StrCat(
        "still serving after ",
        ::testing::UnitTest::GetInstance()->current_test_info()->name(), "\n");
    auto put = client_->PutBytes(text, HeaderFor("good-after-limit", text));
    ASSERT_TRUE(put.ok()) << "a good put failed: " << put.status();
    v1::GetRequest get;
    get.set_document_id("good-after-limit");
    std::string got;
    auto header = client_->Get(get, [&](absl::string_view chunk) {
      got.append(chunk.data(), chunk.size());
      return absl::OkStatus();
    });
    ASSERT_TRUE(header.ok()) << header.status();
    EXPECT_EQ(got, text);
  }

  void ExpectStatus(const absl::Status& s, absl::StatusCode code,
                    const std::vector<std::string>& words) {
    EXPECT_EQ(s.code(), code) << s;
    for (const std::string& w : words) {
      EXPECT_TRUE(absl::StrContains(s.message(), w))
          << "message should mention \"" << w << "\": " << s;
    }
  }

  void ExpectCliRefused(const std::vector<std::string>& args,
                        const std::vector<std::string>& words) {
    ProcessResult r = cli_->Run(args);
    EXPECT_EQ(r.exit_code, 1) << Describe(r);
    for (const std::string& w : words) {
      EXPECT_TRUE(absl::StrContains(r.err, w))
          << "stderr should mention \"" << w << "\": " << Describe(r);
    }
  }

  std::string File(const std::string& content) {
    std::string path = absl::StrCat(dir_.path(), "/file", ++files_);
    WriteFileOrDie(path, content);
    return path;
  }

  // A put through the raw stub: the header, then `chunks` as they are.
  grpc::Status RawPut(const v1::PutHeader& header,
                      const std::vector<std::string>& chunks,
                      v1::PutResponse* response) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() +
                     std::chrono::seconds(30));
    auto writer = stub_->Put(&ctx, response);
    v1::PutRequest request;
    *request.mutable_header() = header;
    bool open = writer->Write(request);
    for (const std::string& chunk : chunks) {
      if (!open) break;
      request.set_chunk(chunk);
      open = writer->Write(request);
    }
    writer->WritesDone();
    return writer->Finish();
  }

  TempDir dir_;
  std::unique_ptr<TestServer> server_;
  std::unique_ptr<Cli> cli_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<ArchiveClient> client_;
  std::unique_ptr<v1::Archive::Stub> stub_;
  std::string base_rev_;
  Snapshot before_;
  int files_ = 0;
};

absl::Status ToAbsl(const grpc::Status& s) { return FromGrpc(s); }

TEST_F(Limits, DocumentBytes) {
  ASSERT_NO_FATAL_FAILURE(Start({"--max_document_bytes=1000"}));
  std::string big(1001, 'D');
  auto put = client_->PutBytes(big, HeaderFor("too-big", big));
  ExpectStatus(put.status(), absl::StatusCode::kResourceExhausted,
               {"1001", "1000", "--max_document_bytes"});
  ExpectCliRefused({"put", File(std::string(5000, 'D')), "--id", "too-big"},
                   {"5000", "max_document_bytes"});
  // A header that understates the size is caught when the bytes exceed it.
  v1::PutResponse response;
  v1::PutHeader lying = HeaderFor("too-big", big);
  lying.set_size(1000);
  ExpectStatus(ToAbsl(RawPut(lying, {big}, &response)),
               absl::StatusCode::kInvalidArgument, {"size", "1000"});
  ExpectNothingStoredAndStillServing();
  // The limit itself is allowed.
  std::string exact(1000, 'E');
  auto ok = client_->PutBytes(exact, HeaderFor("exactly-the-limit", exact));
  EXPECT_TRUE(ok.ok()) << ok.status();
}

TEST_F(Limits, MessageBytes) {
  constexpr int kLimit = 64 << 10;
  ASSERT_NO_FATAL_FAILURE(
      Start({absl::StrCat("--max_message_bytes=", kLimit)}));
  std::string content(100000, 'M');
  v1::PutResponse response;
  grpc::Status s =
      RawPut(HeaderFor("big-chunk", content), {content}, &response);
  ExpectStatus(ToAbsl(s), absl::StatusCode::kResourceExhausted,
               {absl::StrCat(kLimit)});
  // A unary request over the limit too.
  v1::HistoryRequest history;
  history.set_document_id(std::string(kLimit + 1, 'h'));
  auto h = client_->History(history);
  ExpectStatus(h.status(), absl::StatusCode::kResourceExhausted,
               {absl::StrCat(kLimit)});
  ExpectNothingStoredAndStillServing();
  // The same document in chunks that fit is fine: the limit is per message.
  std::vector<std::string> chunks;
  for (size_t at = 0; at < content.size(); at += 32 << 10) {
    chunks.push_back(content.substr(at, 32 << 10));
  }
  v1::PutResponse good;
  grpc::Status ok = RawPut(HeaderFor("big-chunk", content), chunks, &good);
  EXPECT_TRUE(ok.ok()) << ok.error_message();
}

TEST_F(Limits, Parents) {
  ASSERT_NO_FATAL_FAILURE(Start({"--max_parents=2"}));
  const std::string fake1(64, 'a'), fake2(64, 'b');
  std::string v2 = std::string(kBaseText) + "修订\n";
  ExpectCliRefused({"put", File(v2), "--id", kBaseDoc, "--parent", base_rev_,
                    "--parent", fake1, "--parent", fake2},
                   {"3 parents", "at most 2", "max_parents"});
  v1::PutHeader header = HeaderFor(kBaseDoc, v2);
  for (int i = 0; i < 100; ++i) {
    header.add_expected_parents(Sha256::HexDigest(absl::StrCat(i)));
  }
  auto put = client_->PutBytes(v2, header);
  ExpectStatus(put.status(), absl::StatusCode::kResourceExhausted,
               {"100 parents", "--max_parents"});
  ExpectNothingStoredAndStillServing();
  // One parent (the head) is within the limit.
  ProcessResult ok =
      cli_->Run({"put", File(v2), "--id", kBaseDoc, "--parent", base_rev_});
  EXPECT_EQ(ok.exit_code, 0) << Describe(ok);
}

TEST_F(Limits, MetadataValueLength) {
  ASSERT_NO_FATAL_FAILURE(Start({}));
  const std::string long_value(5000, 't');
  std::string content = "篇幅\n";
  for (const std::string field :
       {"title", "issuer", "number", "source", "note"}) {
    SCOPED_TRACE(field);
    v1::PutHeader header = HeaderFor("long-metadata", content);
    v1::Metadata* m = header.mutable_metadata();
    if (field == "title") m->set_title(long_value);
    if (field == "issuer") m->set_issuer(long_value);
    if (field == "number") m->set_number(long_value);
    if (field == "source") m->set_source(long_value);
    if (field == "note") m->set_note(long_value);
    auto put = client_->PutBytes(content, header);
    ExpectStatus(put.status(), absl::StatusCode::kInvalidArgument,
                 {field, "4096", "5000"});
    EXPECT_TRUE(absl::StartsWith(put.status().message(), field))
        << put.status();
  }
  ExpectCliRefused(
      {"put", File(content), "--id", "long-metadata", "--title", long_value},
      {"title", "4096"});
  // A long document id.
  auto put = client_->PutBytes(content, HeaderFor(long_value, content));
  EXPECT_EQ(put.status().code(), absl::StatusCode::kInvalidArgument)
      << put.status();
  ExpectNothingStoredAndStillServing();
  // 4096 bytes is allowed.
  v1::PutHeader header = HeaderFor("long-metadata", content);
  header.mutable_metadata()->set_title(std::string(4096, 't'));
  auto ok = client_->PutBytes(content, header);
  EXPECT_TRUE(ok.ok()) << ok.status();
}

TEST_F(Limits, PageSize) {
  ASSERT_NO_FATAL_FAILURE(Start({"--max_page_size=5"}));
  // 12 revisions of the base document (with the first), 8 documents in all.
  for (int i = 2; i <= 12; ++i) {
    std::string text = absl::StrCat(kBaseText, "第", i, "版\n");
    auto put = client_->PutBytes(text, HeaderFor(kBaseDoc, text));
    ASSERT_TRUE(put.ok()) << put.status();
  }
  for (int i = 1; i <= 7; ++i) {
    std::string text = absl::StrCat("文件", i, "\n");
    auto put =
        client_->PutBytes(text, HeaderFor(absl::StrCat("doc-", i), text));
    ASSERT_TRUE(put.ok()) << put.status();
  }

  for (uint32_t page_size : {0u, 5u, 6u, 1000u, 4294967295u}) {
    SCOPED_TRACE(absl::StrCat("page_size ", page_size));
    v1::HistoryRequest history;
    history.set_document_id(kBaseDoc);
    history.set_page_size(page_size);
    std::set<std::string> revisions;
    int pages = 0;
    do {
      auto page = client_->History(history);
      ASSERT_TRUE(page.ok()) << page.status();
      EXPECT_LE(page->revisions_size(), 5);
      EXPECT_GT(page->revisions_size(), 0);
      for (const v1::Revision& r : page->revisions()) {
        EXPECT_TRUE(revisions.insert(r.revision_id()).second)
            << "revision " << r.revision_id() << " on two pages";
      }
      history.set_page_token(page->next_page_token());
      ASSERT_LT(++pages, 20);
    } while (!history.page_token().empty());
    EXPECT_EQ(revisions.size(), 12u);
    EXPECT_EQ(pages, 3);

    v1::ListRequest list;
    list.set_page_size(page_size);
    std::set<std::string> docs;
    pages = 0;
    do {
      auto page = client_->List(list);
      ASSERT_TRUE(page.ok()) << page.status();
      EXPECT_LE(page->documents_size(), 5);
      for (const v1::DocumentSummary& d : page->documents()) {
        EXPECT_TRUE(docs.insert(d.document_id()).second);
      }
      list.set_page_token(page->next_page_token());
      ASSERT_LT(++pages, 20);
    } while (!list.page_token().empty());
    EXPECT_EQ(docs.size(), 8u);
    EXPECT_EQ(pages, 2);
  }

  // archivectl follows the pages.
  ProcessResult history = cli_->Run({"history", kBaseDoc, "--json"});
  ASSERT_EQ(history.exit_code, 0) << Describe(history);
  EXPECT_EQ(Json::parse(history.out, nullptr, false)["revisions"].size(), 12u);
  ProcessResult ls = cli_->Run({"ls", "--json"});
  ASSERT_EQ(ls.exit_code, 0) << Describe(ls);
  EXPECT_EQ(Json::parse(ls.out, nullptr, false).size(), 8u);
}

// A Put stream held open after its header: the server keeps a reactor and a
// temp blob for it until the client ends it.
struct OpenPut {
  grpc::ClientContext ctx;
  v1::PutResponse response;
  std::unique_ptr<grpc::ClientWriter<v1::PutRequest>> writer;
  std::string content;
};

std::unique_ptr<OpenPut> StartPut(v1::Archive::Stub& stub,
                                  const std::string& doc,
                                  std::chrono::seconds deadline) {
  auto put = std::make_unique<OpenPut>();
  put->content = absl::StrCat("held open: ", doc, "\n");
  put->ctx.set_deadline(std::chrono::system_clock::now() + deadline);
  put->writer = stub.Put(&put->ctx, &put->response);
  v1::PutRequest request;
  *request.mutable_header() = HeaderFor(doc, put->content);
  put->writer->Write(request);
  return put;
}

grpc::Status FinishPut(OpenPut& put) {
  v1::PutRequest request;
  request.set_chunk(put.content);
  put.writer->Write(request);
  put.writer->WritesDone();
  return put.writer->Finish();
}

// HTTP/2 MAX_CONCURRENT_STREAMS per connection: with 2 streams open, a third on
// the same connection cannot start until one ends; gRPC's client queues it, so
// it fails at its deadline. Other connections are served meanwhile.
TEST_F(Limits, ConcurrentStreamsPerConnection) {
  ASSERT_NO_FATAL_FAILURE(Start({"--max_concurrent_streams=2"}));
  auto first = StartPut(*stub_, "open-1", std::chrono::seconds(60));
  auto second = StartPut(*stub_, "open-2", std::chrono::seconds(60));
  // Both reached the server (their headers were read) before the third try.
  auto deadline = steady_clock::now() + std::chrono::seconds(20);
  while (FilesUnder(server_->data_dir() + "/blobs/tmp").size() < 2) {
    ASSERT_LT(steady_clock::now(), deadline) << "the puts never started";
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }

  // A third stream (a Get, then a Put) on the same connection.
  auto start = steady_clock::now();
  {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() +
                     std::chrono::seconds(2));
    v1::GetRequest get;
    get.set_document_id(kBaseDoc);
    auto reader = stub_->Get(&ctx, get);
    v1::GetResponse message;
    int messages = 0;
    while (reader->Read(&message)) ++messages;
    grpc::Status s = reader->Finish();
    EXPECT_EQ(s.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED)
        << s.error_message() << " after " << messages << " messages";
    EXPECT_EQ(messages, 0);
  }
  auto third = StartPut(*stub_, "open-3", std::chrono::seconds(2));
  grpc::Status third_status = FinishPut(*third);
  EXPECT_EQ(third_status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED)
      << third_status.error_message();
  EXPECT_LT(steady_clock::now() - start, std::chrono::seconds(15))
      << "the queued calls were not bounded by their deadlines";

  // Another connection is served at once, and the server is healthy.
  {
    auto other = OwnConnection(server_->address());
    EXPECT_TRUE(Healthy(other));
    ArchiveClient client(other);
    auto cp = client.GetCheckpoint();
    ASSERT_TRUE(cp.ok()) << cp.status();
    EXPECT_EQ(cp->tree_size(), 1u);
  }

  // The two open puts complete; then the connection takes new calls again.
  grpc::Status s1 = FinishPut(*first);
  grpc::Status s2 = FinishPut(*second);
  EXPECT_TRUE(s1.ok()) << s1.error_message();
  EXPECT_TRUE(s2.ok()) << s2.error_message();
  auto cp = client_->GetCheckpoint();
  ASSERT_TRUE(cp.ok()) << cp.status();
  EXPECT_EQ(cp->tree_size(), 3u) << "open-3 must not have been stored";
  v1::HistoryRequest history;
  history.set_document_id("open-3");
  EXPECT_EQ(client_->History(history).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_TRUE(Healthy(channel_));
}

// MISSING IN THE PRODUCT: the issue asks for a "deadline for an idle stream".
// archived has no such flag: a Put whose client sends its header and then
// nothing keeps its reactor and temp blob until the client goes away. This is
// how it should behave: ended by the server with DEADLINE_EXCEEDED naming the
// flag, its temp blob removed, nothing stored.
TEST_F(Limits, DISABLED_IdleStreamIsEndedByTheServer) {
  ASSERT_NO_FATAL_FAILURE(Start({"--idle_stream_seconds=2"}));
  auto start = steady_clock::now();
  auto idle = StartPut(*stub_, "idle", std::chrono::seconds(60));
  // The server ends the stream; the client just waits for its status.
  grpc::Status s = idle->writer->Finish();
  EXPECT_EQ(s.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED)
      << s.error_message();
  EXPECT_TRUE(absl::StrContains(s.error_message(), "idle_stream_seconds"))
      << s.error_message();
  EXPECT_LT(steady_clock::now() - start, std::chrono::seconds(10));
  ExpectNothingStoredAndStillServing();
}

// MISSING IN THE PRODUCT: the issue asks for a limit on "concurrent streams per
// client"; --max_concurrent_streams is HTTP/2's per-connection setting, so one
// client opening more connections gets more streams. This is how a per-client
// (per authenticated identity, or per peer address) limit should behave: the
// stream over the limit is refused with RESOURCE_EXHAUSTED naming the flag.
TEST_F(Limits, DISABLED_ConcurrentStreamsPerClientAcrossConnections) {
  ASSERT_NO_FATAL_FAILURE(Start({"--max_streams_per_client=2"}));
  std::vector<std::unique_ptr<v1::Archive::Stub>> stubs;
  std::vector<std::unique_ptr<OpenPut>> puts;
  for (int i = 0; i < 2; ++i) {
    stubs.push_back(v1::Archive::NewStub(OwnConnection(server_->address())));
    puts.push_back(StartPut(*stubs.back(), absl::StrCat("open-", i),
                            std::chrono::seconds(60)));
  }
  auto third = v1::Archive::NewStub(OwnConnection(server_->address()));
  auto over = StartPut(*third, "over", std::chrono::seconds(10));
  grpc::Status s = FinishPut(*over);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED)
      << s.error_message();
  EXPECT_TRUE(absl::StrContains(s.error_message(), "max_streams_per_client"))
      << s.error_message();
  for (auto& put : puts) EXPECT_TRUE(FinishPut(*put).ok());
}

// The metadata value length is a flag (at most the statement format's 4096).
TEST_F(Limits, MetadataValueLengthIsAFlag) {
  ASSERT_NO_FATAL_FAILURE(Start({"--max_metadata_value_bytes=100"}));
  std::string content = "篇幅\n";
  v1::PutHeader header = HeaderFor("long-title", content);
  header.mutable_metadata()->set_title(std::string(101, 't'));
  auto put = client_->PutBytes(content, header);
  ExpectStatus(put.status(), absl::StatusCode::kInvalidArgument,
               {"title", "100", "--max_metadata_value_bytes"});
  ExpectNothingStoredAndStillServing();
}

}  // namespace
}  // namespace archive::testing
