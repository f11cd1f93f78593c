// Fixed-width little-endian integers, as the journal's records and value
// pointers (storage/db/journal.h, journal_batch.h) and LevelDB's log headers
// store them. Header-only; pure functions, thread-safe.
#ifndef ARCHIVE_STORAGE_BASE_LITTLE_ENDIAN_H_
#define ARCHIVE_STORAGE_BASE_LITTLE_ENDIAN_H_

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"

namespace archive {

// Appends the low `bytes` bytes of `v` (1 to 8), least significant first.
inline void AppendLittleEndian(std::string* out, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) {
    out->push_back(static_cast<char>(v >> (8 * i)));
  }
}

// The integer in the first `bytes` bytes of `in` (1 to 8; `in` holds at
// least that many).
inline uint64_t ReadLittleEndian(absl::string_view in, int bytes) {
  uint64_t v = 0;
  for (int i = bytes - 1; i >= 0; --i) {
    v = (v << 8) | static_cast<uint8_t>(in[static_cast<size_t>(i)]);
  }
  return v;
}

}  // namespace archive

#endif  // ARCHIVE_STORAGE_BASE_LITTLE_ENDIAN_H_
