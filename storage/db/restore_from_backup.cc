#include "storage/db/restore_from_backup.h"

#include <memory>
#include <vector>

#include "absl/strings/str_cat.h"
#include "storage/backup/backup_reader.h"
#include "storage/base/file_hash.h"
#include "storage/db/identity.h"
#include "storage/db/signing_hold.h"
#include "storage/verify/note_verifier.h"

namespace archive {
namespace {

// Entries imported per batch: one fsync and one checkpoint each.
constexpr size_t kEntriesPerBatch = 512;

absl::Status CheckTarget(Env* env, const std::string& data_dir) {
  if (!env->FileExists(data_dir + "/keys/signing.pem")) {
    return absl::FailedPreconditionError(
        absl::StrCat(data_dir,
                     "/keys/signing.pem is missing: copy keys/ from the key "
                     "backup into ",
                     data_dir,
                     "/keys first (a restored archive must "
                     "sign with the key its log was signed with)"));
  }
  if (env->FileExists(data_dir + "/meta/CURRENT") &&
      !env->FileExists(SigningHoldPath(data_dir))) {
    return absl::FailedPreconditionError(
        absl::StrCat(data_dir,
                     " already holds an archive: restore into a new data "
                     "directory"));
  }
  return absl::OkStatus();
}

// Copies one content into the archive's blob store, which re-hashes it.
absl::Status StoreBlob(Archive& archive, const BackupReader& backup,
                       const std::string& hex, uint64_t size) {
  if (archive.blobs().Contains(hex)) return absl::OkStatus();
  auto writer = archive.blobs().NewWriter(hex, size);
  if (!writer.ok()) return writer.status();
  absl::Status appended;
  uint64_t read = 0;
  auto digest =
      Sha256File(backup.BlobPath(hex), &read, [&](absl::string_view chunk) {
        if (appended.ok()) {
          appended = (*writer)->Append(chunk);
        }
      });
  if (!digest.ok()) return digest.status();
  if (!appended.ok()) return appended;
  return (*writer)->Commit(hex, size).status();
}

absl::Status ImportBatch(Archive& archive, std::vector<PeerEntry>& batch) {
  if (batch.empty()) return absl::OkStatus();
  std::vector<absl::StatusOr<CommitResult>> results =
      archive.ImportAll(std::move(batch));
  batch.clear();
  for (const auto& r : results) {
    if (!r.ok()) return r.status();
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<RestoreSummary> RestoreFromBackup(
    const std::string& backup_dir, const ArchiveOptions& options) {
  Env* env = options.env;
  if (absl::Status s = CheckTarget(env, options.data_dir); !s.ok()) return s;
  auto key = LoadOrCreateIdentity(env, options.data_dir, options.origin);
  if (!key.ok()) return key.status();
  auto verifier = VerifierKey::Parse((*key)->VerifierKey());
  if (!verifier.ok()) return verifier.status();
  auto backup = BackupReader::Open(env, backup_dir, **verifier);
  if (!backup.ok()) return backup.status();
  // Before the first entry is signed again: a restore cut short must not
  // leave an archive that signs on top of a partial log.
  if (absl::Status s =
          WriteSigningHold(env, options.data_dir, backup->checkpoint_note());
      !s.ok()) {
    return s;
  }
  auto archive = Archive::Open(options);
  if (!archive.ok()) return archive.status();
  RestoreSummary summary;
  for (const auto& [hex, size] : backup->blobs()) {
    if (absl::Status s = StoreBlob(**archive, *backup, hex, size); !s.ok()) {
      return absl::Status(
          s.code(),
          absl::StrCat("restoring content sha256:", hex, ": ", s.message()));
    }
    summary.blobs++;
    summary.blob_bytes += size;
  }
  std::vector<PeerEntry> batch;
  absl::Status s = backup->ForEachEntry([&](std::string signed_statement) {
    batch.push_back(
        PeerEntry{std::move(signed_statement), nullptr, {}, summary.entries});
    summary.entries++;
    return batch.size() < kEntriesPerBatch ? absl::OkStatus()
                                           : ImportBatch(**archive, batch);
  });
  if (s.ok()) s = ImportBatch(**archive, batch);
  if (!s.ok()) return s;
  SignedCheckpoint restored = (*archive)->LatestCheckpoint();
  if (restored.size != backup->info().log_size ||
      restored.root != backup->info().root) {
    return absl::DataLossError(absl::StrCat(
        "the restored log has ", restored.size,
        " entries and another root than the backup's checkpoint of ",
        backup->info().log_size, ": restore into a new data directory"));
  }
  summary.checkpoint_note = backup->checkpoint_note();
  return summary;
}

}  // namespace archive
