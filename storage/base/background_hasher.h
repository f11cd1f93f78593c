// SHA-256 on a helper thread, one chunk at a time, so that hashing a stream
// overlaps what the caller does with the same bytes meanwhile (sending them, or
// writing them to disk). A one-pass put hashes on both ends this way: the
// client while gRPC sends a chunk, the archive while it writes one.
//
// Thread-safety: the methods are called from one thread (the owner's); the
// helper thread is internal. Ownership: Start borrows the bytes, which must
// stay alive and unchanged until Wait returns (or the hasher is destroyed,
// which waits for a chunk being hashed).
#ifndef ARCHIVE_STORAGE_BASE_BACKGROUND_HASHER_H_
#define ARCHIVE_STORAGE_BASE_BACKGROUND_HASHER_H_

#include <string>

#include "absl/strings/string_view.h"
#include "storage/base/helper_thread.h"
#include "storage/base/sha256.h"

namespace archive {

class BackgroundHasher {
 public:
  BackgroundHasher() = default;
  BackgroundHasher(const BackgroundHasher&) = delete;
  BackgroundHasher& operator=(const BackgroundHasher&) = delete;

  // Hashes `bytes` next, after what came before. Call Wait before the next
  // Start.
  void Start(absl::string_view bytes);
  // Returns once the chunk last started is hashed.
  void Wait();
  // The 32-byte raw digest of everything hashed; call once, after Wait.
  std::string Finish();

 private:
  Sha256 hasher_;  // the helper's while a chunk is hashed, the owner's after
  // Declared after hasher_, so destroyed (joined) before it.
  HelperThread helper_;
};

}  // namespace archive

#endif  // ARCHIVE_STORAGE_BASE_BACKGROUND_HASHER_H_
