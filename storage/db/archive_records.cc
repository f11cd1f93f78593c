#include "storage/db/archive_records.h"

#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "storage/base/error_detail.h"
#include "storage/db/merkle_log.h"
#include "storage/format/signed_note.h"
#include "storage/format/statement.h"

namespace archive {

std::string RevisionKey(absl::string_view id) { return absl::StrCat("r/", id); }
std::string DocumentKey(absl::string_view id) { return absl::StrCat("d/", id); }
std::string LeafKey(uint64_t leaf) { return "l/" + BigEndian64(leaf); }
std::string CheckpointKey(uint64_t size) { return "c/" + BigEndian64(size); }
std::string PeerKey(absl::string_view origin) {
  return absl::StrCat("p/", origin);
}

std::string EncodePeerProgress(const PeerProgress& p) {
  return absl::StrCat(p.next_index, "\n", p.checkpoint_note);
}
std::string HistoryPrefix(absl::string_view doc) {
  return absl::StrCat("h/", doc, absl::string_view("\0", 1));
}

// Revision record: "<leaf index>\n<authoritative id or empty>\n<signed
// statement>".
std::string EncodeRevisionRecord(const StoredRevision& r) {
  return absl::StrCat(r.leaf_index, "\n", r.authoritative, "\n",
                      r.signed_statement);
}

absl::StatusOr<StoredRevision> DecodeRevisionRecord(absl::string_view id,
                                                    absl::string_view value) {
  auto corrupt = [&](absl::string_view why) {
    return WithReason(absl::DataLossError(absl::StrCat("revision record ", id,
                                                       " is corrupt: ", why)),
                      kReasonRecordDamaged, {{"revision", std::string(id)}});
  };
  std::vector<absl::string_view> parts =
      absl::StrSplit(value, absl::MaxSplits('\n', 2));
  StoredRevision r;
  r.id = std::string(id);
  if (parts.size() != 3 || !absl::SimpleAtoi(parts[0], &r.leaf_index)) {
    return corrupt("bad layout");
  }
  r.authoritative = std::string(parts[1]);
  r.signed_statement = std::string(parts[2]);
  auto note = ParseNote(r.signed_statement);
  if (!note.ok()) return corrupt(note.status().message());
  r.statement_text = note->text;
  if (RevisionIdOf(r.statement_text) != id)
    return corrupt("statement does not hash to id");
  auto statement = ParseStatement(r.statement_text);
  if (!statement.ok()) return corrupt(statement.status().message());
  r.statement = std::move(*statement);
  return r;
}

// Document record: "<revision count>\n<head> <head> ...".
std::string EncodeDocumentRecord(const DocumentInfo& d) {
  return absl::StrCat(d.revision_count, "\n", absl::StrJoin(d.heads, " "));
}

absl::StatusOr<DocumentInfo> DecodeDocumentRecord(absl::string_view id,
                                                  absl::string_view value) {
  DocumentInfo d;
  d.id = std::string(id);
  std::vector<absl::string_view> parts =
      absl::StrSplit(value, absl::MaxSplits('\n', 1));
  if (parts.size() != 2 || !absl::SimpleAtoi(parts[0], &d.revision_count)) {
    return WithReason(absl::DataLossError(
                          absl::StrCat("document record ", id, " is corrupt")),
                      kReasonRecordDamaged, {{"document", std::string(id)}});
  }
  for (absl::string_view h : absl::StrSplit(parts[1], ' ', absl::SkipEmpty())) {
    d.heads.emplace_back(h);
  }
  return d;
}

std::string AuthoritativeOf(const StoredRevision& r,
                            const std::vector<StoredRevision>& parents) {
  if (r.statement.status != "draft") return r.id;
  std::string authoritative;
  uint64_t newest = 0;
  for (const StoredRevision& parent : parents) {
    if (!parent.authoritative.empty() && parent.leaf_index >= newest) {
      newest = parent.leaf_index;
      authoritative = parent.authoritative;
    }
  }
  return authoritative;
}

std::string ListOf(const std::vector<std::string>& ids) {
  return ids.empty() ? "none" : absl::StrJoin(ids, ", ");
}

}  // namespace archive
