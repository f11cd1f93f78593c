#include "storage/db/journal_batch.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "storage/base/little_endian.h"

namespace archive {
namespace {

enum : char { kPut = 1, kDelete = 2 };

class Encoder : public leveldb::WriteBatch::Handler {
 public:
  explicit Encoder(std::string* out) : out_(out) {}
  void Put(const leveldb::Slice& key, const leveldb::Slice& value) override {
    out_->push_back(kPut);
    AppendPart(key);
    AppendPart(value);
  }
  void Delete(const leveldb::Slice& key) override {
    out_->push_back(kDelete);
    AppendPart(key);
  }

 private:
  void AppendPart(const leveldb::Slice& part) {
    AppendLittleEndian(out_, part.size(), 4);
    out_->append(part.data(), part.size());
  }
  std::string* out_;
};

// The exact size of the payload Encoder writes for a batch, so the payload is
// allocated once: its 4-byte lengths take more room than the batch's varints,
// and a payload that outgrew its reservation was copied whole into a buffer
// twice its size (a page of a sync is ~10 MB of contents).
class SizeCounter : public leveldb::WriteBatch::Handler {
 public:
  void Put(const leveldb::Slice& key, const leveldb::Slice& value) override {
    bytes += 1 + 4 + key.size() + 4 + value.size();
  }
  void Delete(const leveldb::Slice& key) override {
    bytes += 1 + 4 + key.size();
  }
  size_t bytes = 0;
};

// Reads one length-prefixed part at `*at` of `payload`, advancing `*at`.
std::optional<absl::string_view> ReadPart(absl::string_view payload,
                                          size_t* at) {
  if (payload.size() - *at < 4) return std::nullopt;
  const uint64_t n = ReadLittleEndian(payload.substr(*at, 4), 4);
  *at += 4;
  if (payload.size() - *at < n) return std::nullopt;
  absl::string_view part = payload.substr(*at, n);
  *at += n;
  return part;
}

leveldb::Slice ToSlice(absl::string_view s) {
  return leveldb::Slice(s.data(), s.size());
}

}  // namespace

std::optional<std::string> ValueSeparation::PointerKey(
    absl::string_view key) const {
  if (prefix.empty() || !absl::StartsWith(key, prefix)) return std::nullopt;
  return absl::StrCat(pointer_prefix, key.substr(prefix.size()));
}

std::string ValuePointer::Encode() const {
  std::string out;
  AppendLittleEndian(&out, segment, 8);
  AppendLittleEndian(&out, offset, 8);
  AppendLittleEndian(&out, length, 8);
  return out;
}

std::optional<ValuePointer> ValuePointer::Decode(absl::string_view encoded) {
  if (encoded.size() != 24) return std::nullopt;
  ValuePointer p;
  p.segment = ReadLittleEndian(encoded.substr(0, 8), 8);
  p.offset = ReadLittleEndian(encoded.substr(8, 8), 8);
  p.length = ReadLittleEndian(encoded.substr(16, 8), 8);
  return p;
}

std::string EncodeJournalPayload(const leveldb::WriteBatch& batch) {
  SizeCounter size;
  (void)batch.Iterate(&size);
  std::string out;
  out.reserve(size.bytes);
  Encoder encoder(&out);
  (void)batch.Iterate(&encoder);  // a batch we built always parses
  return out;
}

absl::Status ApplicationOf(const Journal::Record& record,
                           const ValueSeparation& separation,
                           leveldb::WriteBatch* out) {
  const absl::string_view payload = record.payload;
  auto malformed = [&](size_t at) {
    return absl::DataLossError(absl::StrCat(
        "journal record ", record.sequence, " (segment ", record.segment,
        ") does not parse at payload offset ", at));
  };
  size_t at = 0;
  while (at < payload.size()) {
    const char type = payload[at++];
    auto key = ReadPart(payload, &at);
    if (!key || (type != kPut && type != kDelete)) return malformed(at);
    std::optional<std::string> pointer_key = separation.PointerKey(*key);
    if (type == kDelete) {
      out->Delete(ToSlice(*key));
      if (pointer_key) out->Delete(*pointer_key);
      continue;
    }
    const size_t value_at = at + 4;
    auto value = ReadPart(payload, &at);
    if (!value) return malformed(at);
    if (!pointer_key) {
      out->Put(ToSlice(*key), ToSlice(*value));
      continue;
    }
    ValuePointer pointer{record.segment, record.offset + value_at,
                         value->size()};
    out->Put(*pointer_key, pointer.Encode());
  }
  return absl::OkStatus();
}

}  // namespace archive
