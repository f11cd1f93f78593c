// Keys and record encodings of the archive's metadata store (meta/), shared by
// the files that implement Archive. Internal to storage/.
//
// Keys: "r/<revision id>" revision record, "d/<document id>" document record,
// "l/<leaf index>" the revision id at a log entry, "h/<document>\0<leaf>" a
// document's history, "c/<size>" a signed checkpoint, "p/<origin>" a peer's
// sync progress, "meta/..." archive-wide values.
#ifndef ARCHIVE_STORAGE_DB_ARCHIVE_RECORDS_H_
#define ARCHIVE_STORAGE_DB_ARCHIVE_RECORDS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "storage/db/archive.h"

namespace archive {

inline constexpr char kOriginKey[] = "meta/origin";
inline constexpr char kLastScrubKey[] = "meta/last-scrub";

std::string RevisionKey(absl::string_view id);
std::string DocumentKey(absl::string_view id);
std::string LeafKey(uint64_t leaf);
std::string CheckpointKey(uint64_t size);
std::string PeerKey(absl::string_view origin);
std::string HistoryPrefix(absl::string_view doc);

std::string EncodePeerProgress(const PeerProgress& p);
// Revision record: "<leaf index>\n<authoritative id or empty>\n<signed
// statement>".
std::string EncodeRevisionRecord(const StoredRevision& r);
// DATA_LOSS naming `id` unless `value` is an intact record whose statement
// hashes to `id`.
absl::StatusOr<StoredRevision> DecodeRevisionRecord(absl::string_view id,
                                                    absl::string_view value);
// What `r`'s record names as the authoritative version of its line: `r`
// itself unless it is a draft, else the newest (by log position) authoritative
// version among `parents`, the records of its parents; "" if all are drafts.
std::string AuthoritativeOf(const StoredRevision& r,
                            const std::vector<StoredRevision>& parents);

// "a, b, c", or "none": revision ids as an error message lists them.
std::string ListOf(const std::vector<std::string>& ids);

// Document record: "<revision count>\n<head> <head> ...".
std::string EncodeDocumentRecord(const DocumentInfo& d);
absl::StatusOr<DocumentInfo> DecodeDocumentRecord(absl::string_view id,
                                                  absl::string_view value);

}  // namespace archive

#endif  // ARCHIVE_STORAGE_DB_ARCHIVE_RECORDS_H_
