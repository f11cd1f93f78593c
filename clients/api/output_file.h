// Where `archivectl get` puts verified bytes: never where anyone else chose.
//
// The bytes arrive unverified, so they go to a temporary file first and reach
// the destination only after every check passed. The temporary file is created
// exclusively under an unpredictable name (mkstemp: O_CREAT|O_EXCL, so a link
// planted in advance is never followed). A destination that is a regular file,
// a symbolic link (the link itself is replaced, never written through) or
// nothing gets the temporary file renamed over it, from a temporary file in its
// own directory. Anything else — stdout ("-"), a character device such as
// /dev/null, a FIFO — is never renamed over: the verified bytes are streamed
// into it from a temporary file in $TMPDIR, which is then removed.
//
// Not thread-safe; one per download. The destructor removes a temporary file
// that was not committed.
#ifndef ARCHIVE_CLIENTS_API_OUTPUT_FILE_H_
#define ARCHIVE_CLIENTS_API_OUTPUT_FILE_H_

#include <cstdio>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "storage/base/staged_flush.h"

namespace archive {

class OutputFile {
 public:
  // `destination` is a path or "-" for stdout. Errors: INVALID_ARGUMENT for a
  // directory, PERMISSION_DENIED if no temporary file can be created.
  static absl::StatusOr<std::unique_ptr<OutputFile>> Create(
      const std::string& destination);
  ~OutputFile();

  // The temporary file being written; owned here.
  FILE* file() { return file_; }
  const std::string& temp_path() const { return temp_; }
  // Appends to the temporary file, flushing it to the disk in stages on a
  // helper thread (staged_flush.h) so that Commit's fsync of a large file has
  // little left to wait for.
  // RESOURCE_EXHAUSTED if the write fails.
  absl::Status Write(absl::string_view bytes);

  // Flushes and fsyncs the temporary file, then moves or streams it to the
  // destination. RESOURCE_EXHAUSTED if a write fails, PERMISSION_DENIED if the
  // destination cannot be written.
  absl::Status Commit();

 private:
  OutputFile() = default;
  absl::Status StreamInto(int fd);

  std::string destination_;
  std::string temp_;
  FILE* file_ = nullptr;
  bool rename_into_place_ = false;
  bool committed_ = false;
  uint64_t written_ = 0;  // bytes given to Write
  // Flushes file_'s descriptor; reset before file_ is closed.
  std::unique_ptr<StagedFlush> stages_;
};

}  // namespace archive

#endif  // ARCHIVE_CLIENTS_API_OUTPUT_FILE_H_
