// The witness (storage/witness/witness.h): every add-checkpoint answer the
// C2SP tlog-witness spec names, from hand-made requests; the cosignature it
// returns verifies for exactly the checkpoint sent; its state survives a
// reopen (a restarted witness still refuses a fork and a smaller checkpoint);
// concurrent requests never roll it back; and a state file that is damaged,
// cannot be read or cannot be written refuses every checkpoint of its log
// with a 500 naming the file, never taken for "nothing cosigned yet".
#include "storage/witness/witness.h"

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "storage/base/hex.h"
#include "storage/format/merkle.h"
#include "storage/format/origin.h"
#include "storage/format/signing_key.h"
#include "storage/verify/witness_policy.h"
#include "tests/unit/storage/db/storage_test_util.h"

namespace archive {
namespace {

using testing_util::FixedClockEnv;
using testing_util::ReadWholeFile;
using testing_util::ScopedTempDir;
using testing_util::WriteWholeFile;

constexpr char kLog[] = "log.witnessed.example";

// A log signed with `key`: leaves "<prefix> <i>", its checkpoints and proofs.
class TestLog {
 public:
  TestLog(const SigningKey* key, std::string prefix)
      : key_(key), prefix_(std::move(prefix)) {}
  void Grow(uint64_t size) {
    while (tree_.size() < size) {
      tree_.Append(MerkleLeafHash(absl::StrCat(prefix_, " ", tree_.size())));
    }
  }
  std::string Checkpoint(uint64_t size) {
    Grow(size);
    auto root = RootHash(tree_, size);
    EXPECT_TRUE(root.ok());
    return key_->SignNote(
        absl::StrCat(kLog, "\n", size, "\n", Base64Encode(*root), "\n"));
  }
  std::vector<std::string> Proof(uint64_t old_size, uint64_t size) {
    Grow(size);
    auto proof = ConsistencyProof(tree_, old_size, size);
    EXPECT_TRUE(proof.ok());
    return *proof;
  }
  // The add-checkpoint body from old_size to size, with the true proof.
  std::string Request(uint64_t old_size, uint64_t size) {
    return RequestWith(
        old_size,
        old_size == 0 ? std::vector<std::string>() : Proof(old_size, size),
        Checkpoint(size));
  }
  static std::string RequestWith(uint64_t old_size,
                                 const std::vector<std::string>& proof,
                                 const std::string& note) {
    std::string body = absl::StrCat("old ", old_size, "\n");
    for (const std::string& h : proof) {
      absl::StrAppend(&body, Base64Encode(h), "\n");
    }
    return absl::StrCat(body, "\n", note);
  }

 private:
  const SigningKey* key_;
  std::string prefix_;
  InMemoryHashSource tree_;
};

// The witness's state files failing to open for reading (an I/O error) or for
// writing (a read-only file system), as the test chooses.
class StateFaultEnv : public EnvWrapper {
 public:
  explicit StateFaultEnv(Env* target) : EnvWrapper(target) {}
  absl::StatusOr<std::unique_ptr<SequentialFile>> NewSequentialFile(
      const std::string& path) override {
    if (fail_reads && IsState(path)) {
      return absl::InternalError(
          absl::StrCat("open ", path, ": Input/output error"));
    }
    return EnvWrapper::NewSequentialFile(path);
  }
  absl::StatusOr<std::unique_ptr<WritableFile>> NewWritableFile(
      const std::string& path, int mode) override {
    if (fail_writes && IsState(path)) {
      return absl::PermissionDeniedError(
          absl::StrCat("open ", path, ": Read-only file system"));
    }
    return EnvWrapper::NewWritableFile(path, mode);
  }
  std::atomic<bool> fail_reads{false}, fail_writes{false};

 private:
  static bool IsState(const std::string& path) {
    return absl::StrContains(path, "/witness/state/");
  }
};

class WitnessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto key = SigningKey::Generate(kLog);
    ASSERT_TRUE(key.ok());
    log_key_ = std::move(*key);
    ASSERT_TRUE(logs_.AddKey(log_key_->VerifierKey()).ok());
    Reopen();
  }
  void Reopen() {
    witness_.reset();
    auto w = Witness::Open(&faulty_, tmp_.path(), "witness.example/w1");
    ASSERT_TRUE(w.ok()) << w.status();
    witness_ = std::move(*w);
  }
  WitnessAnswer Add(const std::string& body) {
    return witness_->AddCheckpoint(body, logs_);
  }
  // The answer's cosignature verified on `note` with the witness's key.
  bool Cosigns(const WitnessAnswer& answer, const std::string& note) {
    auto key = VerifierKey::ParseCosigner(witness_->VerifierKey());
    EXPECT_TRUE(key.ok()) << key.status();
    auto parsed = ParseNote(note + answer.body);
    if (!parsed.ok()) return false;
    auto t = VerifyCosignature(*parsed, **key);
    return t.ok() && *t == 1796000000;
  }

  // The state file of kLog, and what a refusal for it must say.
  std::string StatePath() const {
    return tmp_.Sub("witness/state/" + OriginFileName(kLog));
  }
  void ExpectRefused(const WitnessAnswer& answer, const std::string& fault) {
    EXPECT_EQ(answer.status, 500) << answer.body;
    EXPECT_TRUE(absl::StrContains(answer.body, "refusing to cosign"))
        << answer.body;
    EXPECT_TRUE(absl::StrContains(answer.body, StatePath())) << answer.body;
    EXPECT_TRUE(absl::StrContains(answer.body, fault)) << answer.body;
    EXPECT_FALSE(absl::StrContains(answer.body, "\xE2\x80\x94"))
        << "no signature line: " << answer.body;
  }

  ScopedTempDir tmp_;
  FixedClockEnv env_{1796000000};
  StateFaultEnv faulty_{&env_};
  std::unique_ptr<SigningKey> log_key_;
  TrustStore logs_;
  std::unique_ptr<Witness> witness_;
};

TEST_F(WitnessTest, CosignsAnExtensionAndOnlyThatCheckpoint) {
  TestLog log(log_key_.get(), "leaf");
  WitnessAnswer first = Add(log.Request(0, 5));
  ASSERT_EQ(first.status, 200) << first.body;
  EXPECT_TRUE(absl::StartsWith(first.body, "\xE2\x80\x94 witness.example/w1 "));
  EXPECT_TRUE(Cosigns(first, log.Checkpoint(5)));
  EXPECT_FALSE(Cosigns(first, log.Checkpoint(6))) << "not another checkpoint";
  WitnessAnswer next = Add(log.Request(5, 12));
  ASSERT_EQ(next.status, 200) << next.body;
  EXPECT_TRUE(Cosigns(next, log.Checkpoint(12)));
  // The same checkpoint again is cosigned again.
  EXPECT_EQ(Add(log.Request(12, 12)).status, 200);
  EXPECT_EQ(witness_->CosignedSizes()[kLog], 12u);
}

TEST_F(WitnessTest, EveryRefusalTheSpecNames) {
  TestLog log(log_key_.get(), "leaf");
  ASSERT_EQ(Add(log.Request(0, 8)).status, 200);
  // 404: a log this witness does not witness.
  auto other = SigningKey::Generate("other.example");
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(
      Add(TestLog::RequestWith(
              0, {},
              (*other)->SignNote("other.example\n1\n" +
                                 Base64Encode(std::string(32, 'a')) + "\n")))
          .status,
      404);
  // 403: the origin's name, another key.
  auto impostor = SigningKey::Generate(kLog);
  ASSERT_TRUE(impostor.ok());
  TestLog forged(impostor->get(), "leaf");
  EXPECT_EQ(Add(forged.Request(8, 9)).status, 403);
  // 400: old larger than the checkpoint, and malformed bodies.
  EXPECT_EQ(Add(TestLog::RequestWith(9, {}, log.Checkpoint(8))).status, 400);
  EXPECT_EQ(Add("old 01\n\n" + log.Checkpoint(9)).status, 400);
  EXPECT_EQ(Add("new 8\n\n" + log.Checkpoint(9)).status, 400);
  EXPECT_EQ(Add("old 8\nnot-base64!\n\n" + log.Checkpoint(9)).status, 400);
  std::vector<std::string> too_long(64, std::string(32, 'x'));
  EXPECT_EQ(Add(TestLog::RequestWith(8, too_long, log.Checkpoint(9))).status,
            400);
  // 409: an old size that is not the one cosigned, with that size.
  WitnessAnswer stale = Add(log.Request(5, 9));
  EXPECT_EQ(stale.status, 409);
  EXPECT_EQ(stale.content_type, "text/x.tlog.size");
  EXPECT_EQ(stale.body, "8\n");
  // 409: the cosigned size with another root (a fork at equal size).
  TestLog fork(log_key_.get(), "forked");
  EXPECT_EQ(Add(TestLog::RequestWith(8, {}, fork.Checkpoint(8))).status, 409);
  // 422: a fork signed with the log's key, its proof from the fork's tree.
  EXPECT_EQ(Add(TestLog::RequestWith(8, fork.Proof(8, 10), fork.Checkpoint(10)))
                .status,
            422);
  // 422: a wrong proof for the true extension, and a proof after old 0.
  EXPECT_EQ(
      Add(TestLog::RequestWith(8, log.Proof(7, 10), log.Checkpoint(10))).status,
      422);
  EXPECT_EQ(witness_->evidence_count(), 3u);
  // Nothing refused moved the witness.
  EXPECT_EQ(witness_->CosignedSizes()[kLog], 8u);
  EXPECT_EQ(Add(log.Request(8, 10)).status, 200);
}

TEST_F(WitnessTest, ARestartedWitnessStillRefusesForksAndRollbacks) {
  TestLog log(log_key_.get(), "leaf");
  ASSERT_EQ(Add(log.Request(0, 20)).status, 200);
  const std::string vkey = witness_->VerifierKey();
  Reopen();
  EXPECT_EQ(witness_->VerifierKey(), vkey) << "the same key after a restart";
  TestLog fork(log_key_.get(), "forked");
  EXPECT_EQ(Add(TestLog::RequestWith(0, {}, fork.Checkpoint(3))).status, 409);
  WitnessAnswer smaller = Add(log.Request(0, 10));
  EXPECT_EQ(smaller.status, 409);
  EXPECT_EQ(smaller.body, "20\n");
  EXPECT_EQ(Add(log.Request(20, 21)).status, 200);
}

TEST_F(WitnessTest, ConcurrentRequestsNeverRollTheWitnessBack) {
  TestLog log(log_key_.get(), "leaf");
  ASSERT_EQ(Add(log.Request(0, 100)).status, 200);
  // Many requests from 100 to different sizes at once: exactly one wins,
  // every other gets 409 naming the size it won with, never a rollback.
  std::vector<std::string> bodies;
  for (uint64_t size = 101; size <= 140; ++size) {
    bodies.push_back(log.Request(100, size));
  }
  std::vector<WitnessAnswer> answers(bodies.size());
  std::vector<std::thread> threads;
  for (size_t i = 0; i < bodies.size(); ++i) {
    threads.emplace_back([&, i] { answers[i] = Add(bodies[i]); });
  }
  for (std::thread& t : threads) t.join();
  int won = 0;
  uint64_t winner = 0;
  for (size_t i = 0; i < answers.size(); ++i) {
    if (answers[i].status == 200) {
      ++won;
      winner = 101 + i;
    } else {
      EXPECT_EQ(answers[i].status, 409) << answers[i].body;
    }
  }
  EXPECT_EQ(won, 1);
  EXPECT_EQ(witness_->CosignedSizes()[kLog], winner);
}

TEST_F(WitnessTest, ADamagedStateFileRefusesEveryCheckpointOfItsLog) {
  TestLog log(log_key_.get(), "leaf");
  TestLog fork(log_key_.get(), "forked");
  ASSERT_EQ(Add(log.Request(0, 20)).status, 200);
  const std::string good = ReadWholeFile(StatePath());
  const std::map<std::string, std::string> damages = {
      {"truncated", good.substr(0, good.size() / 2)},
      {"empty", ""},
      {"garbage", std::string("\x00\xff\x13garbage\n", 11)},
      {"another origin's",
       "other.example\n20\n" + Base64Encode(std::string(32, 'r')) + "\n"},
  };
  for (const auto& [what, damaged] : damages) {
    SCOPED_TRACE(what);
    WriteWholeFile(StatePath(), damaged);
    // Not "nothing cosigned yet": a fork from 0 would then be cosigned.
    ExpectRefused(Add(TestLog::RequestWith(0, {}, fork.Checkpoint(3))),
                  "is damaged");
    ExpectRefused(Add(log.Request(0, 10)), "is damaged");
    ExpectRefused(Add(log.Request(20, 21)), "is damaged");
    // A restart does not crash on it, nor mend it.
    Reopen();
    ExpectRefused(Add(TestLog::RequestWith(0, {}, fork.Checkpoint(3))),
                  "is damaged");
    EXPECT_EQ(ReadWholeFile(StatePath()), damaged);
  }
  // Restored, it is the witness it was.
  WriteWholeFile(StatePath(), good);
  EXPECT_EQ(Add(TestLog::RequestWith(0, {}, fork.Checkpoint(3))).status, 409);
  EXPECT_EQ(Add(log.Request(20, 21)).status, 200);
}

TEST_F(WitnessTest, AnUnreadableStateFileIsNotTakenForNothingCosigned) {
  TestLog log(log_key_.get(), "leaf");
  TestLog fork(log_key_.get(), "forked");
  ASSERT_EQ(Add(log.Request(0, 20)).status, 200);
  faulty_.fail_reads = true;
  ExpectRefused(Add(TestLog::RequestWith(0, {}, fork.Checkpoint(3))),
                "Input/output error");
  ExpectRefused(Add(log.Request(20, 21)), "cannot read");
  faulty_.fail_reads = false;
  EXPECT_EQ(Add(TestLog::RequestWith(0, {}, fork.Checkpoint(3))).status, 409);
  EXPECT_EQ(Add(log.Request(20, 21)).status, 200);
}

TEST_F(WitnessTest, AStateFileThatCannotBeWrittenGetsNoCosignature) {
  TestLog log(log_key_.get(), "leaf");
  // Not even a first one: a cosignature unrecorded is a promise forgotten.
  faulty_.fail_writes = true;
  ExpectRefused(Add(log.Request(0, 20)), "Read-only file system");
  faulty_.fail_writes = false;
  ASSERT_EQ(Add(log.Request(0, 20)).status, 200);
  faulty_.fail_writes = true;
  ExpectRefused(Add(log.Request(20, 25)),
                "refusing to cosign the checkpoint of 25: cannot record it");
  EXPECT_EQ(witness_->CosignedSizes()[kLog], 20u);
  // The refused checkpoint left no trace: after a restart the witness is at
  // 20, and a fork of 25 is refused there once writes work again.
  faulty_.fail_writes = false;
  Reopen();
  EXPECT_EQ(witness_->CosignedSizes()[kLog], 20u);
  TestLog fork(log_key_.get(), "forked");
  EXPECT_EQ(Add(TestLog::RequestWith(0, {}, fork.Checkpoint(25))).status, 409);
  EXPECT_EQ(Add(log.Request(20, 25)).status, 200);
}

}  // namespace
}  // namespace archive
