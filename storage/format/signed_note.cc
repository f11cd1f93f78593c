#include "storage/format/signed_note.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "storage/base/hex.h"
#include "storage/base/sha256.h"

namespace archive {
namespace {

// U+2014 EM DASH and a space: the spec's signature-line prefix. A hyphen looks
// the same in most terminals, so it is spelled out in bytes.
constexpr absl::string_view kSignaturePrefix = "\xE2\x80\x94 ";

// The spec asks verifiers to bound the work a note can cause and to accept at
// least 16 signatures; 100 is what Go's sumdb/note accepts, so notes it opens
// we open too.
constexpr size_t kMaxSignatures = 100;

// Decodes one UTF-8 sequence at the start of `s` into `*rune`; returns its
// length, or 0 if it is malformed (truncated, overlong, a surrogate or beyond
// U+10FFFF).
size_t DecodeRune(absl::string_view s, char32_t* rune) {
  const unsigned char b0 = s[0];
  if (b0 < 0x80) {
    *rune = b0;
    return 1;
  }
  size_t len;
  char32_t min;
  if ((b0 & 0xE0) == 0xC0) {
    len = 2, min = 0x80, *rune = b0 & 0x1F;
  } else if ((b0 & 0xF0) == 0xE0) {
    len = 3, min = 0x800, *rune = b0 & 0x0F;
  } else if ((b0 & 0xF8) == 0xF0) {
    len = 4, min = 0x10000, *rune = b0 & 0x07;
  } else {
    return 0;
  }
  if (s.size() < len) return 0;
  for (size_t i = 1; i < len; ++i) {
    const unsigned char b = s[i];
    if ((b & 0xC0) != 0x80) return 0;
    *rune = (*rune << 6) | (b & 0x3F);
  }
  if (*rune < min || *rune > 0x10FFFF) return 0;
  if (*rune >= 0xD800 && *rune <= 0xDFFF) return 0;
  return len;
}

// Unicode White_Space, the set Go's unicode.IsSpace uses for key names.
bool IsUnicodeSpace(char32_t r) {
  return (r >= 0x09 && r <= 0x0D) || r == 0x20 || r == 0x85 || r == 0xA0 ||
         r == 0x1680 || (r >= 0x2000 && r <= 0x200A) || r == 0x2028 ||
         r == 0x2029 || r == 0x202F || r == 0x205F || r == 0x3000;
}

// The whole note, signatures included, must be UTF-8 without ASCII controls but
// "\n".
absl::Status CheckNoteCharacters(absl::string_view note) {
  for (size_t i = 0; i < note.size();) {
    char32_t r;
    size_t len = DecodeRune(note.substr(i), &r);
    if (len == 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("malformed note: invalid UTF-8 at byte ", i));
    }
    if (r < 0x20 && r != '\n') {
      return absl::InvalidArgumentError(absl::StrCat(
          "malformed note: control character 0x",
          ToHex(std::string(1, static_cast<char>(r))), " at byte ", i));
    }
    i += len;
  }
  return absl::OkStatus();
}

uint32_t ReadBigEndian32(absl::string_view b) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v = (v << 8) | static_cast<unsigned char>(b[i]);
  return v;
}

std::string BigEndian32(uint32_t v) {
  std::string out(4, '\0');
  for (int i = 3; i >= 0; --i, v >>= 8) out[i] = static_cast<char>(v & 0xFF);
  return out;
}

absl::StatusOr<NoteSignature> ParseSignatureLine(absl::string_view line) {
  if (line.substr(0, kSignaturePrefix.size()) != kSignaturePrefix) {
    return absl::InvalidArgumentError(
        "malformed note: signature line does not start with \"\xE2\x80\x94 \"");
  }
  line.remove_prefix(kSignaturePrefix.size());
  size_t space = line.find(' ');
  if (space == absl::string_view::npos) {
    return absl::InvalidArgumentError(
        "malformed note: signature line has no space between key name and "
        "signature");
  }
  NoteSignature sig;
  sig.key_name = std::string(line.substr(0, space));
  if (!IsValidKeyName(sig.key_name)) {
    return absl::InvalidArgumentError(
        absl::StrCat("malformed note: invalid key name \"", sig.key_name,
                     "\" in signature line"));
  }
  std::optional<std::string> raw = Base64Decode(line.substr(space + 1));
  if (!raw.has_value()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "malformed note: bad base64 in signature by ", sig.key_name));
  }
  if (raw->size() < 5) {
    return absl::InvalidArgumentError(
        absl::StrCat("malformed note: signature by ", sig.key_name,
                     " is shorter than 5 bytes"));
  }
  sig.key_id = ReadBigEndian32(*raw);
  sig.signature = raw->substr(4);
  return sig;
}

absl::StatusOr<std::vector<NoteSignature>> ParseSignatureLines(
    absl::string_view lines) {
  if (lines.empty()) {
    return absl::InvalidArgumentError("malformed note: no signature lines");
  }
  if (lines.back() != '\n') {
    return absl::InvalidArgumentError(
        "malformed note: last signature line does not end in a newline");
  }
  std::vector<NoteSignature> sigs;
  while (!lines.empty()) {
    if (sigs.size() == kMaxSignatures) {
      return absl::InvalidArgumentError(absl::StrCat(
          "malformed note: more than ", kMaxSignatures, " signatures"));
    }
    size_t end = lines.find('\n');
    absl::StatusOr<NoteSignature> sig =
        ParseSignatureLine(lines.substr(0, end));
    if (!sig.ok()) return sig.status();
    sigs.push_back(*std::move(sig));
    lines.remove_prefix(end + 1);
  }
  return sigs;
}

}  // namespace

bool IsValidKeyName(absl::string_view name) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size();) {
    char32_t r;
    size_t len = DecodeRune(name.substr(i), &r);
    if (len == 0 || r == '+' || IsUnicodeSpace(r)) return false;
    i += len;
  }
  return true;
}

uint32_t NoteKeyId(absl::string_view key_name, char type,
                   absl::string_view public_key) {
  Sha256 h;
  h.Update(key_name);
  h.Update("\n");
  h.Update(absl::string_view(&type, 1));
  h.Update(public_key);
  return ReadBigEndian32(h.Finish());
}

uint32_t Ed25519KeyId(absl::string_view key_name,
                      absl::string_view public_key) {
  return NoteKeyId(key_name, kNoteEd25519Type, public_key);
}

absl::StatusOr<Note> ParseNote(absl::string_view note) {
  if (absl::Status s = CheckNoteCharacters(note); !s.ok()) return s;
  // The text may itself contain blank lines; signature lines never are blank,
  // so the last blank line is the separator.
  size_t split = note.rfind("\n\n");
  if (split == absl::string_view::npos) {
    return absl::InvalidArgumentError(
        "malformed note: no blank line between text and signatures");
  }
  absl::StatusOr<std::vector<NoteSignature>> sigs =
      ParseSignatureLines(note.substr(split + 2));
  if (!sigs.ok()) return sigs.status();
  Note parsed;
  parsed.text = std::string(note.substr(0, split + 1));
  parsed.signatures = *std::move(sigs);
  return parsed;
}

std::string FormatSignatureLine(const NoteSignature& sig) {
  return absl::StrCat(kSignaturePrefix, sig.key_name, " ",
                      Base64Encode(BigEndian32(sig.key_id) + sig.signature),
                      "\n");
}

std::string FormatNote(const Note& note) {
  std::string out = absl::StrCat(note.text, "\n");
  for (const NoteSignature& sig : note.signatures) {
    out += FormatSignatureLine(sig);
  }
  return out;
}

}  // namespace archive
