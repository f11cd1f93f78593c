// Character-level diff of two texts, line-aware so that documents of hundreds of
// kilobytes of Chinese text stay fast.
//
// Two passes: Myers' O(ND) diff over lines finds the changed regions, then the same
// algorithm over the characters (code points) of each changed region marks exactly which
// characters were deleted or inserted. Lines that did not change are never compared
// character by character, so the cost follows the size of the change, not of the
// document. Pure functions: no DOM, usable from Node.

// Beyond these, the character pass gives up on a region and shows it as deleted and
// inserted whole: such a region is a rewrite, and marking every character would only
// make noise (and could take seconds).
const MAX_REGION_CHARACTERS = 40000;
const MAX_CHARACTER_EDITS = 2000;
// Beyond this many differing lines, the two texts are shown as replaced whole. (Myers keeps
// O(D²) of trace: 2000 edits is about 16 MB at worst.)
const MAX_LINE_EDITS = 2000;

// Returns the edit script from oldText to newText as runs
// [{type: 'equal'|'delete'|'insert', text}], adjacent runs of one type merged, deletions
// before insertions within a change. Concatenating the equal and delete runs gives
// oldText; the equal and insert runs give newText.
export function diffTexts(oldText, newText) {
  const lineScript = myers(splitLines(oldText), splitLines(newText), MAX_LINE_EDITS);
  const runs = [];
  if (!lineScript) {
    push(runs, 'delete', oldText);
    push(runs, 'insert', newText);
    return runs;
  }
  for (const block of foldEqualities(blocksOf(lineScript), isBlank)) {
    if (block.type === 'equal') push(runs, 'equal', block.text);
    else diffRegion(runs, block.deleted, block.inserted);
  }
  return runs;
}

// Groups a line script into alternating blocks: {type: 'equal', text} and
// {type: 'change', deleted, inserted}.
function blocksOf(lineScript) {
  const blocks = [];
  for (const step of lineScript) {
    let last = blocks[blocks.length - 1];
    const wanted = step.type === 'equal' ? 'equal' : 'change';
    if (!last || last.type !== wanted) {
      last = wanted === 'equal' ? { type: 'equal', text: '' } : { type: 'change', deleted: '', inserted: '' };
      blocks.push(last);
    }
    if (step.type === 'equal') last.text += step.text;
    else if (step.type === 'delete') last.deleted += step.text;
    else last.inserted += step.text;
  }
  return blocks;
}

// A paragraph broken across lines by a page header ("A⏎⏎header⏎⏎B" corrected to "AB")
// gives two line changes with a blank line between them that the line pass matched to
// some other blank line. Treating that blank line as part of one change lets the
// character pass see the whole correction: only the header and the breaks are deleted.
function isBlank(text) {
  return /^\s*$/.test(text);
}

// Merges change, equal, change into one change wherever foldable(equal text, previous
// change, next change) says the equal stretch belongs to the change around it.
function foldEqualities(blocks, foldable) {
  const folded = [];
  for (let i = 0; i < blocks.length; i++) {
    const block = blocks[i];
    const previous = folded[folded.length - 1];
    const next = blocks[i + 1];
    if (
      block.type === 'equal' &&
      previous?.type === 'change' &&
      next?.type === 'change' &&
      foldable(block.text, previous, next)
    ) {
      previous.deleted += block.text + next.deleted;
      previous.inserted += block.text + next.inserted;
      i++;
    } else {
      folded.push(block.type === 'change' ? { ...block } : block);
    }
  }
  return folded;
}

// Counts of changed characters (code points): {deleted, inserted}.
export function diffStats(runs) {
  const stats = { deleted: 0, inserted: 0 };
  for (const run of runs) {
    if (run.type === 'delete') stats.deleted += countCharacters(run.text);
    if (run.type === 'insert') stats.inserted += countCharacters(run.text);
  }
  return stats;
}

// Lines with their '\n' kept, so joining them gives the text back.
export function splitLines(text) {
  const lines = text.match(/[^\n]*\n|[^\n]+$/g);
  return lines || [];
}

function countCharacters(text) {
  let count = 0;
  for (const _ of text) count++;
  return count;
}

// One changed region (whole lines on both sides): character by character when small
// enough, else deleted and inserted whole.
function diffRegion(runs, deleted, inserted) {
  const oldChars = Array.from(deleted);
  const newChars = Array.from(inserted);
  const script =
    oldChars.length + newChars.length <= MAX_REGION_CHARACTERS
      ? myers(oldChars, newChars, MAX_CHARACTER_EDITS)
      : null;
  if (!script) {
    push(runs, 'delete', deleted);
    push(runs, 'insert', inserted);
    return;
  }
  // blocksOf gathers each stretch of edits between equal characters into one change, its
  // deletions before its insertions ("ab" → "cd" reads -ab +cd, not -a +c -b +d).
  for (const block of foldEqualities(blocksOf(script), isShortBetweenLongerChanges)) emit(runs, block);
}

function emit(runs, block) {
  if (block.type === 'equal') {
    push(runs, 'equal', block.text);
  } else {
    push(runs, 'delete', block.deleted);
    push(runs, 'insert', block.inserted);
  }
}

// One or two equal characters between two larger changes (a common 的 inside a
// rewritten clause) only chop the rewrite into pieces: read as part of the change.
const SHORT_EQUALITY = 2;

function isShortBetweenLongerChanges(text, previous, next) {
  const length = countCharacters(text);
  const size = (change) => Math.max(countCharacters(change.deleted), countCharacters(change.inserted));
  return length <= SHORT_EQUALITY && size(previous) > 2 * length && size(next) > 2 * length;
}

function push(runs, type, text) {
  if (!text) return;
  const last = runs[runs.length - 1];
  if (last && last.type === type) last.text += text;
  else runs.push({ type, text });
}

// Myers' greedy O((N+M)·D) shortest edit script between arrays of strings, after
// stripping the common prefix and suffix. Returns [{type, text}] one element per step,
// or null when more than maxEdits edits would be needed.
export function myers(a, b, maxEdits) {
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  const middle = middleScript(a.slice(start, endA), b.slice(start, endB), maxEdits);
  if (!middle) return null;
  const script = [];
  for (let i = 0; i < start; i++) script.push({ type: 'equal', text: a[i] });
  script.push(...middle);
  for (let i = endA; i < a.length; i++) script.push({ type: 'equal', text: a[i] });
  return script;
}

function middleScript(a, b, maxEdits) {
  const n = a.length;
  const m = b.length;
  if (n === 0 || m === 0) {
    return [
      ...a.map((text) => ({ type: 'delete', text })),
      ...b.map((text) => ({ type: 'insert', text })),
    ];
  }
  const max = n + m;
  const offset = max + 1;
  const v = new Int32Array(2 * max + 3);
  // trace[d] holds v[-d-1 .. d+1] as it was before round d: all backtracking needs, and
  // O(D²) memory rather than O((N+M)·D).
  const trace = [];
  for (let d = 0; d <= max; d++) {
    if (d > maxEdits) return null;
    trace.push(v.slice(offset - d - 1, offset + d + 2));
    for (let k = -d; k <= d; k += 2) {
      let x =
        k === -d || (k !== d && v[offset + k - 1] < v[offset + k + 1])
          ? v[offset + k + 1]
          : v[offset + k - 1] + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      v[offset + k] = x;
      if (x >= n && y >= m) return backtrack(a, b, trace, d);
    }
  }
  return null; // not reached: d = n + m always ends
}

function backtrack(a, b, trace, edits) {
  const reversed = [];
  let x = a.length;
  let y = b.length;
  for (let d = edits; d > 0; d--) {
    const before = trace[d];
    const at = (k) => before[k + d + 1];
    const k = x - y;
    const down = k === -d || (k !== d && at(k - 1) < at(k + 1));
    const previousK = down ? k + 1 : k - 1;
    const previousX = at(previousK);
    const previousY = previousX - previousK;
    while (x > previousX + (down ? 0 : 1) && y > previousY + (down ? 1 : 0)) {
      reversed.push({ type: 'equal', text: a[x - 1] });
      x--;
      y--;
    }
    if (down) {
      reversed.push({ type: 'insert', text: b[y - 1] });
      y--;
    } else {
      reversed.push({ type: 'delete', text: a[x - 1] });
      x--;
    }
  }
  while (x > 0 && y > 0) {
    reversed.push({ type: 'equal', text: a[x - 1] });
    x--;
    y--;
  }
  return reversed.reverse();
}
