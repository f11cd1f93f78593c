// Scrub (archive.h): every record, log leaf, the log root and every blob
// re-read and re-hashed; and the durable record of the last scrub.
#include <algorithm>
#include <map>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "storage/db/archive.h"
#include "storage/db/archive_records.h"
#include "storage/db/leveldb_status.h"
#include "storage/format/merkle.h"

namespace archive {

namespace {

// Re-hashes one blob front to back without holding it in memory.
absl::Status CheckBlob(BlobStore& blobs, const std::string& sha256,
                       uint64_t size) {
  auto reader = blobs.NewReader(sha256, size);
  if (!reader.ok()) return reader.status();
  std::string scratch(1 << 20, '\0');
  while (true) {
    auto chunk = (*reader)->Read(scratch.size(), scratch.data());
    if (!chunk.ok()) return chunk.status();
    if (chunk->empty()) return absl::OkStatus();
  }
}

}  // namespace

absl::StatusOr<ScrubReport> Archive::Scrub() {
  ScrubReport report;
  std::map<std::string, DamagedBlob> blobs;  // every distinct content
  uint64_t size = LatestCheckpoint().size;
  std::unique_ptr<leveldb::Iterator> it(
      db_->NewIterator(leveldb::ReadOptions()));
  for (it->Seek("r/"); it->Valid() && it->key().starts_with("r/"); it->Next()) {
    std::string id = it->key().ToString().substr(2);
    report.revisions_checked++;
    auto r = DecodeRevisionRecord(id, it->value().ToString());
    if (!r.ok()) {
      report.log_problems.push_back(std::string(r.status().message()));
      continue;
    }
    if (r->leaf_index < size) {
      auto leaf = log_->PerfectSubtree(0, r->leaf_index);
      if (!leaf.ok() || *leaf != MerkleLeafHash(r->statement_text)) {
        report.log_problems.push_back(absl::StrCat(
            "log leaf ", r->leaf_index, " does not match revision ", id));
      }
    }
    DamagedBlob& b = blobs[r->statement.content_sha256];
    b.sha256 = r->statement.content_sha256;
    b.size = r->statement.content_size;
    b.documents.push_back(r->statement.document);
  }
  if (!it->status().ok()) {
    report.damaged_blocks.push_back(
        absl::StrCat("revision records: ", it->status().ToString()));
  }
  CheckMetadata(size, &report);
  auto root = log_->Root(size);
  if (!root.ok() || *root != LatestCheckpoint().root) {
    report.log_problems.push_back(
        absl::StrCat("the log's stored hashes do not reproduce the root of "
                     "signed checkpoint ",
                     size));
  }
  // One listing of the backend finds the missing and truncated blobs without
  // a request per blob (an object store lists a thousand names a request);
  // only blobs we hold are remembered, as a shared bucket lists others' too.
  absl::flat_hash_map<std::string, uint64_t> listed;
  absl::Status listing =
      blobs_->backend().List([&](const std::string& sha, uint64_t size) {
        if (blobs.count(sha) > 0) listed[sha] = size;
      });
  if (!listing.ok()) {
    return absl::Status(
        listing.code(),
        absl::StrCat("scrub: cannot list the blobs in ",
                     blobs_->backend().Describe(), ": ", listing.message()));
  }
  for (auto& [sha, blob] : blobs) {
    report.blobs_checked++;
    absl::Status s = absl::OkStatus();
    auto found = listed.find(sha);
    if (blobs_->InlineSize(blob.size)) {
      s = CheckBlob(*blobs_, sha, blob.size);  // inline, else the backend
    } else if (found == listed.end()) {
      s = absl::DataLossError(absl::StrCat("blob ", sha,
                                           " is missing from the store (",
                                           blobs_->backend().Describe(), ")"));
    } else if (found->second != blob.size) {
      s = absl::DataLossError(absl::StrCat("blob ", sha, " has ", found->second,
                                           " bytes, expected ", blob.size,
                                           ": stored copy is damaged"));
    } else {
      s = CheckBlob(*blobs_, sha, blob.size);
    }
    if (s.ok()) {
      report.bytes_checked += blob.size;
      continue;
    }
    if (absl::IsUnavailable(s) || absl::IsDeadlineExceeded(s)) {
      // The store cannot be reached, which says nothing about the blob:
      // report that rather than call every blob damaged.
      return absl::Status(s.code(), absl::StrCat("scrub stopped at blob ", sha,
                                                 ": ", s.message()));
    }
    blob.problem = std::string(s.message());
    std::sort(blob.documents.begin(), blob.documents.end());
    blob.documents.erase(
        std::unique(blob.documents.begin(), blob.documents.end()),
        blob.documents.end());
    report.damaged.push_back(blob);
  }
  return report;
}

void Archive::CheckMetadata(uint64_t size, ScrubReport* report) {
  // Every log entry's revision record must be readable: this names the
  // revisions a damaged table block took.
  for (uint64_t leaf = 0; leaf < size; ++leaf) {
    std::string id;
    leveldb::Status s = db_->Get(leveldb::ReadOptions(), LeafKey(leaf), &id);
    if (!s.ok()) {
      report->log_problems.push_back(absl::StrCat(
          "log entry ", leaf, ": its index record is damaged: ", s.ToString()));
      continue;
    }
    if (auto r = ReadRevision(id); !r.ok()) {
      report->damaged_records.push_back(
          DamagedRecord{leaf, id, std::string(r.status().message())});
    }
  }
  // And every other record (documents, history, peers): a full pass.
  std::unique_ptr<leveldb::Iterator> it(
      db_->NewIterator(leveldb::ReadOptions()));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
  }
  if (!it->status().ok()) {
    report->damaged_blocks.push_back(
        absl::StrCat("metadata records: ", it->status().ToString()));
  }
}

absl::Status Archive::RecordScrub(const ScrubRecord& record) {
  leveldb::WriteOptions sync;
  sync.sync = true;
  return FromLevelDb(db_->Put(sync, kLastScrubKey, EncodeScrubRecord(record)));
}

absl::StatusOr<std::optional<ScrubRecord>> Archive::LastScrub() {
  std::string value;
  leveldb::Status s = db_->Get(leveldb::ReadOptions(), kLastScrubKey, &value);
  if (s.IsNotFound()) return std::optional<ScrubRecord>();
  if (!s.ok()) return FromLevelDb(s);
  auto record = DecodeScrubRecord(value);
  if (!record.ok()) return record.status();
  return std::optional<ScrubRecord>(std::move(*record));
}

}  // namespace archive
