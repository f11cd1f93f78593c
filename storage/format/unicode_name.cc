#include "storage/format/unicode_name.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "storage/base/error_detail.h"
#include "unicode/normalizer2.h"
#include "unicode/uchar.h"
#include "unicode/unistr.h"
#include "unicode/utf8.h"

namespace archive {
namespace {

absl::Status NameError(absl::string_view key, absl::string_view problem) {
  return StatementFieldError(key, problem);
}

// "U+202E RIGHT-TO-LEFT OVERRIDE": the number to look up, the name to read.
std::string Describe(UChar32 c) {
  std::string out = absl::StrFormat("U+%04X", static_cast<uint32_t>(c));
  char name[128];
  UErrorCode error = U_ZERO_ERROR;
  const int32_t length =
      u_charName(c, U_UNICODE_CHAR_NAME, name, sizeof name, &error);
  if (U_SUCCESS(error) && length > 0 && length < int32_t{sizeof name}) {
    absl::StrAppend(&out, " ", absl::string_view(name, length));
  }
  return out;
}

// Why `c` may not be in a name, or "" if it may.
std::string CharacterProblem(UChar32 c) {
  // Bidi controls are default-ignorable too; naming what they do is clearer.
  if (u_hasBinaryProperty(c, UCHAR_BIDI_CONTROL)) {
    return absl::StrCat("contains ", Describe(c),
                        ", a bidirectional control (it changes the order in "
                        "which the characters around it are displayed)");
  }
  if (u_hasBinaryProperty(c, UCHAR_DEFAULT_IGNORABLE_CODE_POINT)) {
    return absl::StrCat("contains ", Describe(c),
                        ", an invisible (default-ignorable) character");
  }
  if (u_charType(c) == U_UNASSIGNED) {
    return absl::StrFormat(
        "contains U+%04X, which is not assigned in Unicode %s",
        static_cast<uint32_t>(c), U_UNICODE_VERSION);
  }
  return "";
}

}  // namespace

absl::Status CheckUnicodeName(absl::string_view key, absl::string_view value) {
  const int32_t length = static_cast<int32_t>(value.size());
  for (int32_t i = 0; i < length;) {
    UChar32 c;
    U8_NEXT(value.data(), i, length, c);
    if (c < 0) return NameError(key, "not valid UTF-8");
    if (std::string problem = CharacterProblem(c); !problem.empty()) {
      return NameError(key, problem);
    }
  }
  UErrorCode error = U_ZERO_ERROR;
  const icu::Normalizer2* nfc = icu::Normalizer2::getNFCInstance(error);
  if (U_FAILURE(error)) {
    return absl::InternalError(
        absl::StrCat(key, ": ICU has no NFC data: ", u_errorName(error)));
  }
  const icu::UnicodeString text =
      icu::UnicodeString::fromUTF8(icu::StringPiece(value.data(), length));
  if (nfc->isNormalized(text, error)) return absl::OkStatus();
  std::string composed;
  nfc->normalize(text, error).toUTF8String(composed);
  return NameError(key, absl::StrCat("not in Unicode Normalization Form C; "
                                     "write it as \"",
                                     composed, "\" (its NFC form)"));
}

}  // namespace archive
