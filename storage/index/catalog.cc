#include "storage/index/catalog.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "leveldb/write_batch.h"
#include "storage/base/env.h"
#include "storage/base/log_line.h"
#include "storage/base/this_thread.h"
#include "storage/db/dedicated_background_env.h"
#include "storage/db/leveldb_status.h"
#include "storage/db/merkle_log.h"
#include "storage/format/signed_note.h"
#include "storage/index/doc_record.h"
#include "storage/index/text_search.h"

namespace archive {
namespace {

// Keys of the index database:
//   "format"                     IndexFormat() of the grams below
//   "cursor"                     be64 next log index to index
//   "stats/text-docs"            decimal count of documents with indexed text
//   "doc/<doc>"                  DocRecord (what is indexed for the document)
//   "g/<gram>\0<doc>"            empty: the gram occurs in the document's text
//   "in/<target>\0<source>\0<kind>"  revision of <source> declaring the
//   relation
constexpr char kFormatKey[] = "format";
constexpr char kCursorKey[] = "cursor";
constexpr char kTextDocsKey[] = "stats/text-docs";
constexpr size_t kEntriesPerBatch = 256;
// Indexing and the index's compactions are catch-up work: they yield the CPU to
// puts and gets.
constexpr int kIndexerNice = 10;

// The grams are folded text, so the format names the folding. Version 3 writes
// a document's gram keys as the difference between its indexed texts and keeps
// no list of them; version 2 listed them in the record and folded as version
// 3 does, with NFKC_Casefold (issue 11); version 1, which wrote no "format"
// key, folded ASCII letters only.
std::string IndexFormat() {
  return absl::StrCat("search-index/v3 ", SearchFoldingVersion());
}

std::string DocKey(const std::string& doc) { return "doc/" + doc; }
std::string GramPrefix(const std::string& gram) {
  return absl::StrCat("g/", gram, std::string(1, '\0'));
}
std::string IncomingPrefix(const std::string& target) {
  return absl::StrCat("in/", target, std::string(1, '\0'));
}
std::string IncomingKey(const std::string& target, const std::string& source,
                        const std::string& kind) {
  return absl::StrCat(IncomingPrefix(target), source, std::string(1, '\0'),
                      kind);
}

// A gram key to write (put, empty value) or to delete.
struct GramWrite {
  std::string key;
  bool put;
};

// Turns the document's indexed grams from `old_grams` into `new_grams` (both
// sorted and distinct) by writing only the difference. A new revision usually
// changes a few lines of its document, so nearly all of its grams are kept:
// re-writing every one (about 5,000 keys per corpus document) made the
// indexer the server's busiest thread.
void ReplaceGrams(const std::string& doc,
                  const std::vector<PackedGram>& old_grams,
                  const std::vector<PackedGram>& new_grams,
                  std::vector<GramWrite>* writes) {
  auto old_it = old_grams.begin();
  auto new_it = new_grams.begin();
  while (old_it != old_grams.end() || new_it != new_grams.end()) {
    if (new_it == new_grams.end() ||
        (old_it != old_grams.end() && *old_it < *new_it)) {
      writes->push_back(
          {absl::StrCat(GramPrefix(GramToUtf8(*old_it++)), doc), false});
    } else if (old_it == old_grams.end() || *new_it < *old_it) {
      writes->push_back(
          {absl::StrCat(GramPrefix(GramToUtf8(*new_it++)), doc), true});
    } else {
      ++old_it;
      ++new_it;
    }
  }
}

bool IsText(const Statement& s) {
  return absl::StartsWith(s.media_type, "text/");
}

}  // namespace

// One indexing batch: LevelDB writes plus reads that must see them (a
// document indexed twice in one batch reads its own new record).
class Catalog::Batch {
 public:
  explicit Batch(leveldb::DB* db) : db_(db) {}
  absl::StatusOr<DocRecord> Record(const std::string& doc) {
    auto it = pending_.find(doc);
    if (it != pending_.end()) return it->second;
    std::string value;
    leveldb::Status s = db_->Get(leveldb::ReadOptions(), DocKey(doc), &value);
    if (s.IsNotFound()) return DocRecord();
    if (!s.ok()) return FromLevelDb(s, "index read");
    return DocRecord::Decode(doc, value);
  }
  void SetRecord(const std::string& doc, DocRecord rec) {
    writes_.Put(DocKey(doc), rec.Encode());
    pending_[doc] = std::move(rec);
  }
  leveldb::WriteBatch& writes() { return writes_; }
  std::vector<GramWrite>& gram_writes() { return gram_writes_; }
  // The whole batch, gram keys in key order: LevelDB inserts a batch into its
  // memtable (a skip list) key by key, and a new document brings thousands of
  // gram keys; in order, each insert finds its place near the last one, in
  // cache (a third less time than in document order, measured with LevelDB
  // 1.23). Gram keys are written only here and the sort is stable, so a key
  // deleted and written again in one batch still ends written.
  leveldb::WriteBatch& Finish() {
    std::stable_sort(
        gram_writes_.begin(), gram_writes_.end(),
        [](const GramWrite& a, const GramWrite& b) { return a.key < b.key; });
    for (const GramWrite& g : gram_writes_) {
      if (g.put) {
        writes_.Put(g.key, "");
      } else {
        writes_.Delete(g.key);
      }
    }
    gram_writes_.clear();
    return writes_;
  }
  int64_t text_docs_delta = 0;

 private:
  leveldb::DB* db_;
  leveldb::WriteBatch writes_;
  std::vector<GramWrite> gram_writes_;
  std::map<std::string, DocRecord> pending_;
};

Catalog::Catalog(Archive* archive, CatalogOptions options)
    : archive_(archive),
      options_(std::move(options)),
      leveldb_env_(std::make_unique<DedicatedBackgroundEnv>(
          options_.leveldb_env != nullptr ? options_.leveldb_env
                                          : leveldb::Env::Default(),
          kIndexerNice, "index-compact")) {}

absl::Status Catalog::OpenDatabase() {
  leveldb::Options o;
  o.create_if_missing = true;
  // Damage is found at open (and then repaired by a rebuild) rather than
  // served as wrong search answers later.
  o.paranoid_checks = true;
  o.env = leveldb_env_.get();
  leveldb::DB* db = nullptr;
  if (absl::Status s =
          FromLevelDb(leveldb::DB::Open(o, options_.dir, &db), "index open");
      !s.ok()) {
    return s;
  }
  db_.reset(db);
  return LoadCursor();
}

absl::StatusOr<std::unique_ptr<Catalog>> Catalog::Open(
    Archive* archive, const CatalogOptions& options) {
  std::unique_ptr<Catalog> catalog(new Catalog(archive, options));
  absl::Status opened = catalog->OpenDatabase();
  if (opened.ok()) opened = catalog->CheckFormat();
  if (opened.ok()) return catalog;
  // The index is derived from the log, so damage to it is never a reason not
  // to serve: it is set aside (kept for whoever wants to look) and rebuilt.
  catalog->db_.reset();
  Env* env = options.env;
  std::string aside = absl::StrCat(options.dir, ".damaged-", env->NowMicros());
  if (absl::Status s = env->RenameFile(options.dir, aside); !s.ok()) {
    return absl::InternalError(absl::StrCat(
        "the search index ", options.dir, " is damaged (", opened.message(),
        ") and could not be moved aside: ", s.message()));
  }
  if (absl::Status s = catalog->OpenDatabase(); !s.ok()) return s;
  if (absl::Status s = catalog->CheckFormat(); !s.ok()) return s;
  catalog->damage_ =
      absl::StrCat("the search index was damaged (", opened.message(),
                   "); moved it to ", aside, "; it is rebuilt from the log");
  return catalog;
}

Catalog::~Catalog() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (indexer_.joinable()) indexer_.join();
}

absl::Status Catalog::LoadCursor() {
  std::string value;
  leveldb::Status s = db_->Get(leveldb::ReadOptions(), kCursorKey, &value);
  absl::MutexLock lock(&mu_);
  if (s.IsNotFound()) return absl::OkStatus();
  if (!s.ok()) return FromLevelDb(s, "index read");
  cursor_ = ReadBigEndian64(value);
  if (db_->Get(leveldb::ReadOptions(), kTextDocsKey, &value).ok()) {
    (void)absl::SimpleAtoi(value, &documents_with_text_);
  }
  return absl::OkStatus();
}

absl::Status Catalog::CheckFormat() {
  std::string format;
  leveldb::Status s = db_->Get(leveldb::ReadOptions(), kFormatKey, &format);
  if (!s.ok() && !s.IsNotFound()) return FromLevelDb(s, "index read");
  if (s.ok() && format == IndexFormat()) return absl::OkStatus();
  if (s.IsNotFound() && indexed_through() == 0) {
    // Nothing indexed yet (the cursor goes in every batch): a new index.
    return FromLevelDb(
        db_->Put(leveldb::WriteOptions(), kFormatKey, IndexFormat()),
        "index write");
  }
  // Folded another way, its grams would miss matches: derived data, so it is
  // dropped rather than kept aside, and the log indexed again.
  if (absl::Status st = Recreate(); !st.ok()) return st;
  damage_ = absl::StrCat("the search index was built as \"",
                         s.ok() ? format : "search-index/v1 ascii-lowercase",
                         "\", not \"", IndexFormat(),
                         "\"; it is dropped and rebuilt from the log");
  return absl::OkStatus();
}

absl::Status Catalog::Recreate() {
  // Destroyed and created again rather than emptied key by key, so that an
  // index too damaged to scan can be rebuilt too.
  db_.reset();
  leveldb::Options destroy;
  destroy.env = leveldb_env_.get();
  if (absl::Status s = FromLevelDb(leveldb::DestroyDB(options_.dir, destroy),
                                   "index destroy");
      !s.ok()) {
    return s;
  }
  {
    absl::MutexLock lock(&mu_);
    cursor_ = 0;
    documents_with_text_ = 0;
  }
  if (absl::Status s = OpenDatabase(); !s.ok()) return s;
  return CheckFormat();  // writes the format of the new, empty index
}

absl::Status Catalog::Rebuild() {
  if (absl::Status s = Recreate(); !s.ok()) return s;
  return IndexUntil(archive_->LatestCheckpoint().size);
}

void Catalog::Start() {
  indexer_ = std::thread([this] { Loop(); });
}

absl::Status Catalog::IndexUntil(uint64_t size) {
  while (indexed_through() < size) {
    uint64_t end = std::min(size, indexed_through() + kEntriesPerBatch);
    if (absl::Status s = IndexRange(end); !s.ok()) return s;
  }
  return absl::OkStatus();
}

void Catalog::Loop() {
  // Indexing is derived, catch-up work: under load it yields the CPU to puts
  // and gets.
  NameThisThread("indexer");
  NiceThisThread(kIndexerNice);
  absl::Duration backoff = absl::Milliseconds(200);
  while (true) {
    absl::Status s = IndexUntil(archive_->LatestCheckpoint().size);
    if (!s.ok()) {
      // Derived data: report and retry later; the archive itself is fine.
      LogLine(absl::StrCat("archived: indexing stopped at log entry ",
                           indexed_through(), ": ", s.message()),
              LogLevel::kWarning);
      backoff = std::min(backoff * 2, absl::Seconds(30));
    } else {
      backoff = absl::Milliseconds(200);
    }
    absl::MutexLock lock(&mu_);
    auto wake = [this] {
      mu_.AssertHeld();
      return stopping_ || nudged_;
    };
    mu_.AwaitWithTimeout(absl::Condition(&wake), backoff);
    if (stopping_) return;
    nudged_ = false;
  }
}

bool Catalog::WaitIndexed(uint64_t log_size, absl::Duration timeout) {
  absl::MutexLock lock(&mu_);
  nudged_ = true;
  auto done = [this, log_size] {
    mu_.AssertHeld();
    return cursor_ >= log_size;
  };
  return mu_.AwaitWithTimeout(absl::Condition(&done), timeout);
}

uint64_t Catalog::indexed_through() {
  absl::MutexLock lock(&mu_);
  return cursor_;
}

absl::Status Catalog::IndexRange(uint64_t end) {
  const uint64_t start = indexed_through();
  auto entries = archive_->LogEntries(start, end - start);
  if (!entries.ok()) return entries.status();
  std::set<std::string> documents;
  for (const std::string& signed_statement : *entries) {
    auto note = ParseNote(signed_statement);
    if (!note.ok()) return note.status();
    auto statement = ParseStatement(note->text);
    if (!statement.ok()) return statement.status();
    documents.insert(statement->document);
  }
  Batch batch(db_.get());
  for (const std::string& doc : documents) {
    if (absl::Status s = IndexDocument(doc, batch); !s.ok()) return s;
  }
  uint64_t text_docs;
  {
    absl::MutexLock lock(&mu_);
    text_docs = documents_with_text_ + batch.text_docs_delta;
  }
  batch.writes().Put(kCursorKey, BigEndian64(end));
  batch.writes().Put(kTextDocsKey, absl::StrCat(text_docs));
  // Not a sync write: a crash may lose the tail of the index, and its cursor
  // with it, so indexing simply resumes from an earlier entry.
  if (absl::Status s = FromLevelDb(
          db_->Write(leveldb::WriteOptions(), &batch.Finish()), "index write");
      !s.ok()) {
    return s;
  }
  absl::MutexLock lock(&mu_);
  cursor_ = end;
  documents_with_text_ = text_docs;
  return absl::OkStatus();
}

absl::Status Catalog::IndexDocument(const std::string& doc, Batch& batch) {
  auto old = batch.Record(doc);
  if (!old.ok()) return old.status();
  auto info = archive_->GetDocument(doc);
  if (!info.ok()) return info.status();
  DocRecord rec;
  for (const std::string& head : info->heads) {
    auto revision = archive_->GetRevision(head);
    if (!revision.ok()) return revision.status();
    for (const Relation& r : revision->statement.relations) {
      rec.relations.push_back({r.kind, r.document, doc, head});
    }
  }
  leveldb::WriteBatch& w = batch.writes();
  for (const RelationEdge& r : old->relations) {
    w.Delete(IncomingKey(r.other, doc, r.kind));
  }
  for (const RelationEdge& r : rec.relations) {
    w.Put(IncomingKey(r.other, doc, r.kind), r.revision_id);
  }

  // The text: the authoritative revision's; unchanged while in conflict.
  rec.text_revision = old->text_revision;
  rec.text_chars = old->text_chars;
  auto authoritative = archive_->Authoritative(doc, false);
  if (authoritative.ok()) {
    rec.text_revision = authoritative->id;
  } else if (absl::IsNotFound(authoritative.status())) {
    rec.text_revision.clear();  // drafts only: nothing authoritative to find
  } else if (!absl::IsFailedPrecondition(authoritative.status())) {
    return authoritative.status();
  }
  if (rec.text_revision != old->text_revision) {
    auto old_grams = IndexedGrams(old->text_revision, old->text_chars);
    if (!old_grams.ok()) return old_grams.status();
    std::vector<PackedGram> new_grams;
    rec.text_chars = 0;
    if (!rec.text_revision.empty()) {
      auto text = IndexableText(*authoritative);
      if (!text.ok()) return text.status();
      new_grams = DistinctGrams(*text);
      rec.text_chars = text->size();
    }
    ReplaceGrams(doc, *old_grams, new_grams, &batch.gram_writes());
    batch.text_docs_delta += (rec.text_chars > 0) - (old->text_chars > 0);
  }
  batch.SetRecord(doc, std::move(rec));
  return absl::OkStatus();
}

absl::StatusOr<std::vector<PackedGram>> Catalog::IndexedGrams(
    const std::string& text_revision, uint64_t text_chars) {
  if (text_revision.empty() || text_chars == 0)
    return std::vector<PackedGram>();
  auto revision = archive_->GetRevision(text_revision);
  if (!revision.ok()) return revision.status();
  auto text = IndexableText(*revision);
  if (!text.ok()) return text.status();
  // A text that no longer reads as it did when indexed (damaged since) cannot
  // say which keys it left: they stay, which costs space but no wrong hit,
  // since every hit is confirmed against the text. Believing in grams that
  // were never written would skip writing them, and lose hits.
  if (text->size() != text_chars) return std::vector<PackedGram>();
  return DistinctGrams(*text);
}

absl::StatusOr<std::u32string> Catalog::IndexableText(
    const StoredRevision& revision) {
  if (!IsText(revision.statement)) return std::u32string();
  auto text = TextOf(revision);
  // A damaged blob must not stop the indexer: the document is indexed without
  // text, and scrub/repair plus --reindex bring it back. A blob store that
  // cannot be reached (an object store that is down) is not damage: indexing
  // stops here and retries, so the text is not left out for good.
  if (absl::IsUnavailable(text.status()) ||
      absl::IsDeadlineExceeded(text.status())) {
    return text.status();
  }
  return text.ok() ? *std::move(text) : std::u32string();
}

absl::StatusOr<std::u32string> Catalog::TextOf(const StoredRevision& revision) {
  const Statement& s = revision.statement;
  if (s.content_size > options_.max_text_bytes) {
    return absl::ResourceExhaustedError("too large to index");
  }
  auto bytes = archive_->blobs().ReadVerified(s.content_sha256, s.content_size);
  if (!bytes.ok()) return bytes.status();
  return NormalizeForSearch(*bytes);
}

absl::StatusOr<std::vector<RelationEdge>> Catalog::Relations(
    const std::string& document) {
  std::vector<RelationEdge> edges;
  std::string value;
  leveldb::Status s =
      db_->Get(leveldb::ReadOptions(), DocKey(document), &value);
  if (!s.ok() && !s.IsNotFound()) return FromLevelDb(s, "index read");
  if (s.ok()) edges = DocRecord::Decode(document, value).relations;
  const std::string prefix = IncomingPrefix(document);
  std::unique_ptr<leveldb::Iterator> it(
      db_->NewIterator(leveldb::ReadOptions()));
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix);
       it->Next()) {
    std::vector<std::string> f = absl::StrSplit(
        it->key().ToString().substr(prefix.size()), absl::ByChar('\0'));
    if (f.size() != 2) continue;
    edges.push_back(
        {InverseRelationKind(f[1]), f[0], f[0], it->value().ToString()});
  }
  if (absl::Status st = FromLevelDb(it->status(), "index scan"); !st.ok())
    return st;
  return edges;
}

absl::StatusOr<std::vector<std::string>> Catalog::Candidates(
    const std::vector<std::u32string>& terms) {
  std::optional<std::set<std::string>> result;
  std::unique_ptr<leveldb::Iterator> it(
      db_->NewIterator(leveldb::ReadOptions()));
  for (const std::u32string& term : terms) {
    for (const std::u32string& gram : GramsOf(term)) {
      const std::string prefix = GramPrefix(ToUtf8(gram));
      std::set<std::string> docs;
      for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix);
           it->Next()) {
        std::string doc = it->key().ToString().substr(prefix.size());
        if (!result || result->count(doc)) docs.insert(std::move(doc));
      }
      if (absl::Status s = FromLevelDb(it->status(), "index scan"); !s.ok()) {
        return s;
      }
      result = std::move(docs);
      if (result->empty()) return std::vector<std::string>();
    }
  }
  return std::vector<std::string>(result->begin(), result->end());
}

absl::StatusOr<SearchResult> Catalog::Search(const std::string& query,
                                             size_t limit) {
  const std::vector<std::u32string> terms = QueryTerms(query);
  if (terms.empty()) {
    return absl::InvalidArgumentError("query: no characters to search for");
  }
  SearchResult result;
  result.indexed_through = indexed_through();
  auto candidates = Candidates(terms);
  if (!candidates.ok()) return candidates.status();

  // Confirm each candidate against its text and count the occurrences.
  struct Match {
    SearchHit hit;
    std::vector<size_t> tf;  // per term
    uint64_t chars = 0;
  };
  std::vector<Match> matches;
  std::vector<size_t> df(terms.size(), 0);
  for (const std::string& doc : *candidates) {
    std::string value;
    if (!db_->Get(leveldb::ReadOptions(), DocKey(doc), &value).ok()) continue;
    DocRecord rec = DocRecord::Decode(doc, value);
    if (rec.text_revision.empty()) continue;
    auto revision = archive_->GetRevision(rec.text_revision);
    if (!revision.ok()) return revision.status();
    auto bytes = archive_->blobs().ReadVerified(
        revision->statement.content_sha256, revision->statement.content_size);
    if (!bytes.ok()) continue;  // damaged: scrub reports it; skip the hit
    const std::u32string original = DecodeUtf8Lossy(*bytes);
    const FoldedText folded = FoldForSearch(original);
    const std::u32string& text = folded.text;
    Match m;
    m.chars = text.size();
    size_t first_at = std::u32string::npos, first_len = 0;
    for (const std::u32string& term : terms) {
      std::vector<size_t> at = FindAll(text, term);
      if (at.empty()) break;
      m.tf.push_back(at.size());
      if (first_at == std::u32string::npos) {
        first_at = at[0];
        first_len = term.size();
      }
    }
    if (m.tf.size() != terms.size()) continue;  // some term missing
    for (size_t i = 0; i < terms.size(); ++i) ++df[i];
    m.hit.document = doc;
    m.hit.revision_id = revision->id;
    m.hit.title = revision->statement.title;
    // Folding changes lengths ('ß' -> "ss", 'Ａ' -> 'a' ...): the snippet
    // marks the original characters the match was folded from.
    const auto [begin, end] = folded.OriginalSpan(first_at, first_len);
    m.hit.snippet = Snippet(original, begin, end - begin);
    for (size_t n : m.tf) m.hit.occurrences += n;
    matches.push_back(std::move(m));
  }

  // BM25 (k1 = 1.2, b = 0.75) with document frequencies over the indexed
  // documents, plus one point per term found in the title.
  uint64_t n_docs;
  {
    absl::MutexLock lock(&mu_);
    n_docs = std::max<uint64_t>(documents_with_text_, matches.size());
  }
  double avg_chars = 0;
  for (const Match& m : matches) avg_chars += m.chars;
  if (!matches.empty()) avg_chars /= matches.size();
  for (Match& m : matches) {
    const std::u32string title = NormalizeForSearch(m.hit.title);
    for (size_t i = 0; i < terms.size(); ++i) {
      const double idf = std::log(1 + (n_docs - df[i] + 0.5) / (df[i] + 0.5));
      const double norm =
          1.2 * (0.25 + 0.75 * m.chars / std::max(1.0, avg_chars));
      m.hit.score += idf * m.tf[i] * 2.2 / (m.tf[i] + norm);
      if (title.find(terms[i]) != std::u32string::npos) m.hit.score += 1;
    }
  }
  std::sort(matches.begin(), matches.end(), [](const Match& a, const Match& b) {
    if (a.hit.score != b.hit.score) return a.hit.score > b.hit.score;
    return a.hit.document < b.hit.document;
  });
  result.total_matches = matches.size();
  for (size_t i = 0; i < matches.size() && i < limit; ++i) {
    result.hits.push_back(std::move(matches[i].hit));
  }
  return result;
}

}  // namespace archive
