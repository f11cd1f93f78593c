// Reading the archive (archive.h): revisions, documents, the authoritative
// version, histories and listings (which report damage rather than fail on
// it), peer progress and blob sizes.
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "storage/base/error_detail.h"
#include "storage/base/hex.h"
#include "storage/db/archive.h"
#include "storage/db/archive_records.h"
#include "storage/db/leveldb_status.h"

namespace archive {

absl::StatusOr<PeerProgress> Archive::GetPeerProgress(
    const std::string& peer_origin) {
  std::string value;
  leveldb::Status s =
      db_->Get(leveldb::ReadOptions(), PeerKey(peer_origin), &value);
  if (!s.ok()) return FromLevelDb(s);
  PeerProgress p;
  p.peer_origin = peer_origin;
  size_t nl = value.find('\n');
  if (nl == std::string::npos ||
      !absl::SimpleAtoi(value.substr(0, nl), &p.next_index)) {
    return absl::DataLossError(
        absl::StrCat("progress record of peer ", peer_origin, " is corrupt"));
  }
  p.checkpoint_note = value.substr(nl + 1);
  return p;
}

absl::StatusOr<uint64_t> Archive::BlobSize(const std::string& sha256_hex) {
  if (!IsSha256Hex(sha256_hex)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "sha256: \"", sha256_hex, "\" is not 64 lowercase hex characters"));
  }
  auto size = blobs_->StoredSize(sha256_hex);
  if (absl::IsNotFound(size.status())) {
    return absl::NotFoundError(absl::StrCat("no blob sha256:", sha256_hex));
  }
  return size;
}

bool Archive::HasRevision(const std::string& revision_id) {
  std::string value;
  return db_->Get(leveldb::ReadOptions(), RevisionKey(revision_id), &value)
      .ok();
}

absl::StatusOr<StoredRevision> Archive::ReadRevision(const std::string& id) {
  std::string value;
  leveldb::Status s = db_->Get(leveldb::ReadOptions(), RevisionKey(id), &value);
  if (s.IsNotFound())
    return WithReason(
        absl::NotFoundError(absl::StrCat("unknown revision ", id)),
        kReasonRevisionNotFound, {{"revision", id}});
  if (!s.ok()) return FromLevelDb(s);
  return DecodeRevisionRecord(id, value);
}

absl::StatusOr<StoredRevision> Archive::GetRevision(
    const std::string& revision_id) {
  if (!IsSha256Hex(revision_id)) {
    return absl::InvalidArgumentError(
        absl::StrCat("revision id \"", revision_id,
                     "\" is not 64 lowercase hex characters"));
  }
  return ReadRevision(revision_id);
}

absl::StatusOr<DocumentInfo> Archive::GetDocument(
    const std::string& document_id) {
  if (absl::Status s = ValidateDocumentId(document_id); !s.ok()) return s;
  std::string value;
  leveldb::Status s =
      db_->Get(leveldb::ReadOptions(), DocumentKey(document_id), &value);
  if (s.IsNotFound()) {
    return WithReason(
        absl::NotFoundError(absl::StrCat("unknown document ", document_id)),
        kReasonDocumentNotFound, {{"document", document_id}});
  }
  if (s.IsCorruption()) {
    return WithReason(
        absl::DataLossError(absl::StrCat(
            "the record of document ", document_id, " is damaged (",
            s.ToString(), "); archivectl scrub reports what else is")),
        kReasonRecordDamaged, {{"document", document_id}});
  }
  if (!s.ok()) return FromLevelDb(s);
  return DecodeDocumentRecord(document_id, value);
}

absl::StatusOr<StoredRevision> Archive::Authoritative(
    const std::string& document_id, bool head_even_if_draft,
    DocumentInfo* document) {
  auto doc = GetDocument(document_id);
  if (!doc.ok()) return doc.status();
  if (document != nullptr) *document = *doc;
  if (doc->heads.size() != 1) {
    return WithReason(
        absl::FailedPreconditionError(absl::StrCat(
            document_id, " has ", doc->heads.size(),
            " heads (a conflict between offices): ", ListOf(doc->heads),
            "; name one with --rev, or resolve with put --parent for each")),
        kReasonSeveralHeads,
        {{"document", document_id}, {"heads", absl::StrJoin(doc->heads, ",")}});
  }
  auto head = ReadRevision(doc->heads[0]);
  if (!head.ok() || head_even_if_draft) return head;
  if (head->authoritative.empty()) {
    return WithReason(
        absl::NotFoundError(absl::StrCat(
            document_id,
            " has only draft revisions; use --head to get the draft")),
        kReasonNoAuthoritative, {{"document", document_id}});
  }
  if (head->authoritative == head->id) return head;
  return ReadRevision(head->authoritative);
}

namespace {

// A listed revision whose record is damaged.
StoredRevision DamagedRevision(const std::string& id, const absl::Status& why) {
  StoredRevision r;
  r.id = id;
  r.damage = absl::StrCat("the record of revision ", id,
                          " is damaged: ", why.message());
  return r;
}

// Records an iterator's read error (a damaged block it skipped).
void NoteSkipped(const leveldb::Iterator& it, const char* what,
                 std::vector<std::string>* damage) {
  if (it.status().ok() || damage == nullptr) return;
  damage->push_back(absl::StrCat(
      "some ", what,
      " could not be read and are missing here: ", it.status().ToString()));
}

}  // namespace

absl::StatusOr<std::vector<StoredRevision>> Archive::History(
    const std::string& document_id, uint64_t before_leaf, size_t limit,
    std::vector<std::string>* damage) {
  if (auto doc = GetDocument(document_id); !doc.ok()) return doc.status();
  std::string prefix = HistoryPrefix(document_id);
  std::unique_ptr<leveldb::Iterator> it(
      db_->NewIterator(leveldb::ReadOptions()));
  it->Seek(prefix + BigEndian64(before_leaf));
  it->Valid() ? it->Prev() : it->SeekToLast();
  std::vector<StoredRevision> out;
  for (; it->Valid() && out.size() < limit && it->key().starts_with(prefix);
       it->Prev()) {
    std::string id = it->value().ToString();
    auto r = ReadRevision(id);
    if (absl::IsNotFound(r.status()) || absl::IsDataLoss(r.status())) {
      out.push_back(DamagedRevision(id, r.status()));
      continue;
    }
    if (!r.ok()) return r.status();
    out.push_back(std::move(*r));
  }
  NoteSkipped(*it, "history entries", damage);
  return out;
}

namespace {

bool Matches(const DocumentFilter& f, const std::string& id,
             const Statement& s) {
  auto eq = [](const std::string& want, const std::string& have) {
    return want.empty() || want == have;
  };
  if (!eq(f.region, s.region) || !eq(f.issuer, s.issuer) ||
      !eq(f.number, s.number) || !eq(f.status, s.status)) {
    return false;
  }
  if (!f.date_from.empty() && (s.date.empty() || s.date < f.date_from))
    return false;
  if (!f.date_to.empty() && (s.date.empty() || s.date > f.date_to))
    return false;
  if (f.query.empty()) return true;
  for (const std::string* field : {&id, &s.title, &s.issuer, &s.number}) {
    if (absl::StrContains(*field, f.query)) return true;
  }
  return false;
}

}  // namespace

absl::StatusOr<std::vector<std::pair<DocumentInfo, StoredRevision>>>
Archive::ListDocuments(const DocumentFilter& filter,
                       const std::string& start_after, size_t limit,
                       std::vector<std::string>* damage) {
  std::vector<std::pair<DocumentInfo, StoredRevision>> out;
  std::unique_ptr<leveldb::Iterator> it(
      db_->NewIterator(leveldb::ReadOptions()));
  std::string start = DocumentKey(start_after);
  for (it->Seek(start);
       it->Valid() && it->key().starts_with("d/") && out.size() < limit;
       it->Next()) {
    if (!start_after.empty() && it->key() == start) continue;
    std::string id = it->key().ToString().substr(2);
    auto doc = DecodeDocumentRecord(id, it->value().ToString());
    if (!doc.ok()) {
      if (damage != nullptr)
        damage->push_back(std::string(doc.status().message()));
      continue;
    }
    StoredRevision latest;
    for (const std::string& head_id : doc->heads) {
      auto head = ReadRevision(head_id);
      if (!head.ok()) {
        latest = DamagedRevision(head_id, head.status());
        break;
      }
      if (latest.id.empty() || head->leaf_index > latest.leaf_index)
        latest = *head;
    }
    if (!latest.damage.empty() || Matches(filter, id, latest.statement))
      out.emplace_back(*doc, std::move(latest));
  }
  NoteSkipped(*it, "document records", damage);
  return out;
}

}  // namespace archive
