#include "storage/db/recoverable_db.h"

#include <utility>

#include "leveldb/write_batch.h"

namespace archive {
namespace {

// An iterator that keeps the store open (the shared lock held) while it lives.
class LockedIterator final : public leveldb::Iterator {
 public:
  LockedIterator(std::shared_lock<std::shared_mutex> lock,
                 leveldb::Iterator* it)
      : lock_(std::move(lock)), it_(it) {}
  bool Valid() const override { return it_->Valid(); }
  void SeekToFirst() override { it_->SeekToFirst(); }
  void SeekToLast() override { it_->SeekToLast(); }
  void Seek(const leveldb::Slice& target) override { it_->Seek(target); }
  void Next() override { it_->Next(); }
  void Prev() override { it_->Prev(); }
  leveldb::Slice key() const override { return it_->key(); }
  leveldb::Slice value() const override { return it_->value(); }
  leveldb::Status status() const override { return it_->status(); }

 private:
  // Declared first so it is released last, after the iterator is gone.
  std::shared_lock<std::shared_mutex> lock_;
  std::unique_ptr<leveldb::Iterator> it_;
};

// Every block read from a table file is checked against its CRC: LevelDB
// does not by default (paranoid_checks covers only the log and table
// indexes), and a flipped byte in a record would otherwise be served, or turn
// a revision id into another (found by hand: one flipped byte in a table made
// `ls` fail with "unknown revision cf17f5t7..." and scrub see nothing).
leveldb::ReadOptions Verified(leveldb::ReadOptions options) {
  options.verify_checksums = true;
  return options;
}

}  // namespace

leveldb::Status RecoverableDb::Open(const leveldb::Options& options,
                                    const std::string& path,
                                    std::unique_ptr<RecoverableDb>* result) {
  std::unique_ptr<RecoverableDb> db(new RecoverableDb(options, path));
  leveldb::DB* inner = nullptr;
  leveldb::Status s = leveldb::DB::Open(options, path, &inner);
  if (!s.ok()) return s;
  db->db_.reset(inner);
  *result = std::move(db);
  return s;
}

RecoverableDb::~RecoverableDb() = default;

leveldb::Status RecoverableDb::Closed() const {
  return reopen_failure_.ok()
             ? leveldb::Status::IOError(path_, "metadata store is closed")
             : reopen_failure_;
}

leveldb::Status RecoverableDb::write_failure() const {
  std::lock_guard<std::mutex> lock(write_mu_);
  return write_failure_;
}

leveldb::Status RecoverableDb::Reopen(bool repair) {
  std::lock_guard<std::mutex> writes(write_mu_);
  std::unique_lock<std::shared_mutex> lock(mu_);
  db_.reset();  // releases LevelDB's LOCK file, so the open below can take it
  if (repair) {
    reopen_failure_ = leveldb::RepairDB(path_, options_);
    if (!reopen_failure_.ok()) return reopen_failure_;
  }
  leveldb::DB* inner = nullptr;
  reopen_failure_ = leveldb::DB::Open(options_, path_, &inner);
  if (!reopen_failure_.ok()) return reopen_failure_;
  db_.reset(inner);
  write_failure_ = leveldb::Status::OK();
  return reopen_failure_;
}

leveldb::Status RecoverableDb::Put(const leveldb::WriteOptions& options,
                                   const leveldb::Slice& key,
                                   const leveldb::Slice& value) {
  leveldb::WriteBatch batch;
  batch.Put(key, value);
  return Write(options, &batch);
}

leveldb::Status RecoverableDb::Delete(const leveldb::WriteOptions& options,
                                      const leveldb::Slice& key) {
  leveldb::WriteBatch batch;
  batch.Delete(key);
  return Write(options, &batch);
}

leveldb::Status RecoverableDb::Write(const leveldb::WriteOptions& options,
                                     leveldb::WriteBatch* updates) {
  std::lock_guard<std::mutex> writes(write_mu_);
  if (!write_failure_.ok()) return write_failure_;
  std::shared_lock<std::shared_mutex> lock(mu_);
  if (db_ == nullptr) return Closed();
  leveldb::Status s = db_->Write(options, updates);
  if (!s.ok()) write_failure_ = s;
  return s;
}

leveldb::Status RecoverableDb::Get(const leveldb::ReadOptions& options,
                                   const leveldb::Slice& key,
                                   std::string* value) {
  std::shared_lock<std::shared_mutex> lock(mu_);
  if (db_ == nullptr) return Closed();
  return db_->Get(Verified(options), key, value);
}

leveldb::Iterator* RecoverableDb::NewIterator(
    const leveldb::ReadOptions& options) {
  std::shared_lock<std::shared_mutex> lock(mu_);
  if (db_ == nullptr) return leveldb::NewErrorIterator(Closed());
  leveldb::Iterator* it = db_->NewIterator(Verified(options));
  return new LockedIterator(std::move(lock), it);
}

const leveldb::Snapshot* RecoverableDb::GetSnapshot() {
  // A snapshot would not survive a reopen; nothing in the archive takes one.
  return nullptr;
}

void RecoverableDb::ReleaseSnapshot(const leveldb::Snapshot*) {}

bool RecoverableDb::GetProperty(const leveldb::Slice& property,
                                std::string* value) {
  std::shared_lock<std::shared_mutex> lock(mu_);
  return db_ != nullptr && db_->GetProperty(property, value);
}

void RecoverableDb::GetApproximateSizes(const leveldb::Range* range, int n,
                                        uint64_t* sizes) {
  std::shared_lock<std::shared_mutex> lock(mu_);
  if (db_ == nullptr) {
    for (int i = 0; i < n; ++i) sizes[i] = 0;
    return;
  }
  db_->GetApproximateSizes(range, n, sizes);
}

void RecoverableDb::CompactRange(const leveldb::Slice* begin,
                                 const leveldb::Slice* end) {
  std::shared_lock<std::shared_mutex> lock(mu_);
  if (db_ != nullptr) db_->CompactRange(begin, end);
}

}  // namespace archive
