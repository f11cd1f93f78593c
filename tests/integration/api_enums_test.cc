// Lifecycle status and relation kind are enums in the API (issue 12); the
// statement keeps its words. A client may send either form (both must agree);
// the server answers with both, and every enum value is a word the statement
// format knows.
#include "clients/api/api_enums.h"

#include <gtest/gtest.h>

#include <string>

#include "absl/strings/match.h"
#include "clients/api/archive_client.h"
#include "storage/format/statement.h"
#include "tests/integration/test_harness.h"

namespace archive::testing {
namespace {

TEST(ApiEnums, EveryValueIsAStatementWordAndBack) {
  for (int i = 1; i < v1::LifecycleStatus_descriptor()->value_count(); ++i) {
    auto status = static_cast<v1::LifecycleStatus>(
        v1::LifecycleStatus_descriptor()->value(i)->number());
    std::string word = WordOf(status);
    EXPECT_TRUE(IsKnownStatus(word)) << word;
    EXPECT_EQ(LifecycleStatusOf(word), status) << word;
  }
  for (int i = 1; i < v1::RelationKind_descriptor()->value_count(); ++i) {
    auto kind = static_cast<v1::RelationKind>(
        v1::RelationKind_descriptor()->value(i)->number());
    std::string word = WordOf(kind);
    EXPECT_TRUE(IsKnownRelationKind(word)) << word;
    EXPECT_EQ(RelationKindOf(word), kind) << word;
  }
  EXPECT_EQ(WordOf(static_cast<v1::LifecycleStatus>(99)), "");
  EXPECT_EQ(LifecycleStatusOf("in force"), v1::LIFECYCLE_STATUS_UNSPECIFIED);
}

class ApiEnumsOnTheWire : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = TestServer::Start();
    ASSERT_NE(server_, nullptr);
    client_ = std::make_unique<ArchiveClient>(
        ArchiveClient::Dial(server_->address()));
    auto base = client_->PutBytes("base\n", HeaderFor("base-doc", "base\n"));
    ASSERT_TRUE(base.ok()) << base.status();
  }

  // A header that says its status and relation by enum only.
  v1::PutHeader EnumHeader(const std::string& doc, const std::string& text) {
    v1::PutHeader header = HeaderFor(doc, text);
    v1::Metadata* m = header.mutable_metadata();
    m->clear_status();
    m->set_lifecycle(v1::LIFECYCLE_STATUS_REPEALED);
    v1::Relation* r = m->add_relations();
    r->set_type(v1::RELATION_KIND_AMENDS);
    r->set_document_id("base-doc");
    return header;
  }

  std::unique_ptr<TestServer> server_;
  std::unique_ptr<ArchiveClient> client_;
};

TEST_F(ApiEnumsOnTheWire, EnumsAloneBecomeTheStatementsWords) {
  auto put = client_->PutBytes("enum\n", EnumHeader("enum-doc", "enum\n"));
  ASSERT_TRUE(put.ok()) << put.status();
  const v1::Revision& r = put->revision();
  EXPECT_NE(r.statement().find("\nstatus repealed\n"), std::string::npos)
      << r.statement();
  EXPECT_NE(r.statement().find("relation amends base-doc"), std::string::npos)
      << r.statement();
  EXPECT_EQ(r.metadata().status(), "repealed");
  EXPECT_EQ(r.metadata().lifecycle(), v1::LIFECYCLE_STATUS_REPEALED);
  ASSERT_EQ(r.metadata().relations_size(), 1);
  EXPECT_EQ(r.metadata().relations(0).kind(), "amends");
  EXPECT_EQ(r.metadata().relations(0).type(), v1::RELATION_KIND_AMENDS);

  v1::ListRequest list;
  list.set_lifecycle(v1::LIFECYCLE_STATUS_REPEALED);
  auto listed = client_->List(list);
  ASSERT_TRUE(listed.ok()) << listed.status();
  ASSERT_EQ(listed->documents_size(), 1);
  EXPECT_EQ(listed->documents(0).document_id(), "enum-doc");

  auto edges = client_->Relations("base-doc");
  ASSERT_TRUE(edges.ok()) << edges.status();
  ASSERT_EQ(edges->relations_size(), 1);
  EXPECT_EQ(edges->relations(0).kind(), "amended-by");
  EXPECT_EQ(edges->relations(0).type(), v1::RELATION_KIND_AMENDED_BY);
}

TEST_F(ApiEnumsOnTheWire, DisagreeingOrUnknownEnumsAreRefusedNamingTheField) {
  v1::PutHeader disagree = EnumHeader("bad-enum", "bad\n");
  disagree.mutable_metadata()->set_status("in_force");
  auto put = client_->PutBytes("bad\n", disagree);
  EXPECT_EQ(put.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(put.status().message(), "disagree"))
      << put.status();

  v1::PutHeader unknown = EnumHeader("bad-enum", "bad\n");
  unknown.mutable_metadata()->set_lifecycle(
      static_cast<v1::LifecycleStatus>(99));
  put = client_->PutBytes("bad\n", unknown);
  EXPECT_EQ(put.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(put.status().message(), "lifecycle: 99"))
      << put.status();

  v1::PutHeader kind = EnumHeader("bad-enum", "bad\n");
  kind.mutable_metadata()->mutable_relations(0)->set_kind("repeals");
  put = client_->PutBytes("bad\n", kind);
  EXPECT_EQ(put.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(put.status().message(), "relations[0]"))
      << put.status();

  v1::ListRequest list;
  list.set_status("draft");
  list.set_lifecycle(v1::LIFECYCLE_STATUS_REPEALED);
  EXPECT_EQ(client_->List(list).status().code(),
            absl::StatusCode::kInvalidArgument);
  auto docs = client_->List(v1::ListRequest());
  ASSERT_TRUE(docs.ok());
  EXPECT_EQ(docs->documents_size(), 1) << "a refused put stored something";
}

}  // namespace
}  // namespace archive::testing
