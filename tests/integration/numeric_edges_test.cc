// Every numeric field a client sends (sizes, counts, positions, page sizes,
// limits, and the numbers inside page tokens) at its edges: 0, 1, around the
// log's size, around 2^31, 2^32, 2^63 and 2^64 - 1 (issue 11: ReadLog's count
// once wrapped to nothing). Each answer is a refusal with a status a client can
// act on (never INTERNAL, UNKNOWN or a dropped connection) and a message, or an
// answer that is exactly what was asked for: entries, proofs and pages within
// the bounds requested. Nothing is stored and the server keeps serving.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "archive/v1/archive.grpc.pb.h"
#include "clients/api/archive_client.h"
#include "tests/integration/test_harness.h"

namespace archive::testing {
namespace {

constexpr uint64_t kMax64 = std::numeric_limits<uint64_t>::max();
constexpr int kNumericEdgesDocuments = 5;

// Values around the edges, and around the log's size `n`.
std::vector<uint64_t> Edges(uint64_t n) {
  return {0,
          1,
          n - 1,
          n,
          n + 1,
          1ull << 31,
          (1ull << 32) - 1,
          1ull << 32,
          kMax64 / 2,
          kMax64 / 2 + 1,
          kMax64 - 1,
          kMax64};
}

std::vector<uint32_t> Edges32() {
  return {
      0, 1, 999, 1000, 1001, 1u << 31, std::numeric_limits<uint32_t>::max()};
}

// OK, or a refusal a client can act on, with a message.
::testing::AssertionResult Acceptable(const grpc::Status& s,
                                      const std::string& call) {
  switch (s.error_code()) {
    case grpc::StatusCode::OK:
      return ::testing::AssertionSuccess();
    case grpc::StatusCode::INVALID_ARGUMENT:
    case grpc::StatusCode::OUT_OF_RANGE:
    case grpc::StatusCode::NOT_FOUND:
    case grpc::StatusCode::FAILED_PRECONDITION:
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      if (!s.error_message().empty()) return ::testing::AssertionSuccess();
      return ::testing::AssertionFailure()
             << call << ": refused without a "
             << "message (" << s.error_code() << ")";
    default:
      return ::testing::AssertionFailure()
             << call << ": status " << s.error_code() << " "
             << s.error_message();
  }
}

class NumericEdges : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = TestServer::Start();
    ASSERT_NE(server_, nullptr);
    ArchiveClient client(ArchiveClient::Dial(server_->address()));
    for (int i = 0; i < kNumericEdgesDocuments; ++i) {
      std::string text = absl::StrCat("policy ", i, "\n");
      auto put = client.PutBytes(text, HeaderFor("doc", text));
      ASSERT_TRUE(put.ok()) << put.status();
      revisions_.push_back(put->revision().revision_id());
    }
    stub_ = v1::Archive::NewStub(grpc::CreateChannel(
        server_->address(), grpc::InsecureChannelCredentials()));
    size_ = TreeSize();
    ASSERT_EQ(size_, static_cast<uint64_t>(kNumericEdgesDocuments));
  }

  void TearDown() override {
    // Still serving, and nothing was stored.
    EXPECT_EQ(TreeSize(), size_) << server_->log();
  }

  uint64_t TreeSize() {
    grpc::ClientContext ctx;
    v1::GetCheckpointResponse out;
    grpc::Status s = stub_->GetCheckpoint(&ctx, {}, &out);
    EXPECT_TRUE(s.ok()) << "the server stopped serving: " << s.error_message()
                        << "\n"
                        << server_->log();
    return out.tree_size();
  }

  std::unique_ptr<TestServer> server_;
  std::unique_ptr<v1::Archive::Stub> stub_;
  std::vector<std::string> revisions_;
  uint64_t size_ = 0;
};

TEST_F(NumericEdges, ReadLogReturnsExactlyTheEntriesAsked) {
  int calls = 0;
  for (uint64_t start : Edges(size_)) {
    for (uint64_t count : Edges(size_)) {
      for (uint64_t tree : {uint64_t{0}, size_ - 1, size_, size_ + 1, kMax64}) {
        ++calls;
        v1::ReadLogRequest request;
        request.set_start(start);
        request.set_count(count);
        request.set_tree_size(tree);
        const std::string call =
            absl::StrCat("ReadLog(start=", start, ", count=", count,
                         ", tree_size=", tree, ")");
        grpc::ClientContext ctx;
        auto reader = stub_->ReadLog(&ctx, request);
        std::vector<uint64_t> indexes;
        v1::ReadLogResponse entry;
        while (reader->Read(&entry)) indexes.push_back(entry.index());
        grpc::Status s = reader->Finish();
        ASSERT_TRUE(Acceptable(s, call));
        if (!s.ok()) {
          EXPECT_TRUE(indexes.empty()) << call << " sent entries, then failed";
          continue;
        }
        EXPECT_LE(tree == 0 ? size_ : tree, size_)
            << call << " answered for a tree larger than the log";
        uint64_t end = tree == 0 ? size_ : tree;
        uint64_t want = start >= end ? 0 : end - start;
        if (count != 0 && count < want) want = count;
        ASSERT_EQ(indexes.size(), want) << call;
        for (size_t i = 0; i < indexes.size(); ++i)
          EXPECT_EQ(indexes[i], start + i) << call;
      }
    }
  }
  std::cout << "[ sweep    ] " << calls << " ReadLog calls\n";
}

TEST_F(NumericEdges, ProofsAreForTheSizesAsked) {
  int calls = 0;
  for (uint64_t tree : Edges(size_)) {
    ++calls;
    v1::GetInclusionProofRequest request;
    request.set_revision_id(revisions_[1]);
    request.set_tree_size(tree);
    v1::GetInclusionProofResponse out;
    grpc::ClientContext ctx;
    grpc::Status s = stub_->GetInclusionProof(&ctx, request, &out);
    const std::string call =
        absl::StrCat("GetInclusionProof(tree_size=", tree, ")");
    ASSERT_TRUE(Acceptable(s, call));
    if (!s.ok()) continue;
    EXPECT_TRUE(tree == 0 || (tree >= 2 && tree <= size_)) << call;
    EXPECT_EQ(out.proof().tree_size(), tree == 0 ? size_ : tree) << call;
    EXPECT_EQ(out.proof().leaf_index(), 1u) << call;
  }
  for (uint64_t old_size : Edges(size_)) {
    for (uint64_t new_size : Edges(size_)) {
      ++calls;
      v1::GetConsistencyProofRequest request;
      request.set_old_size(old_size);
      request.set_new_size(new_size);
      v1::GetConsistencyProofResponse out;
      grpc::ClientContext ctx;
      grpc::Status s = stub_->GetConsistencyProof(&ctx, request, &out);
      const std::string call =
          absl::StrCat("GetConsistencyProof(", old_size, ", ", new_size, ")");
      ASSERT_TRUE(Acceptable(s, call));
      if (!s.ok()) continue;
      uint64_t to = new_size == 0 ? size_ : new_size;
      EXPECT_LE(to, size_) << call;
      EXPECT_LE(old_size, to) << call;
      EXPECT_EQ(out.proof().old_size(), old_size) << call;
      EXPECT_EQ(out.proof().new_size(), to) << call;
    }
  }
  std::cout << "[ sweep    ] " << calls << " proof calls\n";
}

TEST_F(NumericEdges, PagesAndLimitsStayWithinTheirMaximum) {
  int calls = 0;
  for (uint32_t page : Edges32()) {
    calls += 3;
    v1::HistoryRequest history;
    history.set_document_id("doc");
    history.set_page_size(page);
    v1::HistoryResponse h;
    grpc::ClientContext c1;
    grpc::Status s = stub_->History(&c1, history, &h);
    ASSERT_TRUE(Acceptable(s, absl::StrCat("History(page_size=", page, ")")));
    if (s.ok()) {
      EXPECT_GT(h.revisions_size(), 0);
      EXPECT_LE(static_cast<uint64_t>(h.revisions_size()),
                page == 0 ? 100u : std::min<uint64_t>(page, 1000));
    }
    v1::ListRequest list;
    list.set_page_size(page);
    v1::ListResponse l;
    grpc::ClientContext c2;
    s = stub_->List(&c2, list, &l);
    ASSERT_TRUE(Acceptable(s, absl::StrCat("List(page_size=", page, ")")));
    if (s.ok()) {
      EXPECT_EQ(l.documents_size(), 1);
    }
    v1::SearchRequest search;
    search.set_query("policy");
    search.set_limit(page);
    v1::SearchResponse r;
    grpc::ClientContext c3;
    s = stub_->Search(&c3, search, &r);
    ASSERT_TRUE(Acceptable(s, absl::StrCat("Search(limit=", page, ")")));
  }
  // Page tokens carry positions: numbers at the edges, and not numbers.
  for (const std::string& token :
       {std::string("0"), std::string("-1"), absl::StrCat(kMax64),
        absl::StrCat(kMax64, "0"), std::string("99999999999999999999999999"),
        std::string("0x10"), std::string(" 1"), std::string("1e9"),
        std::string(4096, '9'), std::string("\xe4\xb8\x80")}) {
    calls += 2;
    v1::HistoryRequest history;
    history.set_document_id("doc");
    history.set_page_size(1);
    history.set_page_token(token);
    v1::HistoryResponse h;
    grpc::ClientContext c1;
    ASSERT_TRUE(Acceptable(stub_->History(&c1, history, &h),
                           absl::StrCat("History(page_token=", token, ")")));
    EXPECT_LE(h.revisions_size(), 1);
    v1::ListRequest list;
    list.set_page_size(1);
    list.set_page_token(token);
    v1::ListResponse l;
    grpc::ClientContext c2;
    ASSERT_TRUE(Acceptable(stub_->List(&c2, list, &l),
                           absl::StrCat("List(page_token=", token, ")")));
    EXPECT_LE(l.documents_size(), 1);
  }
  std::cout << "[ sweep    ] " << calls << " page and limit calls\n";
}

TEST_F(NumericEdges, PutSizesAtTheEdgesStoreNothing) {
  const std::string text = "a put whose header lies about its size\n";
  for (uint64_t size :
       {uint64_t{0}, uint64_t{text.size() - 1}, uint64_t{text.size() + 1},
        uint64_t{1} << 32, kMax64 / 2 + 1, kMax64}) {
    v1::PutHeader header = HeaderFor("size-edge", text);
    header.set_size(size);
    grpc::ClientContext ctx;
    v1::PutResponse out;
    auto writer = stub_->Put(&ctx, &out);
    v1::PutRequest first;
    *first.mutable_header() = header;
    writer->Write(first);
    v1::PutRequest chunk;
    chunk.set_chunk(text);
    writer->Write(chunk);
    writer->WritesDone();
    grpc::Status s = writer->Finish();
    const std::string call = absl::StrCat("Put(size=", size, ")");
    EXPECT_FALSE(s.ok()) << call << " was stored";
    EXPECT_TRUE(Acceptable(s, call));
  }
}

}  // namespace
}  // namespace archive::testing
