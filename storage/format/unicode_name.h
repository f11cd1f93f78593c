// The Unicode rules a new name is held to (issue 11, defect 10), on top of the
// statement format's own (printable UTF-8, no whitespace or control
// characters). A name is read by people and compared by machines, so it must
// show every character it holds, show them in the order they are stored, and
// have one spelling:
//  - no bidirectional controls (U+202E RIGHT-TO-LEFT OVERRIDE makes
//    "doc<U+202E>txt.exe" display as "docexe.txt");
//  - no default-ignorable code points (U+200D ZERO WIDTH JOINER, U+00AD SOFT
//    HYPHEN, variation selectors, ...), which display as nothing, so two ids
//    that look the same would be two documents;
//  - no unassigned code points, whose normalisation a later Unicode version
//    may define differently;
//  - Unicode Normalization Form C, so that "é" typed as one code point or as
//    "e" plus U+0301 is one id, not two; the error names the NFC form.
// The character properties and NFC come from ICU (Debian libicu-dev), not from
// tables of our own, so they follow the Unicode version ICU implements.
#ifndef ARCHIVE_STORAGE_FORMAT_UNICODE_NAME_H_
#define ARCHIVE_STORAGE_FORMAT_UNICODE_NAME_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace archive {

// OK if `value` (valid UTF-8) meets the rules above; otherwise
// INVALID_ARGUMENT "<key>: <problem>" naming the first offending character as
// U+XXXX with its Unicode name, or the NFC form. Thread-safe.
absl::Status CheckUnicodeName(absl::string_view key, absl::string_view value);

}  // namespace archive

#endif  // ARCHIVE_STORAGE_FORMAT_UNICODE_NAME_H_
