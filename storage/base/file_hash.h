// The SHA-256 of a file, read in chunks (never whole into memory).
#ifndef ARCHIVE_STORAGE_BASE_FILE_HASH_H_
#define ARCHIVE_STORAGE_BASE_FILE_HASH_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace archive {

// The size of the chunks files are read, sent and served in: small enough to
// keep memory flat, large enough that per-chunk overhead does not show.
inline constexpr size_t kChunkBytes = 256 << 10;

// SHA-256 (64 lowercase hex) of the file at `path`; sets `*size` to its
// length. `each_chunk`, if given, sees every chunk in order. NOT_FOUND if it
// cannot be opened, DATA_LOSS on a read error. Thread-safe (no shared state).
absl::StatusOr<std::string> Sha256File(
    const std::string& path, uint64_t* size,
    const std::function<void(absl::string_view)>& each_chunk = nullptr);

}  // namespace archive

#endif  // ARCHIVE_STORAGE_BASE_FILE_HASH_H_
