#include "storage/db/leveldb_status.h"

#include <sys/statvfs.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "storage/base/env.h"

namespace archive {
namespace {

bool SaysDiskFull(const std::string& message) {
  return IsDiskFull(absl::ResourceExhaustedError(message));
}

}  // namespace

absl::Status FromLevelDb(const leveldb::Status& s) {
  return FromLevelDb(s, "");
}

absl::Status FromLevelDb(const leveldb::Status& s, absl::string_view context) {
  if (s.ok()) return absl::OkStatus();
  std::string message = context.empty()
                            ? s.ToString()
                            : absl::StrCat(context, ": ", s.ToString());
  if (s.IsNotFound()) return absl::NotFoundError(message);
  if (s.IsCorruption()) return absl::DataLossError(message);
  if (SaysDiskFull(message)) return absl::ResourceExhaustedError(message);
  return absl::InternalError(message);
}

absl::Status OpenFailure(const std::string& path, const leveldb::Status& s) {
  std::string message = s.ToString();
  if (SaysDiskFull(message)) {
    struct statvfs fs;
    std::string free_bytes = "unknown";
    if (::statvfs(path.c_str(), &fs) == 0) {
      free_bytes =
          absl::StrCat(static_cast<uint64_t>(fs.f_bavail) * fs.f_frsize);
    }
    return absl::ResourceExhaustedError(absl::StrCat(
        "cannot open metadata store ", path, ": the disk is full (", free_bytes,
        " bytes free): recovering the store's log needs room for it; free "
        "space on that file system and start again (",
        message, ")"));
  }
  // LevelDB's lock: "IO error: lock DIR/LOCK: Resource temporarily
  // unavailable" (another process) or "already held by process" (this one).
  bool locked = s.IsIOError() && absl::StrContains(message, "/LOCK");
  return absl::FailedPreconditionError(absl::StrCat(
      "cannot open metadata store ", path, ": ", message,
      locked ? " (is another archived using this data directory?)" : ""));
}

}  // namespace archive
