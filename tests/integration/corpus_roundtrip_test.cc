// The corpus round trip of issue 2: all 18 policy documents of the sample
// corpus archived through the real archivectl into a real archived, first as
// extracted (raw/), then corrected (clean/); every revision comes back
// byte-exact, history, verify and ls tell the truth, and all of it survives a
// clean restart and a crash (SIGKILL).
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "nlohmann/json.hpp"
#include "storage/base/hex.h"
#include "storage/base/sha256.h"
#include "tests/integration/test_harness.h"

namespace archive::testing {
namespace {

constexpr size_t kRoundTripCorpusSize = 18;
constexpr char kRawNote[] = "text as extracted from the printed compilation";

std::string CleanNote(const CorpusDocument& d) {
  std::string note = "corrected: page running headers removed";
  if (!d.note.empty()) absl::StrAppend(&note, "; ", d.note);
  return note;
}

// The manifest value behind a JSON metadata key, "" meaning the key is absent.
void ExpectMetadata(const Json& revision, const CorpusDocument& d) {
  for (const auto& [key, want] :
       std::vector<std::pair<const char*, std::string>>{{"title", d.title},
                                                        {"issuer", d.issuer},
                                                        {"number", d.number},
                                                        {"region", d.region},
                                                        {"date", d.date}}) {
    if (want.empty()) {
      EXPECT_FALSE(revision.contains(key))
          << d.id << ": " << key << " was not given but is "
          << revision.value(key, "");
    } else {
      EXPECT_EQ(revision.value(key, "<absent>"), want) << d.id << ": " << key;
    }
  }
}

class CorpusRoundTrip : public ::testing::Test {
 protected:
  void SetUp() override {
    corpus_ = LoadCorpus();
    ASSERT_EQ(corpus_.size(), kRoundTripCorpusSize) << "manifest.tsv changed?";
    server_ = TestServer::Start();
    ASSERT_TRUE(server_->running());
    cli_ = std::make_unique<Cli>(server_->address());
    for (const CorpusDocument& d : corpus_) {
      ASSERT_NO_FATAL_FAILURE(raw_ids_[d.id] = Put(d, d.raw_path(), kRawNote,
                                                   d.raw_sha256, d.raw_bytes));
    }
    for (const CorpusDocument& d : corpus_) {
      ASSERT_NO_FATAL_FAILURE(clean_ids_[d.id] =
                                  Put(d, d.clean_path(), CleanNote(d),
                                      d.clean_sha256, d.clean_bytes));
    }
  }

  // Puts one file with the manifest's metadata; returns the new revision id.
  std::string Put(const CorpusDocument& d, const std::string& path,
                  const std::string& note, const std::string& sha256,
                  long size) {
    std::vector<std::string> args = {"put",    path, "--id",  d.id,
                                     "--note", note, "--json"};
    std::vector<std::string> meta = d.PutFlags();
    args.insert(args.end(), meta.begin(), meta.end());
    ProcessResult r = cli_->Run(args);
    EXPECT_EQ(r.exit_code, 0) << "put " << path << ": " << Describe(r);
    Json j = ParseJson(r);
    if (j.is_discarded()) return "";
    EXPECT_TRUE(j.value("created", false)) << d.id << ": " << r.out;
    EXPECT_EQ(j["revision"].value("sha256", ""), sha256) << d.id;
    EXPECT_EQ(j["revision"].value("size", -1L), size) << d.id;
    std::string id = j.value("revision_id", "");
    EXPECT_TRUE(IsSha256Hex(id)) << d.id << ": revision id \"" << id << "\"";
    return id;
  }

  // Gets every revision of every document into `dir` and checks it against
  // the manifest: the raw one by --rev, the clean one as the authoritative.
  void ExpectEveryRevisionServed(const std::string& dir) {
    for (const CorpusDocument& d : corpus_) {
      std::string raw_out = absl::StrCat(dir, "/", d.id, ".raw");
      ProcessResult r =
          cli_->Run({"get", d.id, "--rev", raw_ids_[d.id], "-o", raw_out});
      ASSERT_EQ(r.exit_code, 0)
          << "get --rev raw of " << d.id << ": " << Describe(r);
      EXPECT_EQ(FileSha256(raw_out), d.raw_sha256) << d.id << " raw";
      std::string clean_out = absl::StrCat(dir, "/", d.id, ".clean");
      r = cli_->Run({"get", d.id, "-o", clean_out});
      ASSERT_EQ(r.exit_code, 0) << "get " << d.id << ": " << Describe(r);
      EXPECT_EQ(FileSha256(clean_out), d.clean_sha256) << d.id << " clean";
    }
  }

  Json History(const std::string& doc) {
    ProcessResult r = cli_->Run({"history", doc, "--json"});
    EXPECT_EQ(r.exit_code, 0) << "history " << doc << ": " << Describe(r);
    return ParseJson(r);
  }

  void ExpectHistories() {
    for (const CorpusDocument& d : corpus_) {
      Json h = History(d.id);
      ASSERT_FALSE(h.is_discarded());
      EXPECT_EQ(h["heads"], Json::array({clean_ids_[d.id]})) << d.id;
      const Json& revs = h["revisions"];
      ASSERT_EQ(revs.size(), 2u) << d.id << ": " << h.dump(2);
      const Json& newest = revs[0];
      const Json& oldest = revs[1];
      EXPECT_EQ(newest.value("revision_id", ""), clean_ids_[d.id]) << d.id;
      EXPECT_EQ(newest.value("sha256", ""), d.clean_sha256) << d.id;
      EXPECT_EQ(newest.value("size", -1L), d.clean_bytes) << d.id;
      EXPECT_EQ(newest.value("note", ""), CleanNote(d)) << d.id;
      EXPECT_EQ(newest["parents"], Json::array({raw_ids_[d.id]})) << d.id;
      EXPECT_EQ(oldest.value("revision_id", ""), raw_ids_[d.id]) << d.id;
      EXPECT_EQ(oldest.value("sha256", ""), d.raw_sha256) << d.id;
      EXPECT_EQ(oldest.value("size", -1L), d.raw_bytes) << d.id;
      EXPECT_EQ(oldest.value("note", ""), kRawNote) << d.id;
      EXPECT_EQ(oldest["parents"], Json::array()) << d.id;
      EXPECT_LT(oldest.value("leaf_index", 0), newest.value("leaf_index", 0))
          << d.id;
      for (const Json* r : {&newest, &oldest}) {
        EXPECT_EQ(r->value("document_id", ""), d.id);
        EXPECT_EQ(r->value("status", ""), "in_force") << d.id;
        EXPECT_EQ(r->value("media_type", ""), "text/plain; charset=utf-8")
            << d.id;
        EXPECT_EQ(r->value("origin", ""), server_->origin()) << d.id;
        EXPECT_EQ(r->value("submitted_by", ""), "local") << d.id;
        ExpectMetadata(*r, d);
      }
    }
  }

  Json List(const std::vector<std::string>& filters) {
    std::vector<std::string> args = {"ls", "--json"};
    args.insert(args.end(), filters.begin(), filters.end());
    ProcessResult r = cli_->Run(args);
    EXPECT_EQ(r.exit_code, 0)
        << "ls " << absl::StrJoin(filters, " ") << ": " << Describe(r);
    return ParseJson(r);
  }

  std::set<std::string> ListedIds(const std::vector<std::string>& filters) {
    std::set<std::string> ids;
    Json docs = List(filters);
    if (!docs.is_array()) {
      ADD_FAILURE() << "ls --json did not print an array: " << docs.dump();
      return ids;
    }
    for (const Json& d : docs) ids.insert(d.value("document_id", ""));
    return ids;
  }

  // The full listing: every document, two revisions, head = the clean one.
  void ExpectFullListing() {
    Json docs = List({});
    ASSERT_TRUE(docs.is_array()) << docs.dump();
    ASSERT_EQ(docs.size(), kRoundTripCorpusSize) << docs.dump(2);
    std::map<std::string, const Json*> by_id;
    for (const Json& d : docs) by_id[d.value("document_id", "")] = &d;
    for (const CorpusDocument& d : corpus_) {
      ASSERT_TRUE(by_id.count(d.id)) << d.id << " missing from ls";
      const Json& listed = *by_id[d.id];
      EXPECT_EQ(listed["heads"], Json::array({clean_ids_[d.id]})) << d.id;
      EXPECT_EQ(listed.value("revision_count", 0), 2) << d.id;
      EXPECT_EQ(listed["latest"].value("sha256", ""), d.clean_sha256) << d.id;
      ExpectMetadata(listed["latest"], d);
    }
  }

  uint64_t TreeSize() {
    ProcessResult r = cli_->Run({"checkpoint", "--json"});
    EXPECT_EQ(r.exit_code, 0) << "checkpoint: " << Describe(r);
    Json j = ParseJson(r);
    return j.is_discarded() ? 0 : j.value("tree_size", uint64_t{0});
  }

  void ExpectEverythingThere() {
    TempDir out;
    ASSERT_NO_FATAL_FAILURE(ExpectEveryRevisionServed(out.path()));
    ASSERT_NO_FATAL_FAILURE(ExpectHistories());
    ASSERT_NO_FATAL_FAILURE(ExpectFullListing());
    EXPECT_EQ(TreeSize(), 2 * kRoundTripCorpusSize);
  }

  std::vector<CorpusDocument> corpus_;
  std::unique_ptr<TestServer> server_;
  std::unique_ptr<Cli> cli_;
  std::map<std::string, std::string> raw_ids_, clean_ids_;
};

TEST_F(CorpusRoundTrip, EveryRevisionComesBackByteExact) {
  TempDir out;
  ExpectEveryRevisionServed(out.path());
  // Without -o the bytes go to stdout, verified just the same.
  const CorpusDocument& d = corpus_[0];
  ProcessResult r = cli_->Run({"get", d.id});
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  EXPECT_EQ(Sha256::HexDigest(r.out), d.clean_sha256);
  EXPECT_EQ(TreeSize(), 2 * kRoundTripCorpusSize);
}

TEST_F(CorpusRoundTrip, HistoryShowsBothRevisionsNewestFirst) {
  ExpectHistories();
  // The human form says the same, newest first, the head marked.
  const CorpusDocument& d = corpus_[1];
  ProcessResult r = cli_->Run({"history", d.id});
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  size_t clean_at = r.out.find("revision " + clean_ids_[d.id] + "  (head)");
  size_t raw_at = r.out.find("revision " + raw_ids_[d.id]);
  ASSERT_NE(clean_at, std::string::npos) << r.out;
  ASSERT_NE(raw_at, std::string::npos) << r.out;
  EXPECT_LT(clean_at, raw_at) << r.out;
  EXPECT_TRUE(absl::StrContains(r.out, d.clean_sha256)) << r.out;
  EXPECT_TRUE(absl::StrContains(r.out, kRawNote)) << r.out;
}

TEST_F(CorpusRoundTrip, StatementsNameContentAndParent) {
  for (const CorpusDocument& d : corpus_) {
    ProcessResult r = cli_->Run({"statement", clean_ids_[d.id]});
    ASSERT_EQ(r.exit_code, 0) << d.id << ": " << Describe(r);
    EXPECT_TRUE(absl::StartsWith(r.out, "archive-revision/v1\n")) << r.out;
    EXPECT_TRUE(absl::StrContains(r.out, "\ndocument " + d.id + "\n")) << r.out;
    EXPECT_TRUE(absl::StrContains(r.out, "\nparent " + raw_ids_[d.id] + "\n"))
        << r.out;
    EXPECT_TRUE(absl::StrContains(
        r.out, absl::StrCat("\ncontent sha256:", d.clean_sha256, " ",
                            d.clean_bytes, "\n")))
        << r.out;
    // The revision id is the SHA-256 of the statement text (before the blank
    // line that starts the signatures).
    size_t blank = r.out.find("\n\n");
    ASSERT_NE(blank, std::string::npos) << r.out;
    EXPECT_EQ(Sha256::HexDigest(r.out.substr(0, blank + 1)), clean_ids_[d.id])
        << r.out;
  }
}

TEST_F(CorpusRoundTrip, VerifyAcceptsExactFileAndRejectsOneByteChange) {
  TempDir dir;
  for (const CorpusDocument& d : corpus_) {
    ProcessResult ok = cli_->Run({"verify", d.clean_path(), "--id", d.id});
    EXPECT_EQ(ok.exit_code, 0)
        << "verify exact clean file of " << d.id << ": " << Describe(ok);
    ok = cli_->Run(
        {"verify", d.raw_path(), "--id", d.id, "--rev", raw_ids_[d.id]});
    EXPECT_EQ(ok.exit_code, 0) << "verify exact raw file of " << d.id
                               << " against its revision: " << Describe(ok);

    // The same size, one byte different: only the digest can tell.
    std::string bytes = ReadFileOrDie(d.clean_path());
    ASSERT_FALSE(bytes.empty());
    bytes[bytes.size() / 2] ^= 0x01;
    std::string changed = absl::StrCat(dir.path(), "/", d.id, ".txt");
    WriteFileOrDie(changed, bytes);
    ProcessResult bad = cli_->Run({"verify", changed, "--id", d.id});
    EXPECT_NE(bad.exit_code, 0) << "verify accepted a changed copy of " << d.id
                                << ": " << Describe(bad);
    EXPECT_TRUE(absl::StrContains(bad.err, "NOT")) << Describe(bad);
    EXPECT_TRUE(absl::StrContains(bad.err, Sha256::HexDigest(bytes)))
        << "the reason should give the file's digest: " << Describe(bad);
    EXPECT_TRUE(absl::StrContains(bad.err, d.clean_sha256))
        << "the reason should give the archived digest: " << Describe(bad);
    EXPECT_EQ(std::count(bad.err.begin(), bad.err.end(), '\n'), 1)
        << "one-line reason expected: " << Describe(bad);

    // The older revision is not the authoritative one.
    bad = cli_->Run({"verify", d.raw_path(), "--id", d.id});
    EXPECT_NE(bad.exit_code, 0) << "verify took the raw text of " << d.id
                                << " for the corrected one: " << Describe(bad);
  }
}

TEST_F(CorpusRoundTrip, ListShowsEveryDocumentAndFiltersMatchManifest) {
  ExpectFullListing();

  std::map<std::string, std::set<std::string>> by_region, by_issuer;
  for (const CorpusDocument& d : corpus_) {
    by_region[d.region].insert(d.id);
    by_issuer[d.issuer].insert(d.id);
  }
  ASSERT_TRUE(by_region.count("广西"));
  for (const auto& [region, ids] : by_region) {
    EXPECT_EQ(ListedIds({"--region", region}), ids) << "--region " << region;
  }
  for (const auto& [issuer, ids] : by_issuer) {
    EXPECT_EQ(ListedIds({"--issuer", issuer}), ids) << "--issuer " << issuer;
  }
  EXPECT_EQ(ListedIds({"--region", "西藏"}), std::set<std::string>{});

  std::set<std::string> numbered, in_2022, from_2022, mentions;
  for (const CorpusDocument& d : corpus_) {
    if (!d.date.empty() && d.date >= "2022-01-01" && d.date <= "2022-12-31")
      in_2022.insert(d.id);
    if (!d.date.empty() && d.date >= "2022-01-01") from_2022.insert(d.id);
    for (const std::string* field : {&d.id, &d.title, &d.issuer, &d.number}) {
      if (absl::StrContains(*field, "数字")) mentions.insert(d.id);
    }
  }
  ASSERT_FALSE(in_2022.empty());
  EXPECT_EQ(ListedIds({"--from", "2022-01-01", "--to", "2022-12-31"}), in_2022);
  EXPECT_EQ(ListedIds({"--from", "2022-01-01"}), from_2022);
  ASSERT_FALSE(mentions.empty());
  EXPECT_EQ(ListedIds({"--query", "数字"}), mentions);
  EXPECT_EQ(ListedIds({"--number", "桂政发〔2022〕31号"}),
            std::set<std::string>{"gx-2022-guizhengfa-31"});
  EXPECT_EQ(ListedIds({"--region", "广西", "--from", "2023-01-01"}),
            std::set<std::string>{"gx-2023-guizhenghan-11"});
  EXPECT_EQ(ListedIds({"--status", "in_force"}).size(), kRoundTripCorpusSize);
  EXPECT_EQ(ListedIds({"--status", "draft"}), std::set<std::string>{});

  // The human listing names every document too.
  ProcessResult r = cli_->Run({"ls"});
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  for (const CorpusDocument& d : corpus_) {
    EXPECT_TRUE(absl::StrContains(r.out, d.id)) << r.out;
  }
}

TEST_F(CorpusRoundTrip, IdempotentReputReturnsSameRevision) {
  for (const CorpusDocument& d : corpus_) {
    std::vector<std::string> args = {"put",    d.clean_path(), "--id",  d.id,
                                     "--note", "retried",      "--json"};
    std::vector<std::string> meta = d.PutFlags();
    args.insert(args.end(), meta.begin(), meta.end());
    ProcessResult r = cli_->Run(args);
    ASSERT_EQ(r.exit_code, 0) << "re-put " << d.id << ": " << Describe(r);
    Json j = ParseJson(r);
    EXPECT_EQ(j.value("revision_id", ""), clean_ids_[d.id]) << d.id;
    EXPECT_FALSE(j.value("created", true)) << d.id << ": " << r.out;
  }
  // The human form prints the same id and says nothing was stored.
  const CorpusDocument& d = corpus_[2];
  std::vector<std::string> args = {"put", d.clean_path(), "--id",
                                   d.id,  "--note",       CleanNote(d)};
  std::vector<std::string> meta = d.PutFlags();
  args.insert(args.end(), meta.begin(), meta.end());
  ProcessResult r = cli_->Run(args);
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  EXPECT_EQ(r.out, clean_ids_[d.id] + "\n");
  EXPECT_TRUE(absl::StrContains(r.err, "nothing stored")) << Describe(r);

  ExpectHistories();
  EXPECT_EQ(TreeSize(), 2 * kRoundTripCorpusSize) << "a re-put grew the log";
}

TEST_F(CorpusRoundTrip, EverythingSurvivesCleanRestart) {
  ASSERT_EQ(server_->Stop(), 0) << "archived did not drain cleanly:\n"
                                << server_->log();
  ASSERT_TRUE(server_->Restart()) << server_->log();
  ExpectEverythingThere();
  // The archive goes on from where it was: same key, the log extends.
  ProcessResult r = cli_->Run({"put", corpus_[0].raw_path(), "--id",
                               "after-restart", "--title", "after restart"});
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  EXPECT_EQ(TreeSize(), 2 * kRoundTripCorpusSize + 1);
  EXPECT_EQ(ListedIds({}).size(), kRoundTripCorpusSize + 1);
}

TEST_F(CorpusRoundTrip, EverythingSurvivesKill) {
  server_->Kill();
  ASSERT_TRUE(server_->Restart()) << server_->log();
  ExpectEverythingThere();
  ProcessResult r = cli_->Run({"put", corpus_[0].raw_path(), "--id",
                               "after-crash", "--title", "after crash"});
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  EXPECT_EQ(TreeSize(), 2 * kRoundTripCorpusSize + 1);
  // Twice in a row, with no clean stop in between.
  server_->Kill();
  ASSERT_TRUE(server_->Restart()) << server_->log();
  EXPECT_EQ(TreeSize(), 2 * kRoundTripCorpusSize + 1);
  EXPECT_EQ(ListedIds({}).size(), kRoundTripCorpusSize + 1);
}

}  // namespace
}  // namespace archive::testing
