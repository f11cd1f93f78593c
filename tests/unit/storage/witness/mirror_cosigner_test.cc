// The mirror cosigner (storage/witness/mirror_cosigner.h, C2SP tlog-mirror):
// its cosignature/v1 line reproduces a known-answer vector made by an
// independent implementation written from the specs
// (tests/integration/check_cosignatures.py --cosign, python3-cryptography);
// its key is its own, made once under keys/mirror.*, distinct from the
// witness's; a note is cosigned once and served with the same line; a
// policy requiring the mirror counts it, one requiring another refuses.
#include "storage/witness/mirror_cosigner.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "storage/base/env.h"
#include "storage/verify/witness_policy.h"
#include "storage/witness/witness.h"
#include "tests/unit/storage/db/storage_test_util.h"

namespace archive {
namespace {

using testing_util::FixedClockEnv;
using testing_util::ScopedTempDir;

// check_cosignatures.py --cosign 000102...1e1f vec.archive.example/mirror
//   1700000000 <the note below>
constexpr char kSeedPem[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MC4CAQAwBQYDK2VwBCIEIAABAgMEBQYHCAkKCwwNDg8QERITFBUWFxgZGhscHR4f\n"
    "-----END PRIVATE KEY-----\n";
constexpr char kName[] = "vec.archive.example/mirror";
constexpr char kVkey[] =
    "vec.archive.example/mirror+6235b3e1+"
    "BAOhB7/zzhC+HXDdGOdLwJln5NYwm6UNXx3chmQSVTG4";
constexpr char kNote[] =
    "vec-log.example\n7\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n\n"
    "\xE2\x80\x94 vec-log.example AAAAAGZha2U=\n";
constexpr char kLine[] =
    "\xE2\x80\x94 vec.archive.example/mirror "
    "YjWz4QAAAABlU/EA7/CAW6NPxRs8rgsKDkLnfdQHG94k9Yy+Wu77kGMK5nQtBAuBEvLtiGD3"
    "mNmoUjCHco2ntv5gapv3+bX6oAXTAw==\n";

class MirrorCosignerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(env_.CreateDirs(dir_.path() + "/keys", 0755).ok());
    ASSERT_TRUE(
        env_.WriteFileAtomic(dir_.path() + "/keys/mirror.pem", kSeedPem, 0600)
            .ok());
  }
  ScopedTempDir dir_;
  FixedClockEnv env_{1700000000};
};

TEST_F(MirrorCosignerTest, ReproducesTheIndependentVector) {
  auto mirror = MirrorCosigner::Open(&env_, dir_.path(), kName);
  ASSERT_TRUE(mirror.ok()) << mirror.status();
  EXPECT_EQ((*mirror)->VerifierKey(), kVkey);
  auto cosigned = (*mirror)->Cosigned(kNote);
  ASSERT_TRUE(cosigned.ok()) << cosigned.status();
  EXPECT_EQ(*cosigned, std::string(kNote) + kLine);
}

TEST_F(MirrorCosignerTest, CosignsANoteOnceAndAnotherAnew) {
  auto mirror = MirrorCosigner::Open(&env_, dir_.path(), kName);
  ASSERT_TRUE(mirror.ok());
  auto first = (*mirror)->Cosigned(kNote);
  env_.Advance(60);
  auto again = (*mirror)->Cosigned(kNote);
  ASSERT_TRUE(first.ok() && again.ok());
  EXPECT_EQ(*first, *again);  // the same line, with its first time
  // A note that already carries this mirror's line (the peer collected it)
  // gets one line of the mirror's, not two.
  auto once = (*mirror)->Cosigned(*first);
  ASSERT_TRUE(once.ok());
  EXPECT_EQ(*once, *first);
  EXPECT_FALSE((*mirror)->Cosigned("not a note").ok());
}

TEST(MirrorKeyTest, IsMadeOnceAndIsNotTheWitnessKey) {
  ScopedTempDir dir;
  auto mirror = MirrorCosigner::Open(Env::Default(), dir.path(), "o/mirror");
  ASSERT_TRUE(mirror.ok()) << mirror.status();
  auto reopened = MirrorCosigner::Open(Env::Default(), dir.path(), "o/mirror");
  ASSERT_TRUE(reopened.ok());
  EXPECT_EQ((*mirror)->VerifierKey(), (*reopened)->VerifierKey());
  auto vkey = Env::Default()->ReadFile(dir.path() + "/keys/mirror.vkey");
  ASSERT_TRUE(vkey.ok());
  EXPECT_EQ(*vkey, (*mirror)->VerifierKey() + "\n");
  auto witness = Witness::Open(Env::Default(), dir.path(), "o/witness");
  ASSERT_TRUE(witness.ok());
  // Distinct public keys, not only distinct names.
  EXPECT_NE(
      (*witness)->VerifierKey().substr((*witness)->VerifierKey().rfind('+')),
      (*mirror)->VerifierKey().substr((*mirror)->VerifierKey().rfind('+')));
}

// The .vkey is derived from the .pem: damaged or removed, it is written again
// from the key when the cosigner opens, never handed out wrong.
TEST(MirrorKeyTest, ADamagedOrMissingVerifierKeyIsWrittenAgain) {
  ScopedTempDir dir;
  auto mirror = MirrorCosigner::Open(Env::Default(), dir.path(), "o/mirror");
  ASSERT_TRUE(mirror.ok()) << mirror.status();
  const std::string vkey_path = dir.path() + "/keys/mirror.vkey";
  const std::string good = (*mirror)->VerifierKey() + "\n";
  for (const std::string& damage :
       {std::string("o/mirror+00000000+AAAA\n"), std::string("")}) {
    if (damage.empty()) {
      ASSERT_TRUE(Env::Default()->RemoveFile(vkey_path).ok());
    } else {
      ASSERT_TRUE(
          Env::Default()->WriteFileAtomic(vkey_path, damage, 0644).ok());
    }
    auto reopened =
        MirrorCosigner::Open(Env::Default(), dir.path(), "o/mirror");
    ASSERT_TRUE(reopened.ok()) << reopened.status();
    EXPECT_EQ((*reopened)->VerifierKey() + "\n", good);
    auto vkey = Env::Default()->ReadFile(vkey_path);
    ASSERT_TRUE(vkey.ok()) << vkey.status();
    EXPECT_EQ(*vkey, good) << (damage.empty() ? "removed" : "damaged");
  }
}

TEST(MirrorPolicyTest, RequiresTheMirrorsItLists) {
  const std::string cosigned = std::string(kNote) + kLine;
  auto policy = WitnessPolicy::Parse(absl::StrCat("mirror ", kVkey,
                                                  " http://m.example/mirror\n"
                                                  "mirror_quorum 1\n"),
                                     "p");
  ASSERT_TRUE(policy.ok()) << policy.status();
  auto check = policy->Check(cosigned);
  ASSERT_TRUE(check.ok()) << check.status();
  EXPECT_EQ(check->mirrored_by, std::vector<std::string>{kName});
  // Without the mirror's line the checkpoint does not count.
  auto refused = policy->Check(kNote);
  EXPECT_TRUE(absl::IsUnauthenticated(refused.status()));
  EXPECT_TRUE(absl::StrContains(refused.status().message(),
                                "short of its mirror_quorum of 1"))
      << refused.status();
  EXPECT_TRUE(absl::StrContains(refused.status().message(),
                                std::string("missing: ") + kName));
  // A mirror_quorum beyond the mirrors listed, or not a number.
  EXPECT_FALSE(WitnessPolicy::Parse("mirror_quorum 1\n", "p").ok());
  EXPECT_FALSE(WitnessPolicy::Parse("mirror_quorum x\n", "p").ok());
}

}  // namespace
}  // namespace archive
