#include "services/sync/mirror_collector.h"

#include <httplib.h>

#include "absl/strings/str_cat.h"
#include "services/sync/witness_collector.h"
#include "storage/base/log_line.h"
#include "storage/base/sha256.h"
#include "storage/base/this_thread.h"
#include "storage/format/signed_note.h"

namespace archive {

absl::StatusOr<std::unique_ptr<MirrorCollector>> MirrorCollector::Create(
    Archive* archive, const std::string& witnesses_file,
    absl::Duration timeout) {
  auto mirrors = LoadMirrors(witnesses_file);
  if (!mirrors.ok()) return mirrors.status();
  return std::unique_ptr<MirrorCollector>(
      new MirrorCollector(archive, witnesses_file, timeout));
}

absl::StatusOr<std::vector<WitnessPolicy::Witness>>
MirrorCollector::LoadMirrors(const std::string& file) {
  auto policy = WitnessPolicy::Load(file, /*require_quorum=*/false);
  if (!policy.ok()) return policy.status();
  for (const WitnessPolicy::Witness& m : policy->mirrors()) {
    std::string origin, path;
    if (m.url.empty() || !SplitHttpUrl(m.url, &origin, &path)) {
      return absl::InvalidArgumentError(absl::StrCat(
          file, ": mirror ", m.key->name(),
          " needs its monitoring prefix URL (http://HOST:PORT/mirror)"));
    }
  }
  return policy->mirrors();
}

MirrorCollector::~MirrorCollector() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

void MirrorCollector::Start() {
  thread_ = std::thread([this] { Loop(); });
}

void MirrorCollector::Loop() {
  NameThisThread("mirror-collect");
  while (!stop_) {
    // A file that does not parse is reported by the witness collector; the
    // mirrors count for nothing until it is mended.
    auto mirrors = LoadMirrors(file_);
    const SignedCheckpoint cp = archive_->LatestCheckpoint();
    std::map<std::string, std::string> had, lines;
    {
      absl::MutexLock lock(&mu_);
      if (note_ == cp.note) had = lines_;
    }
    for (const WitnessPolicy::Witness& m :
         mirrors.ok() ? *mirrors : std::vector<WitnessPolicy::Witness>()) {
      const std::string& name = m.key->name();
      if (auto kept = had.find(name); kept != had.end()) {
        lines[name] = kept->second;
      } else if (auto line = Fetch(m, cp); line.ok() && !stop_) {
        lines[name] = std::move(*line);
        refused_.erase(name);
      } else if (!line.ok() && Refused(line.status()) &&
                 refused_[name] != line.status().message()) {
        // Said once per cause, not every second.
        refused_[name] = std::string(line.status().message());
        LogLine(absl::StrCat("archived: refused the cosignature mirror ", name,
                             " serves for the checkpoint of ", cp.size, ": ",
                             line.status().message()),
                LogLevel::kWarning);
      }
    }
    {
      absl::MutexLock lock(&mu_);
      note_ = cp.note;
      lines_ = std::move(lines);
    }
    absl::SleepFor(absl::Seconds(1));
  }
}

absl::StatusOr<std::string> MirrorCollector::Fetch(
    const WitnessPolicy::Witness& mirror, const SignedCheckpoint& cp) const {
  std::string host, path;
  SplitHttpUrl(mirror.url, &host, &path);
  httplib::Client client(host);
  const int64_t micros = absl::ToInt64Microseconds(timeout_);
  client.set_connection_timeout(micros / 1000000, micros % 1000000);
  client.set_read_timeout(micros / 1000000, micros % 1000000);
  auto reply = client.Get(absl::StrCat(
      path, "/", Sha256::HexDigest(archive_->origin()), "/checkpoint"));
  if (!reply || reply->status != 200) {
    return absl::UnavailableError(absl::StrCat(mirror.url, ": no checkpoint"));
  }
  auto served = ParseNote(reply->body);
  if (!served.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("its checkpoint does not parse as a signed note: ",
                     served.status().message()));
  }
  auto ours = ParseNote(cp.note);
  if (!ours.ok() || served->text != ours->text) {
    return absl::FailedPreconditionError("the mirror is at another checkpoint");
  }
  // Kept only if it verifies with the mirror's key, for this checkpoint.
  return VerifiedCosignatureLine(*served, *mirror.key);
}

bool MirrorCollector::Refused(const absl::Status& status) {
  // Unreachable, or not at this checkpoint yet: a mirror lagging, not lying.
  return !absl::IsUnavailable(status) && !absl::IsFailedPrecondition(status);
}

std::string MirrorCollector::LinesFor(const std::string& note) const {
  absl::MutexLock lock(&mu_);
  if (note != note_) return "";
  std::string out;
  for (const auto& [name, line] : lines_) out += line;
  return out;
}

}  // namespace archive
