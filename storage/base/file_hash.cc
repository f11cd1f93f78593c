#include "storage/base/file_hash.h"

#include <fstream>

#include "absl/strings/str_cat.h"
#include "storage/base/hex.h"
#include "storage/base/sha256.h"

namespace archive {

absl::StatusOr<std::string> Sha256File(
    const std::string& path, uint64_t* size,
    const std::function<void(absl::string_view)>& each_chunk) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot open ", path));
  Sha256 hasher;
  std::string buf(kChunkBytes, '\0');
  *size = 0;
  while (in) {
    in.read(buf.data(), buf.size());
    absl::string_view chunk(buf.data(), in.gcount());
    hasher.Update(chunk);
    if (each_chunk) each_chunk(chunk);
    *size += in.gcount();
  }
  if (in.bad())
    return absl::DataLossError(absl::StrCat("error reading ", path));
  return ToHex(hasher.Finish());
}

}  // namespace archive
