#include "storage/base/staged_flush.h"

#include <unistd.h>

#include <cerrno>
#include <system_error>

namespace archive {

void StagedFlush::Written(uint64_t total) {
  if (total - started_at_ < kStageBytes) return;
  if (!helper_done_.load(std::memory_order_acquire)) return;  // still flushing
  if (helper_.joinable()) helper_.join();
  helper_done_.store(false, std::memory_order_relaxed);
  try {
    helper_ = std::thread([this] {
      if (::fdatasync(fd_) != 0 && error_ == 0) error_ = errno;
      helper_done_.store(true, std::memory_order_release);
    });
  } catch (const std::system_error&) {
    // No thread to spare: the owner's own fdatasync will do the whole file.
    helper_done_.store(true, std::memory_order_relaxed);
    return;
  }
  started_at_ = total;
  ++stages_started_;
}

int StagedFlush::Finish() {
  if (helper_.joinable()) helper_.join();
  return error_;
}

}  // namespace archive
