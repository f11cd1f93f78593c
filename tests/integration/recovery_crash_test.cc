// Issue 11: SIGKILL during recovery itself. archived is killed with 300
// acknowledged puts in its log, then every restart is killed again after a
// few milliseconds, in the middle of replaying that log, writing its table and
// re-checking the signed checkpoint; after twelve such kills it must start,
// hold every acknowledged revision and serve a log that extends the newest
// checkpoint a put was acknowledged with.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "clients/api/archive_client.h"
#include "storage/verify/proof_verifier.h"
#include "tests/integration/test_harness.h"

namespace archive::testing {
namespace {

Checkpoint ParseNoteBody(const std::string& note) {
  auto cp = ParseCheckpoint(note.substr(0, note.find("\n\n") + 1));
  EXPECT_TRUE(cp.ok()) << cp.status();
  return cp.ok() ? *cp : Checkpoint{};
}

TEST(RecoveryCrash, KilledAgainAndAgainDuringRecoveryLosesNothing) {
  auto server = TestServer::Start();
  ASSERT_NE(server, nullptr);
  std::vector<std::string> acked;
  std::string newest;
  {
    ArchiveClient client(ArchiveClient::Dial(server->address()));
    for (int i = 0; i < 300; ++i) {
      std::string text =
          absl::StrCat("policy ", i, "\n", std::string(2000, 'r'));
      auto put =
          client.PutBytes(text, HeaderFor(absl::StrCat("doc-", i), text));
      ASSERT_TRUE(put.ok()) << put.status();
      acked.push_back(put->revision().revision_id());
      newest = put->receipt().checkpoint();
    }
  }
  server->Kill();
  for (int round = 0; round < 12; ++round) {
    // 5 ms to 60 ms: from opening the store to signing and serving.
    ProcessResult r =
        RunKilledAfter({ArchivedPath(), "--data_dir=" + server->data_dir(),
                        "--origin=" + server->origin(),
                        absl::StrCat("--listen=127.0.0.1:", FreePort())},
                       absl::Milliseconds(5 * (1 + round)));
    EXPECT_EQ(r.exit_code, 128 + 9) << "round " << round << ": " << Describe(r);
  }
  ASSERT_TRUE(server->Restart()) << server->log();
  ArchiveClient client(ArchiveClient::Dial(server->address()));
  for (const std::string& rev : acked) {
    auto statement = client.GetStatement(rev);
    ASSERT_TRUE(statement.ok()) << rev << ": " << statement.status();
  }
  auto cp = client.GetCheckpoint();
  ASSERT_TRUE(cp.ok()) << cp.status();
  Checkpoint then = ParseNoteBody(newest),
             now = ParseNoteBody(cp->checkpoint());
  ASSERT_GE(now.size, then.size);
  auto proof = client.GetConsistencyProof(then.size, now.size);
  ASSERT_TRUE(proof.ok()) << proof.status();
  std::vector<std::string> hashes(proof->proof().hashes().begin(),
                                  proof->proof().hashes().end());
  EXPECT_TRUE(VerifyConsistency(then.size, now.size, then.root_hash,
                                now.root_hash, hashes)
                  .ok());
}

}  // namespace
}  // namespace archive::testing
