#include "storage/base/staged_flush.h"

#include <unistd.h>

#include <cerrno>
#include <system_error>

namespace archive {

bool StagedFlush::Due(uint64_t total) {
  return total - started_at_ >= kStageBytes &&
         (helper_ == nullptr || helper_->Idle());
}

void StagedFlush::Written(uint64_t total) {
  if (!Due(total)) return;
  if (helper_ == nullptr) {
    try {
      helper_ = std::make_unique<HelperThread>();
    } catch (const std::system_error&) {
      // No thread to spare: the owner's own fdatasync will do the whole file.
      return;
    }
  }
  helper_->Start([this] {
    if (::fdatasync(fd_) != 0 && error_ == 0) error_ = errno;
  });
  started_at_ = total;
  ++stages_started_;
}

int StagedFlush::Finish() {
  if (helper_ != nullptr) helper_->Wait();
  return error_;
}

}  // namespace archive
