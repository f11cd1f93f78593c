// Envs that fail one chosen file operation and forget what was never synced,
// for the fault-injection suite (fault_injection_test.cc), in the spirit of
// LevelDB's fault_injection_test.
//
// FaultPlan counts the operations of each kind both envs perform (creating a
// file for writing, appending, syncing, renaming) and fails the Nth of one
// kind once: a failed append first writes half its bytes, as a write that ran
// out of space does, and reports "No space left on device". Both envs also
// remember how much of each file they wrote was synced, so DropUnsyncedData()
// can leave the files as a power cut would: synced bytes only (and, in a file
// preallocated with zeros, zeros after them).
#ifndef ARCHIVE_TESTS_UNIT_STORAGE_DB_FAULT_INJECTION_ENV_H_
#define ARCHIVE_TESTS_UNIT_STORAGE_DB_FAULT_INJECTION_ENV_H_

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "leveldb/env.h"
#include "storage/base/env.h"

namespace archive {
namespace testing_util {

enum class FileOp { kCreate, kAppend, kSync, kRename, kCount };
const char* FileOpName(FileOp op);

class FaultPlan {
 public:
  // Fails the `n`th (1-based) operation of kind `op` from now on; 0 fails
  // nothing. Resets the counters.
  void FailNth(FileOp op, int n);
  // Counts an operation; true if it is the one to fail.
  bool ShouldFail(FileOp op);
  int count(FileOp op) const;
  bool fired() const;

  // Bookkeeping of written and synced sizes, by path.
  void Created(const std::string& path);
  void Appended(const std::string& path, size_t n);
  void Synced(const std::string& path);
  void Renamed(const std::string& from, const std::string& to);
  // Truncates every file written since the plan was made to its synced size
  // (removing those never synced), as a crash of the machine would.
  void DropUnsyncedData();

 private:
  struct Sizes {
    uint64_t written = 0, synced = 0;
  };
  mutable std::mutex mu_;
  int counts_[static_cast<int>(FileOp::kCount)] = {};
  FileOp fail_op_ = FileOp::kAppend;
  int fail_at_ = 0;
  bool fired_ = false;
  std::map<std::string, Sizes> files_;
};

// The metadata store's env, over `target` (not owned).
class FaultyLevelDbEnv : public leveldb::EnvWrapper {
 public:
  explicit FaultyLevelDbEnv(FaultPlan* plan,
                            leveldb::Env* target = leveldb::Env::Default());
  leveldb::Status NewWritableFile(const std::string& path,
                                  leveldb::WritableFile** result) override;
  leveldb::Status NewAppendableFile(const std::string& path,
                                    leveldb::WritableFile** result) override;
  leveldb::Status RenameFile(const std::string& from,
                             const std::string& to) override;

 private:
  FaultPlan* plan_;
};

// The blob store's (and keys') env.
class FaultyEnv : public EnvWrapper {
 public:
  FaultyEnv(Env* target, FaultPlan* plan) : EnvWrapper(target), plan_(plan) {}
  absl::StatusOr<std::unique_ptr<WritableFile>> NewWritableFile(
      const std::string& path, int mode) override;
  absl::Status RenameFile(const std::string& from,
                          const std::string& to) override;
  // A sync through a new descriptor: counted and failed like a file's.
  absl::Status SyncFile(const std::string& path) override;

 private:
  FaultPlan* plan_;
};

}  // namespace testing_util
}  // namespace archive

#endif  // ARCHIVE_TESTS_UNIT_STORAGE_DB_FAULT_INJECTION_ENV_H_
