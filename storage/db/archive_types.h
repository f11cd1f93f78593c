// The values the archive takes and returns: revisions, documents, signed
// checkpoints and receipts, what a commit adds and what it answers, a peer's
// sync progress, listing filters. Plain structs, copyable, no invariants
// beyond their comments; archive.h says what each operation does with them.
#ifndef ARCHIVE_STORAGE_DB_ARCHIVE_TYPES_H_
#define ARCHIVE_STORAGE_DB_ARCHIVE_TYPES_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "storage/db/blob_store.h"
#include "storage/format/statement.h"

namespace archive {

struct StoredRevision {
  std::string id;
  // Non-empty in a listing or history: this revision's record could not be
  // read (damaged metadata); only `id` is set. Scrub reports it.
  std::string damage;
  Statement statement;
  std::string statement_text;
  std::string signed_statement;  // the note: text, blank line, signature(s)
  uint64_t leaf_index = 0;
  // Newest non-draft revision at or before this one in its line of history (""
  // if all drafts); the authoritative version when this revision is the single
  // head.
  std::string authoritative;
};

struct DocumentInfo {
  std::string id;
  std::vector<std::string> heads;  // sorted; more than one means a conflict
  uint64_t revision_count = 0;
};

struct SignedCheckpoint {
  uint64_t size = 0;
  std::string root;  // 32 bytes
  std::string note;  // C2SP signed note
};

struct Receipt {
  std::string signed_statement;
  SignedCheckpoint checkpoint;
  uint64_t leaf_index = 0;
  std::vector<std::string> inclusion;  // audit path to checkpoint.root
};

// A revision to add. `statement` carries document, content, media type, status,
// metadata, submitted_by and note; the archive fills origin, parents and
// submitted_at.
struct NewRevision {
  Statement statement;
  // Non-empty: a conditional put, valid only if these are exactly the current
  // heads.
  std::vector<std::string> expected_parents;
  // A small content sealed by blobs() but not yet stored (Writer::Seal): it is
  // written in the same atomic batch as the revision. Null if the content is
  // already committed to blobs(). Must match statement's content digest.
  std::shared_ptr<const VerifiedBlob> content;
};

struct CommitResult {
  StoredRevision revision;
  bool created = false;  // false: identical to the head; nothing was stored
  Receipt receipt;
};

using CommitCallback = std::function<void(absl::StatusOr<CommitResult>)>;

// How far this archive has pulled a peer's log: the next leaf index to read and
// the newest checkpoint of the peer's that was verified (the base for the next
// consistency check). Stored with the revisions it covers, in the same atomic
// batch.
struct PeerProgress {
  std::string peer_origin;
  uint64_t next_index = 0;
  std::string checkpoint_note;  // empty: none accepted yet
};

// One revision pulled from a peer, for Archive::ImportAll.
struct PeerEntry {
  PeerEntry(std::string signed_statement,
            std::shared_ptr<const VerifiedBlob> content,
            PeerProgress progress = {},
            std::optional<uint64_t> at_index = std::nullopt,
            std::optional<std::vector<std::string>> inclusion = std::nullopt)
      : signed_statement(std::move(signed_statement)),
        content(std::move(content)),
        progress(std::move(progress)),
        at_index(at_index),
        inclusion(std::move(inclusion)) {}

  std::string signed_statement;                 // verified by the caller
  std::shared_ptr<const VerifiedBlob> content;  // null: already in blobs()
  PeerProgress progress;  // recorded with it: the cursor just past it
  // The log index this entry must land at (a restore's or a recovery's
  // verbatim copy of this archive's own log); unset for a peer's entries.
  // Required while the archive is held (Archive::signing_hold()).
  std::optional<uint64_t> at_index;
  // If set, the entry's inclusion proof in the checkpoint the archive is held
  // to, which the archive checks before it appends the entry (a recovery's
  // entries; a restore's were checked as a whole against the backup's root).
  std::optional<std::vector<std::string>> inclusion;
};

// Filters for ListDocuments; empty fields match everything.
struct DocumentFilter {
  std::string region, issuer, number, status;
  std::string date_from, date_to;  // inclusive, YYYY-MM-DD
  std::string query;               // substring of id, title, issuer or number
};

}  // namespace archive

#endif  // ARCHIVE_STORAGE_DB_ARCHIVE_TYPES_H_
