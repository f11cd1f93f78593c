#include "storage/index/gram_set.h"

#include <cstdint>

namespace archive {
namespace {

void AppendVarint(uint64_t v, std::string* out) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7F) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

// Reads one varint from the front of `in`; false if it is cut short or longer
// than a 64-bit value needs.
bool ReadVarint(absl::string_view* in, uint64_t* v) {
  *v = 0;
  for (int shift = 0; shift < 64 && !in->empty(); shift += 7) {
    const uint8_t byte = static_cast<uint8_t>(in->front());
    in->remove_prefix(1);
    *v |= static_cast<uint64_t>(byte & 0x7F) << shift;
    if ((byte & 0x80) == 0) return true;
  }
  return false;
}

}  // namespace

std::string EncodeGramSet(const std::vector<PackedGram>& grams) {
  std::string out;
  out.reserve(grams.size() * 3);
  PackedGram previous = 0;
  for (PackedGram gram : grams) {
    AppendVarint(gram - previous, &out);
    previous = gram;
  }
  return out;
}

bool DecodeGramSet(absl::string_view encoded, std::vector<PackedGram>* grams) {
  grams->clear();
  PackedGram previous = 0;
  while (!encoded.empty()) {
    uint64_t difference;
    // After the first gram, a zero difference would repeat a gram.
    if (!ReadVarint(&encoded, &difference) ||
        (difference == 0 && !grams->empty())) {
      grams->clear();
      return false;
    }
    previous += difference;
    grams->push_back(previous);
  }
  return true;
}

}  // namespace archive
