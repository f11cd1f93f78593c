// BagIt bags (RFC 8493, BagIt 1.0): writing one and validating one, whatever
// the payload means (archive_bag.h gives the Policy Archive's payload layout).
//
// A bag written here has bagit.txt (BagIt-Version 1.0, UTF-8), data/ with the
// payload, manifest-sha256.txt over every payload file, bag-info.txt (the
// caller's labels plus Bagging-Date and Payload-Oxum) and
// tagmanifest-sha256.txt over every other tag file. It is assembled in a
// sibling temporary directory and renamed into place only when complete, so a
// failed export leaves nothing that looks like a bag.
//
// Validation is complete in the RFC's sense (§3): every file a manifest names
// exists, every payload file is in every payload manifest, every checksum
// matches, Payload-Oxum matches, and every tag file is in the tag manifest and
// matches. Errors name the file and what is wrong with it.
//
// Thread-safe: the free functions keep no state and may be called
// concurrently (ValidateBag only reads the bag). A BagWriter is not: use it
// from one thread.
#ifndef ARCHIVE_CLIENTS_BAGIT_BAGIT_H_
#define ARCHIVE_CLIENTS_BAGIT_BAGIT_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "storage/base/env.h"

namespace archive {

// RFC 8493 §2.1.3: in a manifest line a path's CR, LF and "%" are written
// %0D, %0A and %25 (nothing else is encoded).
std::string EncodeManifestPath(absl::string_view path);
// The inverse; INVALID_ARGUMENT for a "%" not followed by 0D, 0A or 25 (either
// case of hex digits).
absl::StatusOr<std::string> DecodeManifestPath(absl::string_view encoded);

// A file name that is safe for any string, e.g. a document id with "/", ".."
// or non-ASCII bytes: every byte outside [A-Za-z0-9_-] is percent-encoded
// ("%2F", uppercase hex), so the result is never "", "." or "..", never holds
// a "/" and is the same on every file system. A result longer than
// kMaxSafeNameBytes keeps its first part and ends in "~" and 16 hex digits of
// the name's SHA-256 ("~" is itself always encoded, so this cannot collide
// with a short name).
inline constexpr size_t kMaxSafeNameBytes = 200;
std::string SafeFileName(absl::string_view name);

// One "Label: value" of bag-info.txt.
struct BagInfoEntry {
  std::string label;
  std::string value;
};

// Parses bag-info.txt (RFC 8493 §2.2.2): "Label: value" lines; a line starting
// with a space or tab continues the previous value. Any line ending (LF, CRLF,
// CR). INVALID_ARGUMENT naming the line otherwise.
absl::StatusOr<std::vector<BagInfoEntry>> ParseBagInfo(absl::string_view text);

// Writes one bag. The Env is not owned and must outlive the writer. The
// temporary directory is "<dir>.partial-<pid>", so do not have two writers
// for the same `dir` in one process: the second removes the first's.
//
// Errors: ALREADY_EXISTS and INVALID_ARGUMENT as noted below; anything else
// is the Env's (e.g. RESOURCE_EXHAUSTED for a full disk) or, in Finish, from
// listing and hashing the files it wrote (NOT_FOUND, DATA_LOSS).
class BagWriter {
 public:
  // Starts a bag to be placed at `dir`. Refuses (ALREADY_EXISTS) if `dir`
  // exists and is not an empty directory. The bag is written in a temporary
  // directory next to `dir`.
  static absl::StatusOr<std::unique_ptr<BagWriter>> Create(
      const std::string& dir, Env* env = Env::Default());
  ~BagWriter();  // removes the temporary directory unless Finish() succeeded

  // Where payload file data/<relative> is to be written; creates its parent
  // directories. `relative` uses "/" and must not be absolute or hold "." or
  // ".." components (INVALID_ARGUMENT).
  absl::StatusOr<std::string> PayloadPath(const std::string& relative);
  // Writes payload file data/<relative> (durably).
  absl::Status WritePayload(const std::string& relative,
                            absl::string_view contents);
  // Writes a tag file in the bag's top directory (not one of the files this
  // writer makes itself). INVALID_ARGUMENT for a name holding "/", "data",
  // bagit.txt, bag-info.txt or a manifest or tag manifest name.
  absl::Status WriteTagFile(const std::string& name,
                            absl::string_view contents);
  // A bag-info.txt entry, in the order given. Values must be one line: CR and
  // LF in `value` are replaced by spaces. `label` is used as given.
  void AddInfo(std::string label, std::string value);

  // Hashes every payload file, writes manifest-sha256.txt, bag-info.txt
  // (adding Bagging-Date and Payload-Oxum), bagit.txt and
  // tagmanifest-sha256.txt, syncs everything and renames the bag into place.
  // Call it once; on failure nothing is at `dir` and the destructor removes
  // the temporary directory.
  absl::Status Finish();

  // Total size and number of payload files (valid after Finish()).
  uint64_t payload_bytes() const { return payload_bytes_; }
  uint64_t payload_files() const { return payload_files_; }

 private:
  BagWriter(Env* env, std::string dir, std::string temp)
      : env_(env), dir_(std::move(dir)), temp_(std::move(temp)) {}
  absl::Status WriteFile(const std::string& path, absl::string_view contents);

  Env* env_;
  std::string dir_;
  std::string temp_;
  std::vector<BagInfoEntry> info_;
  uint64_t payload_bytes_ = 0;
  uint64_t payload_files_ = 0;
  bool finished_ = false;
};

// A bag that passed ValidateBag.
struct ValidBag {
  struct File {
    std::string sha256;  // lowercase hex
    uint64_t size = 0;
  };
  std::string dir;
  std::vector<BagInfoEntry> info;       // bag-info.txt, in order (may be empty)
  std::map<std::string, File> payload;  // "data/..." -> digest and size
  std::vector<std::string> tag_manifests;  // e.g. "tagmanifest-sha256.txt"
  uint64_t payload_bytes = 0;

  // The first value given for `label` (labels compare case-insensitively), or
  // "".
  std::string Info(absl::string_view label) const;
};

// Validates the bag at `dir` completely (see the file comment). Payload
// manifests other than SHA-256 are refused as unsupported, as is fetch.txt (a
// bag that still needs fetching is not complete). Symbolic links and special
// files are refused: a bag is plain files.
//
// Errors: INVALID_ARGUMENT for something that is not a well-formed bag (no
// readable bagit.txt, which includes `dir` not existing; a malformed tag file
// or manifest line; a path leaving the bag; a link or special file; no data/
// or no payload manifest); UNIMPLEMENTED for a BagIt version other than 1.0,
// tag files not in UTF-8, a manifest other than SHA-256, or fetch.txt;
// DATA_LOSS for a file missing, unlisted or not matching its checksum, a
// Payload-Oxum that does not match, or a read error; NOT_FOUND (or the Env's
// error, for a tag file) for a file that cannot be opened.
absl::StatusOr<ValidBag> ValidateBag(const std::string& dir);

}  // namespace archive

#endif  // ARCHIVE_CLIENTS_BAGIT_BAGIT_H_
