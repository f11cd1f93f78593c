#include "clients/diff/line_diff.h"

#include <algorithm>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "absl/strings/str_cat.h"

// The output is meant to be byte-identical to `diff -u --minimal`, so that a
// reviewer can cross-check archivectl against the tool they already trust.
// Many edit scripts are equally short; GNU's choice among them follows from
// (1) where its bidirectional search meets, (2) its post-pass that slides runs
// of changed lines, and (3) how far that post-pass may look past the common
// prefix and suffix. Each of the three is reproduced below.

namespace archive {

std::vector<absl::string_view> SplitLines(absl::string_view text) {
  std::vector<absl::string_view> lines;
  while (!text.empty()) {
    size_t end = text.find('\n');
    end = end == absl::string_view::npos ? text.size() : end + 1;
    lines.push_back(text.substr(0, end));
    text.remove_prefix(end);
  }
  return lines;
}

namespace {

using LineId = int;

// Per-line "changed" marks with a false sentinel on either side, so run scans
// may step one line past either end without bounds checks.
class Marks {
 public:
  explicit Marks(int lines) : marks_(lines + 2, false) {}
  bool operator[](int line) const { return marks_[line + 1]; }
  void Set(int line, bool value) { marks_[line + 1] = value; }

 private:
  std::vector<bool> marks_;
};

// One input split into lines. A line keeps its "\n", so an unterminated last
// line never equals a terminated one: the diff must show that difference.
struct Text {
  std::vector<absl::string_view> lines;
  std::vector<LineId>
      ids;  // equal lines share an id; compares are int compares
  Marks changed{0};
};

void LoadText(absl::string_view text,
              std::unordered_map<std::string_view, LineId>* interned,
              Text* side) {
  side->lines = SplitLines(text);
  for (absl::string_view line : side->lines) {
    auto it = interned->emplace(std::string_view(line.data(), line.size()),
                                static_cast<LineId>(interned->size()));
    side->ids.push_back(it.first->second);
  }
  side->changed = Marks(static_cast<int>(side->lines.size()));
}

// Myers' O(ND) comparison in linear space: find the middle of a shortest edit
// path by searching from both corners at once, then recurse on the halves.
class EditFinder {
 public:
  EditFinder(Text* a, Text* b)
      : a_(a->ids),
        b_(b->ids),
        deleted_(&a->changed),
        inserted_(&b->changed),
        offset_(static_cast<int>(b_.size()) + 1),
        forward_(a_.size() + b_.size() + 3),
        backward_(a_.size() + b_.size() + 3) {}

  void Run() {
    Compare(0, static_cast<int>(a_.size()), 0, static_cast<int>(b_.size()));
  }

 private:
  struct Point {
    int x;
    int y;
  };

  // Diagonal k holds the points with x - y == k; the offset keeps the index
  // non-negative for the widest band (k - 1 .. k + 1 over the whole input).
  int& Forward(int k) { return forward_[k + offset_]; }
  int& Backward(int k) { return backward_[k + offset_]; }

  void Compare(int x0, int x1, int y0, int y1) {
    while (x0 < x1 && y0 < y1 && a_[x0] == b_[y0]) ++x0, ++y0;
    while (x0 < x1 && y0 < y1 && a_[x1 - 1] == b_[y1 - 1]) --x1, --y1;
    if (x0 == x1 || y0 == y1) {
      for (int x = x0; x < x1; ++x) deleted_->Set(x, true);
      for (int y = y0; y < y1; ++y) inserted_->Set(y, true);
      return;
    }
    const Point mid = MiddleSnake(x0, x1, y0, y1);
    Compare(x0, mid.x, y0, mid.y);
    Compare(mid.x, x1, mid.y, y1);
  }

  // Widens the band of live diagonals by one on each side. A side that already
  // touches the edit graph's edge narrows instead, which keeps every live
  // diagonal at the parity the next round expects. `unreached` fills the new
  // neighbours so they never win the max/min choice.
  static void GrowBand(int* lo, int* hi, int lowest, int highest, int unreached,
                       std::vector<int>* values, int offset) {
    if (*lo > lowest) {
      --*lo;
      (*values)[*lo - 1 + offset] = unreached;
    } else {
      ++*lo;
    }
    if (*hi < highest) {
      ++*hi;
      (*values)[*hi + 1 + offset] = unreached;
    } else {
      --*hi;
    }
  }

  // Assumes the first and the last lines of the two ranges differ.
  Point MiddleSnake(int x0, int x1, int y0, int y1) {
    const int lowest = x0 - y1;
    const int highest = x1 - y0;
    const int forward_center = x0 - y0;
    const int backward_center = x1 - y1;
    // The searches meet on the forward step when the corners' diagonals
    // differ by an odd amount, on the backward step otherwise.
    const bool odd = ((forward_center - backward_center) & 1) != 0;
    int flo = forward_center, fhi = forward_center;
    int blo = backward_center, bhi = backward_center;
    Forward(forward_center) = x0;
    Backward(backward_center) = x1;
    while (true) {
      GrowBand(&flo, &fhi, lowest, highest, -1, &forward_, offset_);
      for (int k = fhi; k >= flo; k -= 2) {
        // Prefer the deletion (from k - 1) when it reaches at least as far.
        int x = Forward(k - 1) < Forward(k + 1) ? Forward(k + 1)
                                                : Forward(k - 1) + 1;
        int y = x - k;
        while (x < x1 && y < y1 && a_[x] == b_[y]) ++x, ++y;
        Forward(k) = x;
        if (odd && blo <= k && k <= bhi && Backward(k) <= x) return {x, y};
      }
      GrowBand(&blo, &bhi, lowest, highest, kUnreachedBackward, &backward_,
               offset_);
      for (int k = bhi; k >= blo; k -= 2) {
        int x = Backward(k - 1) < Backward(k + 1) ? Backward(k - 1)
                                                  : Backward(k + 1) - 1;
        int y = x - k;
        while (x > x0 && y > y0 && a_[x - 1] == b_[y - 1]) --x, --y;
        Backward(k) = x;
        if (!odd && flo <= k && k <= fhi && x <= Forward(k)) return {x, y};
      }
    }
  }

  static constexpr int kUnreachedBackward = 0x7fffffff;

  const std::vector<LineId>& a_;
  const std::vector<LineId>& b_;
  Marks* deleted_;
  Marks* inserted_;
  const int offset_;
  std::vector<int> forward_;   // furthest x reached on each diagonal
  std::vector<int> backward_;  // smallest x reached going backwards
};

// A run of changed lines can often slide over equal neighbours without
// changing the diff's size. GNU first slides each run up to merge it with
// earlier runs, then down as far as possible (later runs merge too), and then
// back up to the last spot where the run lines up with a change in the other
// file, so deletions and insertions print as one change. This class walks one
// file's runs; `other` is the other file's marks, read only to keep `j_`, the
// position in the other file that matches `end_of_run_`, in step.
class RunSlider {
 public:
  RunSlider(Text* mine, const Text& other, int begin, int end)
      : ids_(mine->ids),
        other_(other.changed),
        changed_(mine->changed),
        begin_(begin),
        end_(end) {}

  void Run() {
    while (FindNextRun()) {
      int length;
      int aligned;
      do {
        length = end_of_run_ - start_;
        SlideUp();
        aligned = SlideDown();
      } while (length != end_of_run_ - start_);  // merged: slide again
      while (aligned < end_of_run_) MoveUpOne();
    }
  }

 private:
  // Skips unchanged lines (each matches one line of the other file, while the
  // other file's own changes are stepped over), then spans the next run.
  bool FindNextRun() {
    while (end_of_run_ < end_ && !changed_[end_of_run_]) {
      while (other_[j_++]) {
      }
      ++end_of_run_;
    }
    if (end_of_run_ == end_) return false;
    start_ = end_of_run_;
    while (changed_[++end_of_run_]) {
    }
    while (other_[j_]) ++j_;
    return true;
  }

  void MoveUpOne() {
    changed_.Set(--start_, true);
    changed_.Set(--end_of_run_, false);
    while (other_[--j_]) {
    }
  }

  void SlideUp() {
    while (start_ > begin_ && ids_[start_ - 1] == ids_[end_of_run_ - 1]) {
      MoveUpOne();
      while (changed_[start_ - 1]) --start_;
    }
  }

  // Returns where the run should end to line up with the other file's change,
  // or end_ if no such place was passed.
  int SlideDown() {
    int aligned = other_[j_ - 1] ? end_of_run_ : end_;
    while (end_of_run_ != end_ && ids_[start_] == ids_[end_of_run_]) {
      changed_.Set(start_++, false);
      changed_.Set(end_of_run_++, true);
      while (changed_[end_of_run_]) ++end_of_run_;
      while (other_[++j_]) aligned = end_of_run_;
    }
    return aligned;
  }

  const std::vector<LineId>& ids_;
  const Marks& other_;
  Marks& changed_;
  const int begin_;
  const int end_;
  int start_ = 0;
  int end_of_run_ = 0;
  int j_ = 0;
};

size_t LineBytes(absl::string_view line) {
  // GNU diff measures an unterminated last line as if it had its newline.
  return line.size() + (line.back() == '\n' ? 0 : 1);
}

// GNU only lets runs slide within `context` lines of the common prefix and
// suffix (it never reads the rest as lines). The suffix may not reach into
// the part of the prefix it keeps, measured in bytes of the shorter input.
struct SlideLimits {
  int begin;
  int old_end;
  int new_end;
};

SlideLimits FindSlideLimits(const Text& a, const Text& b, int context) {
  const int na = static_cast<int>(a.ids.size());
  const int nb = static_cast<int>(b.ids.size());
  int prefix = 0;
  while (prefix < na && prefix < nb && a.ids[prefix] == b.ids[prefix]) {
    ++prefix;
  }
  const int begin = std::max(0, prefix - context);
  size_t room[2] = {0, 0};
  for (int i = begin; i < na; ++i) room[0] += LineBytes(a.lines[i]);
  for (int i = begin; i < nb; ++i) room[1] += LineBytes(b.lines[i]);
  size_t budget = std::min(room[0], room[1]);
  int suffix = 0;
  while (suffix < na && suffix < nb &&
         a.ids[na - 1 - suffix] == b.ids[nb - 1 - suffix] &&
         LineBytes(a.lines[na - 1 - suffix]) <= budget) {
    budget -= LineBytes(a.lines[na - 1 - suffix]);
    ++suffix;
  }
  const int hidden = std::max(0, suffix - context);
  return {begin, na - hidden, nb - hidden};
}

struct Change {
  int old_start;
  int new_start;
  int deleted;
  int inserted;
};

std::vector<Change> CollectChanges(const Text& a, const Text& b) {
  std::vector<Change> changes;
  const int na = static_cast<int>(a.ids.size());
  const int nb = static_cast<int>(b.ids.size());
  int i = 0;
  int j = 0;
  while (i < na || j < nb) {
    if (a.changed[i] || b.changed[j]) {
      Change change{i, j, 0, 0};
      while (a.changed[i]) ++i;
      while (b.changed[j]) ++j;
      change.deleted = i - change.old_start;
      change.inserted = j - change.new_start;
      changes.push_back(change);
    }
    ++i;  // past a pair of matching lines
    ++j;
  }
  return changes;
}

// "start,count" with 1-based start; GNU prints a lone line without ",1" and
// an empty range as the line before it with ",0" (so "0,0" for empty input).
std::string RangeText(int first, int count) {
  if (count == 0) return absl::StrCat(first, ",0");
  if (count == 1) return absl::StrCat(first + 1);
  return absl::StrCat(first + 1, ",", count);
}

void AppendLine(char tag, absl::string_view line, std::string* out) {
  out->push_back(tag);
  absl::StrAppend(out, line);
  if (line.back() != '\n') {
    absl::StrAppend(out, "\n\\ No newline at end of file\n");
  }
}

// Prints changes[first, last] as one hunk with `context` lines around it.
void AppendHunk(const Text& a, const Text& b,
                const std::vector<Change>& changes, size_t first, size_t last,
                int context, std::string* out) {
  const Change& head = changes[first];
  const Change& tail = changes[last];
  const int lead = std::min({context, head.old_start, head.new_start});
  const int old_from = head.old_start - lead;
  const int new_from = head.new_start - lead;
  const int trail = std::min(
      {context,
       static_cast<int>(a.lines.size()) - tail.old_start - tail.deleted,
       static_cast<int>(b.lines.size()) - tail.new_start - tail.inserted});
  const int old_to = tail.old_start + tail.deleted + trail;
  const int new_to = tail.new_start + tail.inserted + trail;
  absl::StrAppend(out, "@@ -", RangeText(old_from, old_to - old_from), " +",
                  RangeText(new_from, new_to - new_from), " @@\n");
  int i = old_from;
  for (size_t c = first; c <= last; ++c) {
    const Change& change = changes[c];
    for (; i < change.old_start; ++i) AppendLine(' ', a.lines[i], out);
    for (int k = 0; k < change.deleted; ++k, ++i) {
      AppendLine('-', a.lines[i], out);
    }
    for (int k = 0; k < change.inserted; ++k) {
      AppendLine('+', b.lines[change.new_start + k], out);
    }
  }
  for (; i < old_to; ++i) AppendLine(' ', a.lines[i], out);
}

}  // namespace

EditMarks ShortestEdit(const std::vector<int>& a, const std::vector<int>& b) {
  Text ta, tb;
  ta.ids = a;
  tb.ids = b;
  ta.changed = Marks(static_cast<int>(a.size()));
  tb.changed = Marks(static_cast<int>(b.size()));
  EditFinder(&ta, &tb).Run();
  EditMarks marks;
  for (int i = 0; i < static_cast<int>(a.size()); ++i)
    marks.deleted.push_back(ta.changed[i]);
  for (int j = 0; j < static_cast<int>(b.size()); ++j)
    marks.inserted.push_back(tb.changed[j]);
  return marks;
}

std::string UnifiedDiff(absl::string_view old_text, absl::string_view new_text,
                        const DiffOptions& options) {
  if (old_text == new_text) return "";
  const int context = std::max(0, options.context_lines);
  Text a, b;
  std::unordered_map<std::string_view, LineId> interned;
  LoadText(old_text, &interned, &a);
  LoadText(new_text, &interned, &b);
  EditFinder(&a, &b).Run();
  const SlideLimits limits = FindSlideLimits(a, b, context);
  RunSlider(&a, b, limits.begin, limits.old_end).Run();
  RunSlider(&b, a, limits.begin, limits.new_end).Run();

  const std::vector<Change> changes = CollectChanges(a, b);
  std::string out = absl::StrCat("--- ", options.old_label, "\n+++ ",
                                 options.new_label, "\n");
  // Changes whose gap is at most two contexts share a hunk, as their context
  // lines would otherwise overlap or touch.
  size_t first = 0;
  for (size_t c = 0; c < changes.size(); ++c) {
    const bool last_in_hunk =
        c + 1 == changes.size() ||
        changes[c + 1].old_start - (changes[c].old_start + changes[c].deleted) >
            2 * context;
    if (!last_in_hunk) continue;
    AppendHunk(a, b, changes, first, c, context, &out);
    first = c + 1;
  }
  return out;
}

}  // namespace archive
