// The HTTP JSON API (issue 15) against the CLI: every route answers what
// archivectl answers over gRPC for the same question (ls, history, get,
// statement, search, checkpoint, proof consistency), the content route serves
// the archived bytes with their media type, digest ETag and ranges, and errors
// come as JSON with the CLI's exit code and an HTTP status for the code.
#include <gtest/gtest.h>
#include <httplib.h>

#include <cctype>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"
#include "tests/integration/sync_test_util.h"
#include "tests/integration/test_harness.h"

namespace archive::testing {
namespace {

class HttpApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    http_port_ = FreePort();
    office_ = Office::Start(
        Office::Options{"http-api.example",
                        "",
                        {absl::StrCat("--http_listen=127.0.0.1:", http_port_)},
                        0});
    corpus_ = LoadCorpus();
    ASSERT_GE(corpus_.size(), 3u);
    // Two revisions of the first (raw, then the corrected text), and two
    // more documents, one repealing the other.
    const CorpusDocument& first = corpus_[0];
    first_raw_ = office_->Put(first.raw_path(), first.id, first.PutFlags());
    first_clean_ = office_->Put(first.clean_path(), first.id, first.PutFlags());
    office_->Put(corpus_[1].clean_path(), corpus_[1].id, corpus_[1].PutFlags());
    std::vector<std::string> repealing = corpus_[2].PutFlags();
    repealing.push_back("--relation");
    repealing.push_back("repeals:" + corpus_[1].id);
    office_->Put(corpus_[2].clean_path(), corpus_[2].id, repealing);
  }

  // GET `path` on the HTTP listener.
  httplib::Result Get(const std::string& path,
                      const httplib::Headers& headers = {}) {
    httplib::Client client("127.0.0.1", http_port_);
    client.set_read_timeout(20, 0);
    return client.Get(path.c_str(), headers);
  }
  Json GetJson(const std::string& path, int status = 200) {
    auto r = Get(path);
    EXPECT_TRUE(r) << path;
    if (!r) return Json();
    EXPECT_EQ(r->status, status) << path << ": " << r->body;
    EXPECT_EQ(r->get_header_value("Content-Type"),
              "application/json; charset=utf-8");
    return Json::parse(r->body, nullptr, false);
  }
  Json CtlJson(const std::vector<std::string>& args) {
    std::vector<std::string> with_json = args;
    with_json.push_back("--json");
    ProcessResult r = office_->Ctl(with_json);
    EXPECT_EQ(r.exit_code, 0) << Describe(r);
    return ParseJson(r);
  }

  int http_port_ = 0;
  std::unique_ptr<Office> office_;
  std::vector<CorpusDocument> corpus_;
  std::string first_raw_, first_clean_;
};

// Percent-encodes every byte but the unreserved ones (RFC 3986).
std::string Escaped(const std::string& text) {
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      absl::StrAppend(&out, "%", absl::Hex(c, absl::kZeroPad2));
    }
  }
  return out;
}

TEST_F(HttpApiTest, ListingsAndHistoriesAreTheClis) {
  Json api = GetJson("/api/v1/documents");
  Json cli = CtlJson({"ls"});
  ASSERT_EQ(api["documents"].size(), cli.size());
  for (size_t i = 0; i < cli.size(); ++i) {
    EXPECT_EQ(api["documents"][i]["document_id"], cli[i]["document_id"]);
    EXPECT_EQ(api["documents"][i]["heads"], cli[i]["heads"]);
    EXPECT_EQ(api["documents"][i]["latest"]["sha256"],
              cli[i]["latest"]["sha256"]);
  }
  // A filter, as a query parameter.
  const std::string region = corpus_[1].region;
  Json filtered = GetJson("/api/v1/documents?region=" + Escaped(region));
  Json cli_filtered = CtlJson({"ls", "--region", region});
  ASSERT_EQ(filtered["documents"].size(), cli_filtered.size());
  // Paging: one document a page, every document once.
  std::set<std::string> paged;
  std::string token;
  for (int i = 0; i < 10; ++i) {
    Json page =
        GetJson("/api/v1/documents?page_size=1&page_token=" + Escaped(token));
    ASSERT_EQ(page["documents"].size(), 1u);
    paged.insert(page["documents"][0]["document_id"].get<std::string>());
    if (page["next_page_token"] == "") break;
    token = page["next_page_token"];
  }
  EXPECT_EQ(paged.size(), cli.size());

  const std::string& doc = corpus_[0].id;
  Json history = GetJson("/api/v1/documents/" + Escaped(doc) + "/history");
  Json cli_history = CtlJson({"history", doc});
  ASSERT_EQ(history["revisions"].size(), 2u);
  EXPECT_EQ(history["revisions"][0]["revision_id"], first_clean_);
  EXPECT_EQ(history["revisions"][1]["revision_id"], first_raw_);
  EXPECT_EQ(history["authoritative"], cli_history["authoritative"]);
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(history["revisions"][i]["revision_id"],
              cli_history["revisions"][i]["revision_id"]);
    EXPECT_EQ(history["revisions"][i]["submitted_at"],
              cli_history["revisions"][i]["submitted_at"]);
  }

  Json document = GetJson("/api/v1/documents/" + Escaped(doc));
  EXPECT_EQ(document["document"]["revision_count"], "2");
  EXPECT_EQ(document["authoritative_revision"]["revision_id"], first_clean_);
  EXPECT_EQ(document["authoritative_revision"]["metadata"]["title"],
            corpus_[0].title);
  Json repealed = GetJson("/api/v1/documents/" + Escaped(corpus_[1].id));
  ASSERT_EQ(repealed["relations"].size(), 1u) << repealed.dump();
  EXPECT_EQ(repealed["relations"][0]["other"], corpus_[2].id);
}

TEST_F(HttpApiTest, ContentIsTheArchivedBytesWithDigestAndRanges) {
  const std::string& doc = corpus_[0].id;
  const std::string got = office_->scratch() + "/got";
  ProcessResult get = office_->Ctl({"get", doc, "-o", got});
  ASSERT_EQ(get.exit_code, 0) << Describe(get);
  const std::string bytes = ReadFileOrDie(got);

  auto r = Get("/api/v1/documents/" + Escaped(doc) + "/content");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, bytes);
  EXPECT_EQ(r->get_header_value("ETag"),
            absl::StrCat("\"", BytesSha256(bytes), "\""));
  EXPECT_EQ(r->get_header_value("Content-Type"), "text/plain; charset=utf-8");
  EXPECT_EQ(r->get_header_value("X-Archive-Revision"), first_clean_);

  // An older revision by ?rev=, as get --rev fetches it.
  auto old =
      Get("/api/v1/documents/" + Escaped(doc) + "/content?rev=" + first_raw_);
  ASSERT_TRUE(old);
  EXPECT_EQ(old->body, ReadFileOrDie(corpus_[0].raw_path()));

  auto range = Get("/api/v1/documents/" + Escaped(doc) + "/content",
                   {{"Range", "bytes=100-199"}});
  ASSERT_TRUE(range);
  EXPECT_EQ(range->status, 206);
  EXPECT_EQ(range->body, bytes.substr(100, 100));
  EXPECT_EQ(range->get_header_value("Content-Range"),
            absl::StrCat("bytes 100-199/", bytes.size()));

  // A revision of another document is not this document's content.
  Json wrong = GetJson("/api/v1/documents/" + Escaped(corpus_[1].id) +
                           "/content?rev=" + first_raw_,
                       404);
  EXPECT_EQ(wrong["error"]["exit"], 3);
}

TEST_F(HttpApiTest, StatementsReceiptsSearchAndProofsAreTheClis) {
  Json revision = GetJson("/api/v1/revisions/" + first_raw_);
  ProcessResult statement = office_->Ctl({"statement", first_raw_});
  ASSERT_EQ(statement.exit_code, 0) << Describe(statement);
  EXPECT_EQ(revision["signed_statement"], statement.out);
  EXPECT_EQ(revision["receipt"]["signed_statement"], statement.out);
  EXPECT_EQ(revision["receipt"]["inclusion"]["leaf_index"], "0");

  ProcessResult checkpoint = office_->Ctl({"checkpoint"});
  Json api_checkpoint = GetJson("/api/v1/checkpoint");
  EXPECT_EQ(api_checkpoint["checkpoint"], checkpoint.out);
  EXPECT_EQ(api_checkpoint["verifier_key"], office_->verifier_key());
  EXPECT_EQ(revision["receipt"]["checkpoint"], checkpoint.out);

  const uint64_t size = office_->TreeSize();
  Json proof =
      GetJson(absl::StrCat("/api/v1/proofs/consistency?old=1&new=", size));
  Json cli_proof = CtlJson({"proof", "consistency", "1", absl::StrCat(size)});
  EXPECT_EQ(proof["proof"]["hashes"], cli_proof["hashes"]);

  const std::string term = "数据";
  Json hits = GetJson("/api/v1/search?q=" + Escaped(term));
  Json cli_hits = CtlJson({"search", term});
  ASSERT_FALSE(cli_hits["hits"].empty());
  ASSERT_EQ(hits["hits"].size(), cli_hits["hits"].size());
  for (size_t i = 0; i < hits["hits"].size(); ++i) {
    EXPECT_EQ(hits["hits"][i]["document_id"],
              cli_hits["hits"][i]["document_id"]);
    EXPECT_EQ(hits["hits"][i]["snippet"], cli_hits["hits"][i]["snippet"]);
  }
  Json keys = GetJson("/api/v1/keys");
  EXPECT_EQ(keys["keys"][0], office_->verifier_key());
}

TEST_F(HttpApiTest, ErrorsAreJsonWithTheClisExitCode) {
  Json unknown = GetJson("/api/v1/documents/no-such-document", 404);
  EXPECT_EQ(unknown["error"]["code"], "NOT_FOUND");
  EXPECT_EQ(unknown["error"]["exit"],
            office_->Ctl({"history", "no-such-document"}).exit_code);
  Json bad_page = GetJson("/api/v1/documents?page_size=many", 400);
  EXPECT_EQ(bad_page["error"]["code"], "INVALID_ARGUMENT");
  EXPECT_NE(bad_page["error"]["message"].get<std::string>().find("page_size"),
            std::string::npos);
  GetJson("/api/v1/revisions/not-hex", 400);
  GetJson(absl::StrCat("/api/v1/proofs/consistency?old=1&new=",
                       office_->TreeSize() + 5),
          400);
  GetJson("/api/v1/nothing-here", 404);
  GetJson("/api/v1/search?q=" + std::string(2000, 'x'), 400);
}

TEST(HttpApiDamage, ADamagedContentIsNeverServed) {
  const int http_port = FreePort();
  auto office = Office::Start(
      Office::Options{"http-damage.example",
                      "",
                      {absl::StrCat("--http_listen=127.0.0.1:", http_port),
                       "--inline_blob_max_bytes=0"},
                      0});
  const std::string text = "the archived text of a damaged document\n";
  ASSERT_FALSE(office->PutText("damaged/doc", text).empty());
  FlipByte(office->BlobPath(BytesSha256(text)), 3);
  httplib::Client client("127.0.0.1", http_port);
  auto r = client.Get("/api/v1/documents/damaged%2Fdoc/content");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 500);
  EXPECT_EQ(r->body.find("archived text"), std::string::npos) << r->body;
  Json error = Json::parse(r->body, nullptr, false);
  EXPECT_EQ(error["error"]["code"], "DATA_LOSS") << r->body;
  EXPECT_EQ(error["error"]["exit"], 4);
}

}  // namespace
}  // namespace archive::testing
