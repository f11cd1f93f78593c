// The log side of C2SP tlog-mirror, for mirrors that pull: other offices
// mirror this archive's log by pulling it (peer_puller.h), not through the
// spec's add-entries upload, so no request of this archive's gets their
// cosignature back. Instead this reads each mirror's copy where the spec says
// it is served, the checkpoint under the mirror's monitoring prefix
// (<prefix>/<hex SHA-256 of this archive's origin>/checkpoint), and when that
// is this archive's current checkpoint and carries a valid cosignature by the
// mirror's key, keeps the line to serve with the checkpoint (/log/checkpoint,
// GetCheckpoint, receipts), beside the witnesses' (witness_collector.h). A
// client's policy may then require k mirrors (witness_policy.h,
// mirror_quorum): k offices that hold a copy.
//
// The mirrors are the "mirror <cosigner verifier key> <monitoring prefix
// URL>" lines of archived's --witnesses file, read again every round (1 s).
// A line is kept only for the exact checkpoint it cosigns, and only if it
// verifies with the mirror's key: when the log grows, a mirror counts again
// once it has pulled and stored the new size; a checkpoint served with a bad
// line (another key's, a signature that does not verify, a malformed note)
// counts for nothing, and the log says why once per cause.
//
// Thread-safety: thread-safe. The archive must outlive the collector.
#ifndef ARCHIVE_SERVICES_SYNC_MIRROR_COLLECTOR_H_
#define ARCHIVE_SERVICES_SYNC_MIRROR_COLLECTOR_H_

#include <atomic>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "storage/db/archive.h"
#include "storage/verify/witness_policy.h"

namespace archive {

class MirrorCollector {
 public:
  // INVALID_ARGUMENT naming the line for a malformed file or a mirror
  // without a URL; NOT_FOUND if it cannot be read.
  static absl::StatusOr<std::unique_ptr<MirrorCollector>> Create(
      Archive* archive, const std::string& witnesses_file,
      absl::Duration timeout = absl::Seconds(2));
  ~MirrorCollector();  // stops reading

  void Start();

  // The mirrors' cosignature lines for `note` (this archive's checkpoint as
  // signed), "" if none was collected for it.
  std::string LinesFor(const std::string& note) const;

 private:
  MirrorCollector(Archive* archive, std::string file, absl::Duration timeout)
      : archive_(archive), file_(std::move(file)), timeout_(timeout) {}
  // The mirrors the file lists; INVALID_ARGUMENT for one without a URL.
  static absl::StatusOr<std::vector<WitnessPolicy::Witness>> LoadMirrors(
      const std::string& file);
  void Loop();
  // `mirror`'s cosignature line for `cp`, or why not: UNAVAILABLE if it
  // serves no checkpoint, FAILED_PRECONDITION if it serves another; else the
  // refusal of what it serves (a note that does not parse, no line by the
  // mirror's key, one that does not verify).
  absl::StatusOr<std::string> Fetch(const WitnessPolicy::Witness& mirror,
                                    const SignedCheckpoint& cp) const;
  // True for a Fetch error that refuses what a mirror served (logged once
  // per cause), false for a mirror unreachable or behind.
  static bool Refused(const absl::Status& status);

  Archive* archive_;
  std::string file_;
  absl::Duration timeout_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  mutable absl::Mutex mu_;
  std::string note_ ABSL_GUARDED_BY(mu_);  // the checkpoint lines_ cosign
  std::map<std::string, std::string> lines_ ABSL_GUARDED_BY(mu_);  // by name
  // By mirror name: the last refusal logged (the reading thread only).
  std::map<std::string, std::string> refused_;
};

}  // namespace archive

#endif  // ARCHIVE_SERVICES_SYNC_MIRROR_COLLECTOR_H_
