#include "storage/db/peer_mirror.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "storage/db/leveldb_status.h"
#include "storage/format/merkle.h"
#include "storage/format/signed_note.h"
#include "storage/verify/proof_verifier.h"

namespace archive {
namespace {

constexpr char kMirrorKeys[] = "m/";

std::string LeafKey(const std::string& origin, uint64_t index) {
  return MirrorPrefix(origin) + "l" + BigEndian64(index);
}

std::string CheckpointKey(const std::string& origin, uint64_t size) {
  return MirrorPrefix(origin) + "c" + BigEndian64(size);
}

}  // namespace

std::string MirrorPrefix(const std::string& origin) {
  std::string prefix = kMirrorKeys + origin;
  prefix.push_back('\0');
  return prefix;
}

absl::StatusOr<std::shared_ptr<MerkleLog>> PeerMirrors::Tree(
    const std::string& origin) {
  absl::MutexLock lock(&mu_);
  auto it = trees_.find(origin);
  if (it != trees_.end()) return it->second;
  auto tree = MerkleLog::Open(db_, MirrorPrefix(origin));
  if (!tree.ok()) {
    return absl::Status(
        tree.status().code(),
        absl::StrCat("the mirror of ", origin, ": ", tree.status().message()));
  }
  std::shared_ptr<MerkleLog> shared = std::move(*tree);
  trees_[origin] = shared;
  return shared;
}

void PeerMirrors::Forget() {
  absl::MutexLock lock(&mu_);
  trees_.clear();
}

absl::StatusOr<uint64_t> PeerMirrors::Size(const std::string& origin) {
  auto tree = Tree(origin);
  if (!tree.ok()) return tree.status();
  return (*tree)->size();
}

absl::StatusOr<MirrorCheckpoint> PeerMirrors::Checkpoint(
    const std::string& origin) {
  // The newest recorded checkpoint: the last key under "c".
  const std::string prefix = MirrorPrefix(origin) + "c";
  std::unique_ptr<leveldb::Iterator> it(
      db_->NewIterator(leveldb::ReadOptions()));
  it->Seek(prefix + std::string(8, '\xff'));
  if (it->Valid()) {
    it->Prev();
  } else {
    it->SeekToLast();
  }
  if (!it->status().ok()) return FromLevelDb(it->status());
  if (!it->Valid() || !it->key().starts_with(prefix)) {
    return absl::NotFoundError(
        absl::StrCat("no mirror of the log of ", origin, " is kept here"));
  }
  absl::string_view key(it->key().data(), it->key().size());
  MirrorCheckpoint cp;
  cp.size = ReadBigEndian64(key.substr(prefix.size()));
  cp.note = it->value().ToString();
  return cp;
}

absl::StatusOr<std::vector<std::string>> PeerMirrors::RevisionIds(
    const std::string& origin, uint64_t start, uint64_t count) {
  auto size = Size(origin);
  if (!size.ok()) return size.status();
  std::vector<std::string> ids;
  for (uint64_t i = start; i < *size && i - start < count; ++i) {
    std::string id;
    leveldb::Status s =
        db_->Get(leveldb::ReadOptions(), LeafKey(origin, i), &id);
    if (s.IsNotFound()) {
      return absl::DataLossError(absl::StrCat("the mirror of ", origin,
                                              " has no record of entry ", i));
    }
    if (!s.ok()) return FromLevelDb(s);
    ids.push_back(std::move(id));
  }
  return ids;
}

absl::StatusOr<std::vector<std::string>> PeerMirrors::Origins() {
  std::vector<std::string> origins;
  std::unique_ptr<leveldb::Iterator> it(
      db_->NewIterator(leveldb::ReadOptions()));
  for (it->Seek(kMirrorKeys); it->Valid();) {
    absl::string_view key(it->key().data(), it->key().size());
    if (!absl::StartsWith(key, kMirrorKeys)) break;
    size_t end = key.find('\0');
    if (end == absl::string_view::npos) break;
    std::string origin(key.substr(2, end - 2));
    origins.push_back(origin);
    // Past every key of this origin: its prefix ends in \0, so \1 follows.
    it->Seek(absl::StrCat(kMirrorKeys, origin, "\x01"));
  }
  if (!it->status().ok()) return FromLevelDb(it->status());
  return origins;
}

absl::StatusOr<PeerMirrors::Batch::Staged*> PeerMirrors::Batch::TreeBatch(
    const std::string& origin) {
  auto it = trees_.find(origin);
  if (it != trees_.end()) return &it->second;
  auto tree = mirrors_->Tree(origin);
  if (!tree.ok()) return tree.status();
  Staged staged;
  staged.tree = *tree;
  staged.batch = std::make_unique<MerkleLog::Batch>(staged.tree.get(), out_);
  return &(trees_[origin] = std::move(staged));
}

absl::Status PeerMirrors::Batch::Append(const std::string& origin,
                                        uint64_t index, absl::string_view leaf,
                                        const std::string& revision_id) {
  auto staged = TreeBatch(origin);
  if (!staged.ok()) return staged.status();
  MerkleLog::Batch& tree = *(*staged)->batch;
  if (index < tree.size()) {
    // Read again after an interrupted pull: it must be the same leaf.
    auto held = tree.PerfectSubtree(0, index);
    if (!held.ok()) return held.status();
    if (*held == MerkleLeafHash(leaf)) return absl::OkStatus();
    return absl::DataLossError(
        absl::StrCat("entry ", index, " of ", origin,
                     " differs from the one this archive mirrored there"));
  }
  if (index > tree.size()) {
    return absl::DataLossError(absl::StrCat(
        "entry ", index, " of ", origin, " would leave a gap in the mirror of ",
        tree.size(), " entries"));
  }
  auto appended = tree.Append(leaf);
  if (!appended.ok()) return appended.status();
  out_->Put(LeafKey(origin, index), revision_id);
  return absl::OkStatus();
}

absl::Status PeerMirrors::Batch::Cover(const std::string& origin,
                                       const std::string& checkpoint_note) {
  auto note = ParseNote(checkpoint_note);
  if (!note.ok()) return note.status();
  auto cp = ParseCheckpoint(note->text);
  if (!cp.ok()) return cp.status();
  auto staged = TreeBatch(origin);
  if (!staged.ok()) return staged.status();
  MerkleLog::Batch& tree = *(*staged)->batch;
  if (tree.size() != cp->size) return absl::OkStatus();
  // Every entry was checked against this checkpoint as it came; the root is
  // checked once more, so a mirror never records a checkpoint it does not
  // match.
  auto root = RootHash(tree, cp->size);
  if (!root.ok()) return root.status();
  if (*root != cp->root_hash) {
    return absl::DataLossError(absl::StrCat(
        "the mirror of ", origin, " at ", cp->size,
        " entries does not have the root of the peer's checkpoint"));
  }
  out_->Put(CheckpointKey(origin, cp->size), checkpoint_note);
  return absl::OkStatus();
}

void PeerMirrors::Batch::Committed() {
  for (auto& [origin, staged] : trees_) {
    staged.tree->Committed(staged.batch->size());
  }
}

}  // namespace archive
