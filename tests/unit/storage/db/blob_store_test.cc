// The content-addressed blob store: round trips, de-duplication, refusal of
// content that does not match what the client promised, detection of damaged
// copies on read, crash leftovers, and fault injection through the Env seam
// (every failure either stores the blob completely or not at all).
#include "storage/db/blob_store.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "storage/base/sha256.h"
#include "tests/unit/storage/db/storage_test_util.h"

namespace archive {
namespace {

using testing_util::CountEntries;
using testing_util::ReadWholeFile;
using testing_util::ScopedTempDir;
using testing_util::WriteWholeFile;

// Bytes that exercise binary safety: NULs, high bytes, and more than one read
// buffer's worth in the streaming tests.
std::string SampleContent(size_t size, int seed = 1) {
  std::string out(size, '\0');
  uint32_t x = 2463534242u * seed;
  for (size_t i = 0; i < size; ++i) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    out[i] = static_cast<char>(x);
  }
  return out;
}

// Writes `content` in chunks of `chunk` bytes and commits it under its true
// digest and size.
absl::StatusOr<std::string> StoreBlob(BlobStore& store,
                                      const std::string& content,
                                      size_t chunk = 4096) {
  auto writer = store.NewWriter();
  if (!writer.ok()) return writer.status();
  for (size_t pos = 0; pos < content.size(); pos += chunk) {
    absl::Status s = (*writer)->Append(content.substr(pos, chunk));
    if (!s.ok()) return s;
  }
  return (*writer)->Commit(Sha256::HexDigest(content), content.size());
}

std::string BlobPath(const std::string& dir, const std::string& hex) {
  return dir + "/" + hex.substr(0, 2) + "/" + hex;
}

// The shard directories (everything but tmp/) and the files in them.
std::vector<std::string> StoredFiles(const std::string& dir) {
  std::vector<std::string> files;
  for (const auto& shard : std::filesystem::directory_iterator(dir)) {
    if (shard.path().filename() == "tmp") continue;
    for (const auto& f : std::filesystem::directory_iterator(shard.path())) {
      files.push_back(f.path().string());
    }
  }
  return files;
}

// Streams a blob with a small scratch buffer, the way the service does. Returns
// the bytes delivered before the stream ended and the status the stream ended
// with (OK only if the final, empty read verified the whole blob).
struct StreamOutcome {
  std::string delivered;
  absl::Status end;
};

StreamOutcome StreamBlob(BlobStore& store, const std::string& hex,
                         uint64_t size, size_t scratch_size = 1000) {
  StreamOutcome out;
  auto reader = store.NewReader(hex, size);
  if (!reader.ok()) {
    out.end = reader.status();
    return out;
  }
  std::string scratch(scratch_size, '\0');
  while (true) {
    auto chunk = (*reader)->Read(scratch.size(), scratch.data());
    if (!chunk.ok()) {
      out.end = chunk.status();
      return out;
    }
    if (chunk->empty()) return out;
    out.delivered.append(chunk->data(), chunk->size());
  }
}

class BlobStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = tmp_.Sub("blobs");
    auto store = BlobStore::Open(Env::Default(), dir_);
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
  }

  ScopedTempDir tmp_;
  std::string dir_;
  std::unique_ptr<BlobStore> store_;
};

TEST_F(BlobStoreTest, WriteCommitReadRoundTrip) {
  std::string content = SampleContent(300 * 1024 + 3);  // several 256 KiB reads
  std::string hex = Sha256::HexDigest(content);
  auto digest = StoreBlob(*store_, content, 65536);
  ASSERT_TRUE(digest.ok()) << digest.status();
  EXPECT_EQ(*digest, hex);
  EXPECT_TRUE(store_->Contains(hex));
  EXPECT_EQ(ReadWholeFile(BlobPath(dir_, hex)), content)
      << "blobs live at DIR/<first 2 hex>/<64 hex>, byte for byte";

  auto read = store_->ReadVerified(hex, content.size());
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(*read, content);

  StreamOutcome streamed = StreamBlob(*store_, hex, content.size(), 777);
  EXPECT_TRUE(streamed.end.ok()) << streamed.end;
  EXPECT_EQ(streamed.delivered, content);
  EXPECT_EQ(CountEntries(dir_ + "/tmp"), 0u);
}

TEST_F(BlobStoreTest, EmptyAndTinyBlobs) {
  for (const std::string& content :
       {std::string(), std::string("x"), std::string("\0", 1)}) {
    auto digest = StoreBlob(*store_, content);
    ASSERT_TRUE(digest.ok()) << digest.status();
    auto read = store_->ReadVerified(*digest, content.size());
    ASSERT_TRUE(read.ok()) << read.status();
    EXPECT_EQ(*read, content);
  }
}

TEST_F(BlobStoreTest, WriterReportsItsSize) {
  auto writer = store_->NewWriter();
  ASSERT_TRUE(writer.ok()) << writer.status();
  ASSERT_TRUE((*writer)->Append("abc").ok());
  ASSERT_TRUE((*writer)->Append("").ok());
  ASSERT_TRUE((*writer)->Append("de").ok());
  EXPECT_EQ((*writer)->size(), 5u);
}

TEST_F(BlobStoreTest, IdenticalContentIsStoredOnce) {
  std::string content = SampleContent(5000);
  auto first = StoreBlob(*store_, content);
  auto second = StoreBlob(*store_, content, 7);  // different chunking
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(*first, *second);
  std::vector<std::string> files = StoredFiles(dir_);
  ASSERT_EQ(files.size(), 1u) << "identical content must be one file";
  EXPECT_EQ(files[0], BlobPath(dir_, *first));
  EXPECT_EQ(CountEntries(dir_ + "/tmp"), 0u);

  auto other = StoreBlob(*store_, SampleContent(5000, 2));
  ASSERT_TRUE(other.ok()) << other.status();
  EXPECT_NE(*other, *first);
  EXPECT_EQ(StoredFiles(dir_).size(), 2u);
}

TEST_F(BlobStoreTest, SizeMismatchIsInvalidArgumentAndStoresNothing) {
  std::string content = "twelve bytes";
  std::string hex = Sha256::HexDigest(content);
  {
    auto writer = store_->NewWriter();
    ASSERT_TRUE(writer.ok()) << writer.status();
    ASSERT_TRUE((*writer)->Append(content).ok());
    auto commit = (*writer)->Commit(hex, content.size() + 1);
    EXPECT_EQ(commit.status().code(), absl::StatusCode::kInvalidArgument)
        << commit.status();
    EXPECT_NE(commit.status().message().find("13"), absl::string_view::npos)
        << "the error should give the promised size: " << commit.status();
    EXPECT_FALSE(store_->Contains(hex));
    EXPECT_FALSE(std::filesystem::exists(BlobPath(dir_, hex)));
  }
  EXPECT_FALSE(store_->Contains(hex));
  EXPECT_TRUE(StoredFiles(dir_).empty());
  EXPECT_EQ(CountEntries(dir_ + "/tmp"), 0u) << "the temp file was left behind";
}

TEST_F(BlobStoreTest, DigestMismatchIsDataLossAndStoresNothing) {
  std::string content = "what was sent";
  std::string promised = Sha256::HexDigest("what the client meant to send");
  std::string actual = Sha256::HexDigest(content);
  {
    auto writer = store_->NewWriter();
    ASSERT_TRUE(writer.ok()) << writer.status();
    ASSERT_TRUE((*writer)->Append(content).ok());
    auto commit = (*writer)->Commit(promised, content.size());
    EXPECT_EQ(commit.status().code(), absl::StatusCode::kDataLoss)
        << commit.status();
    EXPECT_NE(commit.status().message().find(actual), absl::string_view::npos)
        << commit.status();
    EXPECT_NE(commit.status().message().find(promised), absl::string_view::npos)
        << commit.status();
  }
  EXPECT_FALSE(store_->Contains(promised));
  EXPECT_FALSE(store_->Contains(actual));
  EXPECT_TRUE(StoredFiles(dir_).empty());
  EXPECT_EQ(CountEntries(dir_ + "/tmp"), 0u) << "the temp file was left behind";
}

TEST_F(BlobStoreTest, WriterDestroyedWithoutCommitLeavesNothing) {
  std::string content = SampleContent(10000);
  {
    auto writer = store_->NewWriter();
    ASSERT_TRUE(writer.ok()) << writer.status();
    ASSERT_TRUE((*writer)->Append(content).ok());
    EXPECT_EQ(CountEntries(dir_ + "/tmp"), 1u)
        << "an open writer should be staging into tmp/";
  }
  EXPECT_EQ(CountEntries(dir_ + "/tmp"), 0u);
  EXPECT_TRUE(StoredFiles(dir_).empty());
  EXPECT_FALSE(store_->Contains(Sha256::HexDigest(content)));
}

TEST_F(BlobStoreTest, ConcurrentWritersUseDistinctTempFiles) {
  auto a = store_->NewWriter();
  auto b = store_->NewWriter();
  ASSERT_TRUE(a.ok() && b.ok());
  ASSERT_TRUE((*a)->Append("content A").ok());
  ASSERT_TRUE((*b)->Append("content B").ok());
  EXPECT_EQ(CountEntries(dir_ + "/tmp"), 2u);
  auto da = (*a)->Commit(Sha256::HexDigest("content A"), 9);
  auto db = (*b)->Commit(Sha256::HexDigest("content B"), 9);
  ASSERT_TRUE(da.ok()) << da.status();
  ASSERT_TRUE(db.ok()) << db.status();
  EXPECT_EQ(*store_->ReadVerified(*da, 9), "content A");
  EXPECT_EQ(*store_->ReadVerified(*db, 9), "content B");
}

// --- Damaged copies on disk --------------------------------------------------

class DamagedBlobTest : public BlobStoreTest {
 protected:
  void SetUp() override {
    BlobStoreTest::SetUp();
    content_ = SampleContent(4000);
    auto digest = StoreBlob(*store_, content_);
    ASSERT_TRUE(digest.ok()) << digest.status();
    hex_ = *digest;
    path_ = BlobPath(dir_, hex_);
  }

  // Reads must fail with DATA_LOSS, both whole and streamed; a streamed read
  // never delivers more bytes than the statement recorded.
  void ExpectDataLoss(absl::string_view why) {
    auto whole = store_->ReadVerified(hex_, content_.size());
    EXPECT_EQ(whole.status().code(), absl::StatusCode::kDataLoss)
        << why << ": ReadVerified returned " << whole.status();
    EXPECT_NE(whole.status().message().find(hex_), absl::string_view::npos)
        << "the error should name the blob: " << whole.status();

    for (size_t scratch :
         {size_t{1}, size_t{333}, size_t{4000}, size_t{9000}}) {
      StreamOutcome streamed =
          StreamBlob(*store_, hex_, content_.size(), scratch);
      EXPECT_EQ(streamed.end.code(), absl::StatusCode::kDataLoss)
          << why << " (scratch " << scratch << "): stream ended with "
          << streamed.end;
      EXPECT_LE(streamed.delivered.size(), content_.size())
          << why << ": delivered more bytes than the blob has";
    }
  }

  std::string content_;
  std::string hex_;
  std::string path_;
};

TEST_F(DamagedBlobTest, FlippedByteIsDataLossAtTheEndOfTheStream) {
  std::string damaged = content_;
  damaged[1234] ^= 0x01;
  WriteWholeFile(path_, damaged);
  ExpectDataLoss("one flipped bit");

  // Streaming cannot know before the end; the damage is reported by the last
  // read, so a client that checks the final status never accepts the bytes.
  StreamOutcome streamed = StreamBlob(*store_, hex_, content_.size(), 100);
  EXPECT_EQ(streamed.delivered.size(), content_.size());
  EXPECT_EQ(streamed.end.code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(streamed.end.message().find("SHA-256"), absl::string_view::npos)
      << streamed.end;
}

TEST_F(DamagedBlobTest, FlippedLastByteIsDataLoss) {
  std::string damaged = content_;
  damaged.back() ^= 0x80;
  WriteWholeFile(path_, damaged);
  ExpectDataLoss("last byte flipped");
}

TEST_F(DamagedBlobTest, TruncatedCopyIsDataLoss) {
  std::filesystem::resize_file(path_, content_.size() - 1);
  ExpectDataLoss("truncated by one byte");
  StreamOutcome streamed = StreamBlob(*store_, hex_, content_.size());
  EXPECT_NE(streamed.end.message().find(std::to_string(content_.size() - 1)),
            absl::string_view::npos)
      << "the error should say how many bytes were found: " << streamed.end;
}

TEST_F(DamagedBlobTest, EmptiedCopyIsDataLoss) {
  std::filesystem::resize_file(path_, 0);
  ExpectDataLoss("truncated to zero");
}

TEST_F(DamagedBlobTest, ExtendedCopyIsDataLoss) {
  std::ofstream(path_, std::ios::binary | std::ios::app) << "trailing junk";
  ExpectDataLoss("extended by 13 bytes");
  // What was delivered before the error is the genuine prefix: the surplus is
  // never handed out.
  StreamOutcome streamed = StreamBlob(*store_, hex_, content_.size(), 1000);
  EXPECT_EQ(streamed.delivered, content_.substr(0, streamed.delivered.size()));
}

TEST_F(DamagedBlobTest, ExtendedByOneByteWithExactSizedReadsIsDataLoss) {
  std::ofstream(path_, std::ios::binary | std::ios::app) << "x";
  // A scratch of exactly the blob size returns the whole genuine blob first;
  // the surplus byte must still be caught on a later read.
  StreamOutcome streamed =
      StreamBlob(*store_, hex_, content_.size(), content_.size());
  EXPECT_EQ(streamed.end.code(), absl::StatusCode::kDataLoss) << streamed.end;
}

TEST_F(DamagedBlobTest, WrongRecordedSizeIsDataLoss) {
  // The size comes from the statement; if it disagrees with the stored bytes
  // the read fails even though the bytes hash correctly.
  auto shorter = store_->ReadVerified(hex_, content_.size() - 1);
  EXPECT_EQ(shorter.status().code(), absl::StatusCode::kDataLoss);
  auto longer = store_->ReadVerified(hex_, content_.size() + 1);
  EXPECT_EQ(longer.status().code(), absl::StatusCode::kDataLoss);
}

TEST_F(DamagedBlobTest, DeletedCopyIsDataLossMissing) {
  std::filesystem::remove(path_);
  EXPECT_FALSE(store_->Contains(hex_));
  auto read = store_->ReadVerified(hex_, content_.size());
  EXPECT_EQ(read.status().code(), absl::StatusCode::kDataLoss) << read.status();
  EXPECT_NE(read.status().message().find("missing"), absl::string_view::npos)
      << read.status();
}

TEST_F(DamagedBlobTest, StoringTheSameContentAgainRepairsADamagedCopy) {
  std::string damaged = content_;
  damaged[0] ^= 0xff;
  WriteWholeFile(path_, damaged);
  ASSERT_FALSE(store_->ReadVerified(hex_, content_.size()).ok());
  auto again = StoreBlob(*store_, content_);
  ASSERT_TRUE(again.ok()) << again.status();
  auto read = store_->ReadVerified(hex_, content_.size());
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(*read, content_);
}

TEST_F(BlobStoreTest, MissingBlobIsDataLossMissing) {
  std::string hex = Sha256::HexDigest("never stored");
  EXPECT_FALSE(store_->Contains(hex));
  auto reader = store_->NewReader(hex, 12);
  EXPECT_EQ(reader.status().code(), absl::StatusCode::kDataLoss)
      << reader.status();
  EXPECT_NE(reader.status().message().find("missing"), absl::string_view::npos)
      << reader.status();
  EXPECT_NE(reader.status().message().find(hex), absl::string_view::npos)
      << reader.status();
  auto read = store_->ReadVerified(hex, 12);
  EXPECT_EQ(read.status().code(), absl::StatusCode::kDataLoss) << read.status();
}

TEST_F(BlobStoreTest, MalformedDigestsAreRejected) {
  for (const std::string& bad :
       {std::string(), std::string("abc"), std::string(64, 'A'),
        std::string(63, 'a'), std::string(65, 'a'),
        std::string("../") + std::string(61, 'a'), std::string(64, 'g')}) {
    EXPECT_FALSE(store_->Contains(bad)) << bad;
    EXPECT_EQ(store_->NewReader(bad, 0).status().code(),
              absl::StatusCode::kInvalidArgument)
        << bad;
  }
}

// --- Crash leftovers and re-opening ------------------------------------------

TEST_F(BlobStoreTest, OpenRemovesTempFilesLeftByACrash) {
  std::string content = "committed before the crash";
  auto digest = StoreBlob(*store_, content);
  ASSERT_TRUE(digest.ok()) << digest.status();
  WriteWholeFile(dir_ + "/tmp/1234.0.part", "half a blob");
  WriteWholeFile(dir_ + "/tmp/1234.1.part", "");
  WriteWholeFile(dir_ + "/tmp/stray", "anything in tmp/ is a leftover");
  ASSERT_EQ(CountEntries(dir_ + "/tmp"), 3u);
  store_.reset();

  auto reopened = BlobStore::Open(Env::Default(), dir_);
  ASSERT_TRUE(reopened.ok()) << reopened.status();
  EXPECT_EQ(CountEntries(dir_ + "/tmp"), 0u);
  auto read = (*reopened)->ReadVerified(*digest, content.size());
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(*read, content);
}

TEST_F(BlobStoreTest, CommittedBlobIsFoundAfterReopening) {
  std::string content = SampleContent(70000, 3);
  auto digest = StoreBlob(*store_, content);
  ASSERT_TRUE(digest.ok()) << digest.status();
  store_.reset();

  auto reopened = BlobStore::Open(Env::Default(), dir_);
  ASSERT_TRUE(reopened.ok()) << reopened.status();
  EXPECT_TRUE((*reopened)->Contains(*digest));
  auto read = (*reopened)->ReadVerified(*digest, content.size());
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(*read, content);
  // And the re-opened store still de-duplicates against it.
  auto again = StoreBlob(**reopened, content);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(StoredFiles(dir_).size(), 1u);
}

TEST(BlobStoreOpenTest, OpenFailsWhenTheDirectoryCannotBeCreated) {
  ScopedTempDir tmp;
  WriteWholeFile(tmp.Sub("file"), "in the way");
  auto store = BlobStore::Open(Env::Default(), tmp.Sub("file/blobs"));
  EXPECT_FALSE(store.ok());
}

// --- Fault injection ---------------------------------------------------------

// Records the durability-relevant calls and fails the ones a test asks for.
class FaultEnv : public EnvWrapper {
 public:
  FaultEnv() : EnvWrapper(Env::Default()) {}

  bool fail_append = false;
  bool fail_sync = false;
  bool fail_close = false;
  bool fail_rename = false;
  std::string fail_sync_dir;  // SyncDir of exactly this path fails

  std::vector<std::string> ops() {
    std::lock_guard<std::mutex> lock(mu_);
    return ops_;
  }
  void Record(std::string op) {
    std::lock_guard<std::mutex> lock(mu_);
    ops_.push_back(std::move(op));
  }

  absl::StatusOr<std::unique_ptr<WritableFile>> NewWritableFile(
      const std::string& path, int mode) override;
  absl::Status RenameFile(const std::string& from,
                          const std::string& to) override {
    Record("rename " + from + " " + to);
    if (fail_rename) return absl::InternalError("injected rename failure");
    return EnvWrapper::RenameFile(from, to);
  }
  absl::Status SyncDir(const std::string& dir) override {
    Record("syncdir " + dir);
    if (dir == fail_sync_dir) {
      return absl::InternalError("injected directory fsync failure");
    }
    return EnvWrapper::SyncDir(dir);
  }

 private:
  std::mutex mu_;
  std::vector<std::string> ops_;
};

class FailingBlobFile : public WritableFile {
 public:
  FailingBlobFile(FaultEnv* env, std::string path,
                  std::unique_ptr<WritableFile> base)
      : env_(env), path_(std::move(path)), base_(std::move(base)) {}
  absl::Status Append(absl::string_view data) override {
    if (env_->fail_append)
      return absl::ResourceExhaustedError("injected ENOSPC");
    return base_->Append(data);
  }
  absl::Status Sync() override {
    env_->Record("sync " + path_);
    if (env_->fail_sync) return absl::InternalError("injected fsync failure");
    return base_->Sync();
  }
  absl::Status Close() override {
    env_->Record("close " + path_);
    if (env_->fail_close) {
      base_->Close().IgnoreError();
      return absl::InternalError("injected close failure");
    }
    return base_->Close();
  }

 private:
  FaultEnv* env_;
  std::string path_;
  std::unique_ptr<WritableFile> base_;
};

absl::StatusOr<std::unique_ptr<WritableFile>> FaultEnv::NewWritableFile(
    const std::string& path, int mode) {
  auto base = EnvWrapper::NewWritableFile(path, mode);
  if (!base.ok()) return base.status();
  return std::unique_ptr<WritableFile>(
      new FailingBlobFile(this, path, std::move(*base)));
}

class BlobStoreFaultTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = tmp_.Sub("blobs");
    auto store = BlobStore::Open(&env_, dir_);
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
    content_ = SampleContent(20000, 7);
    hex_ = Sha256::HexDigest(content_);
  }

  // Commits content_ with the faults currently set; returns Commit's result
  // after the writer is gone (so its cleanup has run).
  absl::StatusOr<std::string> Commit() {
    auto writer = store_->NewWriter();
    if (!writer.ok()) return writer.status();
    if (absl::Status s = (*writer)->Append(content_); !s.ok()) return s;
    return (*writer)->Commit(hex_, content_.size());
  }

  std::string Shard() const { return dir_ + "/" + hex_.substr(0, 2); }

  // A failed commit that never reached the rename leaves no trace.
  void ExpectNothingStored() {
    EXPECT_FALSE(store_->Contains(hex_));
    EXPECT_FALSE(std::filesystem::exists(BlobPath(dir_, hex_)));
    EXPECT_EQ(CountEntries(dir_ + "/tmp"), 0u) << "the temp file was left";
    EXPECT_EQ(store_->ReadVerified(hex_, content_.size()).status().code(),
              absl::StatusCode::kDataLoss);
  }

  ScopedTempDir tmp_;
  FaultEnv env_;
  std::string dir_;
  std::unique_ptr<BlobStore> store_;
  std::string content_;
  std::string hex_;
};

TEST_F(BlobStoreFaultTest, CommitSyncsTheFileBeforeRenamingAndTheDirsAfter) {
  auto digest = Commit();
  ASSERT_TRUE(digest.ok()) << digest.status();
  std::vector<std::string> ops = env_.ops();
  auto find = [&](absl::string_view prefix) -> int {
    for (size_t i = 0; i < ops.size(); ++i) {
      if (absl::string_view(ops[i]).substr(0, prefix.size()) == prefix) {
        return static_cast<int>(i);
      }
    }
    return -1;
  };
  int sync = find("sync " + dir_ + "/tmp/");
  int rename = find("rename ");
  int sync_shard = find("syncdir " + Shard());
  int sync_root = -1;
  for (size_t i = 0; i < ops.size(); ++i) {
    if (ops[i] == "syncdir " + dir_) sync_root = static_cast<int>(i);
  }
  ASSERT_GE(sync, 0) << "the blob's bytes were never fsynced";
  ASSERT_GE(rename, 0);
  ASSERT_GE(sync_shard, 0) << "the shard directory was never fsynced";
  ASSERT_GE(sync_root, 0) << "the store directory was never fsynced";
  EXPECT_LT(sync, rename) << "bytes must be durable before they get a name";
  EXPECT_LT(rename, sync_shard);
  EXPECT_LT(rename, sync_root);
  EXPECT_NE(ops[rename].find(BlobPath(dir_, hex_)), std::string::npos)
      << ops[rename];
}

TEST_F(BlobStoreFaultTest, FailingAppendIsReportedAndStoresNothing) {
  env_.fail_append = true;
  auto digest = Commit();
  EXPECT_EQ(digest.status().code(), absl::StatusCode::kResourceExhausted)
      << digest.status();
  ExpectNothingStored();
}

TEST_F(BlobStoreFaultTest, FailingFileSyncFailsCommitAndStoresNothing) {
  env_.fail_sync = true;
  auto digest = Commit();
  EXPECT_EQ(digest.status().code(), absl::StatusCode::kInternal)
      << digest.status();
  EXPECT_NE(digest.status().message().find("injected fsync failure"),
            absl::string_view::npos)
      << digest.status();
  ExpectNothingStored();

  // Once the disk recovers, the same put succeeds.
  env_.fail_sync = false;
  auto retry = Commit();
  ASSERT_TRUE(retry.ok()) << retry.status();
  EXPECT_EQ(*store_->ReadVerified(hex_, content_.size()), content_);
}

TEST_F(BlobStoreFaultTest, FailingCloseFailsCommitAndStoresNothing) {
  env_.fail_close = true;
  auto digest = Commit();
  EXPECT_EQ(digest.status().code(), absl::StatusCode::kInternal)
      << digest.status();
  ExpectNothingStored();
}

TEST_F(BlobStoreFaultTest, FailingRenameFailsCommitAndStoresNothing) {
  env_.fail_rename = true;
  auto digest = Commit();
  EXPECT_EQ(digest.status().code(), absl::StatusCode::kInternal)
      << digest.status();
  EXPECT_NE(digest.status().message().find("injected rename failure"),
            absl::string_view::npos)
      << digest.status();
  ExpectNothingStored();

  env_.fail_rename = false;
  auto retry = Commit();
  ASSERT_TRUE(retry.ok()) << retry.status();
  EXPECT_TRUE(store_->Contains(hex_));
}

TEST_F(BlobStoreFaultTest, FailingRenameKeepsAnExistingCopyIntact) {
  auto first = Commit();
  ASSERT_TRUE(first.ok()) << first.status();
  env_.fail_rename = true;
  EXPECT_FALSE(Commit().ok());
  auto read = store_->ReadVerified(hex_, content_.size());
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(*read, content_);
  EXPECT_EQ(CountEntries(dir_ + "/tmp"), 0u);
}

// A directory fsync that fails happens after the rename, so the blob is already
// visible under its name when Commit reports the error. That is acceptable, and
// deliberately not undone:
//  - the bytes under that name were verified against the promised digest and
//    size and fdatasync()ed before the rename, and every read re-hashes them,
//    so a visible blob is always complete and correct; only its directory entry
//    might not survive a crash;
//  - the caller got an error, so the put fails and no revision refers to the
//    blob; the client's retry renames again and re-syncs the directories. At
//    worst a crash loses the entry and the retry writes it again; at best an
//    unreferenced, correct blob stays behind, as after any failed put;
//  - removing it would be wrong: the rename may have replaced a copy that
//    committed revisions already reference (identical content is stored once),
//    and deleting it would destroy their content.
// The service never uses Contains() to skip an upload, so a visible but not yet
// durable blob cannot be referenced by a revision without a successful Commit.
class BlobStoreSyncDirFaultTest
    : public BlobStoreFaultTest,
      public ::testing::WithParamInterface<bool /*fail the shard dir*/> {};

TEST_P(BlobStoreSyncDirFaultTest, CommitFailsButTheVerifiedBlobMayBeVisible) {
  env_.fail_sync_dir = GetParam() ? Shard() : dir_;
  auto digest = Commit();
  EXPECT_EQ(digest.status().code(), absl::StatusCode::kInternal)
      << digest.status();
  EXPECT_NE(digest.status().message().find("injected directory fsync failure"),
            absl::string_view::npos)
      << digest.status();
  // Visible, complete and correct (see above); nothing left in tmp/.
  EXPECT_TRUE(store_->Contains(hex_));
  auto read = store_->ReadVerified(hex_, content_.size());
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(*read, content_);
  EXPECT_EQ(CountEntries(dir_ + "/tmp"), 0u);

  // The retried put succeeds and syncs both directories this time.
  env_.fail_sync_dir.clear();
  size_t before = env_.ops().size();
  auto retry = Commit();
  ASSERT_TRUE(retry.ok()) << retry.status();
  std::vector<std::string> ops = env_.ops();
  std::vector<std::string> after(ops.begin() + before, ops.end());
  EXPECT_NE(std::find(after.begin(), after.end(), "syncdir " + Shard()),
            after.end());
  EXPECT_NE(std::find(after.begin(), after.end(), "syncdir " + dir_),
            after.end());
}

TEST_P(BlobStoreSyncDirFaultTest, AnExistingCopyIsNeverRemoved) {
  auto first = Commit();
  ASSERT_TRUE(first.ok()) << first.status();
  env_.fail_sync_dir = GetParam() ? Shard() : dir_;
  EXPECT_FALSE(Commit().ok());
  // A revision committed earlier may reference this blob: it must survive a
  // later failed put of the same content.
  auto read = store_->ReadVerified(hex_, content_.size());
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(*read, content_);
}

INSTANTIATE_TEST_SUITE_P(ShardOrRoot, BlobStoreSyncDirFaultTest,
                         ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& info) {
                           return info.param ? "ShardDir" : "StoreDir";
                         });

}  // namespace
}  // namespace archive
