// Crash safety of acknowledged puts and of the log: archived is SIGKILLed
// while 8 clients put concurrently, then restarted, 20 times over. After every
// restart each acknowledged revision must be there (statement and identical
// bytes), its receipt must verify against the archive's key, it must still be
// in the log at the leaf its receipt names, and every checkpoint ever handed
// out must be a prefix of the log now served.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <iostream>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "clients/api/archive_client.h"
#include "clients/api/verified_fetch.h"
#include "storage/base/sha256.h"
#include "storage/format/merkle.h"
#include "storage/format/signed_note.h"
#include "storage/verify/receipt_checker.h"
#include "storage/verify/trust_store.h"
#include "tests/integration/test_harness.h"

namespace archive::testing {
namespace {

constexpr int kClients = 8;
constexpr int kRounds = 20;
constexpr uint32_t kSeed = 20260303;

// One put the server acknowledged.
struct Acked {
  std::string revision_id;
  std::string content;
  v1::Receipt receipt;
  int round = 0;
};

std::string ContentFor(int client, int round, int seq, std::mt19937& rng) {
  std::string s = absl::StrCat("crash test: client ", client, ", round ", round,
                               ", put ", seq, "\n");
  // Varying sizes, so batches mix small and larger writes.
  size_t extra = std::uniform_int_distribution<size_t>(0, 4000)(rng);
  for (size_t i = 0; i < extra; ++i)
    s.push_back(static_cast<char>('a' + (seq + i) % 26));
  s.push_back('\n');
  return s;
}

// The load of one round: kClients threads putting until the server dies.
class PutLoad {
 public:
  PutLoad(const std::string& address, int round, uint32_t seed)
      : address_(address), round_(round), acked_(kClients) {
    for (int t = 0; t < kClients; ++t) {
      threads_.emplace_back([this, t, seed] { Run(t, seed + t); });
    }
  }
  // Stops the clients if the round ended early (a failed assertion).
  ~PutLoad() {
    stop_ = true;
    Join();
  }

  // Blocks until every client has had a put acknowledged (so the kill lands
  // while all of them are busy), or one failed, or `timeout` passed.
  bool WaitAllBusy(absl::Duration timeout) {
    absl::MutexLock lock(&mu_);
    return mu_.AwaitWithTimeout(
               absl::Condition(
                   +[](PutLoad* l) ABSL_EXCLUSIVE_LOCKS_REQUIRED(l->mu_) {
                     return l->busy_ == kClients || !l->errors_.empty();
                   },
                   this),
               timeout) &&
           errors_.empty();
  }

  // From now on a failing put is the expected effect of the kill.
  void ServerKilled() { killed_ = true; }

  void Join() {
    for (std::thread& t : threads_) {
      if (t.joinable()) t.join();
    }
  }

  std::vector<Acked> TakeAcked() {
    std::vector<Acked> all;
    for (auto& per_client : acked_) {
      for (Acked& a : per_client) all.push_back(std::move(a));
    }
    return all;
  }

  std::string errors() {
    absl::MutexLock lock(&mu_);
    return errors_;
  }

 private:
  void Run(int t, uint32_t seed) {
    std::mt19937 rng(seed);
    ArchiveClient client(ArchiveClient::Dial(address_));
    for (int seq = 0; !stop_; ++seq) {
      std::string content = ContentFor(t, round_, seq, rng);
      v1::PutHeader header;
      header.set_document_id(absl::StrCat("crash-doc-", t));
      header.mutable_metadata()->set_title(
          absl::StrCat("Crash test document ", t));
      header.mutable_metadata()->set_status("in_force");
      header.mutable_metadata()->set_media_type("text/plain; charset=utf-8");
      header.mutable_metadata()->set_note(
          absl::StrCat("round ", round_, " put ", seq));
      header.set_sha256(Sha256::HexDigest(content));
      header.set_size(content.size());
      auto reply = client.PutBytes(content, header);
      if (!reply.ok()) {
        if (killed_) ++in_flight_at_kill_;
        if (!killed_) {
          absl::MutexLock lock(&mu_);
          absl::StrAppend(
              &errors_, "client ", t, " put ", seq,
              " failed before the kill: ", reply.status().ToString(), "\n");
        }
        return;
      }
      if (!reply->created()) {
        absl::MutexLock lock(&mu_);
        absl::StrAppend(
            &errors_, "client ", t, " put ", seq,
            " of new content created nothing: ", reply->revision_id(), "\n");
        return;
      }
      acked_[t].push_back(
          Acked{reply->revision_id(), content, reply->receipt(), round_});
      if (seq == 0) {
        absl::MutexLock lock(&mu_);
        ++busy_;
      }
    }
  }

  const std::string address_;
  const int round_;
  std::atomic<bool> killed_{false};
  std::atomic<bool> stop_{false};

 public:
  // Puts that were under way when the server died (and failed).
  std::atomic<int> in_flight_at_kill_{0};

 private:
  std::vector<std::vector<Acked>> acked_;  // per client; owned by its thread
  std::vector<std::thread> threads_;
  absl::Mutex mu_;
  int busy_ ABSL_GUARDED_BY(mu_) = 0;
  std::string errors_ ABSL_GUARDED_BY(mu_);
};

// Every checkpoint the test was ever handed, by size.
class CheckpointHistory {
 public:
  // Records a verified checkpoint; two different roots for one size are a
  // fork the archive signed itself.
  void Add(const Checkpoint& cp, const std::string& where) {
    auto [it, inserted] = by_size_.emplace(cp.size, cp);
    if (!inserted && it->second.root_hash != cp.root_hash) {
      ADD_FAILURE() << "two different signed checkpoints of size " << cp.size
                    << " (" << where << ")";
    }
  }

  // Each recorded checkpoint must be a prefix of `latest` (proved by the
  // server's consistency proof) and extend the one recorded before it. Since
  // all of them are then prefixes of one tree, every pair is consistent.
  void CheckAllExtendTo(ArchiveClient& client, const Checkpoint& latest) {
    const Checkpoint* previous = nullptr;
    for (const auto& [size, cp] : by_size_) {
      if (size > latest.size) {
        ADD_FAILURE() << "log shrank: a checkpoint of size " << size
                      << " was handed out, the restarted server has size "
                      << latest.size;
        continue;
      }
      ExpectExtends(client, cp, latest);
      if (previous != nullptr) ExpectExtends(client, *previous, cp);
      previous = &cp;
    }
  }

  size_t size() const { return by_size_.size(); }

 private:
  static void ExpectExtends(ArchiveClient& client, const Checkpoint& older,
                            const Checkpoint& newer) {
    if (older.size == newer.size) {
      EXPECT_EQ(older.root_hash, newer.root_hash)
          << "two roots for size " << older.size;
      return;
    }
    auto proof = client.GetConsistencyProof(older.size, newer.size);
    ASSERT_TRUE(proof.ok()) << "consistency proof " << older.size << " -> "
                            << newer.size << ": " << proof.status();
    std::vector<std::string> hashes(proof->proof().hashes().begin(),
                                    proof->proof().hashes().end());
    absl::Status s = CheckExtends(older, newer, hashes);
    EXPECT_TRUE(s.ok()) << s;
  }

  std::map<uint64_t, Checkpoint> by_size_;
};

// After a restart: everything acknowledged so far is served, unchanged, and
// still in the log where its receipt put it. Spread over a few threads so the
// growing set stays cheap to check.
void CheckAllPresent(const std::string& address, const std::vector<Acked>& all,
                     const Checkpoint& latest, int round) {
  constexpr int kCheckers = 4;
  std::vector<std::thread> threads;
  absl::Mutex mu;
  std::string failures;
  for (int w = 0; w < kCheckers; ++w) {
    threads.emplace_back([&, w] {
      ArchiveClient client(ArchiveClient::Dial(address));
      std::string mine;
      for (size_t i = w; i < all.size(); i += kCheckers) {
        const Acked& a = all[i];
        std::string what =
            absl::StrCat("revision ", a.revision_id, " (acknowledged in round ",
                         a.round, ") after restart ", round, ": ");
        auto st = client.GetStatement(a.revision_id);
        if (!st.ok()) {
          absl::StrAppend(&mine, what, "GetStatement: ", st.status().ToString(),
                          "\n");
          continue;
        }
        if (st->signed_statement() != a.receipt.signed_statement()) {
          absl::StrAppend(&mine, what,
                          "statement differs from the receipt's\n");
        }
        v1::GetRequest request;
        request.set_revision_id(a.revision_id);
        std::string bytes;
        auto header = client.Get(request, [&](absl::string_view chunk) {
          bytes.append(chunk.data(), chunk.size());
          return absl::OkStatus();
        });
        if (!header.ok()) {
          absl::StrAppend(&mine, what, "Get: ", header.status().ToString(),
                          "\n");
        } else if (bytes != a.content) {
          absl::StrAppend(&mine, what, "Get returned ", bytes.size(),
                          " bytes that differ from the ", a.content.size(),
                          " acknowledged\n");
        }
        auto proof = client.GetInclusionProof(a.revision_id, latest.size);
        if (!proof.ok()) {
          absl::StrAppend(&mine, what,
                          "GetInclusionProof: ", proof.status().ToString(),
                          "\n");
          continue;
        }
        const v1::InclusionProof& p = proof->proof();
        std::vector<std::string> hashes(p.hashes().begin(), p.hashes().end());
        auto note = ParseNote(a.receipt.signed_statement());
        absl::Status s = note.ok()
                             ? VerifyInclusion(p.leaf_index(), latest.size,
                                               MerkleLeafHash(note->text),
                                               hashes, latest.root_hash)
                             : note.status();
        if (!s.ok() || p.leaf_index() != a.receipt.inclusion().leaf_index()) {
          absl::StrAppend(
              &mine, what, "not at leaf ", a.receipt.inclusion().leaf_index(),
              " of the log of size ", latest.size, ": ", s.ToString(), "\n");
        }
      }
      absl::MutexLock lock(&mu);
      failures += mine;
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_TRUE(failures.empty()) << failures;
}

TEST(Crash, SigkillDuringConcurrentPutsLosesNothing) {
  auto server = TestServer::Start();
  ASSERT_TRUE(server->running());
  TempDir trust_dir;
  std::string trust_file = trust_dir.path() + "/trusted";
  WriteFileOrDie(trust_file,
                 ReadFileOrDie(server->data_dir() + "/keys/verifier.key"));
  auto trust = TrustStore::Load(trust_file);
  ASSERT_TRUE(trust.ok()) << trust.status();
  ASSERT_NE(trust->Find(server->origin()), nullptr);
  ReceiptChecker checker(&*trust);

  std::mt19937 rng(kSeed);
  std::uniform_int_distribution<int> kill_delay_ms(20, 200);
  std::vector<Acked> all;
  int interrupted = 0;
  CheckpointHistory history;
  for (int round = 1; round <= kRounds; ++round) {
    SCOPED_TRACE(absl::StrCat("round ", round));
    int delay = kill_delay_ms(rng);
    {
      PutLoad load(server->address(), round, kSeed + 100 * round);
      ASSERT_TRUE(load.WaitAllBusy(absl::Seconds(30)))
          << "the clients never all got a put through: " << load.errors()
          << "\nserver log:\n"
          << server->log();
      std::this_thread::sleep_for(std::chrono::milliseconds(delay));
      load.ServerKilled();
      server->Kill();
      load.Join();
      EXPECT_EQ(load.errors(), "");
      interrupted += load.in_flight_at_kill_;
      std::vector<Acked> acked = load.TakeAcked();
      ASSERT_GE(acked.size(), static_cast<size_t>(kClients));
      for (Acked& a : acked) {
        auto verified = checker.Check(ReceiptFromProto(a.receipt));
        ASSERT_TRUE(verified.ok())
            << "receipt of " << a.revision_id << ": " << verified.status();
        EXPECT_EQ(verified->revision.revision_id, a.revision_id);
        EXPECT_EQ(verified->revision.statement.content_sha256,
                  Sha256::HexDigest(a.content));
        history.Add(verified->checkpoint, "a put receipt");
        all.push_back(std::move(a));
      }
    }

    ASSERT_TRUE(server->Restart()) << "archived did not restart after SIGKILL "
                                   << "in round " << round << "; its log:\n"
                                   << server->log();
    ArchiveClient client(ArchiveClient::Dial(server->address()));
    auto latest_reply = client.GetCheckpoint();
    ASSERT_TRUE(latest_reply.ok()) << latest_reply.status();
    auto latest = checker.CheckCheckpoint(latest_reply->checkpoint());
    ASSERT_TRUE(latest.ok()) << latest.status();
    history.CheckAllExtendTo(client, *latest);
    history.Add(*latest, "the checkpoint after a restart");
    CheckAllPresent(server->address(), all, *latest, round);
    if (::testing::Test::HasFailure()) break;
  }
  RecordProperty("acknowledged_puts", static_cast<int>(all.size()));
  RecordProperty("distinct_checkpoints", static_cast<int>(history.size()));
  std::cerr << "crash test: " << all.size() << " acknowledged puts, "
            << history.size() << " distinct checkpoints, " << interrupted
            << " puts interrupted by SIGKILL\n";
  EXPECT_EQ(server->Stop(), 0);
}

}  // namespace
}  // namespace archive::testing
