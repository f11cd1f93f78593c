#include "storage/base/background_hasher.h"

namespace archive {

void BackgroundHasher::Start(absl::string_view bytes) {
  helper_.Start([this, bytes] { hasher_.Update(bytes); });
}

void BackgroundHasher::Wait() { helper_.Wait(); }

std::string BackgroundHasher::Finish() { return hasher_.Finish(); }

}  // namespace archive
