// The signing hold of a restored archive (signing_hold.h, archive_hold.cc):
// while held, nothing but this archive's own entries, each at its place, may
// extend the log; the hold is raised only to a checkpoint of this archive's
// that extends the log (never to a fork signed with the same key), and lifted
// only once the log has reached it, when the archive signs the very checkpoint
// it had signed before.
#include "storage/db/signing_hold.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "storage/base/sha256.h"
#include "storage/db/archive.h"
#include "storage/format/cosignature.h"
#include "storage/format/signed_note.h"
#include "storage/format/signing_key.h"
#include "storage/format/statement.h"
#include "tests/unit/storage/db/sealed_put.h"
#include "tests/unit/storage/db/storage_test_util.h"

namespace archive {
namespace {

using testing_util::FixedClockEnv;
using testing_util::ScopedTempDir;
using testing_util::SealedPut;

constexpr char kSigningHoldOrigin[] = "held.archive.example";

// An archive of kSigningHoldOrigin with `puts` revisions whose contents start
// with `prefix`; every checkpoint it signed along the way, by size.
struct Source {
  std::unique_ptr<Archive> archive;
  std::vector<std::string> checkpoints;  // [size] = note
  std::vector<std::string> contents;
};

std::unique_ptr<Archive> OpenAt(Env* env, const std::string& dir) {
  ArchiveOptions options;
  options.data_dir = dir;
  options.origin = kSigningHoldOrigin;
  options.env = env;
  auto archive = Archive::Open(options);
  EXPECT_TRUE(archive.ok()) << archive.status();
  return archive.ok() ? std::move(*archive) : nullptr;
}

Source MakeSource(Env* env, const std::string& dir, const std::string& prefix,
                  int puts) {
  Source source;
  source.archive = OpenAt(env, dir);
  source.checkpoints.push_back(source.archive->LatestCheckpoint().note);
  for (int i = 0; i < puts; ++i) {
    source.contents.push_back(absl::StrCat(prefix, " revision ", i, "\n"));
    auto done = source.archive->Commit(SealedPut(
        *source.archive, absl::StrCat("doc-", i), source.contents.back()));
    EXPECT_TRUE(done.ok()) << done.status();
    source.checkpoints.push_back(source.archive->LatestCheckpoint().note);
  }
  return source;
}

// Entry `index` of `source`'s log, as a restore or a recovery imports it.
PeerEntry EntryOf(Source& source, Archive& target, uint64_t index,
                  std::optional<uint64_t> at_index) {
  auto entries = source.archive->LogEntries(index, 1);
  EXPECT_TRUE(entries.ok() && entries->size() == 1) << entries.status();
  const std::string& content = source.contents[index];
  auto writer = target.blobs().NewWriter(content.size());
  EXPECT_TRUE(writer.ok());
  EXPECT_TRUE((*writer)->Append(content).ok());
  auto sealed = (*writer)->Seal(Sha256::HexDigest(content), content.size());
  EXPECT_TRUE(sealed.ok()) << sealed.status();
  return PeerEntry{(*entries)[0], *sealed, {}, at_index};
}

absl::Status ImportOne(Archive& target, PeerEntry entry) {
  std::vector<PeerEntry> one;
  one.push_back(std::move(entry));
  return target.ImportAll(std::move(one))[0].status();
}

class SigningHoldTest : public ::testing::Test {
 protected:
  void SetUp() override {
    source_ = MakeSource(&env_, tmp_.Sub("source"), "kept", 5);
    // The same key signing another history: what a fork looks like.
    std::filesystem::create_directories(tmp_.Sub("fork"));
    std::filesystem::copy(tmp_.Sub("source/keys"), tmp_.Sub("fork/keys"));
    fork_ = MakeSource(&env_, tmp_.Sub("fork"), "forked", 5);
    // A restore of the source's backup at 2 entries.
    std::filesystem::create_directories(tmp_.Sub("target"));
    std::filesystem::copy(tmp_.Sub("source/keys"), tmp_.Sub("target/keys"));
    ASSERT_TRUE(
        WriteSigningHold(&env_, tmp_.Sub("target"), source_.checkpoints[2])
            .ok());
    target_ = OpenAt(&env_, tmp_.Sub("target"));
    ASSERT_NE(target_, nullptr);
    for (uint64_t i = 0; i < 2; ++i) {
      ASSERT_TRUE(ImportOne(*target_, EntryOf(source_, *target_, i, i)).ok());
    }
    ASSERT_EQ(target_->LatestCheckpoint().note, source_.checkpoints[2]);
  }

  ScopedTempDir tmp_;
  FixedClockEnv env_{1796000000};
  Source source_, fork_;
  std::unique_ptr<Archive> target_;
};

TEST_F(SigningHoldTest, NothingButOwnEntriesAtTheirPlacesExtendsAHeldLog) {
  ASSERT_TRUE(target_->signing_hold().has_value());
  // A put, an import without a place (a peer's pull), and one beyond the
  // hold: each refused, the log unchanged.
  auto put = target_->Commit(SealedPut(*target_, "new-doc", "new\n"));
  EXPECT_TRUE(absl::IsFailedPrecondition(put.status())) << put.status();
  absl::Status unplaced =
      ImportOne(*target_, EntryOf(source_, *target_, 2, std::nullopt));
  EXPECT_TRUE(absl::IsFailedPrecondition(unplaced)) << unplaced;
  absl::Status beyond = ImportOne(*target_, EntryOf(source_, *target_, 2, 2));
  EXPECT_TRUE(absl::IsFailedPrecondition(beyond)) << beyond;
  EXPECT_EQ(target_->LatestCheckpoint().size, 2u);
  // An entry the log holds already appends nothing and is fine.
  EXPECT_TRUE(
      ImportOne(*target_, EntryOf(source_, *target_, 1, std::nullopt)).ok());
  EXPECT_EQ(target_->LatestCheckpoint().size, 2u);
}

TEST_F(SigningHoldTest, AForkSignedWithTheSameKeyNeverRaisesTheHold) {
  auto fork_proof = fork_.archive->ConsistencyProof(2, 5);
  ASSERT_TRUE(fork_proof.ok());
  absl::Status raised =
      target_->RaiseSigningHold(fork_.checkpoints[5], *fork_proof);
  EXPECT_TRUE(absl::IsDataLoss(raised)) << raised;
  // Nor does the right checkpoint with a proof that does not hold.
  auto proof = source_.archive->ConsistencyProof(2, 5);
  ASSERT_TRUE(proof.ok());
  raised = target_->RaiseSigningHold(source_.checkpoints[5], *fork_proof);
  EXPECT_TRUE(absl::IsDataLoss(raised)) << raised;
  // Another origin's checkpoint is not this archive's.
  EXPECT_TRUE(absl::IsInvalidArgument(
      target_->RaiseSigningHold("other.example\n5\nAAAA\n", *proof)));
  EXPECT_EQ(target_->signing_hold()->size, 2u);
}

TEST_F(SigningHoldTest, RaisedThenLiftedOnceTheTailIsBackSigningTheSameBytes) {
  auto proof = source_.archive->ConsistencyProof(2, 5);
  ASSERT_TRUE(proof.ok());
  ASSERT_TRUE(target_->RaiseSigningHold(source_.checkpoints[5], *proof).ok());
  EXPECT_EQ(target_->signing_hold()->size, 5u);
  // Durable: the hold file names the raised checkpoint.
  EXPECT_EQ(testing_util::ReadWholeFile(SigningHoldPath(tmp_.Sub("target"))),
            source_.checkpoints[5]);
  absl::Status early = target_->LiftSigningHold();
  EXPECT_TRUE(absl::IsFailedPrecondition(early)) << early;
  // The fork's third entry at the right place, with its proof in the fork's
  // tree, is not the entry the held checkpoint has there.
  PeerEntry forked = EntryOf(fork_, *target_, 2, 2);
  auto forked_proof = fork_.archive->InclusionProof(2, 5);
  ASSERT_TRUE(forked_proof.ok());
  forked.inclusion = *forked_proof;
  absl::Status refused = ImportOne(*target_, std::move(forked));
  EXPECT_TRUE(absl::IsDataLoss(refused)) << refused;
  EXPECT_EQ(target_->LatestCheckpoint().size, 2u);
  for (uint64_t i = 2; i < 5; ++i) {
    PeerEntry entry = EntryOf(source_, *target_, i, i);
    auto included = source_.archive->InclusionProof(i, 5);
    ASSERT_TRUE(included.ok());
    entry.inclusion = *included;
    ASSERT_TRUE(ImportOne(*target_, std::move(entry)).ok());
  }
  EXPECT_EQ(target_->LatestCheckpoint().note, source_.checkpoints[5]);
  ASSERT_TRUE(target_->LiftSigningHold().ok());
  EXPECT_FALSE(target_->signing_hold().has_value());
  EXPECT_FALSE(std::filesystem::exists(SigningHoldPath(tmp_.Sub("target"))));
  EXPECT_TRUE(target_->Commit(SealedPut(*target_, "new-doc", "new\n")).ok());
}

// `note` with a witness's cosignature line added, as a backup of a witnessed
// archive (or a peer serving its checkpoint) carries it.
std::string WithCosignature(const std::string& note) {
  auto witness = SigningKey::Generate("peer.example/witness");
  EXPECT_TRUE(witness.ok());
  auto parsed = ParseNote(note);
  EXPECT_TRUE(parsed.ok());
  parsed->signatures.push_back(Cosign(**witness, 1796000000, parsed->text));
  return FormatNote(*parsed);
}

TEST_F(SigningHoldTest, ACosignedCheckpointIsStillThisArchivesOwn) {
  // Restored from a backup whose checkpoint a witness had cosigned.
  const std::string cosigned = WithCosignature(source_.checkpoints[2]);
  ASSERT_NE(cosigned, source_.checkpoints[2]);
  std::filesystem::create_directories(tmp_.Sub("witnessed"));
  std::filesystem::copy(tmp_.Sub("source/keys"), tmp_.Sub("witnessed/keys"));
  ASSERT_TRUE(WriteSigningHold(&env_, tmp_.Sub("witnessed"), cosigned).ok());
  auto witnessed = OpenAt(&env_, tmp_.Sub("witnessed"));
  ASSERT_NE(witnessed, nullptr);
  ASSERT_TRUE(witnessed->signing_hold().has_value());
  // Only the archive's own line is kept.
  EXPECT_EQ(witnessed->signing_hold()->note, source_.checkpoints[2]);

  // Raised to a cosigned checkpoint, as a peer's mirror serves it.
  auto proof = source_.archive->ConsistencyProof(2, 5);
  ASSERT_TRUE(proof.ok());
  ASSERT_TRUE(
      target_->RaiseSigningHold(WithCosignature(source_.checkpoints[5]), *proof)
          .ok());
  EXPECT_EQ(target_->signing_hold()->note, source_.checkpoints[5]);

  // A witness's line alone does not make a checkpoint this archive's.
  auto alone = ParseNote(WithCosignature(source_.checkpoints[5]));
  ASSERT_TRUE(alone.ok());
  alone->signatures.erase(alone->signatures.begin());
  absl::Status foreign = target_->RaiseSigningHold(FormatNote(*alone), *proof);
  EXPECT_TRUE(absl::IsInvalidArgument(foreign)) << foreign;
}

}  // namespace
}  // namespace archive
