// Restoring damaged metadata records from intact copies (archive.h): a peer's
// copy of a signed statement is accepted only as the exact statement this
// archive's own log holds at that entry.
#include "absl/strings/str_cat.h"
#include "storage/db/archive.h"
#include "storage/db/archive_records.h"
#include "storage/db/leveldb_status.h"
#include "storage/format/merkle.h"
#include "storage/format/signed_note.h"
#include "storage/format/statement.h"

namespace archive {

absl::Status Archive::RestoreRevisionRecord(
    uint64_t leaf_index, const std::string& signed_statement) {
  if (leaf_index >= LatestCheckpoint().size) {
    return absl::InvalidArgumentError(
        absl::StrCat("log entry ", leaf_index, " is beyond the signed log"));
  }
  std::string id;
  leveldb::Status read =
      db_->Get(leveldb::ReadOptions(), LeafKey(leaf_index), &id);
  if (!read.ok()) {
    return absl::DataLossError(absl::StrCat(
        "log entry ", leaf_index,
        ": its index record is unreadable too: ", read.ToString()));
  }
  auto note = ParseNote(signed_statement);
  if (!note.ok()) return note.status();
  StoredRevision r;
  r.id = RevisionIdOf(note->text);
  if (r.id != id) {
    return absl::DataLossError(absl::StrCat("the copy is of revision ", r.id,
                                            ", but log entry ", leaf_index,
                                            " is revision ", id));
  }
  auto leaf = log_->PerfectSubtree(0, leaf_index);
  if (!leaf.ok()) return leaf.status();
  if (*leaf != MerkleLeafHash(note->text)) {
    return absl::DataLossError(absl::StrCat("the copy of revision ", id,
                                            " is not the statement log entry ",
                                            leaf_index, " holds"));
  }
  auto statement = ParseStatement(note->text);
  if (!statement.ok()) return statement.status();
  r.statement = std::move(*statement);
  r.statement_text = note->text;
  r.signed_statement = signed_statement;
  r.leaf_index = leaf_index;
  std::vector<StoredRevision> parents;
  for (const std::string& parent_id : r.statement.parents) {
    auto parent = ReadRevision(parent_id);
    if (!parent.ok()) {
      return absl::FailedPreconditionError(absl::StrCat(
          "revision ", id, " names parent ", parent_id,
          ", whose record cannot be read: ", parent.status().message()));
    }
    parents.push_back(std::move(*parent));
  }
  r.authoritative = AuthoritativeOf(r, parents);
  if (absl::Status s = EnsureWritable(); !s.ok()) return s;
  leveldb::WriteOptions sync;
  sync.sync = true;
  return FromLevelDb(
      db_->Put(sync, RevisionKey(r.id), EncodeRevisionRecord(r)));
}

absl::Status Archive::RewriteStore() {
  if (absl::Status s = EnsureWritable(); !s.ok()) return s;
  return ReopenStore(/*repair=*/true);
}

}  // namespace archive
