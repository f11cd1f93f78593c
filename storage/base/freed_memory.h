// How the process's allocator treats freed memory. Called once, first thing in
// main(), before other threads start; not thread-safe.
#ifndef ARCHIVE_STORAGE_BASE_FREED_MEMORY_H_
#define ARCHIVE_STORAGE_BASE_FREED_MEMORY_H_

#include <cstddef>

namespace archive {

// Below this size a buffer comes from the allocator's heap and is reused when
// freed, instead of being mapped for each use. Above gRPC's largest read
// buffer (4 MiB by default), so a stream's receive buffers are all reused.
inline constexpr size_t kLargestReusedBufferBytes = 8 << 20;

// How much free memory at the top of one of the allocator's heaps it keeps
// instead of returning it to the system.
inline constexpr size_t kFreeMemoryKeptPerHeapBytes = 32 << 20;

// Keeps freed buffers for reuse (glibc's M_MMAP_THRESHOLD and
// M_TRIM_THRESHOLD, fixed at the two sizes above). Why: a large put or get
// streams a GiB through messages of 256 KiB to 1 MiB and gRPC's read
// buffers of up to 4 MiB. With glibc's defaults each of those was returned to
// the system when freed and faulted back in, page by page, when the next was
// allocated: about 24,000 page faults for a 256 MiB put on the server and
// 35,000 for a get on the client, and most of their CPU (bench/PROFILE.md,
// "Freed buffers kept"). The cost is memory: at most the process's busiest
// moment stays mapped.
void KeepFreedMemoryForReuse();

}  // namespace archive

#endif  // ARCHIVE_STORAGE_BASE_FREED_MEMORY_H_
