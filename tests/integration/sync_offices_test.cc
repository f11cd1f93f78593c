// Issue 4, three offices: A archives the Guangxi documents, B the Beijing and
// Shanghai ones, C the Tianjin ones (each raw, then clean). They pull around
// the ring B<-A, C<-B, A<-C until every office holds all 18 documents x 2
// revisions byte-exact, each revision verifiable with its origin's key and
// kept with its provenance, and one more round imports nothing. A second test
// shows a configured peer with a pull interval is pulled without being asked.
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "clients/api/archive_client.h"
#include "storage/verify/receipt_checker.h"
#include "storage/verify/trust_store.h"
#include "tests/integration/sync_test_util.h"

namespace archive::testing {
namespace {

constexpr size_t kOfficesCorpusSize = 18;

struct Expected {
  const CorpusDocument* doc;
  const Office* origin;
  std::string raw_id, clean_id;
};

std::vector<std::string> MetadataFlags(const CorpusDocument& d,
                                       const std::string& note) {
  std::vector<std::string> flags = {"--note", note};
  for (std::string& flag : d.PutFlags()) flags.push_back(std::move(flag));
  return flags;
}

// A revision's JSON as every office must show it: all but its position in
// that office's own log.
Json Provenance(Json revision) {
  revision.erase("leaf_index");
  return revision;
}

class SyncOffices : public ::testing::Test {
 protected:
  void SetUp() override {
    corpus_ = LoadCorpus();
    ASSERT_EQ(corpus_.size(), kOfficesCorpusSize) << "manifest.tsv changed?";
    a_ = Office::Start("gx.archive.example");
    b_ = Office::Start("bj-sh.archive.example");
    c_ = Office::Start("tj.archive.example");
    for (Office* o : offices()) ASSERT_TRUE(o->server().running());
    for (Office* o : offices()) o->Trust({a_.get(), b_.get(), c_.get()});
    all_keys_ = WriteTrustFile(a_->scratch() + "/all-offices.keys",
                               {a_.get(), b_.get(), c_.get()});
  }

  std::vector<Office*> offices() { return {a_.get(), b_.get(), c_.get()}; }

  std::string Logs() {
    std::string logs;
    for (Office* o : offices()) {
      absl::StrAppend(&logs, "\n--- server log of ", o->origin(), ":\n",
                      o->Log());
    }
    return logs;
  }

  const Office* OriginOf(const CorpusDocument& d) {
    if (absl::StartsWith(d.id, "gx-")) return a_.get();
    if (absl::StartsWith(d.id, "bj-") || absl::StartsWith(d.id, "sh-"))
      return b_.get();
    if (absl::StartsWith(d.id, "tj-")) return c_.get();
    ADD_FAILURE() << "no office for " << d.id;
    return nullptr;
  }

  // Each office archives its own documents: the raw text, then the clean one.
  void ArchiveOwnDocuments() {
    for (const CorpusDocument& d : corpus_) {
      const Office* origin = OriginOf(d);
      ASSERT_NE(origin, nullptr);
      Expected e{&d, origin, "", ""};
      e.raw_id =
          origin->Put(d.raw_path(), d.id, MetadataFlags(d, "as extracted"));
      e.clean_id = origin->Put(d.clean_path(), d.id,
                               MetadataFlags(d, "running headers removed"));
      ASSERT_FALSE(e.raw_id.empty() || e.clean_id.empty()) << d.id;
      expected_.push_back(e);
    }
  }

  // One round B<-A, C<-B, A<-C; returns the revisions each pull imported.
  std::vector<uint64_t> Round(int round) {
    std::vector<uint64_t> imported;
    for (auto [puller, peer] :
         std::vector<std::pair<Office*, Office*>>{{b_.get(), a_.get()},
                                                  {c_.get(), b_.get()},
                                                  {a_.get(), c_.get()}}) {
      Json report = puller->SyncOk(peer->address());
      if (report.is_discarded()) {
        ADD_FAILURE() << "round " << round << ": " << puller->origin() << " <- "
                      << peer->origin() << Logs();
        imported.push_back(UINT64_MAX);
        continue;
      }
      EXPECT_EQ(report.value("peer_origin", ""), peer->origin())
          << report.dump();
      EXPECT_EQ(report.value("checkpoint_size", uint64_t{0}), peer->TreeSize())
          << "round " << round << ": " << puller->origin() << " <- "
          << peer->origin()
          << " did not reach the peer's checkpoint: " << report.dump();
      EXPECT_TRUE(report["conflicts"].empty()) << report.dump();
      EXPECT_LE(report.value("blobs_fetched", uint64_t{0}),
                report.value("imported", uint64_t{0}))
          << "fetched a blob for a revision it did not import: "
          << report.dump();
      imported.push_back(report.value("imported", UINT64_MAX));
    }
    return imported;
  }

  bool EveryoneHasEverything() {
    for (Office* o : offices()) {
      if (o->TreeSize() != 2 * kOfficesCorpusSize) return false;
    }
    return true;
  }

  // Every revision comes back byte-exact from `office`, verified by an
  // archivectl that trusts exactly the three offices' keys.
  void ExpectEveryRevisionServed(const Office& office) {
    TempDir out;
    for (const Expected& e : expected_) {
      for (const auto& [rev, sha256] :
           std::vector<std::pair<std::string, std::string>>{
               {e.raw_id, e.doc->raw_sha256},
               {e.clean_id, e.doc->clean_sha256}}) {
        std::string path = absl::StrCat(out.path(), "/", rev);
        ProcessResult r = office.Ctl(
            {"--trust", all_keys_, "get", e.doc->id, "--rev", rev, "-o", path});
        ASSERT_EQ(r.exit_code, 0)
            << office.origin() << ": get " << e.doc->id << " --rev " << rev
            << ": " << Describe(r) << "\n--- server log:\n"
            << office.Log();
        EXPECT_EQ(FileSha256(path), sha256)
            << office.origin() << ": " << e.doc->id << " revision " << rev;
        EXPECT_TRUE(absl::StrContains(r.err, "signed by " + e.origin->origin()))
            << office.origin() << ": " << e.doc->id << ": " << r.err;
      }
      // Without --rev: the clean text, the single head.
      std::string path = absl::StrCat(out.path(), "/", e.doc->id);
      ProcessResult r =
          office.Ctl({"--trust", all_keys_, "get", e.doc->id, "-o", path});
      ASSERT_EQ(r.exit_code, 0)
          << office.origin() << ": get " << e.doc->id << ": " << Describe(r);
      EXPECT_EQ(FileSha256(path), e.doc->clean_sha256)
          << office.origin() << ": " << e.doc->id;
    }
  }

  // History shows each revision exactly as its origin archived it.
  void ExpectProvenance(const Office& office) {
    for (const Expected& e : expected_) {
      Json here = office.History(e.doc->id);
      Json& there = origin_history_[e.doc->id];
      if (there.is_null()) there = e.origin->History(e.doc->id);
      ASSERT_FALSE(here.is_discarded() || there.is_discarded());
      EXPECT_EQ(here["heads"], Json::array({e.clean_id}))
          << office.origin() << ": " << e.doc->id << ": " << here.dump(2);
      const Json& revs = here["revisions"];
      ASSERT_EQ(revs.size(), 2u)
          << office.origin() << ": " << e.doc->id << ": " << here.dump(2);
      EXPECT_EQ(revs[0].value("revision_id", ""), e.clean_id);
      EXPECT_EQ(revs[1].value("revision_id", ""), e.raw_id);
      for (size_t i = 0; i < 2; ++i) {
        EXPECT_EQ(revs[i].value("origin", ""), e.origin->origin())
            << office.origin() << ": " << e.doc->id << ": " << revs[i].dump();
        EXPECT_EQ(revs[i].value("submitted_by", ""), "local") << revs[i].dump();
        EXPECT_EQ(Provenance(revs[i]), Provenance(there["revisions"][i]))
            << office.origin() << " shows " << e.doc->id
            << " differently from its origin " << e.origin->origin();
      }
      EXPECT_EQ(revs[1]["parents"], Json::array()) << revs[1].dump();
      EXPECT_EQ(revs[0]["parents"], Json::array({e.raw_id})) << revs[0].dump();
    }
  }

  // Every statement is the origin's, unchanged, and verifies with the origin's
  // key alone (and not without it).
  void ExpectStatementsSignedByOrigin(const Office& office) {
    ArchiveClient client(ArchiveClient::Dial(office.address()));
    for (const Expected& e : expected_) {
      TrustStore origin_only;
      ASSERT_TRUE(origin_only.AddKey(e.origin->verifier_key()).ok());
      TrustStore others;
      for (Office* o : offices()) {
        if (o != e.origin) {
          ASSERT_TRUE(others.AddKey(o->verifier_key()).ok());
        }
      }
      ArchiveClient origin_client(ArchiveClient::Dial(e.origin->address()));
      for (const std::string& rev : {e.raw_id, e.clean_id}) {
        auto here = client.GetStatement(rev);
        ASSERT_TRUE(here.ok()) << office.origin() << ": " << here.status();
        auto there = origin_client.GetStatement(rev);
        ASSERT_TRUE(there.ok()) << there.status();
        EXPECT_EQ(here->signed_statement(), there->signed_statement())
            << office.origin() << " altered the signed statement of " << rev;
        auto verified = ReceiptChecker(&origin_only)
                            .CheckStatement(here->signed_statement());
        ASSERT_TRUE(verified.ok())
            << office.origin() << ": " << rev << ": " << verified.status();
        EXPECT_EQ(verified->revision_id, rev);
        EXPECT_EQ(verified->statement.origin, e.origin->origin());
        EXPECT_FALSE(ReceiptChecker(&others)
                         .CheckStatement(here->signed_statement())
                         .ok())
            << rev << " verified without its origin's key";
      }
    }
  }

  // The office's log holds each of the 36 revisions exactly once.
  void ExpectLogHoldsEachRevisionOnce(const Office& office) {
    std::vector<std::string> log = office.LogRevisionIds();
    std::set<std::string> unique(log.begin(), log.end());
    EXPECT_EQ(unique.size(), log.size())
        << office.origin() << ": duplicate revisions in the log";
    std::set<std::string> want;
    for (const Expected& e : expected_) {
      want.insert(e.raw_id);
      want.insert(e.clean_id);
    }
    EXPECT_EQ(unique, want) << office.origin();
  }

  std::vector<CorpusDocument> corpus_;
  std::unique_ptr<Office> a_, b_, c_;
  std::string all_keys_;
  std::vector<Expected> expected_;
  std::map<std::string, Json>
      origin_history_;  // by document, as its origin shows it
};

TEST_F(SyncOffices, ThreeOfficesConvergeOnAllDocumentsWithProvenance) {
  ASSERT_NO_FATAL_FAILURE(ArchiveOwnDocuments());
  EXPECT_EQ(a_->TreeSize(), 14u);  // 7 Guangxi documents
  EXPECT_EQ(b_->TreeSize(), 12u);  // 3 Beijing + 3 Shanghai
  EXPECT_EQ(c_->TreeSize(), 10u);  // 5 Tianjin

  // Round 1: B gets A's; C gets A's and B's through B; A gets B's and C's.
  std::vector<uint64_t> first = Round(1);
  EXPECT_EQ(first, (std::vector<uint64_t>{14, 26, 22})) << Logs();
  // Round 2 brings C's documents to B; then everyone has everything.
  std::vector<std::vector<uint64_t>> rounds = {first};
  for (int round = 2; round <= 4 && !EveryoneHasEverything(); ++round) {
    rounds.push_back(Round(round));
  }
  ASSERT_TRUE(EveryoneHasEverything())
      << "after " << rounds.size() << " rounds: A " << a_->TreeSize() << ", B "
      << b_->TreeSize() << ", C " << c_->TreeSize() << Logs();
  EXPECT_EQ(rounds.size(), 2u) << "a second round should have completed it";
  if (rounds.size() == 2) {
    EXPECT_EQ(rounds[1], (std::vector<uint64_t>{10, 0, 0}));
  }

  // A final round imports nothing and fetches nothing.
  for (auto [puller, peer] : std::vector<std::pair<Office*, Office*>>{
           {b_.get(), a_.get()}, {c_.get(), b_.get()}, {a_.get(), c_.get()}}) {
    Json report = puller->SyncOk(peer->address());
    ASSERT_FALSE(report.is_discarded());
    EXPECT_EQ(report.value("imported", UINT64_MAX), 0u)
        << puller->origin() << " <- " << peer->origin() << ": "
        << report.dump();
    EXPECT_EQ(report.value("blobs_fetched", UINT64_MAX), 0u) << report.dump();
    EXPECT_EQ(report.value("checkpoint_size", uint64_t{0}),
              2 * kOfficesCorpusSize)
        << report.dump();
  }

  for (Office* o : offices()) {
    SCOPED_TRACE(o->origin());
    ASSERT_NO_FATAL_FAILURE(ExpectLogHoldsEachRevisionOnce(*o));
    EXPECT_EQ(o->DocumentIds().size(), kOfficesCorpusSize);
    ASSERT_NO_FATAL_FAILURE(ExpectEveryRevisionServed(*o));
    ASSERT_NO_FATAL_FAILURE(ExpectProvenance(*o));
    ASSERT_NO_FATAL_FAILURE(ExpectStatementsSignedByOrigin(*o));
  }
  // The text form of history names where each revision came from.
  ProcessResult h = c_->Ctl({"history", "gx-2022-guizhengfa-31"});
  ASSERT_EQ(h.exit_code, 0) << Describe(h);
  EXPECT_TRUE(absl::StrContains(h.out, "origin        gx.archive.example"))
      << h.out;
  for (Office* o : offices()) EXPECT_EQ(o->server().Stop(), 0) << o->Log();
}

TEST(SyncConfiguredPeer, PullsOnItsOwnAtTheConfiguredInterval) {
  std::vector<CorpusDocument> corpus = LoadCorpus();
  ASSERT_EQ(corpus.size(), kOfficesCorpusSize);
  auto a = Office::Start("gx.archive.example");
  ASSERT_TRUE(a->server().running());
  std::set<std::string> gx;
  for (const CorpusDocument& d : corpus) {
    if (!absl::StartsWith(d.id, "gx-")) continue;
    ASSERT_FALSE(a->Put(d.clean_path(), d.id).empty());
    gx.insert(d.id);
  }
  ASSERT_EQ(gx.size(), 7u);

  // B trusts A only through the pinned key in its configuration.
  TempDir conf;
  std::string config = conf.path() + "/archived.textproto";
  WriteFileOrDie(
      config,
      absl::StrCat("peers {\n  name: \"", a->origin(), "\"\n  address: \"",
                   a->address(), "\"\n  verifier_key: \"", a->verifier_key(),
                   "\"\n  pull_interval_seconds: 1\n}\n"));
  auto b = Office::Start(
      Office::Options{"bj-sh.archive.example", "", {"--config=" + config}, 0});
  ASSERT_TRUE(b->server().running()) << b->Log();

  auto wait_for = [&](const std::set<std::string>& want) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
    std::set<std::string> have;
    while (std::chrono::steady_clock::now() < deadline) {
      have = b->DocumentIds();
      if (have == want) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ADD_FAILURE() << "after 15 s B has " << absl::StrJoin(have, ", ")
                  << "; want " << absl::StrJoin(want, ", ")
                  << "\n--- B's log:\n"
                  << b->Log() << "\n--- A's log:\n"
                  << a->Log();
    return false;
  };
  ASSERT_TRUE(wait_for(gx));
  // And again later, without being asked: the interval repeats.
  std::string rev = a->PutText("gx-later", "a later Guangxi notice\n");
  ASSERT_FALSE(rev.empty());
  gx.insert("gx-later");
  ASSERT_TRUE(wait_for(gx));
  Json h = b->History("gx-later");
  ASSERT_FALSE(h.is_discarded());
  EXPECT_EQ(h["heads"], Json::array({rev})) << h.dump(2);
  EXPECT_EQ(h["revisions"][0].value("origin", ""), a->origin()) << h.dump(2);
  EXPECT_TRUE(absl::StrContains(b->Log(), "pulled " + a->origin())) << b->Log();
  EXPECT_EQ(b->server().Stop(), 0) << b->Log();
}

}  // namespace
}  // namespace archive::testing
