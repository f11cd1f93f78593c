// C2SP tlog-tiles read-path encoding: path names (the spec's example, round
// trips, every way a path can be malformed), which tiles a tree has (the
// spec's 70,000-leaf example), tile contents checked against an RFC 6962
// reference written here with SHA-256 alone, the root rebuilt from tiles
// only, and the bytes of entry bundles.
#include "storage/format/tlog_tiles.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "storage/base/sha256.h"
#include "storage/format/merkle.h"

namespace archive {
namespace {

constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();
constexpr uint64_t kSpecSize = 70000;  // the spec's example tree

// --- RFC 6962 reference, independent of merkle.cc but for SHA-256 ----------

std::string TileLeafHash(const std::string& leaf) {
  return Sha256::Digest(std::string(1, '\0') + leaf);
}

// MTH of a power-of-two run of hashes, pairing neighbours level by level.
std::string RefPerfectRoot(std::vector<std::string> hashes) {
  while (hashes.size() > 1) {
    std::vector<std::string> up;
    for (size_t i = 0; i + 1 < hashes.size(); i += 2) {
      up.push_back(Sha256::Digest("\x01" + hashes[i] + hashes[i + 1]));
    }
    hashes = up;
  }
  return hashes[0];
}

std::vector<std::string> SplitHashes(const std::string& tile) {
  std::vector<std::string> out;
  for (size_t i = 0; i < tile.size(); i += 32)
    out.push_back(tile.substr(i, 32));
  return out;
}

std::string LeafData(uint64_t i) { return "leaf " + std::to_string(i); }

// One 70,000-leaf source shared by the tests (built once, about 0.1 s).
InMemoryHashSource& SpecSource() {
  static InMemoryHashSource* source = [] {
    auto* s = new InMemoryHashSource;
    for (uint64_t i = 0; i < kSpecSize; ++i) {
      s->Append(MerkleLeafHash(LeafData(i)));
    }
    return s;
  }();
  return *source;
}

TilePath Hashes(int level, uint64_t index, int width = kTileWidth) {
  TilePath tile;
  tile.level = level;
  tile.index = index;
  tile.width = width;
  return tile;
}

TilePath Bundle(uint64_t index, int width = kTileWidth) {
  TilePath tile = Hashes(0, index, width);
  tile.entries = true;
  return tile;
}

std::string MustTile(uint64_t tree_size, const TilePath& tile) {
  absl::StatusOr<std::string> got = HashTile(SpecSource(), tree_size, tile);
  EXPECT_TRUE(got.ok()) << TilePathString(tile) << ": " << got.status();
  return got.ok() ? *got : std::string();
}

absl::StatusCode TileCode(uint64_t tree_size, const TilePath& tile) {
  return HashTile(SpecSource(), tree_size, tile).status().code();
}

// Answers every look-up with a fixed hash; fails the test if `forbid`.
class FakeSource : public HashSource {
 public:
  absl::StatusOr<std::string> PerfectSubtree(int, uint64_t) override {
    EXPECT_FALSE(forbid) << "the source was read";
    ++lookups;
    return hash;
  }
  bool forbid = false;
  int lookups = 0;
  std::string hash = std::string(32, 'h');
};

// --- Paths ------------------------------------------------------------------

TEST(TlogTilesTest, SpecExampleIndexEncoding) {
  EXPECT_EQ(TilePathString(Hashes(0, 1234067)), "0/x001/x234/067");
  absl::StatusOr<TilePath> parsed = ParseTilePath("0/x001/x234/067");
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_FALSE(parsed->entries);
  EXPECT_EQ(parsed->level, 0);
  EXPECT_EQ(parsed->index, 1234067u);
  EXPECT_EQ(parsed->width, 256);
}

TEST(TlogTilesTest, PrintsKnownPaths) {
  EXPECT_EQ(TilePathString(Hashes(0, 0)), "0/000");
  EXPECT_EQ(TilePathString(Hashes(1, 999)), "1/999");
  EXPECT_EQ(TilePathString(Hashes(2, 1000)), "2/x001/000");
  EXPECT_EQ(TilePathString(Hashes(63, 1000000, 1)), "63/x001/x000/000.p/1");
  EXPECT_EQ(TilePathString(Bundle(2003, 5)), "entries/x002/003.p/5");
  EXPECT_EQ(TilePathString(Bundle(0, 255)), "entries/000.p/255");
  EXPECT_EQ(TilePathString(Hashes(7, kMax)),
            "7/x018/x446/x744/x073/x709/x551/615");
}

TEST(TlogTilesTest, ParsesKnownPaths) {
  absl::StatusOr<TilePath> partial = ParseTilePath("1/000.p/17");
  ASSERT_TRUE(partial.ok()) << partial.status();
  EXPECT_EQ(partial->level, 1);
  EXPECT_EQ(partial->index, 0u);
  EXPECT_EQ(partial->width, 17);
  absl::StatusOr<TilePath> bundle = ParseTilePath("entries/x002/003.p/5");
  ASSERT_TRUE(bundle.ok()) << bundle.status();
  EXPECT_TRUE(bundle->entries);
  EXPECT_EQ(bundle->level, 0);
  EXPECT_EQ(bundle->index, 2003u);
  EXPECT_EQ(bundle->width, 5);
  absl::StatusOr<TilePath> top =
      ParseTilePath("63/x018/x446/x744/x073/x709/x551/615");
  ASSERT_TRUE(top.ok()) << top.status();
  EXPECT_EQ(top->level, 63);
  EXPECT_EQ(top->index, kMax);
}

TEST(TlogTilesTest, PrintThenParseRoundTrips) {
  std::vector<uint64_t> indexes = {0,
                                   1,
                                   9,
                                   10,
                                   99,
                                   100,
                                   999,
                                   1000,
                                   1001,
                                   999999,
                                   1000000,
                                   1234067,
                                   kMax,
                                   kMax - 1,
                                   kMax / 1000,
                                   kMax / 256,
                                   1000000000000000000u,
                                   9999999999999999999u,
                                   10000000000000000000u};
  for (int shift = 0; shift < 64; ++shift)
    indexes.push_back(uint64_t{1} << shift);
  for (uint64_t index : indexes) {
    for (int level : {0, 1, 7, 8, 10, 63}) {
      for (int width : {1, 9, 10, 17, 99, 100, 255, 256}) {
        for (bool entries : {false, true}) {
          TilePath tile =
              entries ? Bundle(index, width) : Hashes(level, index, width);
          std::string path = TilePathString(tile);
          absl::StatusOr<TilePath> parsed = ParseTilePath(path);
          ASSERT_TRUE(parsed.ok()) << path << ": " << parsed.status();
          EXPECT_EQ(parsed->entries, tile.entries) << path;
          EXPECT_EQ(parsed->level, tile.level) << path;
          EXPECT_EQ(parsed->index, tile.index) << path;
          EXPECT_EQ(parsed->width, tile.width) << path;
          EXPECT_EQ(TilePathString(*parsed), path);
        }
      }
    }
  }
}

TEST(TlogTilesTest, RejectsMalformedPaths) {
  const char* bad[] = {
      "",         // nothing
      "0",        // no index
      "entries",  // no index
      "00/000",   // leading zero in L
      "01/000",   // leading zero in L
      "64/000",   // L above 63
      "100/000",  // L above 63
      "-1/000",
      "+1/000",
      " 0/000",
      "0x1/000",
      "a/000",
      "0/000/",  // trailing slash
      "/0/000",
      "0//000",
      "/",
      "0/001/002",    // missing x
      "0/x01/002",    // 2-digit group
      "0/x0001/002",  // 4-digit group
      "0/01",
      "0/1",
      "0/0001",
      "0/00a",
      "0/000 ",
      "0/000\n",
      "0/x001",  // last element with x
      "0/000/x001",
      "0/xx001/002",
      "0/X001/002",
      "0/x000/001",   // a second name for tile 1
      "0/000.p/0",    // W=0
      "0/000.p/256",  // W=256
      "0/000.p/017",  // leading zero in W
      "0/000.p/00",
      "0/000.p/1000",
      "0/000.p/-1",
      "0/000.p/5.0",
      "0/000.p",
      "0/000.p/",
      "0/000.p/5/",
      "0/000.p/5/6",
      "0/000.q/5",
      "0/000.P/5",
      "0/000p/5",
      "0/x001.p/002",
      "0/001.p/5/002",
      "entries/0/000",  // entries with a level
      "0/entries/000",
      "entries/entries/000",
      "entries/000.p/256",
      "0/../000",
      "../0/000",
      "0/./000",
      "tile/0/000",
      "0/x018/x446/x744/x073/x709/x551/616",       // 2^64
      "0/x999/x999/x999/x999/x999/x999/x999/999",  // far beyond
      "garbage",
      "\xff/000",
      "0/000?x=1",
  };
  for (const char* path : bad) {
    absl::StatusOr<TilePath> parsed = ParseTilePath(path);
    EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument)
        << "\"" << path << "\" gave " << parsed.status();
    EXPECT_NE(parsed.status().message().find("tile path"), std::string::npos);
  }
  std::string with_nul("0/000\0", 6);
  EXPECT_EQ(ParseTilePath(with_nul).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(TlogTilesTest, ErrorSaysWhatIsWrong) {
  EXPECT_NE(ParseTilePath("0/000.p/256").status().message().find("width"),
            std::string::npos);
  EXPECT_NE(ParseTilePath("01/000").status().message().find("level"),
            std::string::npos);
  EXPECT_NE(ParseTilePath("0/x018/x446/x744/x073/x709/x551/616")
                .status()
                .message()
                .find("2^64"),
            std::string::npos);
}

TEST(TlogTilesTest, ValidatesTilePaths) {
  EXPECT_TRUE(ValidateTilePath(Hashes(63, kMax, 1)).ok());
  EXPECT_EQ(ValidateTilePath(Hashes(64, 0)).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ValidateTilePath(Hashes(-1, 0)).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ValidateTilePath(Hashes(0, 0, 0)).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ValidateTilePath(Hashes(0, 0, 257)).code(),
            absl::StatusCode::kInvalidArgument);
  TilePath leveled_bundle = Bundle(0);
  leveled_bundle.level = 1;
  EXPECT_EQ(ValidateTilePath(leveled_bundle).code(),
            absl::StatusCode::kInvalidArgument);
}

// --- Which tiles a tree has -------------------------------------------------

TEST(TlogTilesTest, SpecExampleTilesOf70000) {
  EXPECT_EQ(kSpecSize / kTileWidth, 273u);  // full level-0 tiles
  EXPECT_EQ(PartialTileWidth(kSpecSize, 0), 112);
  EXPECT_EQ(PartialTileWidth(kSpecSize, 1), 17);
  EXPECT_EQ(PartialTileWidth(kSpecSize, 2), 1);
  EXPECT_EQ(PartialTileWidth(kSpecSize, 3), 0);
  // And the spec's note on a tree of 256.
  EXPECT_EQ(PartialTileWidth(256, 0), 0);
  EXPECT_EQ(PartialTileWidth(256, 1), 1);
  EXPECT_EQ(PartialTileWidth(0, 0), 0);
  EXPECT_EQ(PartialTileWidth(kMax, 7), 255);
  EXPECT_EQ(PartialTileWidth(kMax, 8), 0);
  EXPECT_EQ(PartialTileWidth(kMax, 63), 0);
  EXPECT_EQ(PartialTileWidth(kMax, 64), 0);
  EXPECT_EQ(PartialTileWidth(kMax, -1), 0);
}

TEST(TlogTilesTest, SpecExampleTileBoundaries) {
  const absl::StatusCode ok = absl::StatusCode::kOk;
  const absl::StatusCode missing = absl::StatusCode::kNotFound;
  EXPECT_EQ(TileCode(kSpecSize, Hashes(0, 0)), ok);
  EXPECT_EQ(TileCode(kSpecSize, Hashes(0, 272)), ok);
  EXPECT_EQ(TileCode(kSpecSize, Hashes(0, 273)), missing);
  EXPECT_EQ(TileCode(kSpecSize, Hashes(0, 273, 112)), ok);
  EXPECT_EQ(TileCode(kSpecSize, Hashes(0, 273, 113)), missing);
  EXPECT_EQ(TileCode(kSpecSize, Hashes(0, 273, 1)), ok);  // an older size's
  EXPECT_EQ(TileCode(kSpecSize, Hashes(0, 274, 1)), missing);
  EXPECT_EQ(TileCode(kSpecSize, Hashes(1, 0)), ok);
  EXPECT_EQ(TileCode(kSpecSize, Hashes(1, 1)), missing);
  EXPECT_EQ(TileCode(kSpecSize, Hashes(1, 1, 17)), ok);
  EXPECT_EQ(TileCode(kSpecSize, Hashes(1, 1, 18)), missing);
  EXPECT_EQ(TileCode(kSpecSize, Hashes(2, 0, 1)), ok);
  EXPECT_EQ(TileCode(kSpecSize, Hashes(2, 0, 2)), missing);
  EXPECT_EQ(TileCode(kSpecSize, Hashes(2, 0)), missing);
  EXPECT_EQ(TileCode(kSpecSize, Hashes(3, 0, 1)), missing);
  EXPECT_EQ(TileCode(65535, Hashes(1, 0)), missing);
  EXPECT_EQ(TileCode(65535, Hashes(1, 0, 255)), ok);
  EXPECT_EQ(TileCode(0, Hashes(0, 0, 1)), missing);
}

TEST(TlogTilesTest, HugeTreesAndLevelsNeedNoWideShifts) {
  FakeSource never;
  never.forbid = true;
  for (int level = 8; level <= 63; ++level) {
    EXPECT_EQ(HashTile(never, kMax, Hashes(level, 0, 1)).status().code(),
              absl::StatusCode::kNotFound)
        << level;
  }
  EXPECT_EQ(HashTile(never, kMax, Hashes(0, kMax, 1)).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(HashTile(never, kMax, Hashes(0, kMax / 256)).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(HashTile(never, kMax, Hashes(7, 0)).status().code(),
            absl::StatusCode::kNotFound);
  FakeSource any;
  // The last leaf of the largest tree is hash 255 of level-0 tile 2^56 - 1.
  absl::StatusOr<std::string> last =
      HashTile(any, kMax, Hashes(0, kMax / 256, 255));
  ASSERT_TRUE(last.ok()) << last.status();
  EXPECT_EQ(last->size(), 255u * 32);
  EXPECT_TRUE(HashTile(any, kMax, Hashes(7, 0, 255)).ok());
}

// --- Tile contents ----------------------------------------------------------

TEST(TlogTilesTest, LevelZeroTilesHoldLeafHashes) {
  for (uint64_t n : {uint64_t{0}, uint64_t{100}, uint64_t{272}}) {
    std::vector<std::string> hashes =
        SplitHashes(MustTile(kSpecSize, Hashes(0, n)));
    ASSERT_EQ(hashes.size(), 256u);
    for (uint64_t i = 0; i < 256; ++i) {
      ASSERT_EQ(hashes[i], TileLeafHash(LeafData(n * 256 + i)))
          << n << " " << i;
    }
  }
  std::vector<std::string> partial =
      SplitHashes(MustTile(kSpecSize, Hashes(0, 273, 112)));
  ASSERT_EQ(partial.size(), 112u);
  EXPECT_EQ(partial[111], TileLeafHash(LeafData(kSpecSize - 1)));
}

// Each hash of a level-L tile is the MTH of one full tile of level L - 1.
TEST(TlogTilesTest, HigherLevelHashesAreRootsOfTilesBelow) {
  std::vector<std::string> level1 =
      SplitHashes(MustTile(kSpecSize, Hashes(1, 0)));
  ASSERT_EQ(level1.size(), 256u);
  for (uint64_t i = 0; i < 256; i += 51) {
    std::vector<std::string> below =
        SplitHashes(MustTile(kSpecSize, Hashes(0, i)));
    EXPECT_EQ(level1[i], RefPerfectRoot(below)) << i;
  }
  std::vector<std::string> partial1 =
      SplitHashes(MustTile(kSpecSize, Hashes(1, 1, 17)));
  ASSERT_EQ(partial1.size(), 17u);
  EXPECT_EQ(partial1[16],
            RefPerfectRoot(SplitHashes(MustTile(kSpecSize, Hashes(0, 272)))));
  std::string level2 = MustTile(kSpecSize, Hashes(2, 0, 1));
  EXPECT_EQ(level2, RefPerfectRoot(level1));
  absl::StatusOr<std::string> first_65536 = SubtreeHash(SpecSource(), 0, 65536);
  ASSERT_TRUE(first_65536.ok());
  EXPECT_EQ(level2, *first_65536);
}

// A client's way to the root: each perfect subtree of the tree's binary
// decomposition is the MTH of an aligned run of hashes in one tile.
std::string RootFromTiles(uint64_t size,
                          std::map<std::string, std::string>* fetched) {
  std::vector<std::string> pieces;
  uint64_t start = 0;
  for (int k = 63; k >= 0; --k) {
    if ((size >> k & 1) == 0) continue;
    int level = k / 8;
    uint64_t run = uint64_t{1} << (k % 8);
    uint64_t first = start >> (8 * level);  // hash index at the tile level
    uint64_t hashes_at_level = size >> (8 * level);
    TilePath tile = Hashes(level, first / 256);
    if (tile.index * 256 + 256 > hashes_at_level) {
      tile.width = PartialTileWidth(size, level);
    }
    std::string path = TilePathString(tile);
    if (!fetched->count(path)) (*fetched)[path] = MustTile(size, tile);
    std::vector<std::string> all = SplitHashes((*fetched)[path]);
    uint64_t offset = first % 256;
    EXPECT_LE(offset + run, all.size()) << path;
    if (offset + run > all.size()) return "";
    pieces.push_back(RefPerfectRoot(std::vector<std::string>(
        all.begin() + offset, all.begin() + offset + run)));
    start += uint64_t{1} << k;
  }
  std::string root = pieces.back();
  for (size_t i = pieces.size() - 1; i-- > 0;) {
    root = Sha256::Digest("\x01" + pieces[i] + root);
  }
  return root;
}

TEST(TlogTilesTest, RootFromTilesAloneMatchesRootHash) {
  for (uint64_t size :
       {uint64_t{1}, uint64_t{2}, uint64_t{3}, uint64_t{255}, uint64_t{256},
        uint64_t{257}, uint64_t{511}, uint64_t{4097}, uint64_t{65535},
        uint64_t{65536}, uint64_t{65537}, uint64_t{69999}, kSpecSize}) {
    std::map<std::string, std::string> fetched;
    std::string from_tiles = RootFromTiles(size, &fetched);
    absl::StatusOr<std::string> root = RootHash(SpecSource(), size);
    ASSERT_TRUE(root.ok()) << root.status();
    EXPECT_EQ(from_tiles, *root) << size;
    if (size == kSpecSize) {
      EXPECT_EQ(fetched.size(), 3u);  // 2/000.p/1, 1/001.p/17, 0/273.p/112
      EXPECT_EQ(fetched.count("0/273.p/112"), 1u);
      EXPECT_EQ(fetched.count("1/001.p/17"), 1u);
      EXPECT_EQ(fetched.count("2/000.p/1"), 1u);
    }
  }
}

TEST(TlogTilesTest, HashTileRefusesBadRequestsAndPassesSourceErrors) {
  EXPECT_EQ(TileCode(kSpecSize, Bundle(0)), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(TileCode(kSpecSize, Hashes(0, 0, 0)),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(TileCode(kSpecSize, Hashes(0, 0, 257)),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(TileCode(kSpecSize, Hashes(64, 0)),
            absl::StatusCode::kInvalidArgument);
  // The tree claimed is larger than the source: its error comes back as is.
  EXPECT_EQ(TileCode(kSpecSize + 256, Hashes(0, 273)),
            absl::StatusCode::kOutOfRange);
  FakeSource short_hashes;
  short_hashes.hash = "short";
  EXPECT_EQ(HashTile(short_hashes, 256, Hashes(0, 0)).status().code(),
            absl::StatusCode::kDataLoss);
}

// --- Entry bundles ----------------------------------------------------------

struct FakeLog {
  std::vector<std::string> leaves;
  int reads = 0;
  int extra = 0;  // leaves more (or, negative, fewer) than asked to return
  LeafReader Reader() {
    return [this](uint64_t start,
                  uint64_t count) -> absl::StatusOr<std::vector<std::string>> {
      ++reads;
      std::vector<std::string> out;
      uint64_t want = count + extra;
      for (uint64_t i = start; i < start + want && i < leaves.size(); ++i) {
        out.push_back(leaves[i]);
      }
      return out;
    };
  }
};

TEST(TlogTilesTest, EntryBundleExactBytes) {
  FakeLog log;
  log.leaves = {"", "ab", std::string(300, 'c')};
  absl::StatusOr<std::string> bundle =
      EntryBundle(log.Reader(), 3, Bundle(0, 3));
  ASSERT_TRUE(bundle.ok()) << bundle.status();
  std::string want = std::string("\x00\x00", 2) + std::string("\x00\x02", 2) +
                     "ab" + std::string("\x01\x2c", 2) + std::string(300, 'c');
  EXPECT_EQ(*bundle, want);
}

TEST(TlogTilesTest, EntryBundleEntriesHashToTheLevelZeroTile) {
  FakeLog log;
  for (uint64_t i = 0; i < 600; ++i) log.leaves.push_back(LeafData(i));
  absl::StatusOr<std::string> bundle =
      EntryBundle(log.Reader(), 600, Bundle(1));
  ASSERT_TRUE(bundle.ok()) << bundle.status();
  std::vector<std::string> hashes = SplitHashes(MustTile(600, Hashes(0, 1)));
  size_t pos = 0;
  for (int i = 0; i < 256; ++i) {
    ASSERT_LE(pos + 2, bundle->size());
    size_t len = static_cast<unsigned char>((*bundle)[pos]) << 8 |
                 static_cast<unsigned char>((*bundle)[pos + 1]);
    std::string entry = bundle->substr(pos + 2, len);
    EXPECT_EQ(TileLeafHash(entry), hashes[i]) << i;
    pos += 2 + len;
  }
  EXPECT_EQ(pos, bundle->size());
  absl::StatusOr<std::string> partial =
      EntryBundle(log.Reader(), 600, Bundle(2, 88));
  ASSERT_TRUE(partial.ok()) << partial.status();
  EXPECT_EQ(partial->substr(0, 2 + LeafData(512).size()),
            std::string("\x00\x08", 2) + LeafData(512));
}

TEST(TlogTilesTest, EntryBundleLeafSizeLimit) {
  FakeLog log;
  log.leaves.assign(258, "x");
  log.leaves[256] = std::string(65535, 'm');  // the largest allowed
  log.leaves[257] = std::string(65536, 'n');
  absl::StatusOr<std::string> fits =
      EntryBundle(log.Reader(), 258, Bundle(1, 1));
  ASSERT_TRUE(fits.ok()) << fits.status();
  EXPECT_EQ(fits->substr(0, 2), "\xff\xff");
  EXPECT_EQ(fits->size(), 2u + 65535);
  absl::StatusOr<std::string> too_big =
      EntryBundle(log.Reader(), 258, Bundle(1, 2));
  EXPECT_EQ(too_big.status().code(), absl::StatusCode::kOutOfRange);
  EXPECT_NE(too_big.status().message().find("257"), std::string::npos)
      << too_big.status();
}

TEST(TlogTilesTest, EntryBundleRefusals) {
  FakeLog log;
  log.leaves.assign(300, "e");
  log.extra = -1;
  EXPECT_EQ(EntryBundle(log.Reader(), 300, Bundle(0)).status().code(),
            absl::StatusCode::kDataLoss);
  log.extra = 1;
  EXPECT_EQ(EntryBundle(log.Reader(), 300, Bundle(0, 10)).status().code(),
            absl::StatusCode::kDataLoss);
  log.extra = 0;
  int reads = log.reads;
  EXPECT_EQ(EntryBundle(log.Reader(), 255, Bundle(0)).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(EntryBundle(log.Reader(), 300, Bundle(1, 45)).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(log.reads, reads);  // nothing read for a bundle not in the tree
  EXPECT_TRUE(EntryBundle(log.Reader(), 300, Bundle(1, 44)).ok());
  EXPECT_EQ(EntryBundle(log.Reader(), 300, Hashes(0, 0)).status().code(),
            absl::StatusCode::kInvalidArgument);
  TilePath leveled = Bundle(0, 1);
  leveled.level = 1;
  EXPECT_EQ(EntryBundle(log.Reader(), 300, leveled).status().code(),
            absl::StatusCode::kInvalidArgument);
  LeafReader failing =
      [](uint64_t, uint64_t) -> absl::StatusOr<std::vector<std::string>> {
    return absl::UnavailableError("store offline");
  };
  absl::StatusOr<std::string> passed = EntryBundle(failing, 300, Bundle(0));
  EXPECT_EQ(passed.status(), absl::UnavailableError("store offline"));
}

}  // namespace
}  // namespace archive
