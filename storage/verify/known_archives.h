// Trust on first use per address, like ssh's known_hosts: the first time
// archivectl pins an archive's key it also notes which address served it, in
// a file beside the trust file ("<config>/known_archives"), one line per
// address:
//   <HOST:PORT> <verifier key of the archive first met there>
// Blank lines and "#" comments are ignored. A later answer from that address
// under another origin, or signed by another key, is refused with a message
// saying what changed, instead of pinning the newcomer too.
#ifndef ARCHIVE_STORAGE_VERIFY_KNOWN_ARCHIVES_H_
#define ARCHIVE_STORAGE_VERIFY_KNOWN_ARCHIVES_H_

#include <map>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "storage/verify/note_verifier.h"

namespace archive {

// Not thread-safe: Pin changes the in-memory map and appends to the file, so
// use one KnownArchives from one thread (archivectl does); const methods may
// run concurrently when nothing calls Pin. Find returns a pointer owned by
// this object, valid until it is destroyed. Two processes pinning at once
// each replace the file atomically; the last one's line wins.
class KnownArchives {
 public:
  // Reads `path` (a regular file or a link to one); a missing file knows no
  // archive. A malformed line is INVALID_ARGUMENT naming the file and line;
  // FAILED_PRECONDITION if `path` is a device, FIFO or directory, or over
  // 1 MiB (see ReadRegularFile).
  static absl::StatusOr<KnownArchives> Load(const std::string& path);

  // The key pinned for `address`, or nullptr.
  const VerifierKey* Find(const std::string& address) const;

  // OK if nothing is pinned for `address` or the signed note `note` it served
  // (a checkpoint) carries a signature by the pinned key's name and id (the
  // signature itself is checked by whoever verifies the note; a note that
  // does not parse is OK here for the same reason).
  // PERMISSION_DENIED otherwise, saying what changed (the origin, or the key
  // for the same origin) and which line to remove if the change is expected.
  absl::Status Check(const std::string& address, const std::string& note) const;

  // Appends "<address> <verifier_key>" to the file and remembers it. OK if
  // exactly this is known; PERMISSION_DENIED if another key is pinned for
  // `address`; INVALID_ARGUMENT for a malformed key; the file's error (see
  // AppendLine) if it cannot be written, and then nothing is remembered.
  absl::Status Pin(const std::string& address, const std::string& verifier_key);

  const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::map<std::string, std::shared_ptr<VerifierKey>> keys_;
};

}  // namespace archive

#endif  // ARCHIVE_STORAGE_VERIFY_KNOWN_ARCHIVES_H_
