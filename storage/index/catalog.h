// The catalog: indexes derived from the archive that let people find policies
// by their relations and by words in their text.
//
// Contracts:
//  - Derived data only. Everything here is recomputed from the Archive, kept
//    in its own LevelDB (DATA_DIR/index/), and may be deleted at any time:
//    Rebuild() (archived --reindex) recreates it from the log.
//  - It follows the log. A background thread reads log entries past its
//    cursor (local puts and sync imports alike) and re-indexes each document
//    they touch; the cursor is written in the same LevelDB batch as the index
//    entries it covers, so after a crash indexing resumes where it stopped.
//    WaitIndexed() lets a reader see its own writes.
//  - Search indexes each document's authoritative text (newest non-draft
//    revision on the single head; while a document is in conflict, the last
//    authoritative text stays indexed) when its media type is text/* and it is
//    at most Options::max_text_bytes. Hits are confirmed against the text, so
//    every hit contains every query term exactly (see text_search.h).
//  - Relations are those declared by a document's current heads; a later
//    revision that drops a relation removes it.
//  - Thread-safe: once Open returns, Relations, Search, WaitIndexed and
//    indexed_through may be called from any thread, concurrently with the
//    indexer; Rebuild only before Start. The Archive is not owned and must
//    outlive the catalog.
//  - Errors: RESOURCE_EXHAUSTED when the disk is full, INTERNAL for an index
//    LevelDB cannot read or write (leveldb_status.h), INVALID_ARGUMENT for a
//    query with no terms.
#ifndef ARCHIVE_STORAGE_INDEX_CATALOG_H_
#define ARCHIVE_STORAGE_INDEX_CATALOG_H_

#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "leveldb/db.h"
#include "leveldb/env.h"
#include "storage/base/env.h"
#include "storage/db/archive.h"
#include "storage/index/text_search.h"

namespace archive {

struct CatalogOptions {
  std::string dir;  // the index's LevelDB directory
  // Moves a damaged index aside and names it by its clock. Not owned; must
  // outlive the catalog.
  Env* env = Env::Default();
  // The index's file system; null for LevelDB's default. Not owned; must
  // outlive the catalog. A seam for tests that fail its writes.
  leveldb::Env* leveldb_env = nullptr;
  uint64_t max_text_bytes = 64 << 20;
};

// One relation of a document, seen from that document.
struct RelationEdge {
  std::string kind;   // e.g. "repealed-by": <document> repealed-by <other>
  std::string other;  // the related document
  std::string declared_by;  // the document whose revision declares it
  std::string revision_id;  // that revision
};

struct SearchHit {
  std::string document;
  std::string revision_id;  // the authoritative revision searched
  std::string title;
  std::string snippet;       // around the first match, marked 【…】
  uint32_t occurrences = 0;  // of all terms together
  double score = 0;
};

struct SearchResult {
  std::vector<SearchHit> hits;   // best first
  uint64_t total_matches = 0;    // before the limit
  uint64_t indexed_through = 0;  // log entries indexed when searched
};

class Catalog {
 public:
  // Opens the index in options.dir, creating it if missing. An index that is
  // damaged (it cannot be opened or its cursor cannot be read) is renamed to
  // "<dir>.damaged-<unix time in µs>" and a new one is created; an index whose
  // format is not this build's (its text folded by other rules, e.g. before
  // issue 11 or by ICU with another Unicode version) is dropped and created
  // empty. Either way damage() says so, and the caller rebuilds it (Rebuild)
  // or lets the indexer catch up. Errors only when the directory cannot be
  // used at all.
  static absl::StatusOr<std::unique_ptr<Catalog>> Open(
      Archive* archive, const CatalogOptions& options);
  // Empty, or why the index found at Open was not used: what was damaged and
  // where it was moved, or which format it had.
  const std::string& damage() const { return damage_; }
  ~Catalog();  // stops the indexer

  // Drops the whole index (even a damaged one) and indexes the log again,
  // before Start().
  absl::Status Rebuild();
  // Starts the background indexer.
  void Start();
  // Waits until log entries [0, log_size) are indexed; false on timeout.
  bool WaitIndexed(uint64_t log_size, absl::Duration timeout);
  uint64_t indexed_through();

  // Relations of `document` both ways: those it declares and those other
  // documents declare about it (their kind inverted to read from `document`).
  absl::StatusOr<std::vector<RelationEdge>> Relations(
      const std::string& document);
  // Documents whose authoritative text contains every whitespace-separated
  // term of `query`, ranked (BM25 over term occurrences, plus a bonus for
  // terms in the title). INVALID_ARGUMENT for a query with no terms.
  absl::StatusOr<SearchResult> Search(const std::string& query, size_t limit);

 private:
  class Batch;
  Catalog(Archive* archive, CatalogOptions options);
  absl::Status OpenDatabase();  // opens db_ and loads the cursor
  absl::Status LoadCursor();
  // Stamps a new index with its format, or drops and recreates (Recreate) an
  // index of another format, saying so in damage_.
  absl::Status CheckFormat();
  // Destroys the index and opens it again, empty.
  absl::Status Recreate();
  // Indexes log entries [cursor, end) in one batch.
  absl::Status IndexRange(uint64_t end);
  absl::Status IndexDocument(const std::string& document, Batch& batch);
  absl::Status IndexUntil(uint64_t size);
  void Loop();
  absl::StatusOr<std::vector<std::string>> Candidates(
      const std::vector<std::u32string>& terms);
  absl::StatusOr<std::u32string> TextOf(const StoredRevision& revision);
  // The folded text search indexes for `revision`: empty when it is not text
  // or its content is damaged; an error only when the blob store cannot be
  // reached, so indexing retries.
  absl::StatusOr<std::u32string> IndexableText(const StoredRevision& revision);
  // The grams whose keys the index holds for a document whose record names
  // `text_revision`, of `text_chars` characters: those of that revision's text
  // (immutable, named by its digest, folded as the index's format says), so
  // the index needs no list of them. Empty if nothing was indexed.
  absl::StatusOr<std::vector<PackedGram>> IndexedGrams(
      const std::string& text_revision, uint64_t text_chars);

  Archive* archive_;
  CatalogOptions options_;
  // The index's LevelDB compacts on a thread of its own, at the indexer's low
  // priority (dedicated_background_env.h). Declared before db_, which must be
  // closed first.
  std::unique_ptr<leveldb::Env> leveldb_env_;
  std::unique_ptr<leveldb::DB> db_;
  std::string damage_;
  absl::Mutex mu_;
  uint64_t cursor_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t documents_with_text_ ABSL_GUARDED_BY(mu_) = 0;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  bool nudged_ ABSL_GUARDED_BY(mu_) = false;
  std::thread indexer_;
};

}  // namespace archive

#endif  // ARCHIVE_STORAGE_INDEX_CATALOG_H_
