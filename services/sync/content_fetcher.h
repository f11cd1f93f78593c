// Brings the content a verified statement names from a peer into this
// archive's blob store, unless the archive has it: used by a pull
// (peer_puller.h) and by the recovery of a restored log (log_recovery.h), so
// both fetch, bound and re-hash a peer's bytes the same way.
//
// Thread-safety: one ContentFetcher serves one session on one thread. The
// archive and the client are not owned and must outlive it.
//
// Errors: the peer's (GetBlob) status; DATA_LOSS for bytes that exceed the
// statement's size or do not hash to its digest (nothing is stored then); the
// blob store's errors (e.g. a full disk).
#ifndef ARCHIVE_SERVICES_SYNC_CONTENT_FETCHER_H_
#define ARCHIVE_SERVICES_SYNC_CONTENT_FETCHER_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "clients/api/archive_client.h"
#include "storage/db/archive.h"

namespace archive {

class ContentFetcher {
 public:
  ContentFetcher(Archive* archive, ArchiveClient* client)
      : archive_(archive), client_(client) {}

  // Null if the archive holds the content already or it was stored as a
  // file; else a small content sealed to be written with the revision naming
  // it (Archive::ImportAll). A content named twice before Forget() is fetched
  // once. `inline_content`, if not null, is what the peer sent inside the
  // log entry (ReadLogResponse.content): it is checked exactly as GetBlob's
  // bytes are, and no call is made.
  absl::StatusOr<std::shared_ptr<const VerifiedBlob>> Ensure(
      const Statement& statement, const std::string* inline_content = nullptr);

  // The largest content a reader asks to get inside log entries: the whole
  // small-content range of the blob store's inline table.
  static constexpr uint64_t kInlineMaxBytes = 256 << 10;
  // Drops the sealed small contents once the entries using them are written.
  void Forget() { sealed_.clear(); }

  uint64_t blobs_fetched() const { return blobs_fetched_; }
  uint64_t bytes_fetched() const { return bytes_fetched_; }

 private:
  Archive* archive_;
  ArchiveClient* client_;
  std::map<std::string, std::shared_ptr<const VerifiedBlob>> sealed_;
  uint64_t blobs_fetched_ = 0;
  uint64_t bytes_fetched_ = 0;
};

}  // namespace archive

#endif  // ARCHIVE_SERVICES_SYNC_CONTENT_FETCHER_H_
