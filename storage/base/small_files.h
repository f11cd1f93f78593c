// Small files the client keeps or is handed (a remembered checkpoint, a trust
// file, known_archives, a bag's bagit.txt). Reading one does not trust what is
// at the path: a planted link to /dev/zero, a FIFO or a huge file gives a
// clear error at once, never a hang or a read until memory runs out. Adding a
// line replaces the file atomically, so a crash leaves the old or the new one.
#ifndef ARCHIVE_STORAGE_BASE_SMALL_FILES_H_
#define ARCHIVE_STORAGE_BASE_SMALL_FILES_H_

#include <cstddef>
#include <string>

#include "absl/status/statusor.h"

namespace archive {

enum class Links { kFollow, kRefuse };

// The contents of `path` if it is a regular file of at most `max_bytes`.
// With Links::kRefuse a symbolic link at `path` itself is refused (links in
// the directories above it are followed). NOT_FOUND if nothing is there;
// FAILED_PRECONDITION naming the path if it is a link (kRefuse), a device, a
// FIFO, a socket or a directory, or if it is longer than `max_bytes`; the
// system's error otherwise. Opening never blocks (O_NONBLOCK), so a FIFO
// without a writer is refused too.
absl::StatusOr<std::string> ReadRegularFile(const std::string& path,
                                            size_t max_bytes, Links links);

// Appends `line` and a newline to the file at `path` (created, with its
// directory, if missing), adding a newline first if the file lacks a final
// one. Reads the old contents with ReadRegularFile (at most `max_bytes`).
absl::Status AppendLine(const std::string& path, const std::string& line,
                        size_t max_bytes);

}  // namespace archive

#endif  // ARCHIVE_STORAGE_BASE_SMALL_FILES_H_
