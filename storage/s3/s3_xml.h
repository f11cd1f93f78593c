// Reading the small XML documents S3 answers with (ListBucketResult,
// InitiateMultipartUploadResult, CompleteMultipartUploadResult, Error). They
// are flat and machine-written, so finding an element by name is enough; no
// general XML parser is needed (and none is pulled in).
//
// Pure functions; thread-safe.
#ifndef ARCHIVE_STORAGE_S3_S3_XML_H_
#define ARCHIVE_STORAGE_S3_S3_XML_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace archive {

// The raw content of every <tag>…</tag> (or <tag attr="…">…</tag>) in `xml`,
// in order; elements of that name must not nest. Not unescaped.
std::vector<absl::string_view> XmlElements(absl::string_view xml,
                                           absl::string_view tag);
// The unescaped text of the first <tag> element; "" if there is none.
std::string XmlText(absl::string_view xml, absl::string_view tag);
// Replaces the five predefined entities and numeric character references
// (&#NN; and &#xHH; of ASCII) with their characters.
std::string XmlUnescape(absl::string_view text);
// Escapes &, <, >, " and ' for element text.
std::string XmlEscape(absl::string_view text);

}  // namespace archive

#endif  // ARCHIVE_STORAGE_S3_S3_XML_H_
