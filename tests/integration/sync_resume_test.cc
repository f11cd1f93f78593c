// Issue 4, interrupted catch-up: office B pulls 1,000 revisions from office A
// while the test SIGKILLs B at random points (seeded, so a failure can be
// replayed). After every restart B's log is a prefix of A's (nothing
// duplicated, nothing skipped), and the pull that finally completes leaves B
// with exactly A's revisions, in A's order; one more pull imports nothing.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <future>
#include <iostream>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "clients/api/archive_client.h"
#include "storage/base/sha256.h"
#include "tests/integration/sync_test_util.h"

namespace archive::testing {
namespace {

constexpr int kThreads = 4;
constexpr int kDocumentsPerThread = 25;
constexpr int kRevisionsPerDocument = 10;
constexpr size_t kRevisions =
    kThreads * kDocumentsPerThread * kRevisionsPerDocument;
constexpr int kKills = 5;
constexpr uint32_t kSyncResumeSeed = 20240604;

// Puts kRevisions small distinct revisions into `office`, from several
// threads: each thread owns its documents and revises each in turn, so the
// log interleaves documents and every revision but the first has a parent.
void PutManyRevisions(const Office& office) {
  std::vector<std::future<std::string>> workers;
  for (int t = 0; t < kThreads; ++t) {
    workers.push_back(std::async(std::launch::async, [&office, t] {
      ArchiveClient client(ArchiveClient::Dial(office.address()));
      for (int r = 0; r < kRevisionsPerDocument; ++r) {
        for (int d = 0; d < kDocumentsPerThread; ++d) {
          std::string content =
              absl::StrCat("bulk notice ", t, "-", d, ", revision ", r, "\n");
          v1::PutHeader header;
          header.set_document_id(absl::StrCat("bulk-", t, "-", d));
          header.set_sha256(Sha256::HexDigest(content));
          header.set_size(content.size());
          header.mutable_metadata()->set_media_type(
              "text/plain; charset=utf-8");
          auto reply = client.PutBytes(content, header);
          if (!reply.ok()) {
            return absl::StrCat(header.document_id(), " revision ", r, ": ",
                                reply.status().ToString());
          }
          if (!reply->created()) {
            return absl::StrCat(header.document_id(), " revision ", r,
                                ": not created");
          }
        }
      }
      return std::string();
    }));
  }
  for (auto& w : workers) {
    std::string error = w.get();
    EXPECT_EQ(error, "") << office.Log();
  }
}

std::string Head(const std::vector<std::string>& ids, size_t n) {
  std::vector<std::string> shown(ids.begin(),
                                 ids.begin() + std::min(n, ids.size()));
  return absl::StrJoin(shown, " ");
}

TEST(SyncResume, CatchUpKilledAtRandomPointsEndsWithExactlyThePeersLog) {
  auto a = Office::Start("gx.archive.example");
  auto b = Office::Start("bj-sh.archive.example");
  ASSERT_TRUE(a->server().running());
  ASSERT_TRUE(b->server().running());
  b->Trust({a.get()});

  auto put_start = std::chrono::steady_clock::now();
  ASSERT_NO_FATAL_FAILURE(PutManyRevisions(*a));
  std::chrono::duration<double> put_time =
      std::chrono::steady_clock::now() - put_start;
  std::vector<std::string> a_log = a->LogRevisionIds();
  ASSERT_EQ(a_log.size(), kRevisions) << a->Log();
  ASSERT_EQ(std::set<std::string>(a_log.begin(), a_log.end()).size(),
            kRevisions);

  std::mt19937 rng(kSyncResumeSeed);
  // The expected remaining duration of the pull, refined from the rate each
  // interrupted attempt achieved; the first guess is deliberately short (a
  // whole pull of the 1,000 small revisions took 0.18 s here once their
  // contents came inside the log entries).
  double estimate_s = 0.25;
  size_t have = 0;
  std::vector<std::string> story;
  for (int kill = 0; kill < kKills && have < kRevisions; ++kill) {
    // Up to 60% of the expected remaining duration, so that (with the
    // estimate's noise) nearly every kill lands inside the pull.
    double upper_ms = std::max(30.0, 0.6 * estimate_s * 1000);
    std::uniform_real_distribution<double> pick(10.0, upper_ms);
    auto delay = std::chrono::milliseconds(static_cast<int>(pick(rng)));
    auto pull = std::async(std::launch::async, [&b, &a] {
      return ArchiveClient(ArchiveClient::Dial(b->address()))
          .Sync(a->address());
    });
    auto started = std::chrono::steady_clock::now();
    // Not synchronization: the random moment of the crash (cut short only if
    // the pull completes first).
    bool finished = pull.wait_for(delay) == std::future_status::ready;
    if (!finished) b->server().Kill();
    std::chrono::duration<double> ran =
        std::chrono::steady_clock::now() - started;
    auto result = pull.get();
    if (finished) {
      ASSERT_TRUE(result.ok()) << result.status() << "\n--- B's log:\n"
                               << b->Log();
    }
    if (!finished) {
      ASSERT_TRUE(b->server().Restart()) << b->Log();
    }

    std::vector<std::string> b_log = b->LogRevisionIds();
    story.push_back(absl::StrCat(finished ? "completed" : "killed", " after ",
                                 static_cast<int>(ran.count() * 1000),
                                 " ms: B has ", b_log.size()));
    SCOPED_TRACE(absl::StrJoin(story, "; "));
    ASSERT_LE(b_log.size(), kRevisions);
    ASSERT_GE(b_log.size(), have) << "B lost revisions in the crash";
    // A prefix of A's log: no duplicates, no gaps, A's order.
    ASSERT_TRUE(std::equal(b_log.begin(), b_log.end(), a_log.begin()))
        << "B's log is not a prefix of A's: B " << Head(b_log, 20) << " ...\n"
        << "A " << Head(a_log, 20) << " ...";
    double rate = (b_log.size() - have) / std::max(ran.count(), 0.001);
    have = b_log.size();
    if (rate > 0) estimate_s = (kRevisions - have) / rate;
  }
  std::string summary = absl::StrJoin(story, "; ");
  std::cerr << "seed " << kSyncResumeSeed << ", " << kRevisions << " puts took "
            << put_time.count() << " s; " << summary << "\n";
  int kills = 0;
  for (const std::string& s : story) kills += s.rfind("killed", 0) == 0;
  EXPECT_GE(kills, 3) << "the random kills mostly missed the pull: " << summary
                      << " (A took " << put_time.count()
                      << " s to take the puts)";

  // The pull now completes from where the last one stopped.
  Json done = b->SyncOk(a->address());
  ASSERT_FALSE(done.is_discarded()) << summary;
  EXPECT_EQ(done.value("start_index", UINT64_MAX), have)
      << "the completing pull did not resume at B's cursor: " << done.dump()
      << "\n"
      << summary;
  EXPECT_EQ(done.value("imported", uint64_t{0}) + have, kRevisions)
      << done.dump() << "\n"
      << summary;
  EXPECT_EQ(done.value("checkpoint_size", uint64_t{0}), kRevisions);

  std::vector<std::string> b_log = b->LogRevisionIds();
  EXPECT_EQ(b_log.size(), kRevisions) << summary;
  EXPECT_TRUE(b_log == a_log)
      << "B's log differs from A's: " << summary << "\nB " << Head(b_log, 20)
      << "\nA " << Head(a_log, 20);

  // Nothing new the second time, nothing fetched again.
  Json again = b->SyncOk(a->address());
  ASSERT_FALSE(again.is_discarded());
  EXPECT_EQ(again.value("imported", UINT64_MAX), 0u) << again.dump();
  EXPECT_EQ(again.value("blobs_fetched", UINT64_MAX), 0u) << again.dump();
  EXPECT_EQ(again.value("start_index", uint64_t{0}), kRevisions)
      << again.dump();
  EXPECT_EQ(b->TreeSize(), kRevisions);

  // Documents and heads agree too (ls: 100 documents, 10 revisions each).
  Json docs = b->List();
  ASSERT_TRUE(docs.is_array()) << docs.dump();
  EXPECT_EQ(docs.size(), size_t{kThreads * kDocumentsPerThread});
  Json a_docs = a->List();
  EXPECT_EQ(docs, a_docs) << "B's listing differs from A's";
  for (const Json& d : docs) {
    EXPECT_EQ(d.value("revision_count", 0), kRevisionsPerDocument) << d.dump();
    EXPECT_EQ(d["heads"].size(), 1u) << d.dump();
  }
  EXPECT_EQ(b->server().Stop(), 0) << b->Log();
}

}  // namespace
}  // namespace archive::testing
