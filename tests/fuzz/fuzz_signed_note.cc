// Fuzzes the signed-note codec (storage/signed_note.h) and its verifier
// (clients/note_verifier.h).
//
// Properties, for any input:
//  - if ParseNote accepts it, FormatNote gives back exactly the input, the text
//    ends in "\n" and every signature has a valid key name;
//  - VerifyNote under the test key accepts only notes ParseNote accepts, and
//    returns one of the texts the test key signed in the vectors (nobody else
//    can make it sign anything);
//  - if the first line parses as a verifier key, it prints back as that line,
//    its key id is the one its name and key imply, and a note it verifies under
//    the test key's public key (whatever the name) carries a genuine text;
//  - a valid note text signed with the test key verifies to exactly that text.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "storage/base/utf8.h"
#include "storage/format/signed_note.h"
#include "storage/format/statement.h"
#include "storage/verify/note_verifier.h"
#include "tests/fuzz/fuzz_support.h"

namespace archive {
namespace fuzz {
namespace {

void CheckParsedNote(absl::string_view input) {
  absl::StatusOr<Note> note = ParseNote(input);
  absl::StatusOr<std::string> verified = VerifyNote(input, TestVerifierKey());
  if (!note.ok()) {
    FUZZ_CHECK(note.status().code() == absl::StatusCode::kInvalidArgument,
               note.status().ToString());
    FUZZ_CHECK(!verified.ok() && verified.status() == note.status(),
               verified.status().ToString() + " for " + Show(input));
    return;
  }
  FUZZ_CHECK(FormatNote(*note) == input,
             Show(FormatNote(*note)) + " != input " + Show(input));
  FUZZ_CHECK(!note->text.empty() && note->text.back() == '\n', Show(input));
  FUZZ_CHECK(!note->signatures.empty(), Show(input));
  for (const NoteSignature& sig : note->signatures) {
    FUZZ_CHECK(IsValidKeyName(sig.key_name), Show(sig.key_name));
    FUZZ_CHECK(!sig.signature.empty(), Show(input));
  }
  if (verified.ok()) {
    FUZZ_CHECK(*verified == note->text, Show(input));
    FUZZ_CHECK(IsKnownSignedText(*verified),
               "forged note accepted: " + Show(input));
  } else {
    FUZZ_CHECK(verified.status().code() == absl::StatusCode::kUnauthenticated,
               verified.status().ToString());
  }
}

// First line: a verifier key; the rest: a note to verify with it.
void CheckVerifierKey(absl::string_view input) {
  const size_t newline = input.find('\n');
  const absl::string_view line = input.substr(0, newline);
  absl::StatusOr<std::unique_ptr<VerifierKey>> key = VerifierKey::Parse(line);
  if (!key.ok()) {
    FUZZ_CHECK(key.status().code() == absl::StatusCode::kInvalidArgument,
               key.status().ToString());
    return;
  }
  const VerifierKey& k = **key;
  FUZZ_CHECK(k.ToString() == line, Show(k.ToString()) + " != " + Show(line));
  FUZZ_CHECK(IsValidKeyName(k.name()) && k.public_key().size() == 32,
             Show(line));
  FUZZ_CHECK(k.key_id() == Ed25519KeyId(k.name(), k.public_key()), Show(line));
  if (newline == absl::string_view::npos) return;
  absl::StatusOr<std::string> verified =
      VerifyNote(input.substr(newline + 1), k);
  if (verified.ok() && k.public_key() == TestVerifierKey().public_key()) {
    FUZZ_CHECK(IsKnownSignedText(*verified),
               "forged note accepted: " + Show(input));
  }
}

// The note-text rules of C2SP signed-note, written out independently of
// ParseNote: valid UTF-8, no control characters but "\n", a final "\n".
bool IsValidNoteText(absl::string_view text) {
  if (text.empty() || text.back() != '\n' || !IsValidUtf8(text)) return false;
  for (char c : text) {
    if (static_cast<unsigned char>(c) < 0x20 && c != '\n') return false;
  }
  return true;
}

void CheckSignRoundTrip(absl::string_view text) {
  if (!IsValidNoteText(text)) return;
  const std::string note = TestSigningKey().SignNote(text);
  absl::StatusOr<std::string> verified = VerifyNote(note, TestVerifierKey());
  FUZZ_CHECK(verified.ok() && *verified == text,
             verified.status().ToString() + " for signed " + Show(note));
  absl::StatusOr<Note> parsed = ParseNote(note);
  FUZZ_CHECK(parsed.ok() && parsed->text == text &&
                 parsed->signatures.size() == 1 && FormatNote(*parsed) == note,
             Show(note));
}

}  // namespace
}  // namespace fuzz
}  // namespace archive

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view input(reinterpret_cast<const char*>(data), size);
  archive::fuzz::CheckParsedNote(input);
  archive::fuzz::CheckVerifierKey(input);
  archive::fuzz::CheckSignRoundTrip(input);
  return 0;
}
