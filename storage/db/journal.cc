#include "storage/db/journal.h"

#include <zlib.h>

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "storage/base/little_endian.h"

namespace archive {
namespace {

constexpr char kMagic[4] = {'P', 'A', 'J', '1'};
constexpr absl::string_view kSuffix = ".jnl";
// Zeros are written this far ahead of the appends.
constexpr uint64_t kZerosAhead = 4 << 20;
// A segment is read in pieces of this size when replayed.
constexpr size_t kReadPiece = 1 << 20;

// CRC-32 of the header after the CRC field, then the payload.
uint32_t RecordCrc(absl::string_view header_rest, absl::string_view payload) {
  uLong crc = crc32_z(0L, Z_NULL, 0);
  crc = crc32_z(crc, reinterpret_cast<const Bytef*>(header_rest.data()),
                header_rest.size());
  crc = crc32_z(crc, reinterpret_cast<const Bytef*>(payload.data()),
                payload.size());
  return static_cast<uint32_t>(crc);
}

// A whole, undamaged record starting at `at` of `data`, or nullopt.
std::optional<Journal::Record> RecordAt(absl::string_view data, size_t at) {
  if (data.size() - at < Journal::kHeaderBytes) return std::nullopt;
  const absl::string_view h = data.substr(at, Journal::kHeaderBytes);
  if (h.substr(0, 4) != absl::string_view(kMagic, 4)) return std::nullopt;
  const uint64_t length = ReadLittleEndian(h.substr(8), 4);
  if (data.size() - at - Journal::kHeaderBytes < length) return std::nullopt;
  absl::string_view payload = data.substr(at + Journal::kHeaderBytes, length);
  if (RecordCrc(h.substr(8), payload) != ReadLittleEndian(h.substr(4), 4)) {
    return std::nullopt;
  }
  Journal::Record r;
  r.offset = at + Journal::kHeaderBytes;
  r.sequence = ReadLittleEndian(h.substr(12), 8);
  r.payload = payload;
  return r;
}

// Where a whole record later than `after` starts in `data` from `from` on,
// if one does. (A record of the same journal copied into an archived
// document could match, but not with a later sequence number.)
std::optional<size_t> FindLaterRecord(absl::string_view data, size_t from,
                                      std::optional<uint64_t> after) {
  const absl::string_view magic(kMagic, 4);
  for (size_t at = data.find(magic, from); at != absl::string_view::npos;
       at = data.find(magic, at + 1)) {
    auto r = RecordAt(data, at);
    if (r && (!after || r->sequence > *after)) return at;
  }
  return std::nullopt;
}

}  // namespace

absl::StatusOr<std::unique_ptr<Journal>> Journal::Open(Env* env,
                                                       std::string dir,
                                                       uint64_t segment_bytes) {
  if (absl::Status s = env->CreateDirs(dir); !s.ok()) return s;
  return std::unique_ptr<Journal>(
      new Journal(env, std::move(dir), segment_bytes));
}

Journal::~Journal() {
  if (file_ != nullptr) file_->Close().IgnoreError();
}

std::string Journal::SegmentPathIn(const std::string& dir, uint64_t number) {
  return absl::StrFormat("%s/%08d%s", dir, number, kSuffix);
}

absl::StatusOr<uint64_t> Journal::LastSegment() const {
  auto names = env_->ListDir(dir_);
  if (!names.ok()) return names.status();
  uint64_t last = 0;
  for (const std::string& name : *names) {
    uint64_t number = 0;
    if (absl::EndsWith(name, kSuffix) &&
        absl::SimpleAtoi(name.substr(0, name.size() - kSuffix.size()),
                         &number)) {
      last = std::max(last, number);
    }
  }
  return last;
}

absl::Status Journal::Replay(
    uint64_t from_segment, std::optional<uint64_t> after_sequence,
    const std::function<absl::Status(const Record&)>& visit) {
  auto last = LastSegment();
  if (!last.ok()) return last.status();
  std::optional<uint64_t> sequence = after_sequence;
  replayed_.clear();
  for (uint64_t n = from_segment; n <= *last; ++n) {
    if (!env_->FileExists(SegmentPath(n))) continue;
    const std::optional<uint64_t> before = sequence;
    if (absl::Status s = ReplaySegment(n, visit, &sequence); !s.ok()) return s;
    if (sequence != before) replayed_.push_back(n);
  }
  if (sequence) next_sequence_ = *sequence + 1;
  return absl::OkStatus();
}

absl::Status Journal::SyncReplayed() {
  for (uint64_t n : replayed_) {
    if (absl::Status s = env_->SyncFile(SegmentPath(n)); !s.ok()) return s;
  }
  replayed_.clear();
  return absl::OkStatus();
}

absl::Status Journal::ReplaySegment(
    uint64_t number, const std::function<absl::Status(const Record&)>& visit,
    std::optional<uint64_t>* last_sequence) {
  const std::string path = SegmentPath(number);
  auto file = env_->NewSequentialFile(path);
  if (!file.ok()) return file.status();
  // A segment is tens of MiB: read it whole, so a record never straddles a
  // piece and the search for a record after a damaged one sees everything.
  std::string data;
  std::string scratch(kReadPiece, '\0');
  while (true) {
    auto piece = (*file)->Read(scratch.size(), scratch.data());
    if (!piece.ok()) return piece.status();
    if (piece->empty()) break;
    data.append(piece->data(), piece->size());
  }
  size_t at = 0;
  while (auto record = RecordAt(data, at)) {
    record->segment = number;
    if (*last_sequence && record->sequence != **last_sequence + 1) {
      return absl::DataLossError(
          absl::StrCat("journal ", path, " offset ", at, ": record ",
                       record->sequence, " where record ", **last_sequence + 1,
                       " was due (a segment or records are missing)"));
    }
    if (absl::Status s = visit(*record); !s.ok()) return s;
    *last_sequence = record->sequence;
    at = record->offset + record->payload.size();
  }
  if (auto later = FindLaterRecord(data, at, *last_sequence)) {
    return absl::DataLossError(absl::StrCat(
        "journal ", path, " offset ", at,
        ": a damaged record, with a whole record after it at offset ", *later,
        "; the store cannot be brought up to date past it"));
  }
  return absl::OkStatus();
}

absl::Status Journal::StartSegment(uint64_t number) {
  if (file_ != nullptr) file_->Close().IgnoreError();
  file_.reset();
  if (env_->FileExists(SegmentPath(number))) {
    return absl::FailedPreconditionError(
        absl::StrCat("journal segment ", SegmentPath(number),
                     " exists already: appends only go to a new segment"));
  }
  segment_ = number;
  written_ = 0;
  zeroed_ = 0;
  failed_ = absl::OkStatus();
  return absl::OkStatus();
}

absl::StatusOr<Journal::Record> Journal::Append(absl::string_view payload) {
  if (!failed_.ok()) return failed_;
  if (segment_ == 0) {
    return absl::FailedPreconditionError("journal: no segment started");
  }
  if (payload.size() > kMaxPayloadBytes) {
    return absl::InvalidArgumentError(absl::StrCat(
        "journal: a record of ", payload.size(), " bytes is over the ",
        kMaxPayloadBytes, " a record's 4-byte length can say"));
  }
  auto fail = [this](absl::Status s) {
    failed_ = s;
    return s;
  };
  if (file_ == nullptr) {
    auto file = env_->NewWritableFile(SegmentPath(segment_));
    if (!file.ok()) return fail(file.status());
    file_ = std::move(*file);
    // The new name must survive a crash with the records it will hold.
    if (absl::Status s = env_->SyncDir(dir_); !s.ok()) return fail(s);
  }
  const uint64_t end = written_ + kHeaderBytes + payload.size();
  if (end > zeroed_) {
    const uint64_t ahead = end - written_ + kZerosAhead;
    if (absl::Status s = file_->WriteZerosAhead(ahead); !s.ok()) {
      return fail(s);
    }
    zeroed_ = written_ + ahead;
  }
  std::string rest;  // the header after the CRC: length, sequence
  AppendLittleEndian(&rest, payload.size(), 4);
  AppendLittleEndian(&rest, next_sequence_, 8);
  std::string header(kMagic, 4);
  AppendLittleEndian(&header, RecordCrc(rest, payload), 4);
  header += rest;
  if (absl::Status s = file_->Append(header); !s.ok()) return fail(s);
  if (absl::Status s = file_->Append(payload); !s.ok()) return fail(s);
  Record r;
  r.segment = segment_;
  r.offset = written_ + kHeaderBytes;
  r.sequence = next_sequence_++;
  written_ = end;
  return r;
}

absl::Status Journal::Sync() {
  if (!failed_.ok()) return failed_;
  if (file_ == nullptr) return absl::OkStatus();
  absl::Status s = file_->Sync();
  if (!s.ok()) failed_ = s;
  return s;
}

absl::StatusOr<std::shared_ptr<const RandomAccessFile>> Journal::Reader(
    uint64_t segment) const {
  absl::MutexLock lock(&readers_mu_);
  auto it = readers_.find(segment);
  if (it != readers_.end()) return it->second;
  auto file = env_->NewRandomAccessFile(SegmentPath(segment));
  if (!file.ok()) return file.status();
  // Recent contents are read most: close the oldest segment's file.
  if (readers_.size() >= kOpenSegments) readers_.erase(readers_.begin());
  std::shared_ptr<const RandomAccessFile> shared = std::move(*file);
  readers_[segment] = shared;
  return shared;
}

absl::StatusOr<std::string> Journal::Read(uint64_t segment, uint64_t offset,
                                          uint64_t length) const {
  auto reader = Reader(segment);
  if (!reader.ok()) {
    return absl::DataLossError(
        absl::StrCat("journal segment ", SegmentPath(segment),
                     " cannot be read: ", reader.status().message()));
  }
  std::string out(length, '\0');
  auto got = (*reader)->Read(offset, out.size(), out.data());
  if (!got.ok()) return got.status();
  if (got->size() != length) {
    return absl::DataLossError(absl::StrCat(
        "journal segment ", SegmentPath(segment), " ends before offset ",
        offset + length, " (", length, " bytes at ", offset, " were asked)"));
  }
  return out;
}

}  // namespace archive
