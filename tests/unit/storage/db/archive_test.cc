// The archive: what a commit stores and signs, idempotent retries, conditional
// puts, drafts, history and listing, receipts and checkpoints checked by the
// client-side verifier, batching under concurrency, persistence across
// re-opening, and the identity rules for the data directory.
#include "storage/db/archive.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/blocking_counter.h"
#include "absl/synchronization/mutex.h"
#include "leveldb/db.h"
#include "storage/base/hex.h"
#include "storage/base/sha256.h"
#include "storage/format/merkle.h"
#include "storage/format/signed_note.h"
#include "storage/format/signing_key.h"
#include "storage/format/statement.h"
#include "storage/verify/note_verifier.h"
#include "storage/verify/proof_verifier.h"
#include "storage/verify/receipt_checker.h"
#include "storage/verify/trust_store.h"
#include "tests/unit/storage/db/storage_test_util.h"

namespace archive {
namespace {

using testing_util::FileMode;
using testing_util::FixedClockEnv;
using testing_util::ReadWholeFile;
using testing_util::ScopedTempDir;
using testing_util::WriteWholeFile;

constexpr char kOrigin[] = "test.archive.example";
constexpr int64_t kNow = 1796000000;  // 2026-11-30T00:53:20Z
constexpr char kNowText[] = "2026-11-30T00:53:20Z";
constexpr char kTextPlain[] = "text/plain; charset=utf-8";

std::vector<std::string> Ids(const std::vector<StoredRevision>& revisions) {
  std::vector<std::string> ids;
  for (const StoredRevision& r : revisions) ids.push_back(r.id);
  return ids;
}

// Counts the LevelDB keys starting with each prefix, reading the metadata store
// directly (only possible once the Archive that holds it open is gone).
std::map<std::string, size_t> CountKeys(
    const std::string& meta_dir, const std::vector<std::string>& prefixes,
    std::vector<std::string>* checkpoint_notes = nullptr) {
  std::map<std::string, size_t> counts;
  leveldb::DB* raw = nullptr;
  leveldb::Options options;
  leveldb::Status s = leveldb::DB::Open(options, meta_dir, &raw);
  EXPECT_TRUE(s.ok()) << s.ToString();
  if (!s.ok()) return counts;
  std::unique_ptr<leveldb::DB> db(raw);
  std::unique_ptr<leveldb::Iterator> it(
      db->NewIterator(leveldb::ReadOptions()));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    for (const std::string& prefix : prefixes) {
      if (it->key().starts_with(prefix)) ++counts[prefix];
    }
    if (checkpoint_notes != nullptr && it->key().starts_with("c/")) {
      checkpoint_notes->push_back(it->value().ToString());
    }
  }
  EXPECT_TRUE(it->status().ok()) << it->status().ToString();
  return counts;
}

class ArchiveTest : public ::testing::Test {
 protected:
  ArchiveTest() : env_(kNow) {}

  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(Open());
    WriteWholeFile(tmp_.Sub("trusted"), archive_->key().VerifierKey() + "\n");
    auto trust = TrustStore::Load(tmp_.Sub("trusted"));
    ASSERT_TRUE(trust.ok()) << trust.status();
    trust_ = std::make_unique<TrustStore>(std::move(*trust));
  }

  std::string DataDir() const { return tmp_.Sub("data"); }

  ArchiveOptions Options(const std::string& origin = kOrigin) {
    ArchiveOptions options;
    options.data_dir = DataDir();
    options.origin = origin;
    options.env = &env_;
    return options;
  }

  void Open() {
    auto archive = Archive::Open(Options());
    ASSERT_TRUE(archive.ok()) << archive.status();
    archive_ = std::move(*archive);
  }

  void Reopen() {
    archive_.reset();
    ASSERT_NO_FATAL_FAILURE(Open());
  }

  // Stores `content` in the archive's blob store and returns a put of it.
  NewRevision Put(const std::string& document, const std::string& content,
                  const std::string& status = "in_force") {
    auto writer = archive_->blobs().NewWriter();
    EXPECT_TRUE(writer.ok()) << writer.status();
    std::string hex = Sha256::HexDigest(content);
    if (writer.ok()) {
      EXPECT_TRUE((*writer)->Append(content).ok());
      auto digest = (*writer)->Commit(hex, content.size());
      EXPECT_TRUE(digest.ok()) << digest.status();
    }
    NewRevision put;
    Statement& s = put.statement;
    s.document = document;
    s.content_sha256 = hex;
    s.content_size = content.size();
    s.media_type = kTextPlain;
    s.status = status;
    s.title = "Title of " + document;
    s.submitted_by = "local";
    return put;
  }

  // Commits and expects success; a failure yields an empty, uncreated result,
  // so `ASSERT_TRUE(result.created)` stops the test.
  CommitResult Commit(NewRevision put) {
    auto result = archive_->Commit(std::move(put));
    EXPECT_TRUE(result.ok()) << result.status();
    return result.ok() ? *std::move(result) : CommitResult{};
  }

  uint64_t LogSize() { return archive_->LatestCheckpoint().size; }

  // The receipt passes the client's verification: statement signature,
  // checkpoint signature and inclusion.
  void ExpectReceiptVerifies(const Receipt& receipt,
                             const std::string& revision_id) {
    ReceiptChecker checker(trust_.get());
    ReceiptParts parts{receipt.signed_statement, receipt.checkpoint.note,
                       receipt.leaf_index, receipt.checkpoint.size,
                       receipt.inclusion};
    auto verified = checker.Check(parts);
    ASSERT_TRUE(verified.ok())
        << "receipt for " << revision_id << ": " << verified.status();
    EXPECT_EQ(verified->revision.revision_id, revision_id);
    EXPECT_EQ(verified->checkpoint.origin, kOrigin);
    EXPECT_EQ(verified->checkpoint.size, receipt.checkpoint.size);
    EXPECT_EQ(verified->checkpoint.root_hash, receipt.checkpoint.root);
    EXPECT_LT(receipt.leaf_index, receipt.checkpoint.size);
  }

  DocumentInfo Document(const std::string& id) {
    auto doc = archive_->GetDocument(id);
    EXPECT_TRUE(doc.ok()) << doc.status();
    return doc.ok() ? *doc : DocumentInfo{};
  }

  std::vector<std::string> HistoryIds(const std::string& document) {
    auto history = archive_->History(document, UINT64_MAX, 1000);
    EXPECT_TRUE(history.ok()) << history.status();
    return history.ok() ? Ids(*history) : std::vector<std::string>{};
  }

  ScopedTempDir tmp_;
  FixedClockEnv env_;
  std::unique_ptr<Archive> archive_;
  std::unique_ptr<TrustStore> trust_;
};

// --- Commits
// -------------------------------------------------------------------

TEST_F(ArchiveTest, NewArchiveHasASignedEmptyCheckpoint) {
  SignedCheckpoint cp = archive_->LatestCheckpoint();
  EXPECT_EQ(cp.size, 0u);
  EXPECT_EQ(cp.root, MerkleEmptyRoot());
  EXPECT_TRUE(absl::StartsWith(
      cp.note, absl::StrCat(kOrigin, "\n0\n", Base64Encode(cp.root), "\n\n")))
      << cp.note;
  ReceiptChecker checker(trust_.get());
  auto parsed = checker.CheckCheckpoint(cp.note);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->size, 0u);
}

TEST_F(ArchiveTest, FirstCommitCreatesASignedRevision) {
  const std::string doc = "gx-2022-guizhengfa-31";
  const std::string content = "广西壮族自治区人民政府关于印发……的通知\n";
  CommitResult result = Commit(Put(doc, content));
  ASSERT_TRUE(result.created);
  const StoredRevision& r = result.revision;

  EXPECT_EQ(r.statement.origin, kOrigin);
  EXPECT_TRUE(r.statement.parents.empty());
  EXPECT_EQ(r.statement.submitted_at, kNowText);
  EXPECT_EQ(r.statement_text,
            absl::StrCat("archive-revision/v1\n"
                         "origin test.archive.example\n"
                         "document gx-2022-guizhengfa-31\n"
                         "content sha256:",
                         Sha256::HexDigest(content), " ", content.size(),
                         "\n"
                         "media-type text/plain; charset=utf-8\n"
                         "status in_force\n"
                         "title Title of gx-2022-guizhengfa-31\n"
                         "submitted-by local\n"
                         "submitted-at 2026-11-30T00:53:20Z\n"));
  auto encoded = EncodeStatement(r.statement);
  ASSERT_TRUE(encoded.ok()) << encoded.status();
  EXPECT_EQ(*encoded, r.statement_text);
  EXPECT_EQ(r.id, RevisionIdOf(r.statement_text));
  EXPECT_EQ(r.id, Sha256::HexDigest(r.statement_text));
  EXPECT_EQ(r.leaf_index, 0u);
  EXPECT_EQ(r.authoritative, r.id);

  // The signed statement is a note over exactly the statement text, by the
  // archive's key.
  EXPECT_TRUE(absl::StartsWith(r.signed_statement, r.statement_text + "\n"));
  auto vkey = VerifierKey::Parse(archive_->key().VerifierKey());
  ASSERT_TRUE(vkey.ok()) << vkey.status();
  auto text = VerifyNote(r.signed_statement, **vkey);
  ASSERT_TRUE(text.ok()) << text.status();
  EXPECT_EQ(*text, r.statement_text);

  EXPECT_EQ(LogSize(), 1u);
  ASSERT_NO_FATAL_FAILURE(ExpectReceiptVerifies(result.receipt, r.id));
  EXPECT_EQ(result.receipt.checkpoint.size, 1u);

  auto stored = archive_->GetRevision(r.id);
  ASSERT_TRUE(stored.ok()) << stored.status();
  EXPECT_EQ(stored->statement_text, r.statement_text);
  EXPECT_EQ(stored->signed_statement, r.signed_statement);
  EXPECT_EQ(stored->leaf_index, 0u);
  DocumentInfo info = Document(doc);
  EXPECT_EQ(info.heads, std::vector<std::string>{r.id});
  EXPECT_EQ(info.revision_count, 1u);
  auto blob = archive_->blobs().ReadVerified(r.statement.content_sha256,
                                             r.statement.content_size);
  ASSERT_TRUE(blob.ok()) << blob.status();
  EXPECT_EQ(*blob, content);
}

TEST_F(ArchiveTest, StatementsAreDeterministicAcrossArchives) {
  // Same clock, same origin, same put: the same revision id, even though each
  // data directory has its own signing key.
  CommitResult here = Commit(Put("doc", "same text"));
  ASSERT_TRUE(here.created);

  ScopedTempDir other_dir;
  ArchiveOptions options = Options();
  options.data_dir = other_dir.Sub("data");
  auto other = Archive::Open(options);
  ASSERT_TRUE(other.ok()) << other.status();
  // The blob goes to our store; the other archive only needs the statement.
  NewRevision put = Put("doc", "same text");
  auto there = (*other)->Commit(put);
  ASSERT_TRUE(there.ok()) << there.status();
  EXPECT_EQ(there->revision.id, here.revision.id);
  EXPECT_EQ(there->revision.statement_text, here.revision.statement_text);
  EXPECT_NE(there->revision.signed_statement, here.revision.signed_statement);
}

TEST_F(ArchiveTest, SecondCommitHasTheFirstAsParent) {
  CommitResult first = Commit(Put("doc", "version 1"));
  ASSERT_TRUE(first.created);
  env_.Advance(60);
  CommitResult second = Commit(Put("doc", "version 2"));
  ASSERT_TRUE(second.created);

  const StoredRevision& r = second.revision;
  EXPECT_EQ(r.statement.parents, std::vector<std::string>{first.revision.id});
  EXPECT_NE(r.statement_text.find("\nparent " + first.revision.id + "\n"),
            std::string::npos)
      << r.statement_text;
  EXPECT_EQ(r.statement.submitted_at, "2026-11-30T00:54:20Z");
  EXPECT_EQ(r.leaf_index, 1u);
  EXPECT_EQ(LogSize(), 2u);
  DocumentInfo info = Document("doc");
  EXPECT_EQ(info.heads, std::vector<std::string>{r.id});
  EXPECT_EQ(info.revision_count, 2u);
  auto authoritative = archive_->Authoritative("doc", false);
  ASSERT_TRUE(authoritative.ok()) << authoritative.status();
  EXPECT_EQ(authoritative->id, r.id);
  ASSERT_NO_FATAL_FAILURE(ExpectReceiptVerifies(second.receipt, r.id));
  // The first revision's receipt stays valid; a fresh one is against the new
  // checkpoint.
  ASSERT_NO_FATAL_FAILURE(
      ExpectReceiptVerifies(first.receipt, first.revision.id));
  auto fresh = archive_->ReceiptFor(first.revision);
  ASSERT_TRUE(fresh.ok()) << fresh.status();
  EXPECT_EQ(fresh->checkpoint.size, 2u);
  ASSERT_NO_FATAL_FAILURE(ExpectReceiptVerifies(*fresh, first.revision.id));
}

TEST_F(ArchiveTest, IdenticalRecommitReturnsTheHeadAndStoresNothing) {
  CommitResult first = Commit(Put("doc", "version 1"));
  ASSERT_TRUE(first.created);
  uint64_t size = LogSize();

  env_.Advance(3600);
  NewRevision retry = Put("doc", "version 1");
  retry.statement.submitted_by = "local:alice";
  retry.statement.note = "retried after a timeout";
  CommitResult again = Commit(retry);
  EXPECT_FALSE(again.created);
  EXPECT_EQ(again.revision.id, first.revision.id);
  // What is returned is the stored head, not the retried statement.
  EXPECT_EQ(again.revision.statement.submitted_by, "local");
  EXPECT_EQ(again.revision.statement.submitted_at, kNowText);
  EXPECT_EQ(again.revision.statement_text, first.revision.statement_text);
  EXPECT_EQ(LogSize(), size) << "a retry must not add to the log";
  EXPECT_EQ(Document("doc").revision_count, 1u);
  EXPECT_EQ(HistoryIds("doc"), std::vector<std::string>{first.revision.id});
  ASSERT_NO_FATAL_FAILURE(
      ExpectReceiptVerifies(again.receipt, first.revision.id));
}

TEST_F(ArchiveTest, RecommitOfTheHeadAfterSeveralRevisionsStoresNothing) {
  CommitResult v1 = Commit(Put("doc", "version 1"));
  CommitResult v2 = Commit(Put("doc", "version 2"));
  ASSERT_TRUE(v1.created && v2.created);
  CommitResult retry = Commit(Put("doc", "version 2"));
  EXPECT_FALSE(retry.created);
  EXPECT_EQ(retry.revision.id, v2.revision.id);
  EXPECT_EQ(LogSize(), 2u);

  // Going back to an older text is a change, not a retry: a new revision.
  CommitResult revert = Commit(Put("doc", "version 1"));
  EXPECT_TRUE(revert.created);
  EXPECT_EQ(revert.revision.statement.parents,
            std::vector<std::string>{v2.revision.id});
  EXPECT_EQ(revert.revision.statement.content_sha256,
            v1.revision.statement.content_sha256);
  EXPECT_EQ(LogSize(), 3u);
}

TEST_F(ArchiveTest, MetadataChangeIsANewRevision) {
  CommitResult v1 = Commit(Put("doc", "same bytes"));
  ASSERT_TRUE(v1.created);
  for (auto change : std::vector<void (*)(Statement&)>{
           [](Statement& s) { s.title = "A corrected title"; },
           [](Statement& s) { s.status = "repealed"; },
           [](Statement& s) { s.region = "贵州"; },
           [](Statement& s) { s.date = "2022-06-15"; },
           [](Statement& s) { s.media_type = "application/octet-stream"; },
       }) {
    NewRevision put = Put("doc", "same bytes");
    change(put.statement);
    CommitResult r = Commit(put);
    EXPECT_TRUE(r.created) << r.revision.statement_text;
  }
  EXPECT_EQ(LogSize(), 6u);
  EXPECT_EQ(Document("doc").revision_count, 6u);
}

TEST_F(ArchiveTest, IdenticalPutsToDifferentDocumentsAreSeparateRevisions) {
  CommitResult a = Commit(Put("doc-a", "shared text"));
  CommitResult b = Commit(Put("doc-b", "shared text"));
  ASSERT_TRUE(a.created && b.created);
  EXPECT_NE(a.revision.id, b.revision.id);
  EXPECT_EQ(a.revision.statement.content_sha256,
            b.revision.statement.content_sha256);
}

TEST_F(ArchiveTest, InvalidStatementFieldIsRejectedAndNothingIsStored) {
  struct Case {
    const char* field;
    void (*spoil)(Statement&);
  };
  for (const Case& c : std::vector<Case>{
           {"title", [](Statement& s) { s.title = "two\nlines"; }},
           {"status", [](Statement& s) { s.status = "in-force"; }},
           {"date", [](Statement& s) { s.date = "2023-02-29"; }},
           {"document", [](Statement& s) { s.document = "has space"; }},
           {"note", [](Statement& s) { s.note = "bell\a"; }},
           {"content", [](Statement& s) { s.content_sha256 = "abc"; }},
       }) {
    NewRevision put = Put("doc", "text");
    c.spoil(put.statement);
    auto result = archive_->Commit(put);
    EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument)
        << c.field << ": " << result.status();
    EXPECT_NE(result.status().message().find(c.field), absl::string_view::npos)
        << "the error should name " << c.field << ": " << result.status();
  }
  EXPECT_EQ(LogSize(), 0u);
  EXPECT_EQ(archive_->GetDocument("doc").status().code(),
            absl::StatusCode::kNotFound);
}

// --- Conditional puts
// ----------------------------------------------------------

TEST_F(ArchiveTest, ConditionalCommitOnTheCurrentHeadSucceeds) {
  CommitResult v1 = Commit(Put("doc", "version 1"));
  ASSERT_TRUE(v1.created);
  NewRevision put = Put("doc", "version 2");
  put.expected_parents = {v1.revision.id};
  CommitResult v2 = Commit(put);
  ASSERT_TRUE(v2.created);
  EXPECT_EQ(v2.revision.statement.parents,
            std::vector<std::string>{v1.revision.id});
  ASSERT_NO_FATAL_FAILURE(ExpectReceiptVerifies(v2.receipt, v2.revision.id));
}

TEST_F(ArchiveTest, ConditionalCommitOnAStaleParentIsAbortedNamingBoth) {
  CommitResult v1 = Commit(Put("doc", "version 1"));
  CommitResult v2 = Commit(Put("doc", "version 2 by someone else"));
  ASSERT_TRUE(v1.created && v2.created);
  uint64_t size = LogSize();

  NewRevision put = Put("doc", "version 2 by me");
  put.expected_parents = {v1.revision.id};
  auto result = archive_->Commit(put);
  EXPECT_EQ(result.status().code(), absl::StatusCode::kAborted)
      << result.status();
  EXPECT_NE(result.status().message().find(v1.revision.id),
            absl::string_view::npos)
      << "should name the expected parent: " << result.status();
  EXPECT_NE(result.status().message().find(v2.revision.id),
            absl::string_view::npos)
      << "should name the current head: " << result.status();
  EXPECT_EQ(LogSize(), size);
  DocumentInfo info = Document("doc");
  EXPECT_EQ(info.heads, std::vector<std::string>{v2.revision.id});
  EXPECT_EQ(info.revision_count, 2u);
}

TEST_F(ArchiveTest, ConditionalCommitOnAnUnknownDocumentIsAborted) {
  NewRevision put = Put("new-doc", "text");
  put.expected_parents = {Sha256::HexDigest("no such revision")};
  auto result = archive_->Commit(put);
  EXPECT_EQ(result.status().code(), absl::StatusCode::kAborted)
      << result.status();
  EXPECT_EQ(LogSize(), 0u);
}

// The contract: a put whose statement equals the head's in every line but
// submitted-by, submitted-at and note stores nothing and returns the head. A
// conditional put "--parent v1" whose reply was lost is retried with the same
// --parent v1; by then the head is its own result v2 (parent v1, same
// content). The retry must get v2 back, not a conflict about itself.
TEST_F(ArchiveTest, RetriedConditionalCommitReturnsItsOwnResult) {
  CommitResult v1 = Commit(Put("doc", "version 1"));
  ASSERT_TRUE(v1.created);
  NewRevision put = Put("doc", "version 2");
  put.expected_parents = {v1.revision.id};
  CommitResult v2 = Commit(put);
  ASSERT_TRUE(v2.created);

  env_.Advance(30);
  put.statement.note = "retry";
  auto retry = archive_->Commit(put);
  ASSERT_TRUE(retry.ok()) << retry.status();
  EXPECT_FALSE(retry->created);
  EXPECT_EQ(retry->revision.id, v2.revision.id);
  EXPECT_EQ(LogSize(), 2u);
  ASSERT_NO_FATAL_FAILURE(
      ExpectReceiptVerifies(retry->receipt, v2.revision.id));

  // A different text on the stale parent is still a conflict.
  NewRevision other = Put("doc", "version 2, edited differently");
  other.expected_parents = {v1.revision.id};
  EXPECT_EQ(archive_->Commit(other).status().code(),
            absl::StatusCode::kAborted);
}

// --- Drafts
// --------------------------------------------------------------------

TEST_F(ArchiveTest, DraftOnlyDocumentIsNotFoundUnlessHeadIsAsked) {
  CommitResult draft = Commit(Put("doc", "draft text", "draft"));
  ASSERT_TRUE(draft.created);
  EXPECT_TRUE(draft.revision.authoritative.empty());

  auto authoritative = archive_->Authoritative("doc", false);
  EXPECT_EQ(authoritative.status().code(), absl::StatusCode::kNotFound)
      << authoritative.status();
  EXPECT_NE(authoritative.status().message().find("--head"),
            absl::string_view::npos)
      << authoritative.status();
  auto head = archive_->Authoritative("doc", true);
  ASSERT_TRUE(head.ok()) << head.status();
  EXPECT_EQ(head->id, draft.revision.id);
}

TEST_F(ArchiveTest, AuthoritativeSkipsADraftHead) {
  CommitResult d1 = Commit(Put("doc", "early draft", "draft"));
  CommitResult v1 = Commit(Put("doc", "in force", "in_force"));
  CommitResult d2 = Commit(Put("doc", "amendment draft", "draft"));
  CommitResult d3 = Commit(Put("doc", "amendment draft 2", "draft"));
  ASSERT_TRUE(d1.created && v1.created && d2.created && d3.created);

  auto authoritative = archive_->Authoritative("doc", false);
  ASSERT_TRUE(authoritative.ok()) << authoritative.status();
  EXPECT_EQ(authoritative->id, v1.revision.id);
  auto head = archive_->Authoritative("doc", true);
  ASSERT_TRUE(head.ok()) << head.status();
  EXPECT_EQ(head->id, d3.revision.id);
  EXPECT_EQ(d3.revision.authoritative, v1.revision.id);

  CommitResult v2 = Commit(Put("doc", "amended", "amended"));
  ASSERT_TRUE(v2.created);
  authoritative = archive_->Authoritative("doc", false);
  ASSERT_TRUE(authoritative.ok()) << authoritative.status();
  EXPECT_EQ(authoritative->id, v2.revision.id);
  head = archive_->Authoritative("doc", true);
  ASSERT_TRUE(head.ok()) << head.status();
  EXPECT_EQ(head->id, v2.revision.id);
}

TEST_F(ArchiveTest, AuthoritativeOfUnknownOrInvalidDocument) {
  EXPECT_EQ(archive_->Authoritative("absent", false).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(archive_->Authoritative("absent", true).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(archive_->GetDocument("has space").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(archive_->GetRevision("not-hex").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(archive_->GetRevision(Sha256::HexDigest("x")).status().code(),
            absl::StatusCode::kNotFound);
}

// --- History and listing
// -------------------------------------------------------

TEST_F(ArchiveTest, HistoryIsNewestFirstAndPagesWithBeforeLeaf) {
  std::vector<std::string> ids;  // oldest first
  for (int i = 0; i < 5; ++i) {
    // Interleave documents whose ids share a prefix, so leaf indexes of "doc"
    // are not contiguous and a prefix scan that is too loose would show.
    CommitResult r = Commit(Put("doc", absl::StrCat("doc version ", i)));
    ASSERT_TRUE(r.created);
    ids.push_back(r.revision.id);
    ASSERT_TRUE(Commit(Put("doc-2", absl::StrCat("other ", i))).created);
    ASSERT_TRUE(Commit(Put("do", absl::StrCat("short ", i))).created);
    env_.Advance(1);
  }
  std::vector<std::string> newest_first(ids.rbegin(), ids.rend());
  EXPECT_EQ(HistoryIds("doc"), newest_first);
  EXPECT_EQ(HistoryIds("doc-2").size(), 5u);
  EXPECT_EQ(HistoryIds("do").size(), 5u);

  std::vector<std::string> paged;
  uint64_t before = UINT64_MAX;
  for (int page = 0; page < 10; ++page) {
    auto history = archive_->History("doc", before, 2);
    ASSERT_TRUE(history.ok()) << history.status();
    if (history->empty()) break;
    EXPECT_LE(history->size(), 2u);
    for (const StoredRevision& r : *history) {
      EXPECT_LT(r.leaf_index, before);
      EXPECT_EQ(r.statement.document, "doc");
      paged.push_back(r.id);
    }
    before = history->back().leaf_index;
  }
  EXPECT_EQ(paged, newest_first);

  auto none = archive_->History("doc", 0, 10);
  ASSERT_TRUE(none.ok()) << none.status();
  EXPECT_TRUE(none->empty());
  auto zero = archive_->History("doc", UINT64_MAX, 0);
  ASSERT_TRUE(zero.ok()) << zero.status();
  EXPECT_TRUE(zero->empty());
  EXPECT_EQ(archive_->History("absent", UINT64_MAX, 10).status().code(),
            absl::StatusCode::kNotFound);
}

class ListDocumentsTest : public ArchiveTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(ArchiveTest::SetUp());
    Add("bj-2021-01", "北京", "in_force", "2021-03-01", "北京市数据条例");
    Add("gx-2022-31", "广西", "in_force", "2022-06-15", "广西数字政府规划");
    Add("gz-2020-05", "贵州", "repealed", "2020-01-10", "贵州大数据办法");
    Add("gz-2023-02", "贵州", "in_force", "2023-11-30", "贵州数据要素规划");
    Add("nodate", "贵州", "in_force", "", "无日期文件");
  }

  void Add(const std::string& id, const std::string& region,
           const std::string& status, const std::string& date,
           const std::string& title) {
    NewRevision put = Put(id, "text of " + id);
    put.statement.region = region;
    put.statement.status = status;
    put.statement.date = date;
    put.statement.title = title;
    ASSERT_TRUE(Commit(put).created) << id;
  }

  std::vector<std::string> List(const DocumentFilter& filter,
                                const std::string& start_after = "",
                                size_t limit = 100) {
    auto listed = archive_->ListDocuments(filter, start_after, limit);
    EXPECT_TRUE(listed.ok()) << listed.status();
    std::vector<std::string> ids;
    if (!listed.ok()) return ids;
    for (const auto& [doc, head] : *listed) {
      EXPECT_EQ(doc.heads, std::vector<std::string>{head.id});
      EXPECT_EQ(head.statement.document, doc.id);
      ids.push_back(doc.id);
    }
    return ids;
  }

  using Ids = std::vector<std::string>;
};

TEST_F(ListDocumentsTest, NoFilterListsEverythingInIdOrder) {
  EXPECT_EQ(List({}), (Ids{"bj-2021-01", "gx-2022-31", "gz-2020-05",
                           "gz-2023-02", "nodate"}));
}

TEST_F(ListDocumentsTest, FiltersOnMetadata) {
  DocumentFilter f;
  f.region = "贵州";
  EXPECT_EQ(List(f), (Ids{"gz-2020-05", "gz-2023-02", "nodate"}));
  f = {};
  f.status = "in_force";
  EXPECT_EQ(List(f), (Ids{"bj-2021-01", "gx-2022-31", "gz-2023-02", "nodate"}));
  f.region = "贵州";
  EXPECT_EQ(List(f), (Ids{"gz-2023-02", "nodate"}));
  f = {};
  f.region = "上海";
  EXPECT_EQ(List(f), Ids{});
}

TEST_F(ListDocumentsTest, DateRangeIsInclusiveAndSkipsUndatedDocuments) {
  DocumentFilter f;
  f.date_from = "2021-01-01";
  f.date_to = "2022-12-31";
  EXPECT_EQ(List(f), (Ids{"bj-2021-01", "gx-2022-31"}));
  f = {};
  f.date_from = "2022-06-15";
  EXPECT_EQ(List(f), (Ids{"gx-2022-31", "gz-2023-02"}));
  f = {};
  f.date_to = "2022-06-15";
  EXPECT_EQ(List(f), (Ids{"bj-2021-01", "gx-2022-31", "gz-2020-05"}));
  f.date_from = "2022-06-15";
  EXPECT_EQ(List(f), (Ids{"gx-2022-31"}));
}

TEST_F(ListDocumentsTest, QueryIsASubstringOfTitleOrId) {
  DocumentFilter f;
  f.query = "规划";
  EXPECT_EQ(List(f), (Ids{"gx-2022-31", "gz-2023-02"}));
  f.query = "数据";
  EXPECT_EQ(List(f), (Ids{"bj-2021-01", "gz-2020-05", "gz-2023-02"}));
  f.query = "gz-";
  EXPECT_EQ(List(f), (Ids{"gz-2020-05", "gz-2023-02"}));
  f.query = "nothing matches this";
  EXPECT_EQ(List(f), Ids{});
}

TEST_F(ListDocumentsTest, FiltersApplyToTheNewestHead) {
  NewRevision put = Put("gz-2020-05", "moved to another region");
  put.statement.region = "北京";
  put.statement.status = "repealed";
  put.statement.date = "2020-01-10";
  ASSERT_TRUE(Commit(put).created);
  DocumentFilter f;
  f.region = "贵州";
  EXPECT_EQ(List(f), (Ids{"gz-2023-02", "nodate"}));
  f.region = "北京";
  EXPECT_EQ(List(f), (Ids{"bj-2021-01", "gz-2020-05"}));
}

TEST_F(ListDocumentsTest, PagesWithStartAfter) {
  EXPECT_EQ(List({}, "", 2), (Ids{"bj-2021-01", "gx-2022-31"}));
  EXPECT_EQ(List({}, "gx-2022-31", 2), (Ids{"gz-2020-05", "gz-2023-02"}));
  EXPECT_EQ(List({}, "gz-2023-02", 2), (Ids{"nodate"}));
  EXPECT_EQ(List({}, "nodate", 2), Ids{});
  // start_after need not be a document id.
  EXPECT_EQ(List({}, "c", 1), (Ids{"gx-2022-31"}));
  // Paging and filtering together: the limit counts matches.
  DocumentFilter f;
  f.region = "贵州";
  EXPECT_EQ(List(f, "", 1), (Ids{"gz-2020-05"}));
  EXPECT_EQ(List(f, "gz-2020-05", 1), (Ids{"gz-2023-02"}));
  EXPECT_EQ(List(f, "gz-2023-02", 1), (Ids{"nodate"}));

  std::vector<std::string> all;
  std::string after;
  for (int page = 0; page < 10; ++page) {
    Ids ids = List({}, after, 1);
    if (ids.empty()) break;
    all.push_back(ids[0]);
    after = ids[0];
  }
  EXPECT_EQ(all, List({}));
}

// --- Receipts and checkpoints
// --------------------------------------------------

TEST_F(ArchiveTest, EveryCommitsReceiptVerifies) {
  std::vector<CommitResult> results;
  for (int i = 0; i < 12; ++i) {
    results.push_back(
        Commit(Put(absl::StrCat("doc-", i % 3), absl::StrCat("content ", i))));
    ASSERT_TRUE(results.back().created);
    ASSERT_NO_FATAL_FAILURE(ExpectReceiptVerifies(results.back().receipt,
                                                  results.back().revision.id));
    EXPECT_EQ(results.back().receipt.leaf_index, static_cast<uint64_t>(i));
    EXPECT_EQ(results.back().receipt.checkpoint.size,
              static_cast<uint64_t>(i + 1));
  }
  // Later receipts, against the final checkpoint, verify too; and the log
  // holds the signed statements in commit order.
  auto entries = archive_->LogEntries(0, 100);
  ASSERT_TRUE(entries.ok()) << entries.status();
  ASSERT_EQ(entries->size(), results.size());
  for (size_t i = 0; i < results.size(); ++i) {
    auto receipt = archive_->ReceiptFor(results[i].revision);
    ASSERT_TRUE(receipt.ok()) << receipt.status();
    EXPECT_EQ(receipt->checkpoint.size, results.size());
    ASSERT_NO_FATAL_FAILURE(
        ExpectReceiptVerifies(*receipt, results[i].revision.id));
    EXPECT_EQ((*entries)[i], results[i].revision.signed_statement);
  }

  // The verifier is not a rubber stamp: a receipt with the wrong leaf index,
  // or one checked against another archive's key, fails.
  ReceiptChecker checker(trust_.get());
  const Receipt& r = results[5].receipt;
  ReceiptParts wrong_leaf{r.signed_statement, r.checkpoint.note, 4,
                          r.checkpoint.size, r.inclusion};
  EXPECT_FALSE(checker.Check(wrong_leaf).ok());
  auto stranger = SigningKey::Generate(kOrigin);
  ASSERT_TRUE(stranger.ok()) << stranger.status();
  WriteWholeFile(tmp_.Sub("stranger"), (*stranger)->VerifierKey() + "\n");
  auto other_trust = TrustStore::Load(tmp_.Sub("stranger"));
  ASSERT_TRUE(other_trust.ok()) << other_trust.status();
  ReceiptChecker strict(&*other_trust);
  EXPECT_FALSE(strict
                   .Check({r.signed_statement, r.checkpoint.note, r.leaf_index,
                           r.checkpoint.size, r.inclusion})
                   .ok());
}

TEST_F(ArchiveTest, SuccessiveCheckpointsAreConsistent) {
  std::vector<SignedCheckpoint> checkpoints{archive_->LatestCheckpoint()};
  for (int i = 0; i < 13; ++i) {
    ASSERT_TRUE(
        Commit(Put(absl::StrCat("doc-", i % 4), absl::StrCat("v", i))).created);
    checkpoints.push_back(archive_->LatestCheckpoint());
  }
  ReceiptChecker checker(trust_.get());
  std::vector<Checkpoint> parsed;
  for (size_t i = 0; i < checkpoints.size(); ++i) {
    EXPECT_EQ(checkpoints[i].size, i);
    auto cp = checker.CheckCheckpoint(checkpoints[i].note);
    ASSERT_TRUE(cp.ok()) << "checkpoint " << i << ": " << cp.status();
    EXPECT_EQ(cp->size, checkpoints[i].size);
    EXPECT_EQ(cp->root_hash, checkpoints[i].root);
    parsed.push_back(*cp);
  }
  for (size_t old_size = 0; old_size < checkpoints.size(); ++old_size) {
    for (size_t new_size = old_size; new_size < checkpoints.size();
         ++new_size) {
      auto proof = archive_->ConsistencyProof(old_size, new_size);
      ASSERT_TRUE(proof.ok())
          << old_size << "->" << new_size << ": " << proof.status();
      if (old_size > 0) {
        absl::Status s =
            VerifyConsistency(old_size, new_size, checkpoints[old_size].root,
                              checkpoints[new_size].root, *proof);
        EXPECT_TRUE(s.ok()) << old_size << "->" << new_size << ": " << s;
      }
      absl::Status extends =
          CheckExtends(parsed[old_size], parsed[new_size], *proof);
      EXPECT_TRUE(extends.ok())
          << old_size << "->" << new_size << ": " << extends;
    }
  }
  // Proof requests beyond the signed log, or backwards, are refused.
  uint64_t latest = LogSize();
  EXPECT_EQ(archive_->ConsistencyProof(1, latest + 1).status().code(),
            absl::StatusCode::kOutOfRange);
  EXPECT_EQ(archive_->ConsistencyProof(5, 4).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(archive_->InclusionProof(0, latest + 1).status().code(),
            absl::StatusCode::kOutOfRange);
  EXPECT_EQ(archive_->InclusionProof(latest, latest).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(ArchiveTest, InclusionProofsAtEveryPastSizeVerify) {
  std::vector<SignedCheckpoint> checkpoints{archive_->LatestCheckpoint()};
  std::vector<StoredRevision> revisions;
  for (int i = 0; i < 9; ++i) {
    CommitResult r = Commit(Put("doc", absl::StrCat("v", i)));
    ASSERT_TRUE(r.created);
    revisions.push_back(r.revision);
    checkpoints.push_back(archive_->LatestCheckpoint());
  }
  for (uint64_t size = 1; size < checkpoints.size(); ++size) {
    for (uint64_t leaf = 0; leaf < size; ++leaf) {
      auto proof = archive_->InclusionProof(leaf, size);
      ASSERT_TRUE(proof.ok()) << proof.status();
      absl::Status s = VerifyInclusion(
          leaf, size, MerkleLeafHash(revisions[leaf].statement_text), *proof,
          checkpoints[size].root);
      EXPECT_TRUE(s.ok()) << "leaf " << leaf << " size " << size << ": " << s;
    }
  }
}

// --- Concurrency
// ---------------------------------------------------------------

// 16 threads x 20 commits; half the threads use the blocking Commit, half
// queue all of theirs with CommitAsync and then wait.
constexpr int kThreads = 16;
constexpr int kCommitsPerThread = 20;

class ArchiveConcurrencyTest : public ArchiveTest,
                               public ::testing::WithParamInterface<bool> {
 protected:
  bool SameDocument() const { return GetParam(); }
  std::string DocFor(int thread) const {
    return SameDocument() ? "shared-doc" : absl::StrCat("doc-", thread);
  }
};

TEST_P(ArchiveConcurrencyTest, CommitsSucceedAreUniqueAndAreBatched) {
  std::vector<absl::StatusOr<CommitResult>> results(kThreads *
                                                    kCommitsPerThread);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([this, t, &results] {
      bool async = t % 2 == 1;
      absl::BlockingCounter pending(async ? kCommitsPerThread : 0);
      for (int i = 0; i < kCommitsPerThread; ++i) {
        NewRevision put =
            Put(DocFor(t), absl::StrCat("thread ", t, " commit ", i));
        absl::StatusOr<CommitResult>* slot =
            &results[t * kCommitsPerThread + i];
        if (async) {
          archive_->CommitAsync(
              std::move(put), [slot, &pending](absl::StatusOr<CommitResult> r) {
                *slot = std::move(r);
                pending.DecrementCount();
              });
        } else {
          *slot = archive_->Commit(std::move(put));
        }
      }
      pending.Wait();
    });
  }
  for (std::thread& thread : threads) thread.join();

  size_t created = 0;
  std::set<uint64_t> leaves;
  std::set<std::string> ids;
  for (size_t i = 0; i < results.size(); ++i) {
    ASSERT_TRUE(results[i].ok())
        << "commit " << i << ": " << results[i].status();
    const CommitResult& r = *results[i];
    ASSERT_TRUE(r.created) << "commit " << i << " has distinct content";
    ++created;
    EXPECT_TRUE(leaves.insert(r.revision.leaf_index).second)
        << "leaf index " << r.revision.leaf_index << " was handed out twice";
    EXPECT_TRUE(ids.insert(r.revision.id).second);
    ASSERT_NO_FATAL_FAILURE(ExpectReceiptVerifies(r.receipt, r.revision.id));
  }
  EXPECT_EQ(created, results.size());
  EXPECT_EQ(LogSize(), created);
  ASSERT_FALSE(leaves.empty());
  EXPECT_EQ(*leaves.begin(), 0u);
  EXPECT_EQ(*leaves.rbegin(), created - 1) << "leaf indexes have gaps";

  // Each document's history is a single line: every revision's parent is the
  // one before it, and a thread's own commits appear in the order it made
  // them (both Commit and CommitAsync are FIFO).
  std::map<std::string, std::vector<std::string>> by_doc;
  for (int t = 0; t < kThreads; ++t) by_doc[DocFor(t)];
  for (auto& [doc, _] : by_doc) {
    auto history = archive_->History(doc, UINT64_MAX, 10000);
    ASSERT_TRUE(history.ok()) << history.status();
    size_t expected = SameDocument() ? results.size() : kCommitsPerThread;
    ASSERT_EQ(history->size(), expected) << doc;
    for (size_t i = 0; i < history->size(); ++i) {
      const StoredRevision& r = (*history)[i];
      if (i + 1 < history->size()) {
        EXPECT_EQ(r.statement.parents,
                  std::vector<std::string>{(*history)[i + 1].id})
            << doc << " revision " << i;
      } else {
        EXPECT_TRUE(r.statement.parents.empty());
      }
    }
    DocumentInfo info = Document(doc);
    EXPECT_EQ(info.revision_count, expected);
    EXPECT_EQ(info.heads, std::vector<std::string>{history->front().id});
  }
  for (int t = 0; t < kThreads; ++t) {
    for (int i = 1; i < kCommitsPerThread; ++i) {
      EXPECT_LT(results[t * kCommitsPerThread + i - 1]->revision.leaf_index,
                results[t * kCommitsPerThread + i]->revision.leaf_index)
          << "thread " << t << " commit " << i;
    }
  }

  // Batching: fewer checkpoints were signed than commits were made. Count them
  // in the metadata store itself once the archive has let go of it.
  std::string final_note = archive_->LatestCheckpoint().note;
  archive_.reset();
  std::vector<std::string> notes;
  std::map<std::string, size_t> keys =
      CountKeys(DataDir() + "/meta", {"c/", "l/", "r/"}, &notes);
  EXPECT_EQ(keys["l/"], created);
  EXPECT_EQ(keys["r/"], created);
  EXPECT_GE(keys["c/"], 2u);
  EXPECT_LT(keys["c/"], created)
      << "every commit got its own checkpoint: no batching happened";
  RecordProperty("checkpoints_written", static_cast<int>(keys["c/"]));
  ASSERT_FALSE(notes.empty());
  EXPECT_EQ(notes.back(), final_note);
  ReceiptChecker checker(trust_.get());
  std::vector<Checkpoint> parsed;
  for (const std::string& note : notes) {
    auto cp = checker.CheckCheckpoint(note);
    ASSERT_TRUE(cp.ok()) << cp.status();
    if (!parsed.empty()) {
      EXPECT_GT(cp->size, parsed.back().size);
    }
    parsed.push_back(*cp);
  }

  // And every stored checkpoint is consistent with the final one.
  ASSERT_NO_FATAL_FAILURE(Open());
  for (const Checkpoint& cp : parsed) {
    auto proof = archive_->ConsistencyProof(cp.size, parsed.back().size);
    ASSERT_TRUE(proof.ok()) << proof.status();
    EXPECT_TRUE(CheckExtends(cp, parsed.back(), *proof).ok()) << cp.size;
  }
}

INSTANTIATE_TEST_SUITE_P(Documents, ArchiveConcurrencyTest, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& info) {
                           return info.param ? "Same" : "Distinct";
                         });

TEST_F(ArchiveTest, ConcurrentIdenticalPutsCreateOneRevision) {
  // Sixteen clients retrying the same put at once: exactly one revision.
  std::vector<absl::StatusOr<CommitResult>> results(kThreads);
  std::vector<NewRevision> puts;
  for (int t = 0; t < kThreads; ++t) {
    puts.push_back(Put("doc", "the same text"));
    puts.back().statement.submitted_by = absl::StrCat("local:client", t);
  }
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back(
        [&, t] { results[t] = archive_->Commit(std::move(puts[t])); });
  }
  for (std::thread& thread : threads) thread.join();
  std::set<std::string> ids;
  int created = 0;
  for (const auto& r : results) {
    ASSERT_TRUE(r.ok()) << r.status();
    ids.insert(r->revision.id);
    created += r->created;
  }
  EXPECT_EQ(ids.size(), 1u);
  EXPECT_EQ(created, 1);
  EXPECT_EQ(LogSize(), 1u);
}

TEST_F(ArchiveTest, DestructionFinishesQueuedCommits) {
  constexpr int kQueued = 50;
  absl::Mutex mu;
  int ok = 0;
  int done = 0;
  for (int i = 0; i < kQueued; ++i) {
    archive_->CommitAsync(Put("doc", absl::StrCat("queued ", i)),
                          [&](absl::StatusOr<CommitResult> r) {
                            absl::MutexLock lock(&mu);
                            ++done;
                            ok += r.ok();
                          });
  }
  archive_.reset();
  EXPECT_EQ(done, kQueued) << "queued commits were dropped at shutdown";
  EXPECT_EQ(ok, kQueued);
  ASSERT_NO_FATAL_FAILURE(Open());
  EXPECT_EQ(LogSize(), static_cast<uint64_t>(kQueued));
  EXPECT_EQ(HistoryIds("doc").size(), static_cast<size_t>(kQueued));
}

// --- Persistence
// ---------------------------------------------------------------

TEST_F(ArchiveTest, EverythingPersistsAcrossReopening) {
  std::vector<CommitResult> results;
  for (int i = 0; i < 5; ++i) {
    results.push_back(
        Commit(Put(i % 2 ? "odd" : "even", absl::StrCat("content ", i),
                   i == 4 ? "draft" : "in_force")));
    ASSERT_TRUE(results.back().created);
  }
  SignedCheckpoint before = archive_->LatestCheckpoint();
  std::string verifier_key = archive_->key().VerifierKey();
  std::vector<std::string> even_history = HistoryIds("even");
  std::vector<std::string> odd_history = HistoryIds("odd");

  ASSERT_NO_FATAL_FAILURE(Reopen());
  SignedCheckpoint after = archive_->LatestCheckpoint();
  EXPECT_EQ(after.size, before.size);
  EXPECT_EQ(after.root, before.root);
  EXPECT_EQ(after.note, before.note) << "re-opening must not re-sign";
  EXPECT_EQ(archive_->key().VerifierKey(), verifier_key);
  EXPECT_EQ(archive_->origin(), kOrigin);
  EXPECT_EQ(HistoryIds("even"), even_history);
  EXPECT_EQ(HistoryIds("odd"), odd_history);
  for (const CommitResult& r : results) {
    auto stored = archive_->GetRevision(r.revision.id);
    ASSERT_TRUE(stored.ok()) << stored.status();
    EXPECT_EQ(stored->signed_statement, r.revision.signed_statement);
    EXPECT_EQ(stored->leaf_index, r.revision.leaf_index);
    EXPECT_EQ(stored->authoritative, r.revision.authoritative);
    auto blob = archive_->blobs().ReadVerified(
        r.revision.statement.content_sha256, r.revision.statement.content_size);
    EXPECT_TRUE(blob.ok()) << blob.status();
    auto receipt = archive_->ReceiptFor(*stored);
    ASSERT_TRUE(receipt.ok()) << receipt.status();
    ASSERT_NO_FATAL_FAILURE(ExpectReceiptVerifies(*receipt, r.revision.id));
  }
  auto authoritative = archive_->Authoritative("even", false);
  ASSERT_TRUE(authoritative.ok()) << authoritative.status();
  EXPECT_EQ(authoritative->id, results[2].revision.id);

  // The log continues where it stopped, consistent with the old checkpoint.
  CommitResult next = Commit(Put("even", "after reopening"));
  ASSERT_TRUE(next.created);
  EXPECT_EQ(next.revision.leaf_index, before.size);
  EXPECT_EQ(next.revision.statement.parents,
            std::vector<std::string>{results[4].revision.id});
  auto proof = archive_->ConsistencyProof(before.size, LogSize());
  ASSERT_TRUE(proof.ok()) << proof.status();
  EXPECT_TRUE(VerifyConsistency(before.size, LogSize(), before.root,
                                archive_->LatestCheckpoint().root, *proof)
                  .ok());
  // A retry of a put made before re-opening is still recognized.
  CommitResult retry = Commit(Put("even", "after reopening"));
  EXPECT_FALSE(retry.created);
}

TEST_F(ArchiveTest, ReopeningAnEmptyArchiveKeepsItsCheckpoint) {
  SignedCheckpoint before = archive_->LatestCheckpoint();
  ASSERT_NO_FATAL_FAILURE(Reopen());
  EXPECT_EQ(archive_->LatestCheckpoint().note, before.note);
  archive_.reset();
  EXPECT_EQ(CountKeys(DataDir() + "/meta", {"c/"})["c/"], 1u);
}

// --- Origin and identity
// -------------------------------------------------------

TEST_F(ArchiveTest, OpenWithAnotherOriginFailsNamingBoth) {
  archive_.reset();
  auto other = Archive::Open(Options("other.archive.example"));
  EXPECT_EQ(other.status().code(), absl::StatusCode::kFailedPrecondition)
      << other.status();
  EXPECT_NE(other.status().message().find(kOrigin), absl::string_view::npos)
      << other.status();
  EXPECT_NE(other.status().message().find("other.archive.example"),
            absl::string_view::npos)
      << other.status();
  // The refused start changed nothing.
  ASSERT_NO_FATAL_FAILURE(Open());
  EXPECT_EQ(archive_->origin(), kOrigin);
}

TEST_F(ArchiveTest, LostKeysWithExistingDataAreRefused) {
  // A new identity would orphan every statement and checkpoint signed so far,
  // whichever origin the new start names.
  archive_.reset();
  std::filesystem::remove_all(DataDir() + "/keys");
  for (const char* origin : {kOrigin, "other.archive.example"}) {
    auto reopened = Archive::Open(Options(origin));
    EXPECT_EQ(reopened.status().code(), absl::StatusCode::kFailedPrecondition)
        << reopened.status();
    EXPECT_NE(reopened.status().message().find("signing.pem is missing"),
              absl::string_view::npos)
        << reopened.status();
    EXPECT_FALSE(std::filesystem::exists(DataDir() + "/keys/signing.pem"));
  }
}

TEST_F(ArchiveTest, IdentityFilesFollowTheContract) {
  std::string keys = DataDir() + "/keys";
  EXPECT_EQ(FileMode(keys + "/signing.pem"), 0600);
  EXPECT_EQ(ReadWholeFile(keys + "/public.pem"), archive_->key().PublicPem());
  EXPECT_EQ(ReadWholeFile(keys + "/verifier.key"),
            archive_->key().VerifierKey() + "\n");
  EXPECT_TRUE(absl::StartsWith(archive_->key().VerifierKey(),
                               absl::StrCat(kOrigin, "+")));
  auto loaded =
      SigningKey::FromPkcs8Pem(kOrigin, ReadWholeFile(keys + "/signing.pem"));
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ((*loaded)->VerifierKey(), archive_->key().VerifierKey());
  EXPECT_EQ(archive_->key().name(), kOrigin);
}

TEST_F(ArchiveTest, LoosePrivateKeyPermissionsAreRefused) {
  archive_.reset();
  std::string signing = DataDir() + "/keys/signing.pem";
  for (mode_t mode : {0644, 0640, 0604}) {
    ASSERT_EQ(::chmod(signing.c_str(), mode), 0);
    auto opened = Archive::Open(Options());
    EXPECT_EQ(opened.status().code(), absl::StatusCode::kFailedPrecondition)
        << std::oct << mode << ": " << opened.status();
    EXPECT_NE(opened.status().message().find(signing), absl::string_view::npos)
        << "the error should name the file: " << opened.status();
    EXPECT_NE(opened.status().message().find("chmod 600"),
              absl::string_view::npos)
        << "the error should say how to fix it: " << opened.status();
  }
  // Owner-only modes are fine.
  ASSERT_EQ(::chmod(signing.c_str(), 0400), 0);
  ASSERT_NO_FATAL_FAILURE(Open());
}

TEST_F(ArchiveTest, CorruptPrivateKeyIsRefused) {
  archive_.reset();
  std::string signing = DataDir() + "/keys/signing.pem";
  for (const std::string& junk :
       {std::string("-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n"
                    "-----END PRIVATE KEY-----\n"),
        std::string("garbage"), std::string()}) {
    WriteWholeFile(signing, junk);  // keeps mode 0600
    ASSERT_EQ(FileMode(signing), 0600);
    auto opened = Archive::Open(Options());
    EXPECT_EQ(opened.status().code(), absl::StatusCode::kFailedPrecondition)
        << opened.status();
    EXPECT_NE(opened.status().message().find(signing), absl::string_view::npos)
        << opened.status();
  }
}

TEST_F(ArchiveTest, MismatchedVerifierKeyIsRefused) {
  archive_.reset();
  auto other = SigningKey::Generate(kOrigin);
  ASSERT_TRUE(other.ok()) << other.status();
  std::string verifier = DataDir() + "/keys/verifier.key";
  WriteWholeFile(verifier, (*other)->VerifierKey() + "\n");
  auto opened = Archive::Open(Options());
  EXPECT_EQ(opened.status().code(), absl::StatusCode::kFailedPrecondition)
      << opened.status();
  EXPECT_NE(opened.status().message().find("verifier.key"),
            absl::string_view::npos)
      << opened.status();
  EXPECT_NE(opened.status().message().find("does not match"),
            absl::string_view::npos)
      << opened.status();
}

TEST_F(ArchiveTest, MissingVerifierKeyIsRefused) {
  archive_.reset();
  std::filesystem::remove(DataDir() + "/keys/verifier.key");
  auto opened = Archive::Open(Options());
  EXPECT_EQ(opened.status().code(), absl::StatusCode::kFailedPrecondition)
      << opened.status();
  EXPECT_NE(opened.status().message().find("verifier.key"),
            absl::string_view::npos)
      << opened.status();
}

TEST(ArchiveOpenTest, InvalidOriginIsInvalidArgument) {
  ScopedTempDir tmp;
  for (const std::string& origin :
       {std::string("has space"), std::string("name+suffix"), std::string(),
        std::string("tab\there"), std::string("new\nline"),
        std::string(257, 'o')}) {
    ArchiveOptions options;
    options.data_dir = tmp.Sub("data");
    options.origin = origin;
    auto opened = Archive::Open(options);
    EXPECT_EQ(opened.status().code(), absl::StatusCode::kInvalidArgument)
        << "origin \"" << origin << "\": " << opened.status();
    EXPECT_FALSE(std::filesystem::exists(tmp.Sub("data")))
        << "a refused origin must not create anything";
  }
  ArchiveOptions options;
  options.data_dir = tmp.Sub("data");
  options.origin = std::string(256, 'o');
  EXPECT_TRUE(Archive::Open(options).ok());
}

TEST(ArchiveOpenTest, SecondOpenOfTheSameDirectoryFails) {
  ScopedTempDir tmp;
  ArchiveOptions options;
  options.data_dir = tmp.Sub("data");
  options.origin = kOrigin;
  auto first = Archive::Open(options);
  ASSERT_TRUE(first.ok()) << first.status();
  auto second = Archive::Open(options);
  EXPECT_EQ(second.status().code(), absl::StatusCode::kFailedPrecondition)
      << second.status();
  EXPECT_NE(second.status().message().find("meta"), absl::string_view::npos)
      << second.status();
}

// A second archived started by mistake on a directory in use must be refused
// without disturbing the running one: an upload in flight there (a temp file
// in blobs/tmp/) still commits.
TEST(ArchiveOpenTest, RefusedSecondOpenLeavesUploadsInFlightAlone) {
  ScopedTempDir tmp;
  ArchiveOptions options;
  options.data_dir = tmp.Sub("data");
  options.origin = kOrigin;
  auto first = Archive::Open(options);
  ASSERT_TRUE(first.ok()) << first.status();
  auto writer = (*first)->blobs().NewWriter();
  ASSERT_TRUE(writer.ok()) << writer.status();
  ASSERT_TRUE((*writer)->Append("half of an upload, ").ok());

  auto second = Archive::Open(options);
  EXPECT_EQ(second.status().code(), absl::StatusCode::kFailedPrecondition)
      << second.status();

  ASSERT_TRUE((*writer)->Append("and the rest").ok());
  std::string content = "half of an upload, and the rest";
  auto digest = (*writer)->Commit(Sha256::HexDigest(content), content.size());
  ASSERT_TRUE(digest.ok()) << "the refused second Open destroyed an upload of "
                              "the running archive: "
                           << digest.status();
  auto read = (*first)->blobs().ReadVerified(*digest, content.size());
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(*read, content);
}

}  // namespace
}  // namespace archive
