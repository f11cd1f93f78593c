#include "storage/backup/backup_writer.h"

#include <filesystem>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "storage/base/hex.h"

namespace archive {
namespace {

// Marks a directory as a backup being written, so a later run may remove it.
constexpr char kInProgress[] = ".backup-in-progress";

}  // namespace

absl::StatusOr<std::unique_ptr<BackupWriter>> BackupWriter::Create(
    Env* env, const std::string& dir) {
  if (env->FileExists(dir)) {
    return absl::FailedPreconditionError(absl::StrCat(
        dir, " already exists: a backup goes into a new directory"));
  }
  std::string partial = dir + ".partial";
  if (env->FileExists(partial)) {
    if (!env->FileExists(partial + "/" + kInProgress)) {
      return absl::FailedPreconditionError(
          absl::StrCat(partial, " exists and is not an unfinished backup"));
    }
    // An interrupted run's leftovers: never complete, safe to drop.
    std::error_code ignored;
    std::filesystem::remove_all(partial, ignored);
  }
  if (absl::Status s = env->CreateDirs(partial + "/blobs"); !s.ok()) return s;
  std::unique_ptr<BackupWriter> writer(new BackupWriter(env, dir, partial));
  if (absl::Status s = writer->WriteWholeFile(kInProgress, ""); !s.ok()) {
    return s;
  }
  auto log = env->NewWritableFile(partial + "/" + kBackupLogFile);
  if (!log.ok()) return log.status();
  writer->log_ = std::move(*log);
  return writer;
}

BackupWriter::~BackupWriter() {
  if (log_ != nullptr) log_->Close().IgnoreError();
}

absl::Status BackupWriter::AddEntry(absl::string_view signed_statement) {
  if (signed_statement.size() > UINT32_MAX) {
    return absl::InvalidArgumentError("a log entry larger than 4 GiB");
  }
  std::string framed = FrameLogEntry(signed_statement);
  log_hash_.Update(framed);
  ++entries_;
  return log_->Append(framed);
}

void BackupWriter::Listed(std::string path, std::string sha256_hex) {
  manifest_.emplace_back(std::move(path), std::move(sha256_hex));
}

absl::StatusOr<std::unique_ptr<BackupWriter::Blob>> BackupWriter::NewBlob(
    const std::string& sha256_hex, uint64_t size) {
  if (sha256_hex.size() != 64) {
    return absl::InvalidArgumentError(
        absl::StrCat("not a SHA-256 digest: ", sha256_hex));
  }
  std::string sub = absl::StrCat(partial_, "/blobs/", sha256_hex.substr(0, 2));
  if (blob_dirs_.insert(sub).second) {
    if (absl::Status s = env_->CreateDirs(sub); !s.ok()) return s;
  }
  auto file = env_->NewWritableFile(
      absl::StrCat(partial_, "/", BackupBlobPath(sha256_hex)));
  if (!file.ok()) return file.status();
  return std::unique_ptr<Blob>(
      new Blob(this, sha256_hex, size, std::move(*file)));
}

absl::Status BackupWriter::Blob::Append(absl::string_view data) {
  written_ += data.size();
  if (written_ > size_) {
    return absl::DataLossError(absl::StrCat(
        "content sha256:", hex_, " is longer than its ", size_, " bytes"));
  }
  hash_.Update(data);
  return file_->Append(data);
}

absl::Status BackupWriter::Blob::Finish() {
  std::string path = absl::StrCat(owner_->partial_, "/", BackupBlobPath(hex_));
  absl::Status s = written_ == size_ && ToHex(hash_.Finish()) == hex_
                       ? absl::OkStatus()
                       : absl::DataLossError(absl::StrCat(
                             "content sha256:", hex_, " arrived as ", written_,
                             " bytes that do not hash to its digest"));
  if (s.ok()) s = file_->Sync();
  absl::Status closed = file_->Close();
  if (s.ok()) s = closed;
  if (!s.ok()) {
    owner_->env_->RemoveFile(path).IgnoreError();
    return s;
  }
  owner_->blobs_.insert(hex_);
  owner_->blob_bytes_ += size_;
  owner_->Listed(BackupBlobPath(hex_), hex_);
  return absl::OkStatus();
}

absl::Status BackupWriter::WriteWholeFile(const std::string& name,
                                          absl::string_view data) {
  auto file = env_->NewWritableFile(partial_ + "/" + name);
  if (!file.ok()) return file.status();
  absl::Status s = (*file)->Append(data);
  if (s.ok()) s = (*file)->Sync();
  absl::Status closed = (*file)->Close();
  return s.ok() ? closed : s;
}

absl::Status BackupWriter::Finish(const std::string& checkpoint_note,
                                  BackupInfo info) {
  absl::Status s = log_->Sync();
  if (s.ok()) s = log_->Close();
  log_.reset();
  if (!s.ok()) return s;
  Listed(kBackupLogFile, ToHex(log_hash_.Finish()));
  if (s = WriteWholeFile(kBackupCheckpointFile, checkpoint_note); !s.ok()) {
    return s;
  }
  Listed(kBackupCheckpointFile, Sha256::HexDigest(checkpoint_note));
  std::string manifest;
  for (const auto& [path, hex] : manifest_) {
    absl::StrAppend(&manifest, hex, "  ", path, "\n");
  }
  if (s = WriteWholeFile(kBackupManifestFile, manifest); !s.ok()) return s;
  info.log_size = entries_;
  info.blobs = blobs_.size();
  info.blob_bytes = blob_bytes_;
  if (s = WriteWholeFile(kBackupInfoFile, EncodeBackupInfo(info)); !s.ok()) {
    return s;
  }
  for (const std::string& sub : blob_dirs_) {
    if (s = env_->SyncDir(sub); !s.ok()) return s;
  }
  if (s = env_->SyncDir(partial_ + "/blobs"); !s.ok()) return s;
  if (s = env_->RemoveFile(partial_ + "/" + kInProgress); !s.ok()) return s;
  if (s = env_->SyncDir(partial_); !s.ok()) return s;
  if (s = env_->RenameFile(partial_, dir_); !s.ok()) return s;
  std::string parent = std::filesystem::path(dir_).parent_path().string();
  if (s = env_->SyncDir(parent.empty() ? "." : parent); !s.ok()) return s;
  return absl::OkStatus();
}

}  // namespace archive
