// Changed characters marked within the lines of a unified diff, so a one-
// character correction in a 500-character line of Chinese text can be seen.
//
// Contract:
// - The unit of comparison is the UTF-8 code point; a byte that is not part of
//   a valid UTF-8 sequence is a unit on its own. A mark never splits a
//   character.
// - The removed and added lines of one change are compared as one text each
//   (line breaks included), so a line that was joined or split shows only the
//   removed or added line break, drawn as "↵" inside the mark.
// - Removed lines carry only removal marks, added lines only addition marks;
//   header, hunk, context and "\ No newline" lines are unchanged. Deleting the
//   marks (and each "↵" they hold) gives back the input diff byte for byte.
// - A change whose differing middle exceeds kMaxMarkedCodePoints is left
//   unmarked: the character comparison would cost more than it tells.
#ifndef ARCHIVE_CLIENTS_DIFF_CHAR_DIFF_H_
#define ARCHIVE_CLIENTS_DIFF_CHAR_DIFF_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace archive {

enum class MarkStyle {
  kBrackets,  // wdiff style: "[-removed-]" and "{+added+}"
  kColor,     // ANSI colours: red/green lines, changed spans in reverse video
};

inline constexpr size_t kMaxMarkedCodePoints = 20000;

// The text cut into UTF-8 code points (views into `text`).
std::vector<absl::string_view> SplitCodePoints(absl::string_view text);

// Which code points of `old_cps` are removed and of `new_cps` added: a
// shortest edit, then cleaned up for reading, so that a short run of equal
// characters between two longer changes (a stray "的" matched inside a
// rewritten clause) becomes part of one change.
struct CharChanges {
  std::vector<bool> removed;  // one per old code point
  std::vector<bool> added;    // one per new code point
};
CharChanges ChangedCodePoints(const std::vector<absl::string_view>& old_cps,
                              const std::vector<absl::string_view>& new_cps);

// `unified_diff` as UnifiedDiff (or GNU diff -u) prints it, with the changed
// characters of each change marked in `style`.
std::string MarkChangedCharacters(absl::string_view unified_diff,
                                  MarkStyle style);

}  // namespace archive

#endif  // ARCHIVE_CLIENTS_DIFF_CHAR_DIFF_H_
