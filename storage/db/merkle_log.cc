#include "storage/db/merkle_log.h"

#include "absl/strings/str_cat.h"
#include "storage/db/leveldb_status.h"

namespace archive {
namespace {

constexpr char kSizeKey[] = "log/size";

}  // namespace

std::string MerkleLog::NodeKey(int level, uint64_t index) const {
  std::string key = prefix_ + "n";
  key.push_back(static_cast<char>(level));
  key += BigEndian64(index);
  return key;
}

std::string MerkleLog::SizeKey() const {
  return prefix_.empty() ? std::string(kSizeKey) : prefix_ + "size";
}

std::string BigEndian64(uint64_t v) {
  std::string out(8, '\0');
  for (int i = 7; i >= 0; --i) {
    out[i] = static_cast<char>(v & 0xff);
    v >>= 8;
  }
  return out;
}

uint64_t ReadBigEndian64(absl::string_view s) {
  uint64_t v = 0;
  for (size_t i = 0; i < 8 && i < s.size(); ++i)
    v = v << 8 | static_cast<uint8_t>(s[i]);
  return v;
}

absl::StatusOr<std::unique_ptr<MerkleLog>> MerkleLog::Open(
    leveldb::DB* db, std::string key_prefix) {
  std::unique_ptr<MerkleLog> log(new MerkleLog(db, std::move(key_prefix), 0));
  std::string value;
  leveldb::Status s = db->Get(leveldb::ReadOptions(), log->SizeKey(), &value);
  uint64_t size = 0;
  if (s.ok()) {
    if (value.size() != 8)
      return absl::DataLossError("the log's size record is corrupt");
    size = ReadBigEndian64(value);
  } else if (!s.IsNotFound()) {
    return FromLevelDb(s, "the log's size record");
  }
  log->Committed(size);
  return log;
}

uint64_t MerkleLog::size() const {
  absl::MutexLock lock(&mu_);
  return size_;
}

void MerkleLog::Committed(uint64_t new_size) {
  absl::MutexLock lock(&mu_);
  size_ = new_size;
}

absl::StatusOr<std::string> MerkleLog::PerfectSubtree(int level,
                                                      uint64_t index) {
  std::string value;
  leveldb::Status s =
      db_->Get(leveldb::ReadOptions(), NodeKey(level, index), &value);
  if (s.IsNotFound()) {
    return absl::DataLossError(absl::StrCat("log node (level ", level,
                                            ", index ", index, ") is missing"));
  }
  if (!s.ok()) {
    return FromLevelDb(
        s, absl::StrCat("log node (level ", level, ", index ", index, ")"));
  }
  if (value.size() != 32) {
    return absl::DataLossError(absl::StrCat("log node (level ", level,
                                            ", index ", index, ") is corrupt"));
  }
  return value;
}

MerkleLog::Batch::Batch(MerkleLog* log, leveldb::WriteBatch* out)
    : log_(log), out_(out), size_(log->size()) {}

absl::StatusOr<std::string> MerkleLog::Batch::PerfectSubtree(int level,
                                                             uint64_t index) {
  auto it = staged_.find({level, index});
  if (it != staged_.end()) return it->second;
  return log_->PerfectSubtree(level, index);
}

absl::StatusOr<uint64_t> MerkleLog::Batch::Append(absl::string_view leaf) {
  uint64_t index = size_;
  auto nodes = NodesCompletedByAppend(*this, index, MerkleLeafHash(leaf));
  if (!nodes.ok()) return nodes.status();
  for (SubtreeNode& node : *nodes) {
    out_->Put(log_->NodeKey(node.level, node.index), node.hash);
    staged_[{node.level, node.index}] = std::move(node.hash);
  }
  size_ = index + 1;
  out_->Put(log_->SizeKey(), BigEndian64(size_));
  return index;
}

}  // namespace archive
