#include "storage/backup/backup_layout.h"

#include <map>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace archive {

std::string EncodeBackupInfo(const BackupInfo& info) {
  return absl::StrCat("format: ", kBackupFormat, "\norigin: ", info.origin,
                      "\nlog-size: ", info.log_size,
                      "\nroot: ", absl::Base64Escape(info.root),
                      "\ncreated: ", info.created, "\nblobs: ", info.blobs,
                      "\nblob-bytes: ", info.blob_bytes, "\n");
}

absl::StatusOr<BackupInfo> DecodeBackupInfo(absl::string_view text) {
  std::map<std::string, std::string> fields;
  int n = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n', absl::SkipEmpty())) {
    ++n;
    std::vector<std::string> kv =
        absl::StrSplit(line, absl::MaxSplits(": ", 1));
    if (kv.size() != 2) {
      return absl::InvalidArgumentError(
          absl::StrCat(kBackupInfoFile, " line ", n, ": expected NAME: VALUE"));
    }
    fields[kv[0]] = kv[1];
  }
  for (const char* name : {"format", "origin", "log-size", "root", "created",
                           "blobs", "blob-bytes"}) {
    if (!fields.count(name)) {
      return absl::InvalidArgumentError(
          absl::StrCat(kBackupInfoFile, " has no ", name));
    }
  }
  if (fields["format"] != kBackupFormat) {
    return absl::InvalidArgumentError(absl::StrCat(kBackupInfoFile, ": format ",
                                                   fields["format"], " is not ",
                                                   kBackupFormat));
  }
  BackupInfo info;
  info.origin = fields["origin"];
  info.created = fields["created"];
  if (!absl::SimpleAtoi(fields["log-size"], &info.log_size) ||
      !absl::SimpleAtoi(fields["blobs"], &info.blobs) ||
      !absl::SimpleAtoi(fields["blob-bytes"], &info.blob_bytes) ||
      !absl::Base64Unescape(fields["root"], &info.root) ||
      info.root.size() != 32) {
    return absl::InvalidArgumentError(
        absl::StrCat(kBackupInfoFile, ": a malformed number or root"));
  }
  return info;
}

std::string BackupBlobPath(absl::string_view sha256_hex) {
  return absl::StrCat("blobs/", sha256_hex.substr(0, 2), "/", sha256_hex);
}

std::string FrameLogEntry(absl::string_view signed_statement) {
  uint32_t n = static_cast<uint32_t>(signed_statement.size());
  std::string out;
  out.reserve(4 + n);
  for (int shift = 24; shift >= 0; shift -= 8) {
    out.push_back(static_cast<char>((n >> shift) & 0xFF));
  }
  out.append(signed_statement.data(), signed_statement.size());
  return out;
}

}  // namespace archive
