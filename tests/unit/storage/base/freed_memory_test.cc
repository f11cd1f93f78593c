// freed_memory.h: after KeepFreedMemoryForReuse a buffer of a few MiB, the
// size of gRPC's read buffers, comes from the heap and stays there when freed,
// so the next one reuses its pages instead of faulting in fresh ones.
#include "storage/base/freed_memory.h"

#include <gtest/gtest.h>
#include <malloc.h>

#include <cstdlib>
#include <cstring>

namespace archive {
namespace {

constexpr size_t kReadBufferBytes = 4 << 20;

void* FilledBuffer(size_t bytes) {
  void* buffer = std::malloc(bytes);
  std::memset(buffer, 1, bytes);
  return buffer;
}

TEST(FreedMemory, AFourMebibyteBufferIsKeptForTheNextOne) {
  KeepFreedMemoryForReuse();
  const size_t mapped_before = mallinfo2().hblkhd;
  void* first = FilledBuffer(kReadBufferBytes);
  EXPECT_EQ(mallinfo2().hblkhd, mapped_before)
      << "the buffer was mapped on its own, to be unmapped when freed";
  std::free(first);
  const struct mallinfo2 after_free = mallinfo2();
  EXPECT_GE(after_free.fordblks, kReadBufferBytes)
      << "the freed buffer was returned to the system";

  void* second = FilledBuffer(kReadBufferBytes);
  EXPECT_EQ(mallinfo2().arena, after_free.arena)
      << "the heap grew for a buffer the size of the one just freed";
  std::free(second);
}

}  // namespace
}  // namespace archive
