// A document's grams as the search index keeps them in its record: a sorted
// set of packed grams (text_search.h), stored as the first gram and then each
// difference from the one before, in LEB128 varints. About 3 bytes a gram,
// where a line of UTF-8 per gram took 8: the record is read and rewritten at
// every new revision of its document, and compacted with the index.
// Pure functions; thread-safe.
#ifndef ARCHIVE_STORAGE_INDEX_GRAM_SET_H_
#define ARCHIVE_STORAGE_INDEX_GRAM_SET_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "storage/index/text_search.h"

namespace archive {

// `grams` must be sorted and distinct (DistinctGrams gives them so).
std::string EncodeGramSet(const std::vector<PackedGram>& grams);

// The set EncodeGramSet wrote; false (and `grams` cleared) for bytes that are
// not one: a varint cut short or too long, or a zero difference.
bool DecodeGramSet(absl::string_view encoded, std::vector<PackedGram>* grams);

}  // namespace archive

#endif  // ARCHIVE_STORAGE_INDEX_GRAM_SET_H_
