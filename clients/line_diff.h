// Unified line diff for archivectl diff. Lines are split on "\n" only, so
// multi-byte UTF-8 text (Chinese policy documents) is never cut inside a
// character.
#ifndef ARCHIVE_CLIENTS_LINE_DIFF_H_
#define ARCHIVE_CLIENTS_LINE_DIFF_H_

#include <string>

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

}  // namespace archive

#endif  // ARCHIVE_CLIENTS_LINE_DIFF_H_
