// C2SP signed-note format (https://c2sp.org/signed-note): a UTF-8 text ending
// in "\n", a blank line, then one or more signature lines
//   "— <key name> <base64(4-byte key id || signature)>\n"
// (the dash is U+2014). This file knows the format only; signing is in
// signing_key.h and verification in clients/note_verifier.h.
#ifndef ARCHIVE_STORAGE_FORMAT_SIGNED_NOTE_H_
#define ARCHIVE_STORAGE_FORMAT_SIGNED_NOTE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace archive {

struct NoteSignature {
  std::string key_name;
  uint32_t key_id =
      0;  // big-endian first 4 bytes of the decoded signature field
  std::string signature;  // the remaining bytes (64 for Ed25519)
};

struct Note {
  std::string text;  // ends in "\n"; excludes the blank separator line
  std::vector<NoteSignature> signatures;
};

// Key id for an Ed25519 key: first 4 bytes (big-endian) of
// SHA-256(name || 0x0A || 0x01 || 32-byte public key).
uint32_t Ed25519KeyId(absl::string_view key_name, absl::string_view public_key);

// Signature type bytes of C2SP signed-note and tlog-cosignature: a note
// signature (Ed25519) and a timestamped cosignature/v1 (Ed25519).
inline constexpr char kNoteEd25519Type = 0x01;
inline constexpr char kCosignatureV1Type = 0x04;

// Key id for a key of signature type `type`: first 4 bytes (big-endian) of
// SHA-256(name || 0x0A || type || public key).
uint32_t NoteKeyId(absl::string_view key_name, char type,
                   absl::string_view public_key);

// True iff `name` is a valid key name: non-empty UTF-8 without Unicode spaces
// or "+". Added beyond the original interface so that note parsing, verifier
// keys and signing keys share one definition of the rule.
bool IsValidKeyName(absl::string_view name);

// Parses a signed note. Rejects (INVALID_ARGUMENT naming the problem): invalid
// UTF-8, control characters other than "\n" in the text, a text not ending in
// "\n", a missing blank line, no signatures, malformed signature lines, bad or
// truncated base64, a key name with spaces or "+", a signature field shorter
// than 5 bytes.
absl::StatusOr<Note> ParseNote(absl::string_view note);

// Renders text + blank line + signature lines. `text` must end in "\n".
std::string FormatNote(const Note& note);

// The signature line "— name base64(keyid||sig)\n".
std::string FormatSignatureLine(const NoteSignature& sig);

}  // namespace archive

#endif  // ARCHIVE_STORAGE_FORMAT_SIGNED_NOTE_H_
