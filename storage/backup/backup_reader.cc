#include "storage/backup/backup_reader.h"

#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "storage/base/file_hash.h"
#include "storage/format/merkle.h"
#include "storage/format/signed_note.h"
#include "storage/format/statement.h"
#include "storage/verify/proof_verifier.h"

namespace archive {
namespace {

absl::Status Lost(absl::string_view what) {
  return absl::DataLossError(absl::StrCat("the backup is damaged: ", what));
}

// Reads exactly n bytes from `file`, or fewer at its end.
absl::StatusOr<std::string> ReadUpTo(SequentialFile& file, size_t n) {
  std::string out;
  std::string scratch(n, '\0');
  while (out.size() < n) {
    auto got = file.Read(n - out.size(), scratch.data());
    if (!got.ok()) return got.status();
    if (got->empty()) break;
    out.append(got->data(), got->size());
  }
  return out;
}

}  // namespace

absl::StatusOr<BackupReader> BackupReader::Open(Env* env,
                                                const std::string& dir,
                                                const VerifierKey& key) {
  BackupReader reader(env, dir);
  auto info_text = env->ReadFile(dir + "/" + kBackupInfoFile);
  if (!info_text.ok()) {
    return absl::NotFoundError(absl::StrCat(
        dir, " holds no finished backup (no ", kBackupInfoFile, ")"));
  }
  auto info = DecodeBackupInfo(*info_text);
  if (!info.ok()) return Lost(info.status().message());
  reader.info_ = std::move(*info);
  if (reader.info_.origin != key.name()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the backup is of ", reader.info_.origin, ", not of ", key.name()));
  }
  if (absl::Status s = reader.CheckManifest(); !s.ok()) return s;
  auto note = env->ReadFile(dir + "/" + kBackupCheckpointFile);
  if (!note.ok()) return Lost(note.status().message());
  auto text = VerifyNote(*note, key);
  if (!text.ok()) return text.status();
  auto checkpoint = ParseCheckpoint(*text);
  if (!checkpoint.ok()) return Lost(checkpoint.status().message());
  if (checkpoint->size != reader.info_.log_size ||
      checkpoint->root_hash != reader.info_.root) {
    return Lost("its checkpoint and its backup-info.txt disagree");
  }
  reader.checkpoint_note_ = std::move(*note);
  reader.root_ = checkpoint->root_hash;
  if (absl::Status s = reader.CheckLog(); !s.ok()) return s;
  return reader;
}

absl::Status BackupReader::CheckManifest() {
  auto manifest = env_->ReadFile(dir_ + "/" + kBackupManifestFile);
  if (!manifest.ok()) return Lost(manifest.status().message());
  for (absl::string_view line :
       absl::StrSplit(*manifest, '\n', absl::SkipEmpty())) {
    std::vector<std::string> parts =
        absl::StrSplit(line, absl::MaxSplits("  ", 1));
    if (parts.size() != 2 || parts[0].size() != 64 ||
        absl::StrContains(parts[1], "..")) {
      return Lost(absl::StrCat(kBackupManifestFile, ": a malformed line"));
    }
    std::string path = dir_ + "/" + parts[1];
    uint64_t size = 0;
    auto hex = Sha256File(path, &size);
    if (!hex.ok()) return Lost(hex.status().message());
    if (*hex != parts[0]) {
      return Lost(absl::StrCat(parts[1],
                               " does not hash to its manifest "
                               "entry"));
    }
    if (absl::StartsWith(parts[1], "blobs/")) {
      std::string digest = parts[1].substr(parts[1].rfind('/') + 1);
      if (digest != parts[0]) {
        return Lost(absl::StrCat(parts[1], " is not named by its digest"));
      }
      blobs_[digest] = size;
    }
    manifest_[parts[1]] = parts[0];
  }
  for (const char* file : {kBackupLogFile, kBackupCheckpointFile}) {
    if (!manifest_.count(file)) {
      return Lost(absl::StrCat(kBackupManifestFile, " does not list ", file));
    }
  }
  if (blobs_.size() != info_.blobs) {
    return Lost(absl::StrCat(kBackupManifestFile, " lists ", blobs_.size(),
                             " contents, ", kBackupInfoFile, " ", info_.blobs));
  }
  return absl::OkStatus();
}

absl::Status BackupReader::CheckLog() {
  MerkleRootBuilder tree;
  absl::Status s = ForEachEntry([&](std::string signed_statement) {
    auto note = ParseNote(signed_statement);
    if (!note.ok()) return note.status();
    auto statement = ParseStatement(note->text);
    if (!statement.ok()) return statement.status();
    auto blob = blobs_.find(statement->content_sha256);
    if (blob == blobs_.end() || blob->second != statement->content_size) {
      return Lost(
          absl::StrCat("log entry ", tree.size(), " names content sha256:",
                       statement->content_sha256, " the backup does not hold"));
    }
    tree.AppendLeafHash(MerkleLeafHash(note->text));
    return absl::OkStatus();
  });
  if (!s.ok()) return s;
  if (tree.size() != info_.log_size || tree.Root() != root_) {
    return Lost(absl::StrCat("its ", tree.size(),
                             " log entries do not form the tree of its "
                             "checkpoint (",
                             info_.log_size, " entries)"));
  }
  return absl::OkStatus();
}

absl::Status BackupReader::ForEachEntry(
    const std::function<absl::Status(std::string signed_statement)>& entry)
    const {
  auto file = env_->NewSequentialFile(dir_ + "/" + kBackupLogFile);
  if (!file.ok()) return Lost(file.status().message());
  uint64_t index = 0;
  while (true) {
    auto prefix = ReadUpTo(**file, 4);
    if (!prefix.ok()) return prefix.status();
    if (prefix->empty()) return absl::OkStatus();
    if (prefix->size() != 4) return Lost("the log ends inside an entry");
    uint32_t n = 0;
    for (unsigned char c : *prefix) n = (n << 8) | c;
    auto body = ReadUpTo(**file, n);
    if (!body.ok()) return body.status();
    if (body->size() != n) return Lost("the log ends inside an entry");
    if (absl::Status s = entry(std::move(*body)); !s.ok()) {
      return absl::Status(s.code(),
                          absl::StrCat("log entry ", index, ": ", s.message()));
    }
    ++index;
  }
}

}  // namespace archive
