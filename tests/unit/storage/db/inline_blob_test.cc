// Small blobs kept inside the metadata store (inline_blobs.h): a sealed content
// is written in the same batch as its revision and nowhere else, is read back
// and re-hashed like a file, a damaged copy is refused and reported by a scrub
// and can be repaired, a failed batch fsync never leaves a revision without its
// content, and pulled entries imported as one batch stop at the first failure.
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "leveldb/db.h"
#include "leveldb/env.h"
#include "storage/base/sha256.h"
#include "storage/db/archive.h"
#include "storage/db/blob_store.h"
#include "storage/db/inline_blobs.h"
#include "storage/db/journal.h"
#include "tests/unit/storage/db/sealed_put.h"
#include "tests/unit/storage/db/storage_test_util.h"
#include "tests/unit/storage/db/stored_blob_damage.h"

namespace archive {
namespace {

using testing_util::CountEntries;
using testing_util::FixedClockEnv;
using testing_util::ScopedTempDir;

constexpr char kInlineBlobOrigin[] = "inline.archive.example";
constexpr int64_t kInlineBlobNow = 1796000000;
constexpr uint64_t kInlineBlobMax = 64 << 10;

std::string Content(size_t size, char seed) {
  std::string s(size, seed);
  for (size_t i = 0; i < size; i += 97) s[i] = static_cast<char>(i * 31 + seed);
  return s;
}

// Files under the store's shard directories (not tmp/).
size_t StoredBlobFiles(const std::string& blobs_dir) {
  size_t n = 0;
  for (const auto& shard : std::filesystem::directory_iterator(blobs_dir)) {
    if (shard.path().filename() != "tmp") n += CountEntries(shard.path());
  }
  return n;
}

absl::StatusOr<std::string> ReadAll(BlobStore& store, const std::string& hex,
                                    uint64_t size) {
  return store.ReadVerified(hex, size);
}

// Streams with a small scratch; the status the stream ended with.
absl::Status Stream(BlobStore& store, const std::string& hex, uint64_t size) {
  auto reader = store.NewReader(hex, size);
  if (!reader.ok()) return reader.status();
  std::string scratch(1000, '\0');
  while (true) {
    auto chunk = (*reader)->Read(scratch.size(), scratch.data());
    if (!chunk.ok()) return chunk.status();
    if (chunk->empty()) return absl::OkStatus();
  }
}

// --- BlobStore with an inline table
// -------------------------------------------

class InlineBlobStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_NO_FATAL_FAILURE(Open()); }

  void Open() {
    leveldb::Options options;
    options.create_if_missing = true;
    leveldb::DB* db = nullptr;
    leveldb::Status s = leveldb::DB::Open(options, tmp_.Sub("meta"), &db);
    ASSERT_TRUE(s.ok()) << s.ToString();
    db_.reset(db);
    table_ = std::make_unique<InlineBlobs>(db_.get(), kInlineBlobMax);
    auto store = BlobStore::Open(Env::Default(), Dir(), table_.get());
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
  }

  void Reopen() {
    store_.reset();
    table_.reset();
    db_.reset();
    ASSERT_NO_FATAL_FAILURE(Open());
  }

  std::string Dir() const { return tmp_.Sub("blobs"); }

  std::unique_ptr<BlobStore::Writer> Write(const std::string& content) {
    auto writer = store_->NewWriter(content.size());
    EXPECT_TRUE(writer.ok()) << writer.status();
    if (!writer.ok()) return nullptr;
    EXPECT_TRUE((*writer)->Append(content).ok());
    return std::move(*writer);
  }

  // Stages a sealed blob the way the archive does, in one synced batch.
  void WriteBatch(const VerifiedBlob& blob) {
    leveldb::WriteBatch batch;
    InlineBlobs::Stage(blob.sha256_hex(), blob.bytes(), &batch);
    leveldb::WriteOptions sync;
    sync.sync = true;
    ASSERT_TRUE(db_->Write(sync, &batch).ok());
  }

  void Damage(const std::string& hex, const std::string& bytes) {
    ASSERT_TRUE(
        db_->Put(leveldb::WriteOptions(), absl::StrCat("b/", hex), bytes).ok());
  }

  ScopedTempDir tmp_;
  std::unique_ptr<leveldb::DB> db_;
  std::unique_ptr<InlineBlobs> table_;
  std::unique_ptr<BlobStore> store_;
};

TEST_F(InlineBlobStoreTest, SealedSmallBlobIsStoredOnlyWithTheBatch) {
  std::string content = Content(5000, 'a');
  std::string hex = Sha256::HexDigest(content);
  auto writer = Write(content);
  ASSERT_NE(writer, nullptr);
  EXPECT_TRUE(writer->is_inline());
  EXPECT_EQ(CountEntries(Dir() + "/tmp"), 0u) << "an inline blob needs no file";

  auto sealed = writer->Seal(hex, content.size());
  ASSERT_TRUE(sealed.ok()) << sealed.status();
  ASSERT_NE(*sealed, nullptr);
  EXPECT_EQ((*sealed)->sha256_hex(), hex);
  EXPECT_EQ((*sealed)->bytes(), content);
  EXPECT_FALSE(store_->Contains(hex)) << "sealed is not stored";

  ASSERT_NO_FATAL_FAILURE(WriteBatch(**sealed));
  EXPECT_TRUE(store_->Contains(hex));
  EXPECT_EQ(*store_->StoredSize(hex), content.size());
  EXPECT_EQ(*ReadAll(*store_, hex, content.size()), content);
  EXPECT_TRUE(Stream(*store_, hex, content.size()).ok());
  EXPECT_EQ(StoredBlobFiles(Dir()), 0u);

  ASSERT_NO_FATAL_FAILURE(Reopen());
  EXPECT_EQ(*ReadAll(*store_, hex, content.size()), content);
}

TEST_F(InlineBlobStoreTest, EmptyContentIsInline) {
  auto writer = Write("");
  ASSERT_NE(writer, nullptr);
  auto sealed = writer->Seal(Sha256::HexDigest(""), 0);
  ASSERT_TRUE(sealed.ok()) << sealed.status();
  ASSERT_NE(*sealed, nullptr);
  ASSERT_NO_FATAL_FAILURE(WriteBatch(**sealed));
  EXPECT_EQ(*ReadAll(*store_, Sha256::HexDigest(""), 0), "");
}

TEST_F(InlineBlobStoreTest, LargerContentIsAFileCommittedBySeal) {
  std::string content = Content(kInlineBlobMax + 1, 'b');
  std::string hex = Sha256::HexDigest(content);
  auto writer = Write(content);
  ASSERT_NE(writer, nullptr);
  EXPECT_FALSE(writer->is_inline());
  auto sealed = writer->Seal(hex, content.size());
  ASSERT_TRUE(sealed.ok()) << sealed.status();
  EXPECT_EQ(*sealed, nullptr) << "a file is committed, nothing left to stage";
  EXPECT_EQ(StoredBlobFiles(Dir()), 1u);
  EXPECT_EQ(*ReadAll(*store_, hex, content.size()), content);
}

TEST_F(InlineBlobStoreTest, CommitStoresAnInlineBlobOnItsOwn) {
  std::string content = Content(3000, 'c');
  std::string hex = Sha256::HexDigest(content);
  auto writer = Write(content);
  ASSERT_NE(writer, nullptr);
  auto digest = writer->Commit(hex, content.size());
  ASSERT_TRUE(digest.ok()) << digest.status();
  EXPECT_EQ(StoredBlobFiles(Dir()), 0u);
  ASSERT_NO_FATAL_FAILURE(Reopen());
  EXPECT_EQ(*ReadAll(*store_, hex, content.size()), content);
}

TEST_F(InlineBlobStoreTest, BytesBeyondThePromiseAreRefused) {
  auto writer = store_->NewWriter(10);
  ASSERT_TRUE(writer.ok()) << writer.status();
  ASSERT_TRUE((*writer)->Append("0123456789").ok());
  absl::Status s = (*writer)->Append("x");
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
  EXPECT_TRUE(absl::StrContains(s.message(), "10 bytes")) << s;
}

TEST_F(InlineBlobStoreTest, MismatchedContentIsRefusedAndNothingStored) {
  std::string content = "what was sent";
  auto short_writer = Write(content);
  auto size = short_writer->Seal(Sha256::HexDigest(content), 99);
  EXPECT_EQ(size.status().code(), absl::StatusCode::kInvalidArgument);
  auto wrong_writer = Write(content);
  std::string promised = Sha256::HexDigest("something else");
  auto digest = wrong_writer->Seal(promised, content.size());
  EXPECT_EQ(digest.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_FALSE(store_->Contains(promised));
  EXPECT_FALSE(store_->Contains(Sha256::HexDigest(content)));
}

TEST_F(InlineBlobStoreTest, DamagedInlineCopyIsDataLossAndCanBeRepaired) {
  std::string content = Content(4000, 'd');
  std::string hex = Sha256::HexDigest(content);
  auto sealed = Write(content)->Seal(hex, content.size());
  ASSERT_TRUE(sealed.ok());
  ASSERT_NO_FATAL_FAILURE(WriteBatch(**sealed));

  std::string flipped = content;
  flipped[100] ^= 1;
  for (const std::string& damaged :
       {flipped, content.substr(1), content + "x", std::string()}) {
    ASSERT_NO_FATAL_FAILURE(Damage(hex, damaged));
    auto read = ReadAll(*store_, hex, content.size());
    EXPECT_EQ(read.status().code(), absl::StatusCode::kDataLoss)
        << read.status();
    EXPECT_TRUE(absl::StrContains(read.status().message(), hex));
    EXPECT_EQ(Stream(*store_, hex, content.size()).code(),
              absl::StatusCode::kDataLoss);
  }
  // A repair writes verified bytes where reads look for them.
  auto repaired = Write(content)->Commit(hex, content.size());
  ASSERT_TRUE(repaired.ok()) << repaired.status();
  EXPECT_EQ(*ReadAll(*store_, hex, content.size()), content);
}

TEST_F(InlineBlobStoreTest, SmallBlobsStoredAsFilesAreStillRead) {
  // Blobs written before inline storage existed, or through NewWriter().
  std::string content = Content(2000, 'e');
  std::string hex = Sha256::HexDigest(content);
  auto writer = store_->NewWriter();
  ASSERT_TRUE(writer.ok());
  ASSERT_TRUE((*writer)->Append(content).ok());
  ASSERT_TRUE((*writer)->Commit(hex, content.size()).ok());
  EXPECT_TRUE(store_->Contains(hex));
  EXPECT_EQ(*store_->StoredSize(hex), content.size());
  EXPECT_EQ(*ReadAll(*store_, hex, content.size()), content);
}

// --- The archive
// --------------------------------------------------------------

// Fails the fsync of the metadata store's journal (the one sync of a batch,
// recoverable_db.h) while `fail_sync` is set.
class FailingSyncEnv : public EnvWrapper {
 public:
  explicit FailingSyncEnv(Env* target) : EnvWrapper(target) {}
  std::atomic<bool> fail_sync{false};
  std::atomic<int> failed{0};

  absl::StatusOr<std::unique_ptr<WritableFile>> NewWritableFile(
      const std::string& path, int mode) override {
    auto file = EnvWrapper::NewWritableFile(path, mode);
    if (!file.ok() || !absl::EndsWith(path, ".jnl")) return file;
    return std::unique_ptr<WritableFile>(new File(this, std::move(*file)));
  }

 private:
  class File : public WritableFile {
   public:
    File(FailingSyncEnv* env, std::unique_ptr<WritableFile> base)
        : env_(env), base_(std::move(base)) {}
    absl::Status Append(absl::string_view data) override {
      return base_->Append(data);
    }
    absl::Status WriteZerosAhead(uint64_t bytes) override {
      return base_->WriteZerosAhead(bytes);
    }
    absl::Status Close() override { return base_->Close(); }
    absl::Status Sync() override {
      if (env_->fail_sync) {
        env_->failed++;
        return absl::InternalError("injected fsync failure");
      }
      return base_->Sync();
    }

   private:
    FailingSyncEnv* env_;
    std::unique_ptr<WritableFile> base_;
  };
};

class InlineArchiveTest : public ::testing::Test {
 protected:
  InlineArchiveTest() : env_(kInlineBlobNow) {}
  void SetUp() override { ASSERT_NO_FATAL_FAILURE(Open()); }

  void Open(Env* env = nullptr) {
    ArchiveOptions options;
    options.data_dir = tmp_.Sub("data");
    options.origin = kInlineBlobOrigin;
    options.env = env != nullptr ? env : &env_;
    options.inline_blob_max_bytes = kInlineBlobMax;
    auto archive = Archive::Open(options);
    ASSERT_TRUE(archive.ok()) << archive.status();
    archive_ = std::move(*archive);
  }

  void Reopen(Env* env = nullptr) {
    archive_.reset();
    ASSERT_NO_FATAL_FAILURE(Open(env));
  }

  std::string BlobsDir() const { return tmp_.Sub("data/blobs"); }

  // What a repair from a peer does (SyncManager::RepairBlob), then a scrub
  // that finds nothing damaged and a read of the content.
  void RepairFromPeer(const std::string& hex, const std::string& content) {
    auto writer = archive_->blobs().NewWriter(content.size());
    ASSERT_TRUE(writer.ok());
    ASSERT_TRUE((*writer)->Append(content).ok());
    ASSERT_TRUE((*writer)->Commit(hex, content.size()).ok());
    auto scrub = archive_->Scrub();
    ASSERT_TRUE(scrub.ok()) << scrub.status();
    EXPECT_TRUE(scrub->damaged.empty());
    EXPECT_EQ(*archive_->blobs().ReadVerified(hex, content.size()), content);
  }

  // A put whose content is sealed, not stored.
  NewRevision SealedPut(const std::string& document,
                        const std::string& content) {
    NewRevision put;
    auto writer = archive_->blobs().NewWriter(content.size());
    EXPECT_TRUE(writer.ok()) << writer.status();
    if (!writer.ok()) return put;
    EXPECT_TRUE((*writer)->is_inline());
    EXPECT_TRUE((*writer)->Append(content).ok());
    Statement& s = put.statement;
    s.document = document;
    s.content_sha256 = Sha256::HexDigest(content);
    s.content_size = content.size();
    s.media_type = "application/octet-stream";
    s.status = "in_force";
    s.submitted_by = "local";
    auto sealed = (*writer)->Seal(s.content_sha256, s.content_size);
    EXPECT_TRUE(sealed.ok()) << sealed.status();
    if (sealed.ok()) put.content = *sealed;
    return put;
  }

  ScopedTempDir tmp_;
  FixedClockEnv env_;
  std::unique_ptr<Archive> archive_;
};

TEST_F(InlineArchiveTest, SealedContentIsWrittenWithItsRevision) {
  std::string content = Content(10000, 'f');
  NewRevision put = SealedPut("doc-1", content);
  auto result = archive_->Commit(put);
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_TRUE(result->created);
  EXPECT_EQ(StoredBlobFiles(BlobsDir()), 0u) << "no blob file for a small put";
  ASSERT_NO_FATAL_FAILURE(Reopen());
  auto read = archive_->blobs().ReadVerified(put.statement.content_sha256,
                                             content.size());
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(*read, content);
  EXPECT_EQ(*archive_->BlobSize(put.statement.content_sha256), content.size());
  auto scrub = archive_->Scrub();
  ASSERT_TRUE(scrub.ok()) << scrub.status();
  EXPECT_EQ(scrub->blobs_checked, 1u);
  EXPECT_TRUE(scrub->damaged.empty());
}

TEST_F(InlineArchiveTest, SealedContentOfAnotherDigestIsRefused) {
  NewRevision put = SealedPut("doc-1", "the real content");
  NewRevision other = SealedPut("doc-1", "other content");
  put.content = other.content;
  auto result = archive_->Commit(put);
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument)
      << result.status();
  EXPECT_EQ(archive_->LatestCheckpoint().size, 0u);
  EXPECT_FALSE(archive_->blobs().Contains(put.statement.content_sha256));
}

TEST_F(InlineArchiveTest, ScrubReportsADamagedInlineBlobAndARepairFixesIt) {
  std::string content = Content(20000, 'g');
  NewRevision put = SealedPut("doc-damaged", content);
  ASSERT_TRUE(archive_->Commit(put).ok());
  ASSERT_TRUE(archive_->Commit(SealedPut("doc-fine", "fine")).ok());
  const std::string hex = put.statement.content_sha256;
  archive_.reset();
  // Bit rot in the stored value, written behind the archive's back.
  ASSERT_NO_FATAL_FAILURE(testing_util::DamageStoredBlob(
      tmp_.Sub("data"), hex, [](std::string& bytes) { bytes[5] ^= 0x20; }));
  ASSERT_NO_FATAL_FAILURE(Open());
  auto scrub = archive_->Scrub();
  ASSERT_TRUE(scrub.ok()) << scrub.status();
  EXPECT_EQ(scrub->blobs_checked, 2u);
  ASSERT_EQ(scrub->damaged.size(), 1u);
  EXPECT_EQ(scrub->damaged[0].sha256, hex);
  EXPECT_EQ(scrub->damaged[0].documents,
            std::vector<std::string>{"doc-damaged"});
  EXPECT_EQ(archive_->blobs().ReadVerified(hex, content.size()).status().code(),
            absl::StatusCode::kDataLoss);

  ASSERT_NO_FATAL_FAILURE(RepairFromPeer(hex, content));
}

TEST_F(InlineArchiveTest, ALostJournalSegmentIsReportedAndARepairFixesIt) {
  // Small contents live in the journal (storage/db/journal.h): a segment
  // file lost behind the archive's back loses the contents it held, which
  // reads and scrub report and a repair from a peer writes again.
  std::string content = Content(20000, 'j');
  NewRevision put = SealedPut("doc-lost", content);
  ASSERT_TRUE(archive_->Commit(put).ok());
  const std::string hex = put.statement.content_sha256;
  ASSERT_NO_FATAL_FAILURE(Reopen());  // a clean close starts a new segment
  ASSERT_TRUE(archive_->Commit(SealedPut("doc-kept", "kept")).ok());
  archive_.reset();
  const std::string first = Journal::SegmentPathIn(tmp_.Sub("data/journal"), 1);
  ASSERT_TRUE(std::filesystem::remove(first)) << first;
  ASSERT_NO_FATAL_FAILURE(Open());
  EXPECT_EQ(archive_->blobs().ReadVerified(hex, content.size()).status().code(),
            absl::StatusCode::kDataLoss);
  auto scrub = archive_->Scrub();
  ASSERT_TRUE(scrub.ok()) << scrub.status();
  ASSERT_EQ(scrub->damaged.size(), 1u);
  EXPECT_EQ(scrub->damaged[0].sha256, hex);

  ASSERT_NO_FATAL_FAILURE(RepairFromPeer(hex, content));
  ASSERT_TRUE(archive_->Commit(SealedPut("doc-after", "after")).ok());
}

TEST_F(InlineArchiveTest, FailedBatchFsyncNeverLeavesARevisionWithoutContent) {
  FailingSyncEnv faulty(&env_);
  ASSERT_NO_FATAL_FAILURE(Reopen(&faulty));
  ASSERT_TRUE(archive_->Commit(SealedPut("doc-before", "before")).ok());
  faulty.fail_sync = true;
  std::string content = Content(30000, 'h');
  NewRevision put = SealedPut("doc-during", content);
  auto result = archive_->Commit(put);
  EXPECT_FALSE(result.ok()) << "a put whose batch was not fsynced succeeded";
  EXPECT_GE(faulty.failed.load(), 1);
  EXPECT_EQ(archive_->LatestCheckpoint().size, 1u)
      << "no checkpoint may cover a batch that is not durable";

  // Whatever survives, a revision and its content come back together.
  faulty.fail_sync = false;
  ASSERT_NO_FATAL_FAILURE(Reopen());
  auto doc = archive_->GetDocument("doc-during");
  bool has_revision = doc.ok();
  bool has_content = archive_->blobs().Contains(put.statement.content_sha256);
  EXPECT_EQ(has_revision, has_content);
  auto scrub = archive_->Scrub();
  ASSERT_TRUE(scrub.ok()) << scrub.status();
  EXPECT_TRUE(scrub->damaged.empty());
  EXPECT_TRUE(scrub->log_problems.empty());
  // And the archive takes puts again.
  auto after = archive_->Commit(SealedPut("doc-after", "after"));
  ASSERT_TRUE(after.ok()) << after.status();
}

// Signed statements of revisions made in a second archive, for importing.
std::vector<std::string> MakeStatements(const std::string& dir,
                                        FixedClockEnv* env,
                                        const std::vector<std::string>& docs,
                                        const std::string& content) {
  ArchiveOptions options;
  options.data_dir = dir;
  options.origin = "peer.archive.example";
  options.env = env;
  auto peer = Archive::Open(options);
  EXPECT_TRUE(peer.ok()) << peer.status();
  std::vector<std::string> out;
  if (!peer.ok()) return out;
  for (const std::string& doc : docs) {
    NewRevision put = testing_util::SealedPut(**peer, doc, content);
    put.statement.title = absl::StrCat("revision ", out.size());
    auto r = (*peer)->Commit(put);
    EXPECT_TRUE(r.ok()) << r.status();
    if (r.ok()) out.push_back(r->revision.signed_statement);
  }
  return out;
}

TEST_F(InlineArchiveTest, ImportAllStoresAPageInOneBatch) {
  std::string content = "pulled content";
  std::vector<std::string> statements = MakeStatements(
      tmp_.Sub("peer"), &env_, {"a", "a", "b", "c", "a"}, content);
  ASSERT_EQ(statements.size(), 5u);
  auto writer = archive_->blobs().NewWriter(content.size());
  ASSERT_TRUE((*writer)->Append(content).ok());
  auto sealed = (*writer)->Seal(Sha256::HexDigest(content), content.size());
  ASSERT_TRUE(sealed.ok());
  std::vector<PeerEntry> page;
  for (size_t i = 0; i < statements.size(); ++i) {
    page.push_back(PeerEntry{statements[i], *sealed,
                             PeerProgress{"peer.archive.example", i + 1, ""}});
  }
  auto results = archive_->ImportAll(std::move(page));
  ASSERT_EQ(results.size(), 5u);
  for (const auto& r : results) {
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_TRUE(r->created);
    EXPECT_EQ(r->receipt.checkpoint.size, 5u) << "one checkpoint for the page";
  }
  EXPECT_EQ(archive_->GetPeerProgress("peer.archive.example")->next_index, 5u);
  EXPECT_EQ(archive_->GetDocument("a")->revision_count, 3u);
  EXPECT_EQ(*archive_->blobs().ReadVerified(Sha256::HexDigest(content),
                                            content.size()),
            content);
}

TEST_F(InlineArchiveTest, ImportAllStopsAtTheFirstFailure) {
  std::vector<std::string> statements =
      MakeStatements(tmp_.Sub("peer"), &env_, {"y", "x", "x"}, "c");
  ASSERT_EQ(statements.size(), 3u);
  auto writer = archive_->blobs().NewWriter(1);
  ASSERT_TRUE((*writer)->Append("c").ok());
  auto sealed = *(*writer)->Seal(Sha256::HexDigest("c"), 1);
  const std::string peer = "peer.archive.example";
  // The second entry is x's second revision, whose parent (x's first) has not
  // been imported: it fails, and what follows must not be stored either, or
  // the recorded progress would skip it.
  std::vector<PeerEntry> page = {
      PeerEntry{statements[0], sealed, PeerProgress{peer, 1, ""}},
      PeerEntry{statements[2], sealed, PeerProgress{peer, 2, ""}},
      PeerEntry{statements[1], sealed, PeerProgress{peer, 3, ""}},
  };
  auto results = archive_->ImportAll(std::move(page));
  ASSERT_EQ(results.size(), 3u);
  EXPECT_TRUE(results[0].ok()) << results[0].status();
  EXPECT_EQ(results[1].status().code(), absl::StatusCode::kDataLoss)
      << results[1].status();
  EXPECT_EQ(results[2].status().code(), absl::StatusCode::kAborted)
      << results[2].status();
  EXPECT_FALSE(archive_->GetDocument("x").ok());
  EXPECT_EQ(archive_->GetPeerProgress(peer)->next_index, 1u)
      << "the progress of the last entry stored";
  EXPECT_EQ(archive_->LatestCheckpoint().size, 1u);
}

}  // namespace
}  // namespace archive
