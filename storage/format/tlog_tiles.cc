#include "storage/format/tlog_tiles.h"

#include <algorithm>
#include <limits>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/types/span.h"

namespace archive {
namespace {

using Elements = absl::Span<const absl::string_view>;

absl::Status BadPath(absl::string_view path, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat(
      "tile path \"", absl::CHexEscape(path), "\": ", why,
      " (want <L>/<N>[.p/<W>] or entries/<N>[.p/<W>], e.g. 1/x001/234.p/5)"));
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

bool IsThreeDigits(absl::string_view s) {
  return s.size() == 3 && std::all_of(s.begin(), s.end(), IsDigit);
}

// A decimal in [min, max] spelled without leading zeros; L and W are both.
bool ParseSmallDecimal(absl::string_view s, int min, int max, int* out) {
  if (s.empty() || s.size() > 3) return false;
  if (!std::all_of(s.begin(), s.end(), IsDigit)) return false;
  if (s.size() > 1 && s[0] == '0') return false;
  int value = 0;
  for (char c : s) value = value * 10 + (c - '0');
  if (value < min || value > max) return false;
  *out = value;
  return true;
}

// index * 1000 + group, or false if that exceeds uint64.
bool AppendGroup(absl::string_view digits, uint64_t* index) {
  uint64_t group = static_cast<uint64_t>(
      (digits[0] - '0') * 100 + (digits[1] - '0') * 10 + (digits[2] - '0'));
  if (*index > (std::numeric_limits<uint64_t>::max() - group) / 1000) {
    return false;
  }
  *index = *index * 1000 + group;
  return true;
}

// What follows the last index element: nothing, or ".p" then one width.
absl::Status ParseWidth(absl::string_view path, bool partial, Elements rest,
                        TilePath* tile) {
  if (!partial) {
    if (rest.empty()) return absl::OkStatus();
    return BadPath(path, "the last index element (no 'x') must end the path");
  }
  if (rest.size() != 1) {
    return BadPath(path, "\".p\" must be followed by exactly one width");
  }
  if (!ParseSmallDecimal(rest[0], 1, kTileWidth - 1, &tile->width)) {
    return BadPath(path, "width must be 1..255 without leading zeros");
  }
  return absl::OkStatus();
}

// N as "x" elements then one plain one ("x001/x234/067"), then ".p/<W>".
absl::Status ParseIndexAndWidth(absl::string_view path, Elements elements,
                                TilePath* tile) {
  if (elements.empty()) return BadPath(path, "no index");
  uint64_t index = 0;
  for (size_t i = 0; i < elements.size(); ++i) {
    absl::string_view element = elements[i];
    bool last = !absl::ConsumePrefix(&element, "x");
    bool partial = last && absl::ConsumeSuffix(&element, ".p");
    if (!IsThreeDigits(element)) {
      return BadPath(path,
                     "an index element must be 3 digits, all but the "
                     "last prefixed with 'x'");
    }
    // "x000/001" would be a second name for tile 1.
    if (i == 0 && !last && element == "000") {
      return BadPath(path, "an index must not start with \"x000\"");
    }
    if (!AppendGroup(element, &index)) {
      return BadPath(path, "the index exceeds 2^64 - 1");
    }
    if (last) {
      tile->index = index;
      return ParseWidth(path, partial, elements.subspan(i + 1), tile);
    }
  }
  return BadPath(path, "the index must end with an element without 'x'");
}

// Leaves, or hashes of 256^level leaves, the tree of tree_size has at level.
uint64_t CompleteHashesAtLevel(uint64_t tree_size, int level) {
  // Shifting a uint64 by 64 or more is undefined; no such hash exists.
  if (level >= 64 / kTileHeight) return 0;
  return tree_size >> (kTileHeight * level);
}

absl::Status CheckInTree(uint64_t tree_size, const TilePath& tile) {
  uint64_t have = CompleteHashesAtLevel(tree_size, tile.level);
  uint64_t width = static_cast<uint64_t>(tile.width);
  // index * 256 + width <= have, without overflowing the product.
  if (width <= have && tile.index <= (have - width) / kTileWidth) {
    return absl::OkStatus();
  }
  return absl::NotFoundError(absl::StrCat("tile ", TilePathString(tile),
                                          " is not in the tree of size ",
                                          tree_size));
}

absl::Status CheckKind(const TilePath& tile, bool entries) {
  if (tile.entries != entries) {
    return absl::InvalidArgumentError(
        absl::StrCat("tile ", TilePathString(tile), " is ",
                     tile.entries ? "an entry bundle" : "a hash tile", ", not ",
                     entries ? "an entry bundle" : "a hash tile"));
  }
  return ValidateTilePath(tile);
}

void AppendThreeDigits(uint64_t group, std::string* out) {
  char digits[3] = {static_cast<char>('0' + group / 100),
                    static_cast<char>('0' + group / 10 % 10),
                    static_cast<char>('0' + group % 10)};
  out->append(digits, 3);
}

void AppendIndex(uint64_t index, std::string* out) {
  uint64_t groups[7];  // 2^64 - 1 has 20 digits: 7 groups of 3
  int n = 0;
  do {
    groups[n++] = index % 1000;
    index /= 1000;
  } while (index != 0);
  while (n-- > 0) {
    if (n > 0) out->push_back('x');
    AppendThreeDigits(groups[n], out);
    if (n > 0) out->push_back('/');
  }
}

// Each leaf as a big-endian uint16 length, then its bytes.
absl::StatusOr<std::string> EncodeBundle(const std::vector<std::string>& leaves,
                                         uint64_t first) {
  size_t total = 0;
  for (size_t i = 0; i < leaves.size(); ++i) {
    if (leaves[i].size() > kMaxBundleEntryBytes) {
      return absl::OutOfRangeError(absl::StrCat(
          "leaf ", first + i, " is ", leaves[i].size(),
          " bytes; an entry bundle holds entries of at most 65,535 bytes"));
    }
    total += 2 + leaves[i].size();
  }
  std::string out;
  out.reserve(total);
  for (const std::string& leaf : leaves) {
    out.push_back(static_cast<char>(leaf.size() >> 8));
    out.push_back(static_cast<char>(leaf.size() & 0xff));
    out.append(leaf);
  }
  return out;
}

}  // namespace

absl::Status ValidateTilePath(const TilePath& tile) {
  if (tile.level < 0 || tile.level > kMaxTileLevel) {
    return absl::InvalidArgumentError(
        absl::StrCat("tile level ", tile.level, " is not in 0..63"));
  }
  if (tile.entries && tile.level != 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "an entry bundle has no level (level ", tile.level, " given)"));
  }
  if (tile.width < 1 || tile.width > kTileWidth) {
    return absl::InvalidArgumentError(
        absl::StrCat("tile width ", tile.width, " is not in 1..256"));
  }
  return absl::OkStatus();
}

absl::StatusOr<TilePath> ParseTilePath(absl::string_view path) {
  std::vector<absl::string_view> elements = absl::StrSplit(path, '/');
  for (absl::string_view element : elements) {
    if (element.empty()) {
      return BadPath(path, "empty element (leading, trailing or double '/')");
    }
  }
  TilePath tile;
  if (elements[0] == "entries") {
    tile.entries = true;
  } else if (!ParseSmallDecimal(elements[0], 0, kMaxTileLevel, &tile.level)) {
    return BadPath(path, "level must be 0..63 without leading zeros");
  }
  absl::Status index =
      ParseIndexAndWidth(path, absl::MakeConstSpan(elements).subspan(1), &tile);
  if (!index.ok()) return index;
  return tile;
}

std::string TilePathString(const TilePath& tile) {
  std::string out = tile.entries ? "entries" : absl::StrCat(tile.level);
  out.push_back('/');
  AppendIndex(tile.index, &out);
  if (tile.width < kTileWidth) absl::StrAppend(&out, ".p/", tile.width);
  return out;
}

absl::StatusOr<std::string> HashTile(HashSource& source, uint64_t tree_size,
                                     const TilePath& tile) {
  absl::Status valid = CheckKind(tile, /*entries=*/false);
  if (!valid.ok()) return valid;
  absl::Status in_tree = CheckInTree(tree_size, tile);
  if (!in_tree.ok()) return in_tree;
  std::string out;
  out.reserve(static_cast<size_t>(tile.width) * kTileHashBytes);
  uint64_t first = tile.index * kTileWidth;
  for (int i = 0; i < tile.width; ++i) {
    absl::StatusOr<std::string> hash =
        source.PerfectSubtree(kTileHeight * tile.level, first + i);
    if (!hash.ok()) return hash.status();
    if (hash->size() != kTileHashBytes) {
      return absl::DataLossError(absl::StrCat(
          "hash source returned ", hash->size(), " bytes for subtree ",
          first + i, " at level ", kTileHeight * tile.level));
    }
    out.append(*hash);
  }
  return out;
}

absl::StatusOr<std::string> EntryBundle(const LeafReader& leaves,
                                        uint64_t tree_size,
                                        const TilePath& tile) {
  absl::Status valid = CheckKind(tile, /*entries=*/true);
  if (!valid.ok()) return valid;
  absl::Status in_tree = CheckInTree(tree_size, tile);
  if (!in_tree.ok()) return in_tree;
  uint64_t first = tile.index * kTileWidth;
  uint64_t count = static_cast<uint64_t>(tile.width);
  absl::StatusOr<std::vector<std::string>> got = leaves(first, count);
  if (!got.ok()) return got.status();
  if (got->size() != count) {
    return absl::DataLossError(absl::StrCat(
        "asked for ", count, " leaves from ", first, ", got ", got->size()));
  }
  return EncodeBundle(*got, first);
}

int PartialTileWidth(uint64_t tree_size, int level) {
  if (level < 0 || level > kMaxTileLevel) return 0;
  return static_cast<int>(CompleteHashesAtLevel(tree_size, level) % kTileWidth);
}

}  // namespace archive
