#include "clients/diff/char_diff.h"

#include <algorithm>
#include <string_view>
#include <unordered_map>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "clients/diff/line_diff.h"
#include "storage/base/utf8.h"
#include "storage/format/statement.h"

namespace archive {
namespace {

// Stands for a removed or added line break inside a mark; a bare "\n" there
// would break the diff's one-line-per-line layout.
constexpr char kLineBreakSymbol[] = "\u21b5";  // ↵

size_t CodePointLength(absl::string_view text, size_t pos) {
  const unsigned char lead = static_cast<unsigned char>(text[pos]);
  const size_t n = lead < 0xC0 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
  if (n == 1) return 1;
  // The statement module's validator knows every rule (overlongs,
  // surrogates, > U+10FFFF); a sequence it refuses is cut byte by byte.
  if (pos + n > text.size() || !IsValidUtf8(text.substr(pos, n))) return 1;
  return n;
}

// A stretch of the edit: equal code points, or one change (some removed, some
// added, nothing equal in between).
struct Run {
  bool equal;
  int old_start, old_count;
  int new_start, new_count;
  int Size() const { return std::max(old_count, new_count); }
};

std::vector<Run> RunsOf(const EditMarks& marks) {
  const int na = static_cast<int>(marks.deleted.size());
  const int nb = static_cast<int>(marks.inserted.size());
  std::vector<Run> runs;
  int i = 0, j = 0;
  while (i < na || j < nb) {
    Run run{true, i, 0, j, 0};
    auto removed = [&] { return i < na && marks.deleted[i]; };
    auto added = [&] { return j < nb && marks.inserted[j]; };
    if (removed() || added()) {
      run.equal = false;
      while (removed() || added()) {
        if (removed()) {
          ++i, ++run.old_count;
        } else {
          ++j, ++run.new_count;
        }
      }
    } else {
      while (i < na && j < nb && !removed() && !added()) {
        ++i, ++j, ++run.old_count, ++run.new_count;
      }
    }
    runs.push_back(run);
  }
  return runs;
}

// A run of equal characters strictly shorter than the changes on both sides
// of it tells the reader little ("改[-的-]为" inside a rewritten clause), so
// it joins them into one change. Two-character words between two-character
// changes stay: 共享 in 数据共享开放 → 信息共享利用 is worth seeing.
void JoinShortEqualities(std::vector<Run>* runs) {
  bool joined = true;
  while (joined) {
    joined = false;
    for (size_t k = 1; k + 1 < runs->size(); ++k) {
      const Run& before = (*runs)[k - 1];
      const Run& middle = (*runs)[k];
      const Run& after = (*runs)[k + 1];
      if (!middle.equal || before.equal || after.equal) continue;
      if (middle.Size() >= before.Size() || middle.Size() >= after.Size()) {
        continue;
      }
      Run change{false, before.old_start,
                 before.old_count + middle.old_count + after.old_count,
                 before.new_start,
                 before.new_count + middle.new_count + after.new_count};
      runs->erase(runs->begin() + k, runs->begin() + k + 2);
      (*runs)[k - 1] = change;
      joined = true;
    }
  }
}

// How the lines of one side of a change are drawn.
struct LineStyle {
  const char* line_start;  // after the tag
  const char* open;        // around a changed span
  const char* close;
  const char* line_end;  // before the line's newline
};

constexpr LineStyle kBracketRemoved = {"", "[-", "-]", ""};
constexpr LineStyle kBracketAdded = {"", "{+", "+}", ""};
constexpr LineStyle kColorRemoved = {"\x1b[31m", "\x1b[7m", "\x1b[27m",
                                     "\x1b[0m"};
constexpr LineStyle kColorAdded = {"\x1b[32m", "\x1b[7m", "\x1b[27m",
                                   "\x1b[0m"};

// One "-" or "+" line: its text (with its line break, if the text has one)
// and the "\ No newline at end of file" line that may follow it.
struct ChangedLine {
  absl::string_view text;
  absl::string_view no_newline_marker;
};

// One side of a change: its lines, the code points of their texts run
// together, and where each line's code points start.
struct Side {
  std::vector<ChangedLine> lines;
  std::vector<absl::string_view> cps;
  std::vector<size_t> line_starts;

  void Split() {
    for (const ChangedLine& line : lines) {
      line_starts.push_back(cps.size());
      std::vector<absl::string_view> more = SplitCodePoints(line.text);
      cps.insert(cps.end(), more.begin(), more.end());
    }
    line_starts.push_back(cps.size());
  }
};

void AppendSide(char tag, const Side& side, const std::vector<bool>& marks,
                const LineStyle& style, std::string* out) {
  for (size_t l = 0; l < side.lines.size(); ++l) {
    out->push_back(tag);
    absl::StrAppend(out, style.line_start);
    bool open = false;
    bool line_break = false;
    for (size_t k = side.line_starts[l]; k < side.line_starts[l + 1]; ++k) {
      if (marks[k] != open) {
        absl::StrAppend(out, open ? style.close : style.open);
        open = marks[k];
      }
      if (side.cps[k] == "\n") {
        line_break = true;
        if (open) absl::StrAppend(out, kLineBreakSymbol);
      } else {
        absl::StrAppend(out, side.cps[k]);
      }
    }
    if (open) absl::StrAppend(out, style.close);
    absl::StrAppend(out, style.line_end);
    if (line_break || !side.lines[l].no_newline_marker.empty()) {
      out->push_back('\n');
    }
    absl::StrAppend(out, side.lines[l].no_newline_marker);
  }
}

void AppendChange(Side* removed, Side* added, MarkStyle style,
                  std::string* out) {
  removed->Split();
  added->Split();
  CharChanges changes;
  if (!removed->cps.empty() && !added->cps.empty()) {
    changes = ChangedCodePoints(removed->cps, added->cps);
  } else {  // only removed or only added lines: the whole line is the change
    changes.removed.assign(removed->cps.size(), false);
    changes.added.assign(added->cps.size(), false);
  }
  const bool color = style == MarkStyle::kColor;
  AppendSide('-', *removed, changes.removed,
             color ? kColorRemoved : kBracketRemoved, out);
  AppendSide('+', *added, changes.added, color ? kColorAdded : kBracketAdded,
             out);
}

// Collects the lines tagged `tag` from lines[i] on, each with the "\ No
// newline at end of file" line that may follow it (whose line break is the
// diff's, not the text's). Returns the index after them.
size_t GatherLines(char tag, const std::vector<absl::string_view>& lines,
                   size_t i, Side* side) {
  for (; i < lines.size() && lines[i][0] == tag; ++i) {
    ChangedLine line{lines[i].substr(1), {}};
    if (i + 1 < lines.size() && absl::StartsWith(lines[i + 1], "\\")) {
      if (absl::EndsWith(line.text, "\n")) line.text.remove_suffix(1);
      line.no_newline_marker = lines[++i];
    }
    side->lines.push_back(line);
  }
  return i;
}

void AppendPlainLine(absl::string_view line, const char* color, bool use_color,
                     std::string* out) {
  if (!use_color) {
    absl::StrAppend(out, line);
    return;
  }
  const bool line_break = absl::EndsWith(line, "\n");
  if (line_break) line.remove_suffix(1);
  absl::StrAppend(out, color, line, "\x1b[0m", line_break ? "\n" : "");
}

}  // namespace

std::vector<absl::string_view> SplitCodePoints(absl::string_view text) {
  std::vector<absl::string_view> cps;
  for (size_t pos = 0; pos < text.size();) {
    const size_t n = CodePointLength(text, pos);
    cps.push_back(text.substr(pos, n));
    pos += n;
  }
  return cps;
}

CharChanges ChangedCodePoints(const std::vector<absl::string_view>& old_cps,
                              const std::vector<absl::string_view>& new_cps) {
  CharChanges changes;
  changes.removed.assign(old_cps.size(), false);
  changes.added.assign(new_cps.size(), false);
  // Only the middle between the common prefix and suffix is compared; its
  // size bounds the cost of the search.
  size_t prefix = 0;
  while (prefix < old_cps.size() && prefix < new_cps.size() &&
         old_cps[prefix] == new_cps[prefix]) {
    ++prefix;
  }
  size_t suffix = 0;
  while (suffix < old_cps.size() - prefix && suffix < new_cps.size() - prefix &&
         old_cps[old_cps.size() - 1 - suffix] ==
             new_cps[new_cps.size() - 1 - suffix]) {
    ++suffix;
  }
  const size_t old_middle = old_cps.size() - prefix - suffix;
  const size_t new_middle = new_cps.size() - prefix - suffix;
  if (old_middle + new_middle > kMaxMarkedCodePoints) return changes;

  std::unordered_map<std::string_view, int> ids;
  auto id_of = [&](absl::string_view cp) {
    return ids.emplace(std::string_view(cp.data(), cp.size()), ids.size())
        .first->second;
  };
  std::vector<int> a, b;
  for (size_t i = 0; i < old_middle; ++i)
    a.push_back(id_of(old_cps[prefix + i]));
  for (size_t j = 0; j < new_middle; ++j)
    b.push_back(id_of(new_cps[prefix + j]));
  std::vector<Run> runs = RunsOf(ShortestEdit(a, b));
  JoinShortEqualities(&runs);
  for (const Run& run : runs) {
    if (run.equal) continue;
    for (int k = 0; k < run.old_count; ++k) {
      changes.removed[prefix + run.old_start + k] = true;
    }
    for (int k = 0; k < run.new_count; ++k) {
      changes.added[prefix + run.new_start + k] = true;
    }
  }
  return changes;
}

std::string MarkChangedCharacters(absl::string_view unified_diff,
                                  MarkStyle style) {
  const bool color = style == MarkStyle::kColor;
  const std::vector<absl::string_view> lines = SplitLines(unified_diff);
  std::string out;
  size_t i = 0;
  for (; i < lines.size() && i < 2; ++i) {  // "--- a" and "+++ b"
    if (!absl::StartsWith(lines[i], i == 0 ? "--- " : "+++ ")) break;
    AppendPlainLine(lines[i], "\x1b[1m", color, &out);
  }
  while (i < lines.size()) {
    const char tag = lines[i][0];
    if (tag != '-' && tag != '+') {
      AppendPlainLine(lines[i], "\x1b[36m", color && tag == '@', &out);
      ++i;
      continue;
    }
    // One change: its "-" lines, then its "+" lines.
    Side removed, added;
    i = GatherLines('-', lines, i, &removed);
    i = GatherLines('+', lines, i, &added);
    AppendChange(&removed, &added, style, &out);
  }
  return out;
}

}  // namespace archive
