// BackupWriter: a backup cut short leaves nothing that looks complete, and a
// content that does not match its digest is never part of one.
#include "storage/backup/backup_writer.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "storage/backup/backup_reader.h"
#include "storage/base/sha256.h"
#include "storage/format/signing_key.h"
#include "storage/verify/note_verifier.h"

namespace archive {
namespace {

// Fails every Append after the first `appends` (a disk that fills up).
class FillingEnv : public EnvWrapper {
 public:
  explicit FillingEnv(int appends)
      : EnvWrapper(Env::Default()), left_(appends) {}
  absl::StatusOr<std::unique_ptr<WritableFile>> NewWritableFile(
      const std::string& path, int mode) override {
    auto file = EnvWrapper::NewWritableFile(path, mode);
    if (!file.ok()) return file;
    return std::unique_ptr<WritableFile>(new Filling(this, std::move(*file)));
  }

 private:
  class Filling : public WritableFile {
   public:
    Filling(FillingEnv* env, std::unique_ptr<WritableFile> base)
        : env_(env), base_(std::move(base)) {}
    absl::Status Append(absl::string_view data) override {
      if (env_->left_-- <= 0) {
        return absl::ResourceExhaustedError("injected: no space left");
      }
      return base_->Append(data);
    }
    absl::Status Sync() override { return base_->Sync(); }
    absl::Status Close() override { return base_->Close(); }

   private:
    FillingEnv* env_;
    std::unique_ptr<WritableFile> base_;
  };
  int left_;
};

std::string TempPath(const std::string& name) {
  std::string dir = ::testing::TempDir() + "/backup_writer_test";
  std::filesystem::create_directories(dir);
  std::filesystem::remove_all(dir + "/" + name);
  std::filesystem::remove_all(dir + "/" + name + ".partial");
  return dir + "/" + name;
}

TEST(BackupWriter, ABackupCutShortLeavesNothingComplete) {
  const std::string dir = TempPath("cut");
  FillingEnv env(3);  // the in-progress marker and two entries
  {
    auto writer = BackupWriter::Create(&env, dir);
    ASSERT_TRUE(writer.ok()) << writer.status();
    EXPECT_TRUE((*writer)->AddEntry("one").ok());
    EXPECT_TRUE((*writer)->AddEntry("two").ok());
    absl::Status full = (*writer)->AddEntry("three");
    EXPECT_EQ(full.code(), absl::StatusCode::kResourceExhausted);
  }
  EXPECT_FALSE(std::filesystem::exists(dir));
  EXPECT_FALSE(std::filesystem::exists(dir + ".partial/backup-info.txt"));
  auto key = SigningKey::Generate("cut.archive.example");
  ASSERT_TRUE(key.ok());
  auto verifier = VerifierKey::Parse((*key)->VerifierKey());
  ASSERT_TRUE(verifier.ok());
  EXPECT_EQ(BackupReader::Open(Env::Default(), dir + ".partial", **verifier)
                .status()
                .code(),
            absl::StatusCode::kNotFound);
  // The next run clears the leftover and starts again.
  auto again = BackupWriter::Create(Env::Default(), dir);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ((*again)->entries(), 0u);
}

TEST(BackupWriter, AContentThatDoesNotMatchItsDigestIsRefused) {
  const std::string dir = TempPath("mismatch");
  auto writer = BackupWriter::Create(Env::Default(), dir);
  ASSERT_TRUE(writer.ok()) << writer.status();
  std::string hex = Sha256::HexDigest("expected");
  auto blob = (*writer)->NewBlob(hex, 8);
  ASSERT_TRUE(blob.ok());
  ASSERT_TRUE((*blob)->Append("tampered").ok());
  EXPECT_EQ((*blob)->Finish().code(), absl::StatusCode::kDataLoss);
  EXPECT_FALSE((*writer)->HasBlob(hex));
  EXPECT_FALSE(
      std::filesystem::exists(dir + ".partial/" + BackupBlobPath(hex)));
  auto longer = (*writer)->NewBlob(hex, 3);
  ASSERT_TRUE(longer.ok());
  EXPECT_EQ((*longer)->Append("expected").code(), absl::StatusCode::kDataLoss);
}

TEST(BackupWriter, AnExistingDirectoryIsNeverWrittenInto) {
  const std::string dir = TempPath("exists");
  std::filesystem::create_directories(dir);
  EXPECT_EQ(BackupWriter::Create(Env::Default(), dir).status().code(),
            absl::StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace archive
