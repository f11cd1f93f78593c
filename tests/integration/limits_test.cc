// Limits (issue 5): each limit exceeded, with the status code the server gives
// and a message naming the limit; nothing is stored (log size, documents,
// history and blob store unchanged, no temp file left); the server takes a good
// put afterwards.
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
#include "absl/strings/str_split.h"
#include "archive/v1/archive.grpc.pb.h"
#include "clients/api/archive_client.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "nlohmann/json.hpp"
#include "storage/base/sha256.h"
#include "tests/integration/test_harness.h"

namespace archive::testing {
namespace {

namespace fs = std::filesystem;
using std::chrono::steady_clock;

constexpr char kLimitsBaseDoc[] = "gx-2021-limits-1";
constexpr char kLimitsBaseText[] = "关于严格控制文件篇幅的通知\n";

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

struct LimitsSnapshot {
  uint64_t tree_size = 0;
  std::vector<std::string> documents;
  std::vector<std::string> base_history;
  std::set<std::string> blobs;
  bool operator==(const LimitsSnapshot& o) const {
    return tree_size == o.tree_size && documents == o.documents &&
           base_history == o.base_history && blobs == o.blobs;
  }
};

std::ostream& operator<<(std::ostream& os, const LimitsSnapshot& s) {
  return os << "tree_size " << s.tree_size << ", documents ["
            << absl::StrJoin(s.documents, "; ") << "], history of "
            << kLimitsBaseDoc << " [" << absl::StrJoin(s.base_history, " ")
            << "], blobs [" << absl::StrJoin(s.blobs, " ") << "]";
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
    auto put = client_->PutBytes(kLimitsBaseText,
                                 HeaderFor(kLimitsBaseDoc, kLimitsBaseText));
    ASSERT_TRUE(put.ok()) << put.status();
    base_rev_ = put->revision_id();
    before_ = Take();
    ASSERT_EQ(before_.tree_size, 1u);
  }

  LimitsSnapshot Take() {
    LimitsSnapshot s;
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
    history.set_document_id(kLimitsBaseDoc);
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
  LimitsSnapshot before_;
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
  // The chunk's message names the flag (the transport admits up to twice the
  // limit, so the service sees the chunk and says which limit it broke).
  ExpectStatus(ToAbsl(s), absl::StatusCode::kResourceExhausted,
               {"--max_message_bytes"});
  // A unary request far over the limit is refused by the transport itself.
  v1::HistoryRequest history;
  history.set_document_id(std::string(3 * kLimit, 'h'));
  auto h = client_->History(history);
  EXPECT_EQ(h.status().code(), absl::StatusCode::kResourceExhausted)
      << h.status();
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
  std::string v2 = std::string(kLimitsBaseText) + "修订\n";
  ExpectCliRefused({"put", File(v2), "--id", kLimitsBaseDoc, "--parent",
                    base_rev_, "--parent", fake1, "--parent", fake2},
                   {"3 parents", "at most 2", "max_parents"});
  v1::PutHeader header = HeaderFor(kLimitsBaseDoc, v2);
  for (int i = 0; i < 100; ++i) {
    header.add_expected_parents(Sha256::HexDigest(absl::StrCat(i)));
  }
  auto put = client_->PutBytes(v2, header);
  ExpectStatus(put.status(), absl::StatusCode::kResourceExhausted,
               {"100 parents", "--max_parents"});
  ExpectNothingStoredAndStillServing();
  // One parent (the head) is within the limit.
  ProcessResult ok = cli_->Run(
      {"put", File(v2), "--id", kLimitsBaseDoc, "--parent", base_rev_});
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
    std::string text = absl::StrCat(kLimitsBaseText, "第", i, "版\n");
    auto put = client_->PutBytes(text, HeaderFor(kLimitsBaseDoc, text));
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
    history.set_document_id(kLimitsBaseDoc);
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
  ProcessResult history = cli_->Run({"history", kLimitsBaseDoc, "--json"});
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
    get.set_document_id(kLimitsBaseDoc);
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

// Lines of the server's request log (the audit trail) for `method` that
// contain every one of `words`.
int LogLines(const TestServer& server, const std::string& method,
             const std::vector<std::string>& words) {
  int n = 0;
  for (absl::string_view line : absl::StrSplit(server.log(), '\n')) {
    if (!absl::StrContains(line, absl::StrCat(" ", method, " id="))) continue;
    bool all = true;
    for (const std::string& w : words) all = all && absl::StrContains(line, w);
    if (all) ++n;
  }
  return n;
}

// Waits (at most 20 s) for a request log line as LogLines() counts them. The
// server writes it once the call is cleaned up, which may be a moment after
// the client has seen the call end.
bool LogLineAppears(const TestServer& server, const std::string& method,
                    const std::vector<std::string>& words) {
  auto deadline = steady_clock::now() + std::chrono::seconds(20);
  while (LogLines(server, method, words) == 0) {
    if (steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

// --idle_stream_seconds: a Put whose client sends its header and then nothing
// is ended by the server with DEADLINE_EXCEEDED naming the flag, its temp blob
// removed, nothing stored, and the refusal logged.
TEST_F(Limits, IdlePutIsEndedByTheServer) {
  ASSERT_NO_FATAL_FAILURE(Start({"--idle_stream_seconds=2"}));
  auto start = steady_clock::now();
  auto idle = StartPut(*stub_, "idle", std::chrono::seconds(60));
  // The server ends the stream; the client just waits for its status.
  grpc::Status s = idle->writer->Finish();
  auto took = steady_clock::now() - start;
  ExpectStatus(ToAbsl(s), absl::StatusCode::kDeadlineExceeded,
               {"sent nothing", "--idle_stream_seconds=2", "stored nothing"});
  EXPECT_GE(took, std::chrono::milliseconds(1900)) << "ended before 2 s idle";
  EXPECT_LT(took, std::chrono::seconds(10));
  // The status reaches the client as the server ends the call; the put's
  // clean-up (temp blob removed, then the log line) follows.
  EXPECT_TRUE(LogLineAppears(
      *server_, "Put",
      {"doc=idle", "status=DEADLINE_EXCEEDED", "idle_stream_seconds"}))
      << server_->log();
  EXPECT_EQ(LogLines(*server_, "Put", {"doc=idle"}), 1) << server_->log();
  ExpectNothingStoredAndStillServing();
}

// Idle means no message for the whole period, not a long stream: a put that
// trickles its chunks for longer than the limit is stored.
TEST_F(Limits, SlowButSteadyPutIsNotIdle) {
  ASSERT_NO_FATAL_FAILURE(Start({"--idle_stream_seconds=1"}));
  std::string content;
  for (int i = 0; i < 6; ++i) absl::StrAppend(&content, "第", i, "段\n");
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  v1::PutResponse response;
  auto writer = stub_->Put(&ctx, &response);
  v1::PutRequest request;
  *request.mutable_header() = HeaderFor("slow", content);
  ASSERT_TRUE(writer->Write(request));
  auto start = steady_clock::now();
  for (absl::string_view line : absl::StrSplit(content, '\n')) {
    if (line.empty()) continue;
    std::this_thread::sleep_for(std::chrono::milliseconds(400));
    request.set_chunk(absl::StrCat(line, "\n"));
    ASSERT_TRUE(writer->Write(request)) << "the server ended a moving stream";
  }
  writer->WritesDone();
  grpc::Status s = writer->Finish();
  EXPECT_TRUE(s.ok()) << s.error_message();
  EXPECT_GT(steady_clock::now() - start, std::chrono::seconds(2));
  EXPECT_EQ(response.revision().size(), content.size());
}

// A Get whose client reads nothing: once the client's flow-control window is
// full the server's write waits on it, and after --idle_stream_seconds the
// server ends the call. The client, reading at last, gets the status naming
// the flag, not the whole document; other calls are served throughout.
TEST_F(Limits, GetWhoseClientReadsNothingIsEndedByTheServer) {
  ASSERT_NO_FATAL_FAILURE(Start({"--idle_stream_seconds=2"}));
  // Larger than anything loopback sockets and HTTP/2 windows buffer.
  std::string big(64 << 20, 'G');
  for (size_t i = 0; i < big.size(); i += 4096) big[i] = 'a' + (i / 4096) % 26;
  auto put = client_->PutBytes(big, HeaderFor("big", big));
  ASSERT_TRUE(put.ok()) << put.status();

  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
  v1::GetRequest get;
  get.set_document_id("big");
  auto reader = stub_->Get(&ctx, get);
  ASSERT_TRUE(
      LogLineAppears(*server_, "Get", {"doc=big", "status=DEADLINE_EXCEEDED"}))
      << "the server never ended the unread Get\n"
      << server_->log();
  EXPECT_TRUE(Healthy(OwnConnection(server_->address())));
  v1::GetResponse message;
  uint64_t bytes = 0;
  while (reader->Read(&message)) bytes += message.chunk().size();
  grpc::Status s = reader->Finish();
  ExpectStatus(ToAbsl(s), absl::StatusCode::kDeadlineExceeded,
               {"read nothing", "--idle_stream_seconds=2"});
  EXPECT_LT(bytes, big.size());
  EXPECT_EQ(
      LogLines(*server_, "Get",
               {"doc=big", "status=DEADLINE_EXCEEDED", "idle_stream_seconds"}),
      1)
      << server_->log();

  // A client that reads gets the document.
  std::string got;
  auto header = client_->Get(get, [&](absl::string_view chunk) {
    got.append(chunk.data(), chunk.size());
    return absl::OkStatus();
  });
  ASSERT_TRUE(header.ok()) << header.status();
  EXPECT_TRUE(got == big) << "got " << got.size() << " bytes";
}

// Calls Get on the base document: OK, or the status it was refused with.
absl::Status GetBase(ArchiveClient& client) {
  v1::GetRequest get;
  get.set_document_id(kLimitsBaseDoc);
  return client.Get(get, [](absl::string_view) { return absl::OkStatus(); })
      .status();
}

// The server learns of a client's cancel a moment after the client does; polls
// until a new stream is admitted.
bool AdmittedWithin(ArchiveClient& client, std::chrono::seconds limit) {
  auto deadline = steady_clock::now() + limit;
  while (steady_clock::now() < deadline) {
    absl::Status s = GetBase(client);
    if (s.ok()) return true;
    if (!absl::IsResourceExhausted(s)) {
      ADD_FAILURE() << s;
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

void WaitForTempBlobs(const TestServer& server, size_t n) {
  auto deadline = steady_clock::now() + std::chrono::seconds(20);
  while (FilesUnder(server.data_dir() + "/blobs/tmp").size() != n) {
    ASSERT_LT(steady_clock::now(), deadline)
        << "expected " << n << " temp blobs (open puts)";
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

// --max_streams_per_client: --max_concurrent_streams is HTTP/2's
// per-connection setting, so one client opening more connections would get
// more streams. Without TLS a client is its address, so every connection from
// 127.0.0.1 counts together. The stream over the limit (a Put or a Get) is
// refused with RESOURCE_EXHAUSTED naming the client, the limit and the flag,
// and logged; unary calls are not counted; cancelling the open streams
// releases them, and nothing was stored.
TEST_F(Limits, StreamsPerClientAcrossConnections) {
  ASSERT_NO_FATAL_FAILURE(Start({"--max_streams_per_client=2"}));
  std::vector<std::unique_ptr<v1::Archive::Stub>> stubs;
  std::vector<std::unique_ptr<OpenPut>> puts;
  for (int i = 0; i < 2; ++i) {
    stubs.push_back(v1::Archive::NewStub(OwnConnection(server_->address())));
    puts.push_back(StartPut(*stubs.back(), absl::StrCat("open-", i),
                            std::chrono::seconds(60)));
  }
  ASSERT_NO_FATAL_FAILURE(WaitForTempBlobs(*server_, 2));

  auto third = v1::Archive::NewStub(OwnConnection(server_->address()));
  auto over = StartPut(*third, "over", std::chrono::seconds(10));
  ExpectStatus(ToAbsl(FinishPut(*over)), absl::StatusCode::kResourceExhausted,
               {"local@127.0.0.1", "2 streaming calls open",
                "--max_streams_per_client=2"});
  ArchiveClient other(OwnConnection(server_->address()));
  ExpectStatus(GetBase(other), absl::StatusCode::kResourceExhausted,
               {"local@127.0.0.1", "--max_streams_per_client=2"});
  // Unary calls are not streams.
  auto cp = other.GetCheckpoint();
  EXPECT_TRUE(cp.ok()) << cp.status();
  v1::HistoryRequest history;
  history.set_document_id(kLimitsBaseDoc);
  EXPECT_TRUE(other.History(history).ok());
  EXPECT_TRUE(Healthy(OwnConnection(server_->address())));
  // Both refusals are in the audit trail.
  EXPECT_EQ(LogLines(*server_, "Put",
                     {"id=local", "status=RESOURCE_EXHAUSTED",
                      "max_streams_per_client"}),
            1)
      << server_->log();
  EXPECT_EQ(LogLines(*server_, "Get",
                     {"id=local", "doc=gx-2021-limits-1",
                      "status=RESOURCE_EXHAUSTED", "max_streams_per_client"}),
            1)
      << server_->log();

  for (auto& put : puts) {
    put->ctx.TryCancel();
    EXPECT_EQ(put->writer->Finish().error_code(), grpc::StatusCode::CANCELLED);
  }
  ASSERT_NO_FATAL_FAILURE(WaitForTempBlobs(*server_, 0));
  EXPECT_TRUE(AdmittedWithin(*client_, std::chrono::seconds(10)));
  ExpectNothingStoredAndStillServing();
}

// The count is released however a stream ends: ok, error, cancel, idle. With a
// limit of one stream, each next stream is admitted (at once where the server
// ended the previous one, since it releases the count before the client sees
// the end).
TEST_F(Limits, StreamCountIsReleasedWhenAStreamEnds) {
  ASSERT_NO_FATAL_FAILURE(
      Start({"--max_streams_per_client=1", "--idle_stream_seconds=2"}));
  for (int i = 0; i < 5; ++i) {
    absl::Status s = GetBase(*client_);
    EXPECT_TRUE(s.ok()) << "get " << i << ": " << s;
  }
  // Errors: a missing document, a put with a bad header.
  for (int i = 0; i < 3; ++i) {
    v1::GetRequest missing;
    missing.set_document_id("no-such-document");
    auto got = client_->Get(missing,
                            [](absl::string_view) { return absl::OkStatus(); });
    EXPECT_EQ(got.status().code(), absl::StatusCode::kNotFound) << got.status();
    v1::PutHeader bad = HeaderFor("bad", "x");
    bad.set_sha256("not-a-digest");
    v1::PutResponse response;
    EXPECT_EQ(RawPut(bad, {"x"}, &response).error_code(),
              grpc::StatusCode::INVALID_ARGUMENT);
  }
  absl::Status after_errors = GetBase(*client_);
  EXPECT_TRUE(after_errors.ok()) << after_errors;

  // Cancel.
  auto cancelled = StartPut(*stub_, "cancelled", std::chrono::seconds(60));
  ASSERT_NO_FATAL_FAILURE(WaitForTempBlobs(*server_, 1));
  cancelled->ctx.TryCancel();
  EXPECT_EQ(cancelled->writer->Finish().error_code(),
            grpc::StatusCode::CANCELLED);
  EXPECT_TRUE(AdmittedWithin(*client_, std::chrono::seconds(10)));

  // Idle.
  auto idle = StartPut(*stub_, "idle", std::chrono::seconds(60));
  EXPECT_EQ(idle->writer->Finish().error_code(),
            grpc::StatusCode::DEADLINE_EXCEEDED);
  absl::Status after_idle = GetBase(*client_);
  EXPECT_TRUE(after_idle.ok()) << after_idle;
  EXPECT_TRUE(
      LogLineAppears(*server_, "Put", {"doc=idle", "status=DEADLINE_EXCEEDED"}))
      << server_->log();

  ExpectNothingStoredAndStillServing();
}

// --- ImportRevision (archivectl import --bagit) under the stream limits ----

constexpr char kImportedDoc[] = "gx-2021-imported-1";

// A revision signed by another archive, "a.archive.example", as
// ImportRevision takes it, and the --trust flag under which this archive
// accepts that origin.
struct SignedElsewhere {
  std::unique_ptr<TestServer> origin;
  std::string note;
  std::string content;
  std::string content_path;
  std::string trust_flag;
};

void SignElsewhere(const TempDir& dir, SignedElsewhere* out) {
  TestServer::Options options;
  options.origin = "a.archive.example";
  out->origin = TestServer::Start(options);
  ASSERT_TRUE(out->origin->running());
  ArchiveClient a(OwnConnection(out->origin->address()));
  out->content = "由他馆签署、待导入的文件\n";
  auto put = a.PutBytes(out->content, HeaderFor(kImportedDoc, out->content));
  ASSERT_TRUE(put.ok()) << put.status();
  auto statement = a.GetStatement(put->revision_id());
  ASSERT_TRUE(statement.ok()) << statement.status();
  out->note = statement->signed_statement();
  out->content_path = dir.path() + "/imported-content";
  WriteFileOrDie(out->content_path, out->content);
  std::string trust = dir.path() + "/trust";
  WriteFileOrDie(trust,
                 ReadFileOrDie(out->origin->data_dir() + "/keys/verifier.key"));
  out->trust_flag = "--trust=" + trust;
}

// An ImportRevision stream held open after its header.
struct OpenImport {
  grpc::ClientContext ctx;
  v1::ImportRevisionResponse response;
  std::unique_ptr<grpc::ClientWriter<v1::ImportRevisionRequest>> writer;
};

std::unique_ptr<OpenImport> StartImport(v1::Archive::Stub& stub,
                                        const std::string& note) {
  auto import = std::make_unique<OpenImport>();
  import->ctx.set_deadline(std::chrono::system_clock::now() +
                           std::chrono::seconds(60));
  import->writer = stub.ImportRevision(&import->ctx, &import->response);
  v1::ImportRevisionRequest request;
  request.mutable_header()->set_signed_statement(note);
  import->writer->Write(request);
  return import;
}

bool Imported(ArchiveClient& client) {
  v1::HistoryRequest history;
  history.set_document_id(kImportedDoc);
  auto h = client.History(history);
  EXPECT_TRUE(h.ok() || absl::IsNotFound(h.status())) << h.status();
  return h.ok() && h->revisions_size() == 1;
}

// --idle_stream_seconds holds for imports as for puts: an import whose client
// sends its header and then nothing is ended with DEADLINE_EXCEEDED, its temp
// blob removed, nothing imported, and the end logged. The same revision then
// imports.
TEST_F(Limits, IdleImportIsEndedByTheServer) {
  SignedElsewhere signed_elsewhere;
  ASSERT_NO_FATAL_FAILURE(SignElsewhere(dir_, &signed_elsewhere));
  ASSERT_NO_FATAL_FAILURE(
      Start({"--idle_stream_seconds=1", signed_elsewhere.trust_flag}));
  auto start = steady_clock::now();
  auto idle = StartImport(*stub_, signed_elsewhere.note);
  // The header was accepted: the content's temp blob is open.
  ASSERT_NO_FATAL_FAILURE(WaitForTempBlobs(*server_, 1));
  grpc::Status s = idle->writer->Finish();
  auto took = steady_clock::now() - start;
  ExpectStatus(
      ToAbsl(s), absl::StatusCode::kDeadlineExceeded,
      {"sent nothing", "--idle_stream_seconds=1", "import stored nothing"});
  EXPECT_GE(took, std::chrono::milliseconds(900)) << "ended before 1 s idle";
  EXPECT_LT(took, std::chrono::seconds(10));
  EXPECT_TRUE(
      LogLineAppears(*server_, "ImportRevision",
                     {absl::StrCat("doc=", kImportedDoc),
                      "status=DEADLINE_EXCEEDED", "idle_stream_seconds"}))
      << server_->log();
  EXPECT_FALSE(Imported(*client_));
  ExpectNothingStoredAndStillServing();

  auto reply = client_->ImportRevision(signed_elsewhere.note,
                                       signed_elsewhere.content_path, false);
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_TRUE(reply->created());
  EXPECT_TRUE(Imported(*client_));
}

// --max_streams_per_client counts imports as it counts puts: with one stream
// allowed, an open Put makes an import refused (RESOURCE_EXHAUSTED naming the
// client, the limit and the flag; logged; nothing imported). Once the put has
// ended an import goes through, and while it is open a Get is refused.
TEST_F(Limits, StreamsPerClientCountsImports) {
  SignedElsewhere signed_elsewhere;
  ASSERT_NO_FATAL_FAILURE(SignElsewhere(dir_, &signed_elsewhere));
  ASSERT_NO_FATAL_FAILURE(
      Start({"--max_streams_per_client=1", signed_elsewhere.trust_flag}));
  auto open_put = StartPut(*stub_, "open-put", std::chrono::seconds(60));
  ASSERT_NO_FATAL_FAILURE(WaitForTempBlobs(*server_, 1));
  ArchiveClient other(OwnConnection(server_->address()));
  auto refused = other.ImportRevision(signed_elsewhere.note,
                                      signed_elsewhere.content_path, false);
  ExpectStatus(refused.status(), absl::StatusCode::kResourceExhausted,
               {"local@127.0.0.1", "1 streaming calls open",
                "--max_streams_per_client=1"});
  EXPECT_TRUE(LogLineAppears(
      *server_, "ImportRevision",
      {"id=local", "status=RESOURCE_EXHAUSTED", "max_streams_per_client"}))
      << server_->log();
  EXPECT_FALSE(Imported(*client_));

  grpc::Status put = FinishPut(*open_put);
  EXPECT_TRUE(put.ok()) << put.error_message();
  // Now the import is admitted; held open after its header (its temp blob
  // open), it is the one stream counted, so a Get is refused meanwhile.
  auto import = StartImport(*stub_, signed_elsewhere.note);
  ASSERT_NO_FATAL_FAILURE(WaitForTempBlobs(*server_, 1));
  ExpectStatus(GetBase(other), absl::StatusCode::kResourceExhausted,
               {"local@127.0.0.1", "--max_streams_per_client=1"});
  v1::ImportRevisionRequest chunk;
  chunk.set_chunk(signed_elsewhere.content);
  EXPECT_TRUE(import->writer->Write(chunk));
  import->writer->WritesDone();
  grpc::Status imported = import->writer->Finish();
  ASSERT_TRUE(imported.ok()) << imported.error_message();
  EXPECT_TRUE(import->response.created());
  EXPECT_TRUE(Imported(*client_));
  EXPECT_TRUE(AdmittedWithin(other, std::chrono::seconds(10)));
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
