// Text matching for the full-text index, built for Chinese: Chinese is written
// without spaces between words, so instead of words the index keeps character
// n-grams (every single character and every pair of neighbouring characters).
// A query term of n >= 2 characters can only occur in a text holding all its
// n-1 pairs; the candidates the index yields are then confirmed by scanning the
// text, so a hit always contains the query exactly (no false positives) and no
// text containing it is missed (no false negatives).
//
// Matching folds text and queries alike with Unicode NFKC_Casefold (ICU's
// Normalizer2): case is ignored ('DATA' finds 'data', 'STRASSE' finds
// 'Straße'), compatibility forms are their plain letters (full-width 'Ａ１',
// common in Chinese documents, is 'a1'; 'ﬁ' is 'fi'; the ideographic space is
// a space), canonically equivalent spellings are one (NFC and NFD), and
// default-ignorable characters (a soft hyphen, a zero-width joiner) are
// dropped. Folding changes lengths, so FoldForSearch keeps, for each folded
// character, the original characters it came from: snippets and highlights
// show the original text.
#ifndef ARCHIVE_STORAGE_INDEX_TEXT_SEARCH_H_
#define ARCHIVE_STORAGE_INDEX_TEXT_SEARCH_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"

namespace archive {

// Names the folding, for the index's format: an index folded another way (an
// older archived, ICU with another Unicode version) must be rebuilt, or its
// grams would not be the ones queries are folded to.
std::string SearchFoldingVersion();

// The text as search sees it: folded as above; invalid UTF-8 bytes become
// U+FFFD so a damaged document still indexes the rest.
std::u32string NormalizeForSearch(absl::string_view utf8);

// Folded text that remembers where each character came from.
struct FoldedText {
  std::u32string text;
  // For each character of `text`, the original characters [first, second) it
  // was folded from: one character, or a run that folds as a whole (a letter
  // and its combining accents). Several folded characters may share a run
  // ('ß' -> "ss"). 32 bits suffice: indexed text is far below 4G characters.
  std::vector<std::pair<uint32_t, uint32_t>> from;

  // The original characters [begin, end) that text[at, at + length) came
  // from; a match covering part of a run covers all of it. length >= 1.
  std::pair<size_t, size_t> OriginalSpan(size_t at, size_t length) const;
};
// Folds text already decoded (DecodeUtf8Lossy); text equals what
// NormalizeForSearch gives for the same UTF-8.
FoldedText FoldForSearch(const std::u32string& original);

// A 1- or 2-character gram packed in an integer: the first character from bit
// 21 up, the second plus one (zero for a 1-gram) in the low 21 bits. Packed
// grams order as their UTF-8 spellings do: UTF-8 keeps code-point order, and
// a 1-gram sorts before the 2-grams that start with it.
using PackedGram = uint64_t;
// `gram` holds 1 or 2 characters.
PackedGram PackGram(const std::u32string& gram);
std::string GramToUtf8(PackedGram gram);

// Every distinct 1- and 2-character gram of `text`, sorted. Grams never span
// a whitespace or control character: a query term holds none (terms are
// split on whitespace), so such grams could never be asked for.
std::vector<PackedGram> DistinctGrams(const std::u32string& text);

// The grams a term needs: its 2-grams, or the term itself if one character.
std::vector<std::u32string> GramsOf(const std::u32string& term);

// A query split on whitespace into normalised terms (duplicates removed).
std::vector<std::u32string> QueryTerms(absl::string_view query);

// Start offsets (in characters) of every occurrence of `term` in `text`.
std::vector<size_t> FindAll(const std::u32string& text,
                            const std::u32string& term);

// Up to `before` characters before and `after` after original[at, at+length)
// (original positions: see FoldedText::OriginalSpan), the match itself marked
// 【…】, line breaks shown as spaces, "…" where cut.
std::string Snippet(const std::u32string& original, size_t at, size_t length,
                    size_t before = 30, size_t after = 50);

std::string ToUtf8(const std::u32string& text);
// Decodes without folding case (for snippets, which show the text as written).
std::u32string DecodeUtf8Lossy(absl::string_view utf8);

}  // namespace archive

#endif  // ARCHIVE_STORAGE_INDEX_TEXT_SEARCH_H_
