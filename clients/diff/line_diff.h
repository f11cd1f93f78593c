// Unified line diff for archivectl diff. Lines are split on "\n" only, so
// multi-byte UTF-8 text (Chinese policy documents) is never cut inside a
// character.
#ifndef ARCHIVE_CLIENTS_DIFF_LINE_DIFF_H_
#define ARCHIVE_CLIENTS_DIFF_LINE_DIFF_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace archive {

struct DiffOptions {
  int context_lines = 3;
  std::string old_label = "a";  // shown after "--- "
  std::string new_label = "b";  // shown after "+++ "
};

// Returns a unified diff ("--- a", "+++ b", "@@ -l,n +l,n @@" hunks, "
// "/"-"/"+" lines) of `old_text` against `new_text`, or "" if they are equal. A
// text whose last line lacks a final newline gets "\ No newline at end of file"
// after that line, as GNU diff prints it. Minimal edit script (Myers' O(ND)
// algorithm), linear memory.
std::string UnifiedDiff(absl::string_view old_text, absl::string_view new_text,
                        const DiffOptions& options = {});

// The lines of `text`, each with its "\n" (an unterminated last line has
// none), as views into `text`.
std::vector<absl::string_view> SplitLines(absl::string_view text);

// A shortest edit script between two sequences of symbols (equal symbols share
// an int): which elements of `a` are deleted and of `b` inserted so that the
// rest match in order. The same Myers search as UnifiedDiff, exposed for the
// character-level marks of char_diff.h.
struct EditMarks {
  std::vector<bool> deleted;   // one per element of a
  std::vector<bool> inserted;  // one per element of b
};
EditMarks ShortestEdit(const std::vector<int>& a, const std::vector<int>& b);

}  // namespace archive

#endif  // ARCHIVE_CLIENTS_DIFF_LINE_DIFF_H_
