// What the calling thread is called and how much CPU it yields. Both act on
// the calling thread only (Linux threads have their own name and nice value),
// so a background thread sets them first thing. Thread-safe.
#ifndef ARCHIVE_STORAGE_BASE_THIS_THREAD_H_
#define ARCHIVE_STORAGE_BASE_THIS_THREAD_H_

#include <string>

#include "absl/strings/string_view.h"

namespace archive {

// Names the calling thread as ps, top and perf show it (`perf report
// --sort=comm`), so a profile says which of the server's threads spent the
// time. Linux keeps the first 15 bytes.
void NameThisThread(absl::string_view name);

// The calling thread's name; empty if it cannot be read.
std::string ThisThreadsName();

// Lowers the calling thread's priority to `nice` (0 to 19): catch-up work that
// yields the CPU to puts and gets. An unprivileged process cannot raise it
// again.
void NiceThisThread(int nice);

}  // namespace archive

#endif  // ARCHIVE_STORAGE_BASE_THIS_THREAD_H_
