// The archive's Ed25519 identity: known answers from the shared test key, PEM
// round trips, and an end-to-end check with the stock openssl command line.
#include "storage/format/signing_key.h"

#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <stdlib.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_format.h"
#include "storage/base/hex.h"
#include "storage/base/sha256.h"
#include "storage/format/signed_note.h"
#include "storage/verify/note_verifier.h"
#include "tests/unit/test_files.h"

namespace archive {
namespace {

using ::archive::testing::VectorFile;

constexpr char kSigningKeyName[] = "test.archive.example";

void WriteFile(const std::string& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary);
  out << data;
  ASSERT_TRUE(out.good()) << path;
}

std::string WithoutNewline(std::string s) {
  while (!s.empty() && s.back() == '\n') s.pop_back();
  return s;
}

std::unique_ptr<SigningKey> TestKeyFromSeed() {
  std::optional<std::string> seed =
      FromHex(WithoutNewline(VectorFile("signing.seed.hex")));
  EXPECT_TRUE(seed.has_value());
  auto key = SigningKey::FromSeed(kSigningKeyName, seed.value_or(""));
  EXPECT_TRUE(key.ok()) << key.status();
  return key.ok() ? *std::move(key) : nullptr;
}

// --- Known answers
// ----------------------------------------------------------------------

TEST(SigningKeyTest, SeedGivesTheKnownKey) {
  std::unique_ptr<SigningKey> key = TestKeyFromSeed();
  ASSERT_NE(key, nullptr);
  EXPECT_EQ(key->name(), kSigningKeyName);
  EXPECT_EQ(absl::StrFormat("%08x", key->key_id()), "db157ac4");
  EXPECT_EQ(Base64Encode(key->public_key()),
            "02khkyZvKr8VdOPSOHVQkbGn8TwTH3c49lA50fnqMqs=");
  EXPECT_EQ(key->VerifierKey(), WithoutNewline(VectorFile("verifier.key")));
  EXPECT_EQ(key->PrivatePem(), VectorFile("signing.pem"));
  EXPECT_EQ(key->PublicPem(), VectorFile("public.pem"));
}

TEST(SigningKeyTest, SignsTheKnownStatementNoteExactly) {
  std::unique_ptr<SigningKey> key = TestKeyFromSeed();
  ASSERT_NE(key, nullptr);
  EXPECT_EQ(key->SignNote(VectorFile("statement.txt")),
            VectorFile("statement.note"));
}

TEST(SigningKeyTest, LoadsThePkcs8PemFile) {
  auto key =
      SigningKey::FromPkcs8Pem(kSigningKeyName, VectorFile("signing.pem"));
  ASSERT_TRUE(key.ok()) << key.status();
  EXPECT_EQ((*key)->key_id(), 0xdb157ac4u);
  EXPECT_EQ((*key)->PrivatePem(), VectorFile("signing.pem"));
  EXPECT_EQ((*key)->PublicPem(), VectorFile("public.pem"));
  EXPECT_EQ((*key)->VerifierKey(), WithoutNewline(VectorFile("verifier.key")));
  EXPECT_EQ((*key)->SignNote(VectorFile("statement.txt")),
            VectorFile("statement.note"));
}

TEST(SigningKeyTest, RevisionIdOfTheStatement) {
  EXPECT_EQ(Sha256::HexDigest(VectorFile("statement.txt")),
            WithoutNewline(VectorFile("statement.revision_id")));
}

// --- Generated keys
// ---------------------------------------------------------------------

TEST(SigningKeyTest, GeneratedKeysRoundTripThroughPem) {
  auto key = SigningKey::Generate("office.example/archive");
  ASSERT_TRUE(key.ok()) << key.status();
  auto other = SigningKey::Generate("office.example/archive");
  ASSERT_TRUE(other.ok()) << other.status();
  EXPECT_NE((*key)->public_key(), (*other)->public_key());

  auto reloaded =
      SigningKey::FromPkcs8Pem("office.example/archive", (*key)->PrivatePem());
  ASSERT_TRUE(reloaded.ok()) << reloaded.status();
  EXPECT_EQ((*reloaded)->public_key(), (*key)->public_key());
  EXPECT_EQ((*reloaded)->Sign("x"),
            (*key)->Sign("x"));  // Ed25519 is deterministic
  EXPECT_EQ((*key)->Sign("x").size(), 64u);

  auto verifier = VerifierKey::Parse((*key)->VerifierKey());
  ASSERT_TRUE(verifier.ok()) << verifier.status();
  std::string text = "hello\n";
  absl::StatusOr<std::string> verified =
      VerifyNote((*key)->SignNote(text), **verifier);
  ASSERT_TRUE(verified.ok()) << verified.status();
  EXPECT_EQ(*verified, text);
}

TEST(SigningKeyTest, SignsEmptyMessage) {
  std::unique_ptr<SigningKey> key = TestKeyFromSeed();
  ASSERT_NE(key, nullptr);
  auto verifier = VerifierKey::FromPublicKey(key->name(), key->public_key());
  ASSERT_TRUE(verifier.ok());
  EXPECT_TRUE((*verifier)->Verify("", key->Sign("")));
}

TEST(SigningKeyTest, ConcurrentSignaturesAreAllCorrect) {
  std::unique_ptr<SigningKey> key = TestKeyFromSeed();
  ASSERT_NE(key, nullptr);
  const std::string expected = VectorFile("statement.note");
  const std::string text = VectorFile("statement.txt");
  std::vector<int> good(8, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) good[t] += key->SignNote(text) == expected;
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (int count : good) EXPECT_EQ(count, 200);
}

// --- Rejections
// -------------------------------------------------------------------------

TEST(SigningKeyTest, RejectsBadInputs) {
  EXPECT_EQ(SigningKey::Generate("").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(SigningKey::Generate("has space").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(SigningKey::Generate("a+b").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_FALSE(
      SigningKey::FromSeed(kSigningKeyName, std::string(31, 'a')).ok());
  EXPECT_FALSE(
      SigningKey::FromSeed(kSigningKeyName, std::string(33, 'a')).ok());
  EXPECT_FALSE(SigningKey::FromPkcs8Pem(kSigningKeyName, "not a pem").ok());
  EXPECT_FALSE(
      SigningKey::FromPkcs8Pem(kSigningKeyName, absl::string_view()).ok());
  EXPECT_FALSE(
      SigningKey::FromPkcs8Pem(kSigningKeyName, VectorFile("public.pem")).ok());
  EXPECT_FALSE(
      SigningKey::FromPkcs8Pem("bad name", VectorFile("signing.pem")).ok());
}

TEST(SigningKeyTest, RejectsNonEd25519Pem) {
  EVP_PKEY* ec = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
  ASSERT_NE(ec, nullptr);
  BIO* bio = BIO_new(BIO_s_mem());
  ASSERT_EQ(
      PEM_write_bio_PrivateKey(bio, ec, nullptr, nullptr, 0, nullptr, nullptr),
      1);
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  std::string pem(data, len);
  BIO_free(bio);
  EVP_PKEY_free(ec);
  auto key = SigningKey::FromPkcs8Pem(kSigningKeyName, pem);
  ASSERT_FALSE(key.ok());
  EXPECT_PRED_FORMAT2(::testing::IsSubstring, "Ed25519",
                      std::string(key.status().message()));
}

// --- Interoperability with the openssl command line
// --------------------------------------

class OpensslCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (std::system("command -v openssl >/dev/null 2>&1") != 0) {
      GTEST_SKIP() << "openssl command not installed";
    }
    std::string pattern = ::testing::TempDir() + "/signing_key_test.XXXXXX";
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override {
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }

  // Exit status of `openssl pkeyutl -verify` on the given files in dir_.
  int OpensslVerify(const std::string& text_file, const std::string& sig_file) {
    std::string cmd = "openssl pkeyutl -verify -pubin -inkey " + dir_ +
                      "/public.pem" + " -rawin -in " + dir_ + "/" + text_file +
                      " -sigfile " + dir_ + "/" + sig_file + " >/dev/null 2>&1";
    int status = std::system(cmd.c_str());
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

  std::string dir_;
};

TEST_F(OpensslCliTest, VerifiesOurNoteSignature) {
  auto key = SigningKey::Generate("cli.example/archive");
  ASSERT_TRUE(key.ok()) << key.status();
  std::string text = "archive-revision/v1\ntitle \xE6\x94\xBF\xE7\xAD\x96\n";
  absl::StatusOr<Note> note = ParseNote((*key)->SignNote(text));
  ASSERT_TRUE(note.ok()) << note.status();
  ASSERT_EQ(note->signatures.size(), 1u);

  WriteFile(dir_ + "/public.pem", (*key)->PublicPem());
  WriteFile(dir_ + "/text", note->text);
  WriteFile(dir_ + "/sig", note->signatures[0].signature);
  EXPECT_EQ(OpensslVerify("text", "sig"), 0);

  WriteFile(dir_ + "/modified", "archive-revision/v1\ntitle forged\n");
  EXPECT_NE(OpensslVerify("modified", "sig"), 0);
}

TEST_F(OpensslCliTest, VerifiesTheKnownStatementLikeTheReadme) {
  absl::StatusOr<Note> note = ParseNote(VectorFile("statement.note"));
  ASSERT_TRUE(note.ok()) << note.status();
  WriteFile(dir_ + "/public.pem", VectorFile("public.pem"));
  WriteFile(dir_ + "/text", VectorFile("statement.txt"));
  WriteFile(dir_ + "/sig", note->signatures[0].signature);
  EXPECT_EQ(OpensslVerify("text", "sig"), 0);
}

}  // namespace
}  // namespace archive
