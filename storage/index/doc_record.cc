#include "storage/index/doc_record.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace archive {

std::string DocRecord::Encode() const {
  std::string out = absl::StrCat("A ", text_revision, "\nL ", text_chars, "\n");
  for (const RelationEdge& r : relations) {
    absl::StrAppend(&out, "R ", r.kind, " ", r.other, " ", r.revision_id, "\n");
  }
  return out;
}

DocRecord DocRecord::Decode(const std::string& doc, absl::string_view value) {
  DocRecord rec;
  for (absl::string_view line : absl::StrSplit(value, '\n')) {
    if (line.size() < 2) continue;
    absl::string_view text = line.substr(2);
    switch (line[0]) {
      case 'A':
        rec.text_revision = std::string(text);
        break;
      case 'L':
        (void)absl::SimpleAtoi(text, &rec.text_chars);
        break;
      case 'R': {
        std::vector<std::string> f = absl::StrSplit(text, ' ');
        if (f.size() == 3) rec.relations.push_back({f[0], f[1], doc, f[2]});
        break;
      }
    }
  }
  return rec;
}

}  // namespace archive
