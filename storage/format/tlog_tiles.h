// C2SP tlog-tiles, the read path: the names of tiles and entry bundles, and
// their bytes, computed from a log's Merkle hashes (merkle.h) and its leaves.
//
// A tile is 256 consecutive hashes at a "tile level" L: hash i of tile N at
// level L is the hash of the perfect subtree of 256^L leaves starting at leaf
// (N * 256 + i) * 256^L, i.e. HashSource::PerfectSubtree(8 * L, N * 256 + i).
// An entry bundle holds the leaves a level-0 tile hashes, each prefixed with
// its length as a big-endian uint16. The rightmost tile of a level may be
// partial: 1-255 hashes (or leaves), named with a ".p/<W>" suffix.
//
// The functions keep no state and do not retain their arguments: they are as
// thread-safe as the HashSource or LeafReader they call. Errors:
// INVALID_ARGUMENT for a malformed path or a TilePath no path can name (each
// says what is wrong); NOT_FOUND for a tile or bundle the tree of the given
// size does not contain (yet); OUT_OF_RANGE for a leaf an entry bundle cannot
// carry; DATA_LOSS when a source supplies data of the wrong shape; any error
// of the HashSource or LeafReader is returned unchanged.
#ifndef ARCHIVE_STORAGE_FORMAT_TLOG_TILES_H_
#define ARCHIVE_STORAGE_FORMAT_TLOG_TILES_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "storage/format/merkle.h"

namespace archive {

// Levels of the Merkle tree one tile level spans, and hashes in a full tile.
inline constexpr int kTileHeight = 8;
inline constexpr int kTileWidth = 256;
// Highest tile level a path may name. Levels of 8 and more name nothing in a
// log of at most 2^64 - 1 leaves, but they are valid names.
inline constexpr int kMaxTileLevel = 63;
// Size of one hash in a tile, and the largest leaf an entry bundle can carry.
inline constexpr int kTileHashBytes = 32;
inline constexpr size_t kMaxBundleEntryBytes = 65535;

// One tile or entry bundle, as named by a path below "<prefix>/tile/".
struct TilePath {
  // An entry bundle (tile/entries/<N>...) rather than a hash tile
  // (tile/<L>/<N>).
  bool entries = false;
  int level = 0;       // L: 0..kMaxTileLevel; 0 for entry bundles
  uint64_t index = 0;  // N
  // W: kTileWidth for a full tile, 1..255 for a partial one (".p/<W>").
  int width = kTileWidth;
};

// OK iff some path names `tile`: level in 0..kMaxTileLevel (0 for an entry
// bundle) and width in 1..kTileWidth. INVALID_ARGUMENT saying which is wrong.
absl::Status ValidateTilePath(const TilePath& tile);

// Parses what follows "<prefix>/tile/": "<L>/<N>[.p/<W>]" or
// "entries/<N>[.p/<W>]", e.g. "0/x001/x234/067", "1/000.p/17",
// "entries/x002/003.p/5". Only the one spelling the spec gives each tile is
// accepted, so distinct accepted paths name distinct tiles: L is decimal
// 0..63 without leading zeros; N is 3-digit elements, all but the last
// prefixed with 'x', with no leading "x000" element; W is decimal 1..255
// without leading zeros. Nothing else (no empty elements, trailing slash,
// "..", sign or space, and no N beyond uint64). INVALID_ARGUMENT saying what
// is wrong.
absl::StatusOr<TilePath> ParseTilePath(absl::string_view path);

// The path ParseTilePath accepts for `tile`, e.g. "0/x001/x234/067.p/5" or
// "entries/000". `tile` must be valid (ValidateTilePath).
std::string TilePathString(const TilePath& tile);

// The hashes, kTileHashBytes each, of hash tile `tile` of the log's first
// tree_size leaves: hash i is source.PerfectSubtree(kTileHeight * L,
// N * 256 + i) for i in [0, W). NOT_FOUND unless the tree of tree_size holds
// all of them ((N * 256 + W) * 256^L <= tree_size); so a full tile exists only
// once complete, and a partial one for every size that covers it.
// INVALID_ARGUMENT for an entry bundle or an invalid TilePath; DATA_LOSS if
// the source returns a hash of another size.
absl::StatusOr<std::string> HashTile(HashSource& source, uint64_t tree_size,
                                     const TilePath& tile);

// Leaves [start, start + count) of the log, in order (the caller's store).
using LeafReader = std::function<absl::StatusOr<std::vector<std::string>>(
    uint64_t start, uint64_t count)>;

// The bytes of entry bundle `tile` (an entries path): for each leaf in
// [N * 256, N * 256 + W), its length as a big-endian uint16, then the leaf.
// NOT_FOUND unless N * 256 + W <= tree_size; OUT_OF_RANGE naming the leaf's
// index if one exceeds kMaxBundleEntryBytes; DATA_LOSS if `leaves` returns
// another number of leaves than asked; INVALID_ARGUMENT for a hash tile or an
// invalid TilePath.
absl::StatusOr<std::string> EntryBundle(const LeafReader& leaves,
                                        uint64_t tree_size,
                                        const TilePath& tile);

// The width of the partial tile at `level` in a tree of tree_size leaves:
// floor(tree_size / 256^level) mod 256, so 0 when there is none (and for a
// level outside 0..kMaxTileLevel).
int PartialTileWidth(uint64_t tree_size, int level);

}  // namespace archive

#endif  // ARCHIVE_STORAGE_FORMAT_TLOG_TILES_H_
