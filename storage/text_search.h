// Text matching for the full-text index, built for Chinese: Chinese is written
// without spaces between words, so instead of words the index keeps character
// n-grams (every single character and every pair of neighbouring characters).
// A query term of n >= 2 characters can only occur in a text holding all its
// n-1 pairs; the candidates the index yields are then confirmed by scanning the
// text, so a hit always contains the query exactly (no false positives) and no
// text containing it is missed (no false negatives).
//
// Matching folds ASCII letters to lower case and nothing else: 数据 and
// DATA/data match as typed; full-width and half-width forms stay distinct.
#ifndef ARCHIVE_STORAGE_TEXT_SEARCH_H_
#define ARCHIVE_STORAGE_TEXT_SEARCH_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace archive {

// The text as search sees it: ASCII letters in lower case; invalid UTF-8 bytes
// become U+FFFD so a damaged document still indexes the rest.
std::u32string NormalizeForSearch(absl::string_view utf8);
// The same for text already decoded (DecodeUtf8Lossy): offsets stay equal.
std::u32string FoldForSearch(std::u32string text);

// Every 1- and 2-character gram of `text` with its count. Grams never span a
// whitespace or control character: a query term holds none (terms are split
// on whitespace), so such grams could never be asked for.
std::map<std::u32string, uint32_t> CountGrams(const std::u32string& text);

// The grams a term needs: its 2-grams, or the term itself if one character.
std::vector<std::u32string> GramsOf(const std::u32string& term);

// A query split on whitespace into normalised terms (duplicates removed).
std::vector<std::u32string> QueryTerms(absl::string_view query);

// Start offsets (in characters) of every occurrence of `term` in `text`.
std::vector<size_t> FindAll(const std::u32string& text,
                            const std::u32string& term);

// Up to `before` characters before and `after` after text[at, at+length), the
// match itself marked 【…】, line breaks shown as spaces, "…" where cut.
std::string Snippet(const std::u32string& original, size_t at, size_t length,
                    size_t before = 30, size_t after = 50);

std::string ToUtf8(const std::u32string& text);
// Decodes without folding case (for snippets, which show the text as written).
std::u32string DecodeUtf8Lossy(absl::string_view utf8);

}  // namespace archive

#endif  // ARCHIVE_STORAGE_TEXT_SEARCH_H_
