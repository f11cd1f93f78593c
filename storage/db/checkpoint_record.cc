#include "storage/db/checkpoint_record.h"

#include <chrono>
#include <cstdio>

#include "absl/strings/str_cat.h"
#include "storage/base/log_line.h"
#include "storage/base/this_thread.h"
#include "storage/format/signed_note.h"
#include "storage/verify/proof_verifier.h"

namespace archive {
namespace {

// How often at most the record is rewritten: each write costs two fsyncs
// (file and directory), which must not compete with every commit's.
constexpr auto kWriteInterval = std::chrono::seconds(1);

}  // namespace

absl::StatusOr<RecordedCheckpoint> ParseOwnCheckpoint(const std::string& note,
                                                      const SigningKey& key) {
  auto parsed = ParseNote(note);
  if (!parsed.ok()) return parsed.status();
  // Ed25519 signatures are deterministic: a note we signed signs again to the
  // same bytes, which checks the signature without a separate verifier. The
  // note may carry other lines too (witnesses' cosignatures, kept by a backup
  // of a witnessed checkpoint): only our own line counts, and only it is kept.
  const std::string own_note = key.SignNote(parsed->text);
  auto own_line = ParseNote(own_note);
  if (!own_line.ok()) return own_line.status();
  const NoteSignature& ours = own_line->signatures.front();
  bool signed_by_us = false;
  for (const NoteSignature& sig : parsed->signatures) {
    signed_by_us |= sig.key_name == ours.key_name &&
                    sig.key_id == ours.key_id &&
                    sig.signature == ours.signature;
  }
  if (!signed_by_us) {
    return absl::InvalidArgumentError(
        "not a note signed by this archive's key");
  }
  auto body = ParseCheckpoint(parsed->text);
  if (!body.ok()) return body.status();
  if (body->origin != key.name()) {
    return absl::InvalidArgumentError("another origin");
  }
  return RecordedCheckpoint{body->size, body->root_hash, own_note};
}

std::string CheckpointRecord::PathIn(const std::string& data_dir) {
  return data_dir + "/newest-signed-checkpoint";
}

absl::StatusOr<std::optional<RecordedCheckpoint>> CheckpointRecord::Load(
    Env* env, const std::string& data_dir, const SigningKey& key) {
  const std::string path = PathIn(data_dir);
  if (!env->FileExists(path)) return std::optional<RecordedCheckpoint>();
  auto note = env->ReadFile(path);
  if (!note.ok()) return note.status();
  auto damaged = [&](absl::string_view why) {
    return absl::DataLossError(absl::StrCat(
        path, " is damaged (", why,
        "): it records the newest checkpoint this archive signed; restore it "
        "from a backup or take the newest checkpoint a client or peer holds"));
  };
  auto own = ParseOwnCheckpoint(*note, key);
  if (!own.ok()) return damaged(own.status().message());
  return std::optional<RecordedCheckpoint>(std::move(*own));
}

CheckpointRecord::CheckpointRecord(Env* env, std::string data_dir)
    : env_(env), path_(PathIn(data_dir)) {
  writer_ = std::thread([this] { WriterLoop(); });
}

CheckpointRecord::~CheckpointRecord() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  writer_.join();
}

absl::Status CheckpointRecord::Write(const std::string& note, uint64_t size) {
  std::lock_guard<std::mutex> lock(file_mu_);
  // Never go back: an offer written meanwhile may be newer.
  if (static_cast<int64_t>(size) < written_size_) return absl::OkStatus();
  absl::Status s = env_->WriteFileAtomic(path_, note);
  if (s.ok()) written_size_ = static_cast<int64_t>(size);
  return s;
}

void CheckpointRecord::Offer(const std::string& note, uint64_t size) {
  std::lock_guard<std::mutex> lock(mu_);
  if (static_cast<int64_t>(size) <= written_size_ ||
      (!pending_note_.empty() && size <= pending_size_)) {
    return;
  }
  pending_note_ = note;
  pending_size_ = size;
  wake_.notify_all();
}

void CheckpointRecord::WriterLoop() {
  NameThisThread("checkpoint-rec");
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    wake_.wait(lock, [this] { return stopping_ || !pending_note_.empty(); });
    if (pending_note_.empty() && stopping_) return;
    std::string note = std::move(pending_note_);
    uint64_t size = pending_size_;
    pending_note_.clear();
    pending_size_ = 0;
    lock.unlock();  // offers go on while the disk is written
    if (absl::Status s = Write(note, size); !s.ok()) {
      // The store still holds the checkpoint; the next offer tries again.
      LogLine(
          absl::StrCat("archived: cannot update ", path_, ": ", s.message()),
          LogLevel::kWarning);
    }
    lock.lock();
    if (!stopping_)
      wake_.wait_for(lock, kWriteInterval, [this] { return stopping_; });
  }
}

}  // namespace archive
