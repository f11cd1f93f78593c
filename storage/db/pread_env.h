// The metadata store's file system: LevelDB's default, except that table files
// are read with pread(2) instead of being mapped into memory.
//
// Why: LevelDB maps up to 1,000 table files. With small blobs stored inline
// (inline_blobs.h) every blob read and every compaction touches mapped pages,
// and those count as the server's resident memory: under a 30-second load they
// grew it by 190 MB of clean, reclaimable file pages (tests/integration/
// load_test.cc), where a reader of the metrics sees a leak. With pread the
// bytes stay in the kernel's page cache, where they belong.
#ifndef ARCHIVE_STORAGE_DB_PREAD_ENV_H_
#define ARCHIVE_STORAGE_DB_PREAD_ENV_H_

#include <string>

#include "leveldb/env.h"

namespace archive {

// Thread-safe, like any leveldb::Env: LevelDB calls it from its own threads,
// and each returned file's Read may run concurrently (it keeps no offset).
// `target` is not owned and must outlive the PreadEnv. NewRandomAccessFile
// gives the caller ownership of *result (nullptr on error) and returns
// leveldb statuses, not absl ones: NotFound for ENOENT, IOError otherwise.
class PreadEnv : public leveldb::EnvWrapper {
 public:
  // One per process, over leveldb::Env::Default(). Never deleted.
  static leveldb::Env* Default();

  explicit PreadEnv(leveldb::Env* target) : leveldb::EnvWrapper(target) {}
  leveldb::Status NewRandomAccessFile(
      const std::string& path, leveldb::RandomAccessFile** result) override;
};

}  // namespace archive

#endif  // ARCHIVE_STORAGE_DB_PREAD_ENV_H_
