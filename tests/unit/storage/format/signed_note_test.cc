// C2SP signed notes: parsing and formatting, verifier keys, and note
// verification.
#include "storage/format/signed_note.h"

#include <gtest/gtest.h>

#include <string>

#include "absl/strings/str_replace.h"
#include "storage/base/hex.h"
#include "storage/format/signing_key.h"
#include "storage/verify/note_verifier.h"
#include "tests/unit/test_files.h"

namespace archive {
namespace {

using ::archive::testing::VectorFile;

constexpr char kEmDash[] = "\xE2\x80\x94";
constexpr char kKeyName[] = "test.archive.example";
constexpr uint32_t kKeyId = 0xdb157ac4;

std::string TrimNewline(std::string s) {
  while (!s.empty() && s.back() == '\n') s.pop_back();
  return s;
}

std::unique_ptr<VerifierKey> TestVerifier() {
  auto key = VerifierKey::Parse(TrimNewline(VectorFile("verifier.key")));
  EXPECT_TRUE(key.ok()) << key.status();
  return key.ok() ? *std::move(key) : nullptr;
}

std::unique_ptr<SigningKey> NewKey(const std::string& name) {
  auto key = SigningKey::Generate(name);
  EXPECT_TRUE(key.ok()) << key.status();
  return key.ok() ? *std::move(key) : nullptr;
}

// A syntactically valid signature line with an arbitrary 64-byte signature.
std::string FakeSignatureLine(const std::string& name, uint32_t id) {
  return FormatSignatureLine({name, id, std::string(64, 'x')});
}

// Expects a parse failure whose message mentions `what`.
void ExpectMalformed(const std::string& note, const std::string& what) {
  absl::StatusOr<Note> parsed = ParseNote(note);
  ASSERT_FALSE(parsed.ok()) << "accepted: " << note;
  EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_PRED_FORMAT2(::testing::IsSubstring, what,
                      std::string(parsed.status().message()));
}

// --- Format
// -----------------------------------------------------------------------------

TEST(SignedNoteTest, ParsesTheKnownStatementNote) {
  std::string note = VectorFile("statement.note");
  absl::StatusOr<Note> parsed = ParseNote(note);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->text, VectorFile("statement.txt"));
  ASSERT_EQ(parsed->signatures.size(), 1u);
  EXPECT_EQ(parsed->signatures[0].key_name, kKeyName);
  EXPECT_EQ(parsed->signatures[0].key_id, kKeyId);
  EXPECT_EQ(parsed->signatures[0].signature.size(), 64u);
  EXPECT_EQ(FormatNote(*parsed), note);
}

TEST(SignedNoteTest, KeyIdOfTheTestKey) {
  std::optional<std::string> pub =
      Base64Decode("02khkyZvKr8VdOPSOHVQkbGn8TwTH3c49lA50fnqMqs=");
  ASSERT_TRUE(pub.has_value());
  EXPECT_EQ(Ed25519KeyId(kKeyName, *pub), kKeyId);
}

TEST(SignedNoteTest, SignatureLineUsesEmDash) {
  std::string line = FormatSignatureLine({"a", 0x01020304, "\x05"});
  EXPECT_EQ(line, std::string(kEmDash) + " a AQIDBAU=\n");
}

TEST(SignedNoteTest, TextMayContainBlankLines) {
  std::string note = "para one\n\npara two\n\n" + FakeSignatureLine("k", 7);
  absl::StatusOr<Note> parsed = ParseNote(note);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->text, "para one\n\npara two\n");
  EXPECT_EQ(FormatNote(*parsed), note);
}

TEST(SignedNoteTest, KeepsEverySignatureInOrder) {
  std::string note = "text\n\n" + FakeSignatureLine("a", 1) +
                     FakeSignatureLine("b", 2) + FakeSignatureLine("a", 3);
  absl::StatusOr<Note> parsed = ParseNote(note);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  ASSERT_EQ(parsed->signatures.size(), 3u);
  EXPECT_EQ(parsed->signatures[1].key_name, "b");
  EXPECT_EQ(parsed->signatures[2].key_id, 3u);
  EXPECT_EQ(FormatNote(*parsed), note);
}

TEST(SignedNoteTest, RejectsBadUtf8) {
  std::string sig = FakeSignatureLine("k", 1);
  ExpectMalformed("caf\xC3\n\n" + sig, "UTF-8");
  ExpectMalformed("bad \xFF byte\n\n" + sig, "UTF-8");
  ExpectMalformed("overlong \xC0\xAF\n\n" + sig, "UTF-8");
  ExpectMalformed("surrogate \xED\xA0\x80\n\n" + sig, "UTF-8");
  ExpectMalformed("too big \xF4\x90\x80\x80\n\n" + sig, "UTF-8");
  ExpectMalformed("text\n\n" + FakeSignatureLine("k\xE2\x80", 1), "UTF-8");
  EXPECT_TRUE(ParseNote("\xE6\x96\x87\xF0\x9F\x98\x80\n\n" + sig).ok());
}

TEST(SignedNoteTest, RejectsControlCharacters) {
  std::string sig = FakeSignatureLine("k", 1);
  ExpectMalformed("tab\there\n\n" + sig, "control character");
  ExpectMalformed("crlf\r\n\n" + sig, "control character");
  ExpectMalformed(std::string("nul\0\n\n", 6) + sig, "control character");
  ExpectMalformed("text\n\n" + absl::StrReplaceAll(sig, {{"\n", "\r\n"}}),
                  "control character");
}

TEST(SignedNoteTest, RejectsMissingBlankLine) {
  ExpectMalformed("text\n" + FakeSignatureLine("k", 1), "no blank line");
  ExpectMalformed("text without newline", "no blank line");
  ExpectMalformed("", "no blank line");
}

TEST(SignedNoteTest, RejectsNoteWithoutSignatures) {
  ExpectMalformed("text\n\n", "no signature lines");
  ExpectMalformed("text\n\n\n", "no signature lines");
}

TEST(SignedNoteTest, RejectsMalformedSignatureLines) {
  std::string good = FakeSignatureLine("k", 1);
  ExpectMalformed("text\n\n- k AAAAAAA=\n", "does not start with");
  ExpectMalformed("text\n\n" + good + "\n", "no signature lines");
  ExpectMalformed("text\n\n" + good.substr(0, good.size() - 1), "newline");
  ExpectMalformed("text\n\n" + std::string(kEmDash) + " kAAAAAAA=\n",
                  "no space");
  ExpectMalformed("text\n\n" + std::string(kEmDash) + "  AAAAAAA=\n",
                  "key name");
  ExpectMalformed("text\n\n" + FakeSignatureLine("a+b", 1), "key name");
  ExpectMalformed(
      "text\n\n" + FakeSignatureLine("ideographic\xE3\x80\x80space", 1),
      "key name");
  ExpectMalformed("text\n\n" + FakeSignatureLine("nbsp\xC2\xA0", 1),
                  "key name");
  ExpectMalformed("text\n\n" + std::string(kEmDash) + " k AAAA AAAA\n",
                  "base64");
}

TEST(SignedNoteTest, RejectsBadOrTruncatedBase64) {
  std::string good = FakeSignatureLine("k", 1);
  std::string truncated = good.substr(0, good.size() - 2) + "\n";
  ExpectMalformed("text\n\n" + truncated, "bad base64");
  ExpectMalformed("text\n\n" + std::string(kEmDash) + " k AAAAAA\n",
                  "bad base64");
  ExpectMalformed("text\n\n" + std::string(kEmDash) + " k AAAA*AAA\n",
                  "bad base64");
  ExpectMalformed("text\n\n" + std::string(kEmDash) + " k \n",
                  "shorter than 5");
}

TEST(SignedNoteTest, RejectsSignatureShorterThanFiveBytes) {
  ExpectMalformed("text\n\n" + std::string(kEmDash) + " k AAAAAA==\n",
                  "shorter than 5");
  EXPECT_TRUE(
      ParseNote("text\n\n" + std::string(kEmDash) + " k AAAAAAA=\n").ok());
}

TEST(SignedNoteTest, BoundsTheNumberOfSignatures) {
  std::string note = "text\n\n";
  for (int i = 0; i < 100; ++i) note += FakeSignatureLine("k", i);
  EXPECT_TRUE(ParseNote(note).ok());
  ExpectMalformed(note + FakeSignatureLine("k", 100), "more than 100");
}

TEST(SignedNoteTest, KeyNames) {
  EXPECT_TRUE(IsValidKeyName("example.com/log"));
  EXPECT_TRUE(IsValidKeyName("\xE6\xA1\xA3\xE6\xA1\x88"));
  EXPECT_FALSE(IsValidKeyName(""));
  EXPECT_FALSE(IsValidKeyName("a b"));
  EXPECT_FALSE(IsValidKeyName("a+b"));
  EXPECT_FALSE(IsValidKeyName("a\tb"));
  EXPECT_FALSE(IsValidKeyName("a\xE2\x80\xA8"));  // U+2028 LINE SEPARATOR
  EXPECT_FALSE(IsValidKeyName("\xFF"));
}

// --- Verifier keys
// ----------------------------------------------------------------------

TEST(VerifierKeyTest, ParsesTheTestKey) {
  std::unique_ptr<VerifierKey> key = TestVerifier();
  ASSERT_NE(key, nullptr);
  EXPECT_EQ(key->name(), kKeyName);
  EXPECT_EQ(key->key_id(), kKeyId);
  EXPECT_EQ(Base64Encode(key->public_key()),
            "02khkyZvKr8VdOPSOHVQkbGn8TwTH3c49lA50fnqMqs=");
  EXPECT_EQ(key->ToString(), TrimNewline(VectorFile("verifier.key")));
}

TEST(VerifierKeyTest, RejectsMalformedKeys) {
  const std::string good = TrimNewline(VectorFile("verifier.key"));
  const std::string b64 = good.substr(good.rfind('+') + 1);
  auto expect_rejected = [](const std::string& vkey, const std::string& what) {
    auto key = VerifierKey::Parse(vkey);
    ASSERT_FALSE(key.ok()) << "accepted: " << vkey;
    EXPECT_EQ(key.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_PRED_FORMAT2(::testing::IsSubstring, what,
                        std::string(key.status().message()));
  };
  expect_rejected(std::string(kKeyName) + "+db157ac5+" + b64, "does not match");
  expect_rejected("other.example+db157ac4+" + b64, "does not match");
  expect_rejected(std::string(kKeyName) + "+DB157AC4+" + b64, "hex");
  expect_rejected(std::string(kKeyName) + "+db157ac+" + b64, "hex");
  expect_rejected(std::string(kKeyName) + "+db157ac4+" + b64.substr(1),
                  "base64");
  expect_rejected("+db157ac4+" + b64, "key name");
  expect_rejected("a b+db157ac4+" + b64, "key name");
  expect_rejected(std::string(kKeyName) + "db157ac4" + b64, "expected");
  std::optional<std::string> raw = Base64Decode(b64);
  ASSERT_TRUE(raw.has_value());
  std::string wrong_type = *raw;
  wrong_type[0] = 0x02;
  expect_rejected(
      std::string(kKeyName) + "+db157ac4+" + Base64Encode(wrong_type),
      "signature type");
  expect_rejected(
      std::string(kKeyName) + "+db157ac4+" + Base64Encode(raw->substr(0, 32)),
      "32 bytes");
}

TEST(VerifierKeyTest, FromPublicKeyMatchesTheSigner) {
  std::unique_ptr<SigningKey> signer = NewKey("fresh.example/log");
  ASSERT_NE(signer, nullptr);
  auto key = VerifierKey::FromPublicKey(signer->name(), signer->public_key());
  ASSERT_TRUE(key.ok()) << key.status();
  EXPECT_EQ((*key)->key_id(), signer->key_id());
  EXPECT_EQ((*key)->ToString(), signer->VerifierKey());
  EXPECT_TRUE((*key)->Verify("message", signer->Sign("message")));
  EXPECT_FALSE((*key)->Verify("massage", signer->Sign("message")));
  EXPECT_FALSE((*key)->Verify("message", signer->Sign("message").substr(1)));
  EXPECT_FALSE(VerifierKey::FromPublicKey("x", "short").ok());
  EXPECT_FALSE(VerifierKey::FromPublicKey("", signer->public_key()).ok());
}

// --- Note verification
// ------------------------------------------------------------------

TEST(VerifyNoteTest, VerifiesTheKnownStatementNote) {
  std::unique_ptr<VerifierKey> key = TestVerifier();
  ASSERT_NE(key, nullptr);
  absl::StatusOr<std::string> text =
      VerifyNote(VectorFile("statement.note"), *key);
  ASSERT_TRUE(text.ok()) << text.status();
  EXPECT_EQ(*text, VectorFile("statement.txt"));
}

TEST(VerifyNoteTest, UnknownKeyFailsSayingSo) {
  std::unique_ptr<SigningKey> other = NewKey("other.example");
  ASSERT_NE(other, nullptr);
  auto other_key = VerifierKey::Parse(other->VerifierKey());
  ASSERT_TRUE(other_key.ok());
  absl::StatusOr<std::string> text =
      VerifyNote(VectorFile("statement.note"), **other_key);
  ASSERT_FALSE(text.ok());
  EXPECT_EQ(text.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_PRED_FORMAT2(::testing::IsSubstring, "no signature by other.example",
                      std::string(text.status().message()));
  EXPECT_PRED_FORMAT2(::testing::IsSubstring, "test.archive.example+db157ac4",
                      std::string(text.status().message()));
}

TEST(VerifyNoteTest, WrongSignatureFails) {
  std::unique_ptr<VerifierKey> key = TestVerifier();
  ASSERT_NE(key, nullptr);
  absl::StatusOr<Note> note = ParseNote(VectorFile("statement.note"));
  ASSERT_TRUE(note.ok());
  note->signatures[0].signature[10] ^= 0x20;
  absl::StatusOr<std::string> text = VerifyNote(FormatNote(*note), *key);
  ASSERT_FALSE(text.ok());
  EXPECT_PRED_FORMAT2(::testing::IsSubstring, "invalid",
                      std::string(text.status().message()));

  std::string altered = VectorFile("statement.note");
  altered.replace(altered.find("in_force"), 8, "repealed");
  text = VerifyNote(altered, *key);
  ASSERT_FALSE(text.ok());
  EXPECT_PRED_FORMAT2(::testing::IsSubstring, "invalid",
                      std::string(text.status().message()));
}

TEST(VerifyNoteTest, TruncatedSignatureFails) {
  std::unique_ptr<VerifierKey> key = TestVerifier();
  ASSERT_NE(key, nullptr);
  absl::StatusOr<Note> note = ParseNote(VectorFile("statement.note"));
  ASSERT_TRUE(note.ok());
  note->signatures[0].signature.resize(60);
  EXPECT_FALSE(VerifyNote(FormatNote(*note), *key).ok());

  std::string cut = VectorFile("statement.note");
  cut.erase(cut.size() - 4,
            3);  // drop base64 characters before the final newline
  absl::StatusOr<std::string> text = VerifyNote(cut, *key);
  ASSERT_FALSE(text.ok());
  EXPECT_EQ(text.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_PRED_FORMAT2(::testing::IsSubstring, "base64",
                      std::string(text.status().message()));
}

TEST(VerifyNoteTest, KeyIdMismatchIsNotOurSignature) {
  std::unique_ptr<VerifierKey> key = TestVerifier();
  ASSERT_NE(key, nullptr);
  absl::StatusOr<Note> note = ParseNote(VectorFile("statement.note"));
  ASSERT_TRUE(note.ok());
  note->signatures[0].key_id ^= 1;
  absl::StatusOr<std::string> text = VerifyNote(FormatNote(*note), *key);
  ASSERT_FALSE(text.ok());
  EXPECT_PRED_FORMAT2(::testing::IsSubstring,
                      "no signature by test.archive.example+db157ac4",
                      std::string(text.status().message()));
  EXPECT_PRED_FORMAT2(::testing::IsSubstring, "db157ac5",
                      std::string(text.status().message()));
}

TEST(VerifyNoteTest, OneOfSeveralSignaturesIsOurs) {
  std::unique_ptr<VerifierKey> key = TestVerifier();
  std::unique_ptr<SigningKey> a = NewKey("a.example"), b = NewKey(kKeyName);
  ASSERT_NE(key, nullptr);
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  std::string text = VectorFile("statement.txt");
  absl::StatusOr<Note> ours = ParseNote(VectorFile("statement.note"));
  ASSERT_TRUE(ours.ok());
  // b shares our key name but not our key: the spec says to ignore its
  // signature.
  Note note;
  note.text = text;
  note.signatures = {{a->name(), a->key_id(), a->Sign(text)},
                     {b->name(), b->key_id(), b->Sign(text)},
                     ours->signatures[0],
                     {"unknown.example", 42, std::string(64, 'z')}};
  absl::StatusOr<std::string> verified = VerifyNote(FormatNote(note), *key);
  ASSERT_TRUE(verified.ok()) << verified.status();
  EXPECT_EQ(*verified, text);
}

TEST(VerifyNoteTest, MalformedNoteIsInvalidArgument) {
  std::unique_ptr<VerifierKey> key = TestVerifier();
  ASSERT_NE(key, nullptr);
  absl::StatusOr<std::string> text = VerifyNote("no signatures here\n", *key);
  ASSERT_FALSE(text.ok());
  EXPECT_EQ(text.status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace archive
