// What a client trusts and remembers: verifier keys of archives (one per line
// in a trust file, "<name>+<hex id>+<base64 key>"; blank lines and "#" comments
// ignored), and per origin the newest checkpoint it has verified, so a later
// answer that forks or shrinks the log is caught. The server's sync keeps the
// same two things per peer.
#ifndef ARCHIVE_STORAGE_VERIFY_TRUST_STORE_H_
#define ARCHIVE_STORAGE_VERIFY_TRUST_STORE_H_

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "storage/verify/note_verifier.h"

namespace archive {

// Const methods (Find, empty) may be called concurrently, which is how the
// ReceiptChecker and the server's sync share one store; AddKey and Pin change
// it and must not overlap any other call. Find returns a key owned by the
// store, valid until the store is destroyed. A store is a value: sync re-reads
// the trust file into a new one rather than mutating a shared one.
class TrustStore {
 public:
  // Reads `path` (a regular file, or a link to one, of at most 1 MiB); a
  // missing file is an empty store. A malformed line is INVALID_ARGUMENT
  // naming the file and line; a device, FIFO, directory or larger file is
  // FAILED_PRECONDITION.
  static absl::StatusOr<TrustStore> Load(const std::string& path);

  // The key trusted for `origin`, or nullptr.
  const VerifierKey* Find(const std::string& origin) const;
  bool empty() const { return keys_.empty(); }

  // Trusts a key for this process only (e.g. the server's own key, or a peer's
  // key pinned in its configuration). INVALID_ARGUMENT for a malformed key or
  // if a different key is trusted for the name; OK if this key already is.
  absl::Status AddKey(const std::string& verifier_key);

  // Trust on first use: appends the key line to the file and trusts it.
  // PERMISSION_DENIED if a different key is already trusted for that name
  // (OK, and no write, if this key is); INVALID_ARGUMENT for a malformed key;
  // the file's error (see AppendLine) if it cannot be written.
  absl::Status Pin(const std::string& verifier_key);

  const std::string& path() const { return path_; }
  // Every trusted key as its verifier key string, ordered by name.
  std::vector<std::string> VerifierKeys() const;

 private:
  std::string path_;
  std::map<std::string, std::shared_ptr<VerifierKey>> keys_;
};

// The newest verified checkpoint note per origin, kept as files
// "<dir>/<OriginFileName(origin)>" (storage/origin.h), so whatever origin a
// server claims names one file inside `dir`. Files written by older clients
// under the plain origin are still read.
//
// Keeps no state but `dir`, so it may be used from any thread; files go
// through Env::Default(). Concurrent Saves of one origin each replace the file
// atomically; the last one wins.
class SeenCheckpoints {
 public:
  explicit SeenCheckpoints(std::string dir) : dir_(std::move(dir)) {}
  // nullopt if this origin was never seen. FAILED_PRECONDITION naming the
  // file if what is there is not a regular file of at most 64 KiB (a planted
  // link, a device, a FIFO).
  absl::StatusOr<std::optional<std::string>> Load(
      const std::string& origin) const;
  // Replaces the file atomically and durably, creating `dir` if needed; the
  // Env's error (e.g. RESOURCE_EXHAUSTED, PERMISSION_DENIED) if it cannot.
  absl::Status Save(const std::string& origin,
                    const std::string& checkpoint_note) const;
  // Where the checkpoint of `origin` is kept.
  std::string PathFor(const std::string& origin) const;

 private:
  std::string LegacyPathFor(const std::string& origin) const;
  std::string dir_;
};

// $XDG_CONFIG_HOME/archivectl (or ~/.config/archivectl).
std::string DefaultClientConfigDir();

}  // namespace archive

#endif  // ARCHIVE_STORAGE_VERIFY_TRUST_STORE_H_
