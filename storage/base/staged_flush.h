// Makes a long streamed file durable in stages while it is still being
// written: every few MiB an fdatasync runs on a helper thread, so the final
// one has only the last stage left to flush.
//
// Why not only start writeback (sync_file_range) as the file grows: a device
// with a volatile write cache (a virtual disk above all) is flushed only by
// fdatasync, and that flush costs in proportion to what was written since the
// last one. Here a 256 MiB file's single fdatasync took 150-250 ms at the end,
// even a second after writeback was done; flushed in 16 MiB stages while it
// was written, the end waited ~20 ms.
//
// Errors: Linux reports a writeback error to one fdatasync per descriptor, so
// a failed stage's error would be lost to the owner's own later fdatasync.
// Finish returns it instead, and the owner must treat it as its sync failing.
//
// Thread-safety: Written and Finish are called from the owner's thread; the
// helper thread is internal. The descriptor is borrowed: it must stay open
// until Finish returns (the destructor calls it).
#ifndef ARCHIVE_STORAGE_BASE_STAGED_FLUSH_H_
#define ARCHIVE_STORAGE_BASE_STAGED_FLUSH_H_

#include <cstdint>
#include <memory>

#include "storage/base/helper_thread.h"

namespace archive {

class StagedFlush {
 public:
  // How much more must be written before the next stage starts.
  static constexpr uint64_t kStageBytes = 16 << 20;

  explicit StagedFlush(int fd) : fd_(fd) {}
  ~StagedFlush() { Finish(); }
  StagedFlush(const StagedFlush&) = delete;
  StagedFlush& operator=(const StagedFlush&) = delete;

  // Whether Written(total) would start a stage: kStageBytes more were
  // written than when the last one started, and that one has ended. A
  // buffered writer asks first, to flush its buffer only when it is due.
  bool Due(uint64_t total);
  // Says that `total` bytes of the file have been written to it, and starts an
  // fdatasync on the helper if one is Due; returns at once either way.
  void Written(uint64_t total);
  // Waits for a running stage. Returns the errno of the first stage that
  // failed, or 0; a failure stays reported by every later call.
  int Finish();
  // How many stages were started (for tests).
  int stages_started() const { return stages_started_; }

 private:
  const int fd_;
  uint64_t started_at_ = 0;  // bytes written when the last stage started
  int stages_started_ = 0;
  int error_ = 0;  // set by a stage; read by the owner only after a Wait
  // Started with the first stage: most files written never need one.
  std::unique_ptr<HelperThread> helper_;
};

}  // namespace archive

#endif  // ARCHIVE_STORAGE_BASE_STAGED_FLUSH_H_
