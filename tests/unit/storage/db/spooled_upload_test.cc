// A BlobStore on a backend that names blobs before their bytes (as an object
// store does) takes content whose digest comes last by spooling it: nothing
// reaches the backend before the digest is checked, the spool file is gone
// after a commit, a refusal or an abandoned upload, and a restart clears what
// a crash left.
#include "storage/db/spooled_upload.h"

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "storage/base/sha256.h"
#include "storage/db/blob_store.h"
#include "tests/unit/storage/db/storage_test_util.h"

namespace archive {
namespace {

using testing_util::ScopedTempDir;

// An object store in memory: an upload needs its name up front, and what
// was committed is visible only then.
class NamedFirstBackend : public BlobBackend {
 public:
  std::string Describe() const override { return "memory"; }
  bool NamesBlobsFirst() const override { return true; }
  absl::StatusOr<std::unique_ptr<Upload>> NewUpload(
      const std::string& sha256_hex, uint64_t) override {
    if (sha256_hex.empty()) return absl::InvalidArgumentError("no name");
    ++uploads_started;
    return std::unique_ptr<Upload>(new MemoryUpload(this, sha256_hex));
  }
  absl::StatusOr<std::unique_ptr<SequentialFile>> Open(
      const std::string&) override {
    return absl::UnimplementedError("not needed");
  }
  absl::StatusOr<uint64_t> Size(const std::string& sha256_hex) override {
    auto it = objects.find(sha256_hex);
    if (it == objects.end()) return absl::NotFoundError(sha256_hex);
    return it->second.size();
  }
  absl::Status List(
      const std::function<void(const std::string&, uint64_t)>&) override {
    return absl::OkStatus();
  }

  std::map<std::string, std::string> objects;
  int uploads_started = 0;

 private:
  class MemoryUpload : public Upload {
   public:
    MemoryUpload(NamedFirstBackend* b, std::string name)
        : b_(b), name_(std::move(name)) {}
    absl::Status Append(absl::string_view data) override {
      bytes_.append(data.data(), data.size());
      return absl::OkStatus();
    }
    absl::Status Commit(const std::string& sha256_hex) override {
      if (sha256_hex != name_) return absl::InternalError("renamed");
      b_->objects[name_] = bytes_;
      return absl::OkStatus();
    }

   private:
    NamedFirstBackend* b_;
    std::string name_, bytes_;
  };
};

std::string SpoolContent(size_t n) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>(i * 7 + i / 251);
  return s;
}

class SpooledUploadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    backend_ = std::make_shared<NamedFirstBackend>();
    auto store = BlobStore::OnBackend(backend_, nullptr, Env::Default(),
                                      tmp_.Sub("spool"));
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
  }
  size_t SpoolFiles() {
    auto names = Env::Default()->ListDir(tmp_.Sub("spool"));
    return names.ok() ? names->size() : 0;
  }

  ScopedTempDir tmp_;
  std::shared_ptr<NamedFirstBackend> backend_;
  std::unique_ptr<BlobStore> store_;
};

TEST_F(SpooledUploadTest, DigestLastIsSpooledThenStoredUnderIt) {
  const std::string bytes = SpoolContent((3 << 20) + 5);  // several read-backs
  const std::string hex = Sha256::HexDigest(bytes);
  auto writer = store_->NewWriter("", bytes.size());
  ASSERT_TRUE(writer.ok()) << writer.status();
  for (size_t i = 0; i < bytes.size(); i += 100000) {
    ASSERT_TRUE(
        (*writer)->Append(absl::string_view(bytes).substr(i, 100000)).ok());
  }
  EXPECT_EQ(SpoolFiles(), 1u);
  EXPECT_EQ(backend_->uploads_started, 0) << "nothing is sent unchecked";
  auto digest = (*writer)->Commit(hex, bytes.size());
  ASSERT_TRUE(digest.ok()) << digest.status();
  EXPECT_EQ(*digest, hex);
  ASSERT_EQ(backend_->objects.count(hex), 1u);
  EXPECT_TRUE(backend_->objects[hex] == bytes);
  EXPECT_EQ(SpoolFiles(), 0u);
}

TEST_F(SpooledUploadTest, WrongDigestOrAbandonedStoresNothing) {
  const std::string bytes = SpoolContent(1 << 20);
  {
    auto writer = store_->NewWriter("", bytes.size());
    ASSERT_TRUE(writer.ok());
    ASSERT_TRUE((*writer)->Append(bytes).ok());
    auto refused = (*writer)->Commit(Sha256::HexDigest("other"), bytes.size());
    EXPECT_TRUE(absl::IsDataLoss(refused.status())) << refused.status();
  }
  {
    auto writer = store_->NewWriter("", bytes.size());
    ASSERT_TRUE(writer.ok());
    ASSERT_TRUE((*writer)->Append(bytes.substr(0, 1000)).ok());
  }
  EXPECT_EQ(backend_->uploads_started, 0);
  EXPECT_TRUE(backend_->objects.empty());
  EXPECT_EQ(SpoolFiles(), 0u);
}

TEST_F(SpooledUploadTest, ReopeningClearsWhatACrashLeft) {
  ASSERT_TRUE(Env::Default()->CreateDirs(tmp_.Sub("spool")).ok());
  ASSERT_TRUE(Env::Default()
                  ->WriteFileAtomic(tmp_.Sub("spool/1.0.spool"), "partial")
                  .ok());
  EXPECT_EQ(SpoolFiles(), 1u);
  auto store = BlobStore::OnBackend(backend_, nullptr, Env::Default(),
                                    tmp_.Sub("spool"));
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_EQ(SpoolFiles(), 0u);
}

TEST_F(SpooledUploadTest, WithoutASpoolADigestlessUploadIsRefused) {
  auto store = BlobStore::OnBackend(backend_, nullptr);
  ASSERT_TRUE(store.ok());
  auto writer = (*store)->NewWriter("", 5 << 20);
  EXPECT_TRUE(absl::IsInvalidArgument(writer.status())) << writer.status();
}

}  // namespace
}  // namespace archive
