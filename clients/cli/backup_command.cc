// archivectl backup DIR: an online snapshot of the whole archive at its latest
// checkpoint, checked as it is written. The log is append-only and contents
// are immutable, so the entries below a checkpoint and the contents they name
// are a consistent snapshot however long the copy takes and whatever puts go
// on meanwhile: no server-side snapshot is needed.
#include <iostream>
#include <map>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "clients/cli/cli_output.h"
#include "clients/cli/commands.h"
#include "storage/backup/backup_writer.h"
#include "storage/format/merkle.h"
#include "storage/format/signed_note.h"
#include "storage/format/statement.h"

namespace archive {
namespace cli {
namespace {

// The server's entries below `size`, written to `writer` in order, their
// leaves hashed into `tree` and the contents they name collected.
absl::Status CopyLog(Context& c, uint64_t size, BackupWriter& writer,
                     MerkleRootBuilder& tree,
                     std::map<std::string, uint64_t>& contents) {
  while (tree.size() < size) {
    uint64_t before = tree.size();
    absl::Status s = c.client.ReadLog(
        tree.size(), size, [&](const v1::ReadLogResponse& e) -> absl::Status {
          if (e.index() != tree.size()) {
            return absl::DataLossError(
                absl::StrCat("the server sent log entry ", e.index(),
                             " where entry ", tree.size(), " belongs"));
          }
          auto note = ParseNote(e.signed_statement());
          if (!note.ok()) return note.status();
          auto statement = ParseStatement(note->text);
          if (!statement.ok()) return statement.status();
          tree.AppendLeafHash(MerkleLeafHash(note->text));
          contents[statement->content_sha256] = statement->content_size;
          return writer.AddEntry(e.signed_statement());
        });
    if (!s.ok()) return s;
    if (tree.size() == before) {
      return absl::DataLossError(absl::StrCat("the server's log ends at ",
                                              before,
                                              " entries, short of its "
                                              "checkpoint of ",
                                              size));
    }
  }
  return absl::OkStatus();
}

absl::Status CopyContent(Context& c, BackupWriter& writer,
                         const std::string& hex, uint64_t size) {
  auto blob = writer.NewBlob(hex, size);
  if (!blob.ok()) return blob.status();
  absl::Status s = c.client.GetBlob(
      hex, [&](absl::string_view chunk) { return (*blob)->Append(chunk); });
  if (!s.ok()) return s;
  return (*blob)->Finish();
}

}  // namespace

absl::Status RunBackup(Context& c) {
  const std::string& dir = c.args.positional()[0];
  std::string note;
  // Verified against the pinned key and consistent with what was seen before.
  auto checkpoint = c.verifier.LatestCheckpoint(&note);
  if (!checkpoint.ok()) return checkpoint.status();
  auto writer = BackupWriter::Create(Env::Default(), dir);
  if (!writer.ok()) return writer.status();
  MerkleRootBuilder tree;
  std::map<std::string, uint64_t> contents;
  if (absl::Status s = CopyLog(c, checkpoint->size, **writer, tree, contents);
      !s.ok()) {
    return s;
  }
  if (tree.Root() != checkpoint->root_hash) {
    return absl::DataLossError(absl::StrCat(
        "the server's ", checkpoint->size,
        " log entries do not hash to the root of its checkpoint: nothing "
        "was backed up"));
  }
  uint64_t bytes = 0;
  for (const auto& [hex, size] : contents) {
    if (absl::Status s = CopyContent(c, **writer, hex, size); !s.ok()) {
      return absl::Status(
          s.code(), absl::StrCat("content sha256:", hex, ": ", s.message()));
    }
    bytes += size;
  }
  BackupInfo info;
  info.origin = checkpoint->origin;
  info.root = checkpoint->root_hash;
  info.created =
      absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", absl::Now(), absl::UTCTimeZone());
  if (absl::Status s = (*writer)->Finish(note, info); !s.ok()) return s;
  if (c.json) {
    Json j;
    j["dir"] = dir;
    j["origin"] = checkpoint->origin;
    j["log_size"] = checkpoint->size;
    j["contents"] = contents.size();
    j["bytes"] = bytes;
    j["checkpoint"] = note;
    PrintJson(j);
  } else {
    std::cout << "backed up " << checkpoint->origin << " at its checkpoint of "
              << checkpoint->size << " entries into " << dir << "\n"
              << "  contents  " << contents.size() << " (" << HumanSize(bytes)
              << "), every one re-hashed; the log checked against the "
                 "checkpoint\n"
              << "  not included: the private key (back up DATA_DIR/keys/ "
                 "apart, offline)\n";
  }
  return absl::OkStatus();
}

}  // namespace cli
}  // namespace archive
