#include "storage/base/freed_memory.h"

#include <malloc.h>

namespace archive {

void KeepFreedMemoryForReuse() {
  // Setting either fixes both: glibc stops adjusting its mmap threshold to the
  // largest buffer freed so far, so both are set.
  mallopt(M_MMAP_THRESHOLD, static_cast<int>(kLargestReusedBufferBytes));
  mallopt(M_TRIM_THRESHOLD, static_cast<int>(kFreeMemoryKeptPerHeapBytes));
}

}  // namespace archive
