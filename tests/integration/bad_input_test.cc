// Bad input, through the C++ client library (and the raw gRPC stub where even
// the library cannot express it) and through archivectl: every refusal has the
// right gRPC status and a message naming the field or problem, nothing is
// stored (history, listing, log and blob store unchanged, no temp file left),
// and the server keeps serving. Also archivectl's usage errors and --help.
#include <arpa/inet.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "archive/v1/archive.grpc.pb.h"
#include "clients/api/archive_client.h"
#include "storage/base/sha256.h"
#include "tests/integration/rich_status.h"
#include "tests/integration/test_harness.h"

namespace archive::testing {
namespace {

namespace fs = std::filesystem;

constexpr char kBaseDoc[] = "gx-2022-guizhengfa-31";
constexpr char kBaseText[] =
    "广西壮族自治区人民政府关于加强数字政府建设的实施意见\n";
const std::string kZeros(64, '0');

std::string Describe(const absl::Status& s) { return s.ToString(); }

int Lines(const std::string& s) {
  return static_cast<int>(std::count(s.begin(), s.end(), '\n'));
}

v1::PutRequest HeaderMessage(const v1::PutHeader& header) {
  v1::PutRequest r;
  *r.mutable_header() = header;
  return r;
}

v1::PutRequest ChunkMessage(const std::string& chunk) {
  v1::PutRequest r;
  r.set_chunk(chunk);
  return r;
}

// What the archive holds, as seen from outside plus the blob directory.
struct Snapshot {
  std::vector<std::string> documents;  // "id head count" per document
  std::vector<std::string> base_history;
  uint64_t tree_size = 0;
  std::set<std::string> blobs;  // excluding tmp/

  bool operator==(const Snapshot& o) const {
    return documents == o.documents && base_history == o.base_history &&
           tree_size == o.tree_size && blobs == o.blobs;
  }
};

std::ostream& operator<<(std::ostream& os, const Snapshot& s) {
  os << "tree_size " << s.tree_size << "; documents:";
  for (const std::string& d : s.documents) os << " [" << d << "]";
  os << "; history of " << kBaseDoc << ":";
  for (const std::string& r : s.base_history) os << " " << r;
  os << "; blobs:";
  for (const std::string& b : s.blobs) os << " " << b;
  return os;
}

class BadInput : public ::testing::Test {
 protected:
  // Blobs as files (not inline in the metadata store), so a snapshot can list
  // them and see that a refused put stored none. An inline content is only
  // ever written in the batch of an accepted revision
  // (tests/unit/storage/inline_blob_test.cc).
  virtual std::vector<std::string> ServerFlags() const {
    return {"--inline_blob_max_bytes=0"};
  }

  void SetUp() override {
    TestServer::Options options;
    options.extra_flags = ServerFlags();
    server_ = TestServer::Start(options);
    ASSERT_TRUE(server_->running());
    cli_ = std::make_unique<Cli>(server_->address());
    channel_ = ArchiveClient::Dial(server_->address());
    client_ = std::make_unique<ArchiveClient>(channel_);
    auto put = client_->PutBytes(kBaseText, HeaderFor(kBaseDoc, kBaseText));
    ASSERT_TRUE(put.ok()) << Describe(put.status());
    base_rev_ = put->revision_id();
    ASSERT_NO_FATAL_FAILURE(before_ = Take());
    ASSERT_EQ(before_.tree_size, 1u);
    ASSERT_EQ(before_.blobs.size(), 1u) << before_;
  }

  Snapshot Take() {
    Snapshot s;
    v1::ListRequest list;
    list.set_page_size(1000);
    auto docs = client_->List(list);
    EXPECT_TRUE(docs.ok()) << Describe(docs.status());
    if (docs.ok()) {
      for (const v1::DocumentSummary& d : docs->documents()) {
        s.documents.push_back(absl::StrCat(d.document_id(), " ",
                                           absl::StrJoin(d.heads(), ","), " ",
                                           d.revision_count()));
      }
    }
    v1::HistoryRequest history;
    history.set_document_id(kBaseDoc);
    auto h = client_->History(history);
    EXPECT_TRUE(h.ok()) << Describe(h.status());
    if (h.ok()) {
      for (const v1::Revision& r : h->revisions())
        s.base_history.push_back(r.revision_id());
    }
    auto cp = client_->GetCheckpoint();
    EXPECT_TRUE(cp.ok()) << Describe(cp.status());
    if (cp.ok()) s.tree_size = cp->tree_size();
    for (const std::string& f : FilesUnder(Blobs())) {
      if (!absl::StartsWith(f, "tmp/")) s.blobs.insert(f);
    }
    return s;
  }

  std::string Blobs() const { return server_->data_dir() + "/blobs"; }

  // Nothing changed since SetUp, no temp file is left, and the server still
  // takes a good put and serves it back.
  void ExpectNothingStoredAndStillServing() {
    EXPECT_EQ(Take(), before_) << "something was stored";
    EXPECT_EQ(FilesUnder(Blobs() + "/tmp"), std::set<std::string>{})
        << "a temp file was left in " << Blobs() << "/tmp";
    std::string text = absl::StrCat(
        "still serving after ",
        ::testing::UnitTest::GetInstance()->current_test_info()->name(), "\n");
    auto put = client_->PutBytes(text, HeaderFor("good-after-bad", text));
    ASSERT_TRUE(put.ok()) << "a good put failed: " << Describe(put.status());
    EXPECT_TRUE(put->created());
    v1::GetRequest get;
    get.set_document_id("good-after-bad");
    std::string got;
    auto header = client_->Get(get, [&](absl::string_view chunk) {
      got.append(chunk.data(), chunk.size());
      return absl::OkStatus();
    });
    ASSERT_TRUE(header.ok()) << Describe(header.status());
    EXPECT_EQ(got, text);
  }

  // A put through the library whose result must be `code` with a message
  // containing every one of `words`.
  void ExpectPutRefused(const std::string& content, const v1::PutHeader& header,
                        absl::StatusCode code,
                        const std::vector<std::string>& words) {
    auto put = client_->PutBytes(content, header);
    ASSERT_FALSE(put.ok()) << "accepted: " << header.ShortDebugString();
    EXPECT_EQ(put.status().code(), code)
        << Describe(put.status()) << " for " << header.ShortDebugString();
    for (const std::string& w : words) {
      EXPECT_TRUE(absl::StrContains(put.status().message(), w))
          << "message should mention \"" << w
          << "\": " << Describe(put.status());
    }
  }

  // An archivectl run that must fail with a one-line reason mentioning every
  // one of `words`.
  void ExpectCliRefused(const std::vector<std::string>& args,
                        const std::vector<std::string>& words) {
    ProcessResult r = cli_->Run(args);
    EXPECT_NE(r.exit_code, 0) << Describe(r);
    EXPECT_EQ(Lines(r.err), 1) << "one-line reason expected: " << Describe(r);
    EXPECT_TRUE(absl::StartsWith(r.err, "archivectl: ")) << Describe(r);
    for (const std::string& w : words) {
      EXPECT_TRUE(absl::StrContains(r.err, w))
          << "stderr should mention \"" << w << "\": " << Describe(r);
    }
  }

  std::string File(const std::string& text) {
    std::string path = absl::StrCat(dir_.path(), "/file", ++files_, ".txt");
    WriteFileOrDie(path, text);
    return path;
  }

  // Waits (bounded: this is a synchronisation point, not a timing
  // assumption) until `done` holds.
  template <typename Predicate>
  void WaitUntil(Predicate done, const std::string& what) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (!done()) {
      ASSERT_LT(std::chrono::steady_clock::now(), deadline)
          << "gave up waiting until " << what << "; server log:\n"
          << server_->log();
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  }

  // How many Put requests the server has finished (it logs one line each,
  // after a failed put's temp file is discarded).
  int PutsLogged() const {
    int n = 0;
    std::string log = server_->log();
    for (size_t at = log.find(" Put id="); at != std::string::npos;
         at = log.find(" Put id=", at + 1)) {
      ++n;
    }
    return n;
  }

  std::unique_ptr<TestServer> server_;
  std::unique_ptr<Cli> cli_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<ArchiveClient> client_;
  std::string base_rev_;
  Snapshot before_;
  TempDir dir_;
  int files_ = 0;
};

TEST_F(BadInput, WrongDigestIsDataLoss) {
  std::string content = "第一条 本办法自发布之日起施行。\n";
  v1::PutHeader header = HeaderFor("wrong-digest", content);
  header.set_sha256(Sha256::HexDigest("something else"));
  ExpectPutRefused(content, header, absl::StatusCode::kDataLoss,
                   {"sha256", Sha256::HexDigest(content)});
  // The same on an existing document, and with a larger content that spans
  // several chunks (so the temp blob really was written).
  std::string large(3 * ArchiveClient::kChunkBytes + 17, 'x');
  header = HeaderFor(kBaseDoc, large);
  header.set_sha256(Sha256::HexDigest(large + "y"));
  ExpectPutRefused(large, header, absl::StatusCode::kDataLoss, {"sha256"});
  ExpectNothingStoredAndStillServing();
}

TEST_F(BadInput, WrongSizeIsInvalidArgument) {
  std::string content(2 * ArchiveClient::kChunkBytes + 5, 'z');
  v1::PutHeader header = HeaderFor("wrong-size", content);
  header.set_size(content.size() + 1);  // promised more than sent
  ExpectPutRefused(content, header, absl::StatusCode::kInvalidArgument,
                   {"size", std::to_string(content.size() + 1)});
  header.set_size(content.size() - 1);  // sent more than promised
  ExpectPutRefused(content, header, absl::StatusCode::kInvalidArgument,
                   {"size", std::to_string(content.size() - 1)});
  header.set_size(0);
  ExpectPutRefused(content, header, absl::StatusCode::kInvalidArgument,
                   {"size"});
  ExpectNothingStoredAndStillServing();
}

// Issue 12: a chunk larger than the server's limit is refused naming the
// limit and its flag, not with gRPC's "Received message larger than max".
TEST_F(BadInput, OversizedChunkNamesTheLimitAndItsFlag) {
  std::string content((5 << 20) + 1, 'k');  // the default limit is 4 MiB
  auto stub = v1::Archive::NewStub(channel_);
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  v1::PutResponse response;
  auto stream = stub->Put(&ctx, &response);
  ASSERT_TRUE(stream->Write(HeaderMessage(HeaderFor("big-chunk", content))));
  stream->Write(ChunkMessage(content));
  stream->WritesDone();
  grpc::Status s = stream->Finish();
  EXPECT_EQ(s.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED)
      << s.error_message();
  for (const char* part : {"chunk", "4194304", "--max_message_bytes"}) {
    EXPECT_TRUE(absl::StrContains(s.error_message(), part))
        << part << " missing from: " << s.error_message();
  }
  RichStatus rich = RichStatusOf(s);
  EXPECT_EQ(rich.detail.reason(), "LIMIT_EXCEEDED");
  EXPECT_EQ(rich.detail.field(), "chunk");
  EXPECT_EQ(rich.detail.limit().maximum(), 4194304u);
  EXPECT_EQ(rich.detail.limit().flag(), "--max_message_bytes");
  ExpectNothingStoredAndStillServing();
}

TEST_F(BadInput, MalformedDigestInHeader) {
  std::string content = "text\n";
  v1::PutHeader header = HeaderFor("bad-digest", content);
  for (std::string digest :
       {std::string(""), std::string("abc"), std::string(64, 'G'),
        absl::AsciiStrToUpper(Sha256::HexDigest(content))}) {
    header.set_sha256(digest);
    ExpectPutRefused(content, header, absl::StatusCode::kInvalidArgument,
                     {"sha256"});
  }
  ExpectNothingStoredAndStillServing();
}

TEST_F(BadInput, StreamCutMidwayStoresNothing) {
  std::string content(4 * ArchiveClient::kChunkBytes, 'c');
  auto stub = v1::Archive::NewStub(channel_);
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  v1::PutResponse response;
  auto stream = stub->Put(&ctx, &response);
  ASSERT_TRUE(stream->Write(HeaderMessage(HeaderFor("cut-midway", content))));
  ASSERT_TRUE(stream->Write(
      ChunkMessage(content.substr(0, ArchiveClient::kChunkBytes))));
  // Cut only once the server has taken the header and started the temp blob,
  // so the cut really is mid-way.
  ASSERT_NO_FATAL_FAILURE(WaitUntil(
      [&] { return !FilesUnder(Blobs() + "/tmp").empty(); },
      "the server started writing the content to " + Blobs() + "/tmp"));
  ctx.TryCancel();
  grpc::Status s = stream->Finish();
  EXPECT_EQ(s.error_code(), grpc::StatusCode::CANCELLED) << s.error_message();
  // The baseline put, then this one.
  ASSERT_NO_FATAL_FAILURE(
      WaitUntil([&] { return PutsLogged() == 2; }, "the server ended the put"));
  EXPECT_TRUE(absl::StrContains(server_->log(), "doc=cut-midway status="))
      << server_->log();
  EXPECT_FALSE(absl::StrContains(server_->log(), "doc=cut-midway status=OK"))
      << server_->log();
  ExpectNothingStoredAndStillServing();
}

// Issue 11, defect 9: ReadLog(start=1, count=2^64-1) computed start + count,
// which wrapped to 0 and returned nothing; "all from start" must read to the
// end of the log.
TEST_F(BadInput, ReadLogCountNearTwoToTheSixtyFourDoesNotWrap) {
  auto put =
      client_->PutBytes("second\n", HeaderFor("read-log-second", "second\n"));
  ASSERT_TRUE(put.ok()) << Describe(put.status());
  auto stub = v1::Archive::NewStub(channel_);
  for (uint64_t count : {UINT64_MAX, UINT64_MAX - 1, uint64_t{1} << 63}) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() +
                     std::chrono::seconds(30));
    v1::ReadLogRequest request;
    request.set_start(1);
    request.set_count(count);
    auto reader = stub->ReadLog(&ctx, request);
    std::vector<uint64_t> indexes;
    v1::ReadLogResponse entry;
    while (reader->Read(&entry)) indexes.push_back(entry.index());
    grpc::Status s = reader->Finish();
    EXPECT_TRUE(s.ok()) << "count " << count << ": " << s.error_message();
    EXPECT_EQ(indexes, std::vector<uint64_t>{1}) << "count " << count;
  }
}

TEST_F(BadInput, StreamEndingEarlyStoresNothing) {
  // The client half-closes after part of the content: a short put.
  std::string content(4 * ArchiveClient::kChunkBytes, 'e');
  auto stub = v1::Archive::NewStub(channel_);
  grpc::ClientContext ctx;
  v1::PutResponse response;
  auto stream = stub->Put(&ctx, &response);
  ASSERT_TRUE(stream->Write(HeaderMessage(HeaderFor("ends-early", content))));
  ASSERT_TRUE(stream->Write(
      ChunkMessage(content.substr(0, ArchiveClient::kChunkBytes))));
  stream->WritesDone();
  grpc::Status s = stream->Finish();
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
      << s.error_message();
  EXPECT_TRUE(absl::StrContains(s.error_message(), "size"))
      << s.error_message();
  ExpectNothingStoredAndStillServing();
}

TEST_F(BadInput, FirstMessageNotHeader) {
  auto stub = v1::Archive::NewStub(channel_);
  grpc::ClientContext ctx;
  v1::PutResponse response;
  auto stream = stub->Put(&ctx, &response);
  stream->Write(ChunkMessage("content before any header"));
  stream->Write(HeaderMessage(HeaderFor("no-header-first", "x")));
  stream->WritesDone();
  grpc::Status s = stream->Finish();
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
      << s.error_message();
  EXPECT_TRUE(absl::StrContains(s.error_message(), "header"))
      << s.error_message();
  ExpectNothingStoredAndStillServing();
}

TEST_F(BadInput, NoHeaderAtAll) {
  auto stub = v1::Archive::NewStub(channel_);
  grpc::ClientContext ctx;
  v1::PutResponse response;
  auto stream = stub->Put(&ctx, &response);
  stream->WritesDone();
  grpc::Status s = stream->Finish();
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
      << s.error_message();
  EXPECT_TRUE(absl::StrContains(s.error_message(), "header"))
      << s.error_message();
  ExpectNothingStoredAndStillServing();
}

TEST_F(BadInput, TwoHeaders) {
  std::string content = "two headers\n";
  for (bool chunk_between : {false, true}) {
    auto stub = v1::Archive::NewStub(channel_);
    grpc::ClientContext ctx;
    v1::PutResponse response;
    auto stream = stub->Put(&ctx, &response);
    v1::PutHeader header = HeaderFor("two-headers", content);
    stream->Write(HeaderMessage(header));
    if (chunk_between) stream->Write(ChunkMessage(content));
    stream->Write(HeaderMessage(header));
    if (!chunk_between) stream->Write(ChunkMessage(content));
    stream->WritesDone();
    grpc::Status s = stream->Finish();
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
        << s.error_message();
    EXPECT_TRUE(absl::StrContains(s.error_message(), "header"))
        << s.error_message();
  }
  ExpectNothingStoredAndStillServing();
}

TEST_F(BadInput, EmptyDocumentId) {
  std::string content = "no id\n";
  ExpectPutRefused(content, HeaderFor("", content),
                   absl::StatusCode::kInvalidArgument, {"document"});
  ExpectCliRefused({"put", File(content), "--id", ""}, {"document"});
  ExpectNothingStoredAndStillServing();
}

TEST_F(BadInput, DocumentIdWithWhitespaceOrControl) {
  std::string content = "spaced id\n";
  for (std::string id :
       {"gx 2022", "gx\t2022", "gx\n2022", " gx-2022", "gx-2022 ", "gx\x01",
        "gx\xe3\x80\x80"
        "2022" /* U+3000 ideographic space */}) {
    ExpectPutRefused(content, HeaderFor(id, content),
                     absl::StatusCode::kInvalidArgument, {"document"});
  }
  ExpectPutRefused(content, HeaderFor(std::string(257, 'a'), content),
                   absl::StatusCode::kInvalidArgument, {"document"});
  ExpectCliRefused({"put", File(content), "--id", "gx 2022"},
                   {"document", "whitespace"});
  ExpectNothingStoredAndStillServing();
}

TEST_F(BadInput, MetadataWithNewlineOrControlNamesTheField) {
  std::string content = "metadata\n";
  using Setter = void (v1::Metadata::*)(const std::string&);
  const std::vector<std::pair<std::string, Setter>> fields = {
      {"title", &v1::Metadata::set_title},
      {"issuer", &v1::Metadata::set_issuer},
      {"number", &v1::Metadata::set_number},
      {"region", &v1::Metadata::set_region},
      {"source", &v1::Metadata::set_source},
      {"note", &v1::Metadata::set_note},
      {"media-type", &v1::Metadata::set_media_type},
  };
  for (const auto& [field, set] : fields) {
    for (std::string value :
         {"第一行\n第二行", "carriage\rreturn", "tab\tinside", "nul\x7f",
          " leading space", "trailing space "}) {
      v1::PutHeader header = HeaderFor(kBaseDoc, content);
      (header.mutable_metadata()->*set)(value);
      ExpectPutRefused(content, header, absl::StatusCode::kInvalidArgument,
                       {field});
    }
  }
  ExpectCliRefused({"put", File(content), "--id", kBaseDoc, "--title",
                    "关于加强\n数字政府建设"},
                   {"title"});
  ExpectCliRefused(
      {"put", File(content), "--id", kBaseDoc, "--note", "line one\nline two"},
      {"note"});
  ExpectNothingStoredAndStillServing();
}

TEST_F(BadInput, UnknownStatus) {
  std::string content = "status\n";
  for (std::string status : {"bogus", "Draft", "in force", "IN_FORCE"}) {
    v1::PutHeader header = HeaderFor(kBaseDoc, content);
    header.mutable_metadata()->set_status(status);
    ExpectPutRefused(content, header, absl::StatusCode::kInvalidArgument,
                     {"status"});
  }
  ExpectCliRefused(
      {"put", File(content), "--id", kBaseDoc, "--status", "bogus"},
      {"status", "bogus"});
  ExpectNothingStoredAndStillServing();
}

TEST_F(BadInput, BadDate) {
  std::string content = "date\n";
  for (std::string date :
       {"2023-02-30", "2023-13-01", "2023-00-10", "2021-02-29", "23-01-01",
        "2023/01/01", "2023-1-1", "2023-01-01T00:00:00Z"}) {
    v1::PutHeader header = HeaderFor(kBaseDoc, content);
    header.mutable_metadata()->set_date(date);
    ExpectPutRefused(content, header, absl::StatusCode::kInvalidArgument,
                     {"date", date});
  }
  ExpectCliRefused(
      {"put", File(content), "--id", kBaseDoc, "--date", "2023-02-30"},
      {"date", "2023-02-30"});
  ExpectNothingStoredAndStillServing();
  // A leap day is a date.
  v1::PutHeader leap = HeaderFor("leap-day", content);
  leap.mutable_metadata()->set_date("2024-02-29");
  auto put = client_->PutBytes(content, leap);
  ASSERT_TRUE(put.ok()) << Describe(put.status());
}

TEST_F(BadInput, BadSubmitterName) {
  std::string content = "as name\n";
  v1::PutHeader header = HeaderFor(kBaseDoc, content);
  header.set_as_name("two words");
  ExpectPutRefused(content, header, absl::StatusCode::kInvalidArgument,
                   {"as_name"});
  ExpectNothingStoredAndStillServing();
}

TEST_F(BadInput, UnknownDocument) {
  v1::GetRequest get;
  get.set_document_id("no-such-document");
  auto got = client_->Get(get, [](absl::string_view) {
    ADD_FAILURE() << "content for an unknown document";
    return absl::OkStatus();
  });
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.status().code(), absl::StatusCode::kNotFound)
      << Describe(got.status());
  EXPECT_TRUE(absl::StrContains(got.status().message(), "no-such-document"))
      << Describe(got.status());

  v1::HistoryRequest history;
  history.set_document_id("no-such-document");
  auto h = client_->History(history);
  ASSERT_FALSE(h.ok());
  EXPECT_EQ(h.status().code(), absl::StatusCode::kNotFound)
      << Describe(h.status());
  EXPECT_TRUE(absl::StrContains(h.status().message(), "no-such-document"))
      << Describe(h.status());

  TempDir out;
  std::string out_path = out.path() + "/out.txt";
  ExpectCliRefused({"get", "no-such-document", "-o", out_path},
                   {"unknown document", "no-such-document"});
  EXPECT_FALSE(fs::exists(out_path)) << "get wrote a file for nothing";
  ExpectCliRefused({"history", "no-such-document"},
                   {"unknown document", "no-such-document"});
  ExpectCliRefused({"verify", File(kBaseText), "--id", "no-such-document"},
                   {"no-such-document"});
  ExpectNothingStoredAndStillServing();
}

TEST_F(BadInput, UnknownRevision) {
  auto st = client_->GetStatement(kZeros);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.status().code(), absl::StatusCode::kNotFound)
      << Describe(st.status());
  EXPECT_TRUE(absl::StrContains(st.status().message(), kZeros))
      << Describe(st.status());

  v1::GetRequest get;
  get.set_document_id(kBaseDoc);
  get.set_revision_id(kZeros);
  auto got =
      client_->Get(get, [](absl::string_view) { return absl::OkStatus(); });
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.status().code(), absl::StatusCode::kNotFound)
      << Describe(got.status());
  EXPECT_TRUE(absl::StrContains(got.status().message(), kZeros))
      << Describe(got.status());

  auto proof = client_->GetInclusionProof(kZeros, 0);
  ASSERT_FALSE(proof.ok());
  EXPECT_EQ(proof.status().code(), absl::StatusCode::kNotFound)
      << Describe(proof.status());

  ExpectCliRefused({"statement", kZeros}, {"unknown revision", kZeros});
  ExpectCliRefused({"get", kBaseDoc, "--rev", kZeros},
                   {"unknown revision", kZeros});

  ExpectNothingStoredAndStillServing();
  // A revision that exists, asked for under another document's name.
  std::string other = "other document\n";
  auto put = client_->PutBytes(other, HeaderFor("other-doc", other));
  ASSERT_TRUE(put.ok()) << Describe(put.status());
  get.set_revision_id(put->revision_id());
  got = client_->Get(get, [](absl::string_view) { return absl::OkStatus(); });
  ASSERT_FALSE(got.ok()) << "served another document's revision";
  EXPECT_EQ(got.status().code(), absl::StatusCode::kNotFound)
      << Describe(got.status());
  EXPECT_TRUE(absl::StrContains(got.status().message(), "other-doc"))
      << Describe(got.status());
}

TEST_F(BadInput, MalformedRevisionId) {
  for (std::string rev :
       {std::string("xyz"), std::string(63, 'a'), std::string(65, 'a'),
        absl::AsciiStrToUpper(base_rev_), std::string("")}) {
    auto st = client_->GetStatement(rev);
    ASSERT_FALSE(st.ok()) << rev;
    EXPECT_EQ(st.status().code(), absl::StatusCode::kInvalidArgument)
        << "\"" << rev << "\": " << Describe(st.status());
    EXPECT_TRUE(absl::StrContains(st.status().message(), "revision id"))
        << Describe(st.status());
    if (rev.empty()) continue;  // an empty revision_id in Get means "none"
    v1::GetRequest get;
    get.set_document_id(kBaseDoc);
    get.set_revision_id(rev);
    auto got =
        client_->Get(get, [](absl::string_view) { return absl::OkStatus(); });
    ASSERT_FALSE(got.ok()) << rev;
    EXPECT_EQ(got.status().code(), absl::StatusCode::kInvalidArgument)
        << "\"" << rev << "\": " << Describe(got.status());
    EXPECT_TRUE(absl::StrContains(got.status().message(), "revision id"))
        << Describe(got.status());
  }
  ExpectCliRefused({"statement", "xyz"}, {"revision id", "xyz"});
  ExpectCliRefused({"get", kBaseDoc, "--rev", "xyz"}, {"revision id", "xyz"});
  ExpectNothingStoredAndStillServing();
}

TEST_F(BadInput, ListWithUnknownStatus) {
  v1::ListRequest list;
  list.set_status("bogus");
  auto docs = client_->List(list);
  ASSERT_FALSE(docs.ok());
  EXPECT_EQ(docs.status().code(), absl::StatusCode::kInvalidArgument)
      << Describe(docs.status());
  EXPECT_TRUE(absl::StrContains(docs.status().message(), "status"))
      << Describe(docs.status());
  ExpectCliRefused({"ls", "--status", "bogus"}, {"status"});
  ExpectNothingStoredAndStillServing();
}

class BadInputSmallLimit : public BadInput {
 protected:
  std::vector<std::string> ServerFlags() const override {
    return {"--max_document_bytes=1000", "--inline_blob_max_bytes=0"};
  }
};

TEST_F(BadInputSmallLimit, DocumentOverTheLimit) {
  std::string content(1001, 'L');
  ExpectPutRefused(content, HeaderFor("too-large", content),
                   absl::StatusCode::kResourceExhausted,
                   {"size", "1001", "1000"});
  ExpectCliRefused({"put", File(content), "--id", "too-large"},
                   {"1001", "max_document_bytes"});
  ExpectNothingStoredAndStillServing();
}

// archivectl's own usage errors, no server needed: exit 2 and one line.
// A loopback port held bound but not listening for the object's lifetime:
// connections to it are refused, and no other test can take it meanwhile.
class RefusingPort {
 public:
  RefusingPort() : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), len) != 0 ||
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      ADD_FAILURE() << "cannot bind a loopback port";
    }
    port_ = ntohs(addr.sin_port);
  }
  ~RefusingPort() { ::close(fd_); }
  std::string address() const { return absl::StrCat("127.0.0.1:", port_); }

 private:
  int fd_;
  int port_ = 0;
};

class CliUsage : public ::testing::Test {
 protected:
  // Nobody listens there: a usage error must not need the server.
  RefusingPort refusing_;
  Cli cli_{refusing_.address()};
  TempDir dir_;
};

TEST_F(CliUsage, HelpExitsZeroWithUsage) {
  ProcessResult r = cli_.Run({"--help"});
  EXPECT_EQ(r.exit_code, 0) << Describe(r);
  for (const char* command : {"put", "get", "history", "ls", "diff", "verify",
                              "statement", "checkpoint", "proof"}) {
    EXPECT_TRUE(absl::StrContains(r.out, absl::StrCat("  ", command, " ")) ||
                absl::StrContains(r.out, absl::StrCat("  ", command, "\n")))
        << command << " missing from --help:\n"
        << r.out;
  }
  EXPECT_EQ(cli_.Run({"-h"}).exit_code, 0);
  for (const char* command : {"put", "get", "history", "ls", "diff", "verify",
                              "statement", "checkpoint", "proof"}) {
    ProcessResult c = cli_.Run({command, "--help"});
    EXPECT_EQ(c.exit_code, 0) << command << " --help: " << Describe(c);
    EXPECT_TRUE(
        absl::StartsWith(c.out, absl::StrCat("usage: archivectl ", command)))
        << command << " --help: " << Describe(c);
  }
  ProcessResult put = cli_.Run({"put", "--help"});
  for (const char* flag : {"--id", "--title", "--parent", "--status", "--date",
                           "--server", "--json"}) {
    EXPECT_TRUE(absl::StrContains(put.out, flag))
        << flag << " missing from put --help:\n"
        << put.out;
  }
}

TEST_F(CliUsage, UsageErrorsExitTwoWithOneLine) {
  std::string file = dir_.path() + "/doc.txt";
  WriteFileOrDie(file, "text\n");
  struct Case {
    std::vector<std::string> args;
    std::string mention;
  };
  for (const Case& c : std::vector<Case>{
           {{"frobnicate"}, "frobnicate"},
           {{}, ""},
           {{"put", file}, "--id"},
           {{"verify", file}, "--id"},
           {{"put"}, "usage"},
           {{"put", file, "--id"}, "--id"},
           {{"put", file, "--id", "d", "--bogus-flag"}, "--bogus-flag"},
           {{"history"}, "usage"},
           {{"diff", "doc", "a"}, "usage"},
           {{"history", "doc", "--title", "t"}, "--title"},
           {{"get", "doc", "--rev", kZeros, "--head"}, "--head"},
       }) {
    ProcessResult r = cli_.Run(c.args);
    std::string what = absl::StrCat("archivectl ", absl::StrJoin(c.args, " "));
    EXPECT_EQ(r.exit_code, 2) << what << ": " << Describe(r);
    if (c.args.empty()) continue;  // prints the help
    EXPECT_EQ(Lines(r.err), 1) << what << ": " << Describe(r);
    EXPECT_TRUE(absl::StartsWith(r.err, "archivectl: "))
        << what << ": " << Describe(r);
    EXPECT_TRUE(absl::StrContains(r.err, c.mention))
        << what << ": stderr should mention \"" << c.mention
        << "\": " << Describe(r);
  }
}

TEST_F(CliUsage, UnreachableServerIsOneLineFailure) {
  std::string file = dir_.path() + "/doc.txt";
  WriteFileOrDie(file, "text\n");
  ProcessResult r = cli_.Run({"put", file, "--id", "doc"});
  EXPECT_NE(r.exit_code, 0) << Describe(r);
  EXPECT_EQ(Lines(r.err), 1) << Describe(r);
  EXPECT_TRUE(absl::StrContains(r.err, "unavailable")) << Describe(r);
}

}  // namespace
}  // namespace archive::testing
