// Issue 12, machine-readable errors: a refusal carries gRPC's rich status
// (google.rpc.Status in grpc-status-details-bin) with an archive.v1.ErrorDetail
// saying why, which field was wrong and which limit and flag, and a
// google.rpc.BadRequest for the field. Checked on the wire with a raw stub, and
// through archivectl --json, whose exit code follows the reason (several heads
// is exit 7 without asking the archive again).
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "archive/v1/archive.grpc.pb.h"
#include "clients/api/archive_client.h"
#include "tests/integration/rich_status.h"
#include "tests/integration/sync_test_util.h"
#include "tests/integration/test_harness.h"

namespace archive::testing {
namespace {

constexpr char kErrorDetailsDoc[] = "gx-2024-errors-1";
constexpr char kErrorDetailsText[] = "第一条 为了规范错误信息。\n";

std::unique_ptr<grpc::ClientContext> Context() {
  auto ctx = std::make_unique<grpc::ClientContext>();
  ctx->set_deadline(std::chrono::system_clock::now() +
                    std::chrono::seconds(20));
  return ctx;
}

// A Put of only `header` (no content), as any gRPC client could send it.
grpc::Status PutHeaderOnly(v1::Archive::Stub& stub,
                           const v1::PutHeader& header) {
  auto ctx = Context();
  v1::PutResponse response;
  auto stream = stub.Put(ctx.get(), &response);
  v1::PutRequest request;
  *request.mutable_header() = header;
  stream->Write(request);
  stream->WritesDone();
  return stream->Finish();
}

// The "error" member of a failed archivectl --json run.
Json ErrorMember(const ProcessResult& r) {
  Json j = ParseJson(r);
  if (!j.is_object() || !j.contains("error")) {
    ADD_FAILURE() << "no error object: " << Describe(r);
    return Json::object();
  }
  return j["error"];
}

class ErrorDetails : public ::testing::Test {
 protected:
  void SetUp() override {
    TestServer::Options options;
    options.extra_flags = {"--max_document_bytes=1000"};
    server_ = TestServer::Start(options);
    ASSERT_TRUE(server_->running());
    stub_ = v1::Archive::NewStub(ArchiveClient::Dial(server_->address()));
    cli_ = std::make_unique<Cli>(server_->address());
  }

  std::unique_ptr<TestServer> server_;
  std::unique_ptr<v1::Archive::Stub> stub_;
  std::unique_ptr<Cli> cli_;
  TempDir dir_;
};

TEST_F(ErrorDetails, BadFieldIsNamedOnTheWire) {
  struct Case {
    const char* field;
    void (*spoil)(v1::PutHeader*);
  } cases[] = {
      {"header.metadata.title",
       [](v1::PutHeader* h) { h->mutable_metadata()->set_title("a\x01z"); }},
      {"header.document_id",
       [](v1::PutHeader* h) { h->set_document_id("has space"); }},
      {"header.metadata.date",
       [](v1::PutHeader* h) { h->mutable_metadata()->set_date("2024-13-45"); }},
      {"header.sha256", [](v1::PutHeader* h) { h->set_sha256("abc"); }},
      {"header.metadata.lifecycle",
       [](v1::PutHeader* h) {
         h->mutable_metadata()->set_lifecycle(
             static_cast<v1::LifecycleStatus>(99));
       }},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.field);
    v1::PutHeader header = HeaderFor(kErrorDetailsDoc, kErrorDetailsText);
    c.spoil(&header);
    grpc::Status s = PutHeaderOnly(*stub_, header);
    ASSERT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
        << s.error_message();
    RichStatus rich = RichStatusOf(s);
    ASSERT_TRUE(rich.present) << "no rich status for: " << s.error_message();
    EXPECT_EQ(rich.detail.reason(), "INVALID_FIELD");
    EXPECT_EQ(rich.detail.field(), c.field) << s.error_message();
    EXPECT_EQ(rich.bad_request_field, c.field);
  }
  // Nothing was stored by any of them.
  auto ctx = Context();
  v1::GetCheckpointResponse checkpoint;
  ASSERT_TRUE(
      stub_->GetCheckpoint(ctx.get(), v1::GetCheckpointRequest(), &checkpoint)
          .ok());
  EXPECT_EQ(checkpoint.tree_size(), 0u);
}

TEST_F(ErrorDetails, UnaryRequestFieldsAreNamed) {
  auto ctx = Context();
  v1::HistoryRequest history;
  history.set_document_id(kErrorDetailsDoc);
  history.set_page_token("forged");
  v1::HistoryResponse history_response;
  grpc::Status s = stub_->History(ctx.get(), history, &history_response);
  EXPECT_EQ(RichStatusOf(s).detail.field(), "page_token") << s.error_message();

  ctx = Context();
  v1::ListRequest list;
  list.set_status("draft");
  list.set_lifecycle(v1::LIFECYCLE_STATUS_REPEALED);
  v1::ListResponse list_response;
  s = stub_->List(ctx.get(), list, &list_response);
  ASSERT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(RichStatusOf(s).detail.field(), "lifecycle") << s.error_message();
}

TEST_F(ErrorDetails, LimitNamesItsMaximumAndFlag) {
  v1::PutHeader header = HeaderFor(kErrorDetailsDoc, std::string(1001, 'x'));
  grpc::Status s = PutHeaderOnly(*stub_, header);
  ASSERT_EQ(s.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  RichStatus rich = RichStatusOf(s);
  EXPECT_EQ(rich.detail.reason(), "LIMIT_EXCEEDED");
  EXPECT_EQ(rich.detail.field(), "header.size");
  EXPECT_EQ(rich.detail.limit().name(), "document_bytes");
  EXPECT_EQ(rich.detail.limit().maximum(), 1000u);
  EXPECT_EQ(rich.detail.limit().flag(), "--max_document_bytes");

  // archivectl --json passes it on for a script.
  std::string path = dir_.path() + "/big.txt";
  WriteFileOrDie(path, std::string(1001, 'x'));
  ProcessResult r =
      cli_->Run({"put", path, "--id", kErrorDetailsDoc, "--json"});
  EXPECT_EQ(r.exit_code, 1) << Describe(r);
  Json e = ErrorMember(r);
  EXPECT_EQ(e.value("reason", ""), "LIMIT_EXCEEDED") << e.dump();
  EXPECT_EQ(e.value("field", ""), "header.size") << e.dump();
  EXPECT_EQ(e["limit"], Json({{"name", "document_bytes"},
                              {"maximum", 1000},
                              {"flag", "--max_document_bytes"}}))
      << e.dump();
}

TEST_F(ErrorDetails, NotFoundSaysWhatIsMissing) {
  ProcessResult doc = cli_->Run({"history", "gx-none", "--json"});
  EXPECT_EQ(doc.exit_code, 3) << Describe(doc);
  Json e = ErrorMember(doc);
  EXPECT_EQ(e.value("reason", ""), "DOCUMENT_NOT_FOUND") << e.dump();
  EXPECT_EQ(e["metadata"], Json({{"document", "gx-none"}})) << e.dump();

  std::string missing(64, 'a');
  ProcessResult rev = cli_->Run({"statement", missing, "--json"});
  EXPECT_EQ(rev.exit_code, 3) << Describe(rev);
  e = ErrorMember(rev);
  EXPECT_EQ(e.value("reason", ""), "REVISION_NOT_FOUND") << e.dump();
  EXPECT_EQ(e["metadata"], Json({{"revision", missing}})) << e.dump();
}

TEST_F(ErrorDetails, MovedHeadNamesBothRevisions) {
  std::string path = dir_.path() + "/doc.txt";
  WriteFileOrDie(path, kErrorDetailsText);
  ProcessResult first = cli_->Run({"put", path, "--id", kErrorDetailsDoc});
  ASSERT_EQ(first.exit_code, 0) << Describe(first);
  WriteFileOrDie(path, std::string(kErrorDetailsText) + "修订一。\n");
  ProcessResult second = cli_->Run({"put", path, "--id", kErrorDetailsDoc});
  ASSERT_EQ(second.exit_code, 0) << Describe(second);
  std::string first_id(absl::StripAsciiWhitespace(first.out));
  std::string second_id(absl::StripAsciiWhitespace(second.out));
  WriteFileOrDie(path, std::string(kErrorDetailsText) + "修订二。\n");
  ProcessResult late = cli_->Run(
      {"put", path, "--id", kErrorDetailsDoc, "--parent", first_id, "--json"});
  EXPECT_EQ(late.exit_code, 7) << Describe(late);
  Json e = ErrorMember(late);
  EXPECT_EQ(e.value("reason", ""), "HEAD_MOVED") << e.dump();
  EXPECT_EQ(e["metadata"], Json({{"document", kErrorDetailsDoc},
                                 {"expected", first_id},
                                 {"heads", second_id}}))
      << e.dump();
}

// Two offices revise one document from the same parent and pull each other:
// each has two heads, and refuses a get without --rev with SEVERAL_HEADS.
TEST(ErrorDetailsAcrossOffices, SeveralHeadsIsAConflictByItsReason) {
  auto a = Office::Start("gx.archive.example");
  auto b = Office::Start("bj.archive.example");
  ASSERT_TRUE(a->server().running() && b->server().running());
  a->Trust({b.get()});
  b->Trust({a.get()});
  std::string base = a->PutText(kErrorDetailsDoc, "base\n");
  ASSERT_FALSE(b->SyncOk(a->address()).is_discarded());
  std::string head_a =
      a->PutText(kErrorDetailsDoc, "from a\n", {"--parent", base});
  std::string head_b =
      b->PutText(kErrorDetailsDoc, "from b\n", {"--parent", base});
  ASSERT_FALSE(a->SyncOk(b->address()).is_discarded()) << a->Log();
  std::vector<std::string> heads = {head_a, head_b};
  std::sort(heads.begin(), heads.end());

  auto stub = v1::Archive::NewStub(ArchiveClient::Dial(a->address()));
  auto ctx = Context();
  v1::GetRequest request;
  request.set_document_id(kErrorDetailsDoc);
  auto reader = stub->Get(ctx.get(), request);
  v1::GetResponse response;
  while (reader->Read(&response)) {
  }
  grpc::Status s = reader->Finish();
  ASSERT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  RichStatus rich = RichStatusOf(s);
  EXPECT_EQ(rich.detail.reason(), "SEVERAL_HEADS");
  EXPECT_EQ(rich.detail.metadata().at("heads"), absl::StrJoin(heads, ","));

  ProcessResult get =
      a->Ctl({"get", kErrorDetailsDoc, "-o", a->scratch() + "/out", "--json"});
  EXPECT_EQ(get.exit_code, 7) << Describe(get);
  EXPECT_EQ(ErrorMember(get).value("reason", ""), "SEVERAL_HEADS");
}

}  // namespace
}  // namespace archive::testing
