// The archive on a blob backend it did not make (ArchiveOptions::blob_backend,
// the seam an object store plugs into), with faults injected into the
// backend: a commit the store refuses stores nothing and says why; bytes the
// store serves altered or not at all are never returned as good; a store
// that cannot be reached is reported as such, by reads and by scrub, not as
// damage; and scrub finds missing and truncated blobs from one listing.
#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <string>

#include "absl/strings/match.h"
#include "storage/base/sha256.h"
#include "storage/db/archive.h"
#include "storage/db/file_blob_backend.h"
#include "tests/unit/storage/db/storage_test_util.h"

namespace archive {
namespace {

using testing_util::FixedClockEnv;
using testing_util::ScopedTempDir;

// Files underneath, with faults on demand.
class FaultyBackend : public BlobBackend {
 public:
  explicit FaultyBackend(std::unique_ptr<FileBlobBackend> files)
      : files_(std::move(files)) {}
  std::atomic<bool> fail_commit{false}, unreachable{false},
      serve_altered{false};

  std::string Describe() const override { return "a faulty test store"; }
  absl::StatusOr<std::unique_ptr<Upload>> NewUpload(
      const std::string& sha256_hex, uint64_t expected_size) override {
    if (unreachable) return Down();
    auto upload = files_->NewUpload(sha256_hex, expected_size);
    if (!upload.ok()) return upload.status();
    return std::unique_ptr<Upload>(new FaultyUpload(this, std::move(*upload)));
  }
  absl::StatusOr<std::unique_ptr<SequentialFile>> Open(
      const std::string& sha256_hex) override {
    if (unreachable) return Down();
    auto file = files_->Open(sha256_hex);
    if (!file.ok() || !serve_altered) return file;
    return std::unique_ptr<SequentialFile>(new Altered(std::move(*file)));
  }
  absl::StatusOr<uint64_t> Size(const std::string& sha256_hex) override {
    if (unreachable) return Down();
    return files_->Size(sha256_hex);
  }
  absl::Status List(
      const std::function<void(const std::string&, uint64_t)>& visit) override {
    if (unreachable) return Down();
    return files_->List(visit);
  }
  FileBlobBackend& files() { return *files_; }

 private:
  static absl::Status Down() {
    return absl::UnavailableError("object store test://: connection refused");
  }
  class FaultyUpload : public Upload {
   public:
    FaultyUpload(FaultyBackend* owner, std::unique_ptr<Upload> base)
        : owner_(owner), base_(std::move(base)) {}
    absl::Status Append(absl::string_view data) override {
      return base_->Append(data);
    }
    absl::Status Commit(const std::string& sha256_hex) override {
      if (owner_->fail_commit) {
        return absl::DataLossError("the store refused the bytes (BadDigest)");
      }
      return base_->Commit(sha256_hex);
    }

   private:
    FaultyBackend* owner_;
    std::unique_ptr<Upload> base_;
  };
  // Serves every byte with its lowest bit flipped.
  class Altered : public SequentialFile {
   public:
    explicit Altered(std::unique_ptr<SequentialFile> base)
        : base_(std::move(base)) {}
    absl::StatusOr<absl::string_view> Read(size_t n, char* scratch) override {
      auto got = base_->Read(n, scratch);
      if (!got.ok() || got->empty()) return got;
      for (size_t i = 0; i < got->size(); ++i) scratch[i] = got->data()[i] ^ 1;
      return absl::string_view(scratch, got->size());
    }

   private:
    std::unique_ptr<SequentialFile> base_;
  };
  std::unique_ptr<FileBlobBackend> files_;
};

class BlobBackendTest : public ::testing::Test {
 protected:
  BlobBackendTest() : env_(1796000000) {}
  void SetUp() override {
    auto files = FileBlobBackend::Open(&env_, tmp_.Sub("store"));
    ASSERT_TRUE(files.ok()) << files.status();
    backend_ = std::make_shared<FaultyBackend>(std::move(*files));
    ArchiveOptions options;
    options.data_dir = tmp_.Sub("data");
    options.origin = "backend.archive.example";
    options.env = &env_;
    options.inline_blob_max_bytes = 0;  // every content in the backend
    options.blob_backend = backend_;
    auto archive = Archive::Open(options);
    ASSERT_TRUE(archive.ok()) << archive.status();
    archive_ = std::move(*archive);
  }

  // Stores `content` through the archive's blob store and commits a revision
  // of `doc` using it.
  absl::Status Put(const std::string& doc, const std::string& content) {
    const std::string hex = Sha256::HexDigest(content);
    auto writer = archive_->blobs().NewWriter(hex, content.size());
    if (!writer.ok()) return writer.status();
    if (absl::Status s = (*writer)->Append(content); !s.ok()) return s;
    auto sealed = (*writer)->Seal(hex, content.size());
    if (!sealed.ok()) return sealed.status();
    NewRevision put;
    put.statement.document = doc;
    put.statement.content_sha256 = hex;
    put.statement.content_size = content.size();
    put.statement.media_type = "application/octet-stream";
    put.statement.status = "in_force";
    put.statement.submitted_by = "local";
    return archive_->Commit(put).status();
  }

  ScopedTempDir tmp_;
  FixedClockEnv env_;
  std::shared_ptr<FaultyBackend> backend_;
  std::unique_ptr<Archive> archive_;
};

TEST_F(BlobBackendTest, ContentLivesInTheBackendNotTheDataDirectory) {
  const std::string content(5000, 'x');
  ASSERT_TRUE(Put("doc", content).ok());
  EXPECT_FALSE(env_.FileExists(tmp_.Sub("data/blobs")));
  EXPECT_TRUE(
      env_.FileExists(backend_->files().PathFor(Sha256::HexDigest(content))));
  auto read = archive_->blobs().ReadVerified(Sha256::HexDigest(content),
                                             content.size());
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(*read, content);
}

TEST_F(BlobBackendTest, ARefusedCommitStoresNothingAndSaysWhy) {
  backend_->fail_commit = true;
  absl::Status s = Put("doc", "refused bytes");
  EXPECT_TRUE(absl::IsDataLoss(s)) << s;
  EXPECT_TRUE(absl::StrContains(s.message(), "BadDigest")) << s;
  EXPECT_TRUE(absl::IsNotFound(archive_->GetDocument("doc").status()));
  EXPECT_FALSE(archive_->blobs().Contains(Sha256::HexDigest("refused bytes")));
  EXPECT_EQ(archive_->LatestCheckpoint().size, 0u) << "nothing was logged";
}

TEST_F(BlobBackendTest, AlteredBytesAreNeverReturnedAsGood) {
  const std::string content = "the authoritative text\n";
  ASSERT_TRUE(Put("doc", content).ok());
  backend_->serve_altered = true;
  auto read = archive_->blobs().ReadVerified(Sha256::HexDigest(content),
                                             content.size());
  EXPECT_TRUE(absl::IsDataLoss(read.status())) << read.status();
}

TEST_F(BlobBackendTest, AnUnreachableStoreIsNotDamage) {
  const std::string content = "kept in a store that went away\n";
  ASSERT_TRUE(Put("doc", content).ok());
  backend_->unreachable = true;
  auto read = archive_->blobs().ReadVerified(Sha256::HexDigest(content),
                                             content.size());
  EXPECT_TRUE(absl::IsUnavailable(read.status())) << read.status();
  auto scrub = archive_->Scrub();
  EXPECT_TRUE(absl::IsUnavailable(scrub.status())) << scrub.status();
  EXPECT_TRUE(
      absl::StrContains(scrub.status().message(), "a faulty test store"))
      << scrub.status();
  // A put whose content cannot reach the store is refused, not half-stored.
  absl::Status put = Put("doc-2", "new bytes\n");
  EXPECT_TRUE(absl::IsUnavailable(put)) << put;
  backend_->unreachable = false;
  EXPECT_TRUE(Put("doc-2", "new bytes\n").ok());
}

TEST_F(BlobBackendTest, ScrubFindsMissingAndTruncatedBlobsFromTheListing) {
  const std::string gone = "deleted behind the archive's back\n";
  const std::string cut = "truncated behind the archive's back\n";
  const std::string fine = "left alone\n";
  ASSERT_TRUE(Put("gone", gone).ok());
  ASSERT_TRUE(Put("cut", cut).ok());
  ASSERT_TRUE(Put("fine", fine).ok());
  ASSERT_TRUE(
      env_.RemoveFile(backend_->files().PathFor(Sha256::HexDigest(gone))).ok());
  ASSERT_TRUE(
      env_.WriteFileAtomic(backend_->files().PathFor(Sha256::HexDigest(cut)),
                           "trunc")
          .ok());
  auto scrub = archive_->Scrub();
  ASSERT_TRUE(scrub.ok()) << scrub.status();
  EXPECT_EQ(scrub->blobs_checked, 3u);
  ASSERT_EQ(scrub->damaged.size(), 2u);
  for (const DamagedBlob& b : scrub->damaged) {
    ASSERT_EQ(b.documents.size(), 1u);
    if (b.documents[0] == "gone") {
      EXPECT_TRUE(absl::StrContains(b.problem, "missing")) << b.problem;
    } else {
      EXPECT_EQ(b.documents[0], "cut");
      EXPECT_TRUE(absl::StrContains(b.problem, "has 5 bytes")) << b.problem;
    }
  }
}

}  // namespace
}  // namespace archive
