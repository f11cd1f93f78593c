// What the search index records for one document (its key "doc/<doc>" in
// storage/index/catalog.cc), so that the next change to the document can
// remove what was indexed for it. Internal to storage/index. A plain value;
// not synchronized.
#ifndef ARCHIVE_STORAGE_INDEX_DOC_RECORD_H_
#define ARCHIVE_STORAGE_INDEX_DOC_RECORD_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "storage/index/catalog.h"

namespace archive {

// Encoded as lines: "A <rev>" (authoritative revision whose text is indexed),
// "L <chars>" (its length), "R <kind> <target> <rev>" (relations of the
// heads). Its grams are not listed: they are those of that revision's text,
// which never changes (Catalog::IndexedGrams).
struct DocRecord {
  std::string text_revision;
  uint64_t text_chars = 0;
  std::vector<RelationEdge> relations;  // other = target, declared_by = doc

  std::string Encode() const;
  // Lines it does not know are skipped; `doc` is the record's document.
  static DocRecord Decode(const std::string& doc, absl::string_view value);
};

}  // namespace archive

#endif  // ARCHIVE_STORAGE_INDEX_DOC_RECORD_H_
