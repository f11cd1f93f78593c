// Command tlog_audit audits a log served as C2SP tlog-tiles with Go's own
// transparency-log code, golang.org/x/mod/sumdb/tlog and sumdb/note (the code
// behind sum.golang.org), so that the archive's tiles are checked by an
// implementation that shares nothing with the archive.
//
//	tlog_audit -prefix URL -vkey VERIFIER_KEY [-previous FILE] [-save FILE]
//
// It fetches <prefix>/checkpoint and opens it with the verifier key; rebuilds
// the checkpoint's root from the hash tiles (tlog.TileHashReader, TreeHash);
// fetches every entry bundle and checks that each entry's RFC 6962 leaf hash
// is the level-0 hash the tiles give it; rebuilds the root from the entries
// alone (tlog.StoredHashes) and compares every tile of the tree, byte for
// byte, with the one Go builds from the entries; and with -previous proves the
// current tree consistent with an earlier checkpoint (tlog.ProveTree from the
// tiles, tlog.CheckTree against both signed roots). -save writes the audited
// checkpoint, for a later -previous.
//
// On success it prints one JSON line {"origin", "size", "root", "entries",
// "tiles", "ok": true} (with "previous_size" when -previous was given) and
// exits 0; otherwise it prints one line on stderr saying what failed and
// exits 1 (2 for a usage error). It holds about 100 bytes per entry.
//
// Build without network access, against Debian's golang-golang-x-mod-dev:
//
//	GOPATH=/usr/share/gocode GO111MODULE=off go build -o tlog_audit ./tests/tools/tlog_audit
package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

const (
	// C2SP tlog-tiles fixes the tile height at 8: 256 hashes or entries a tile.
	tileHeight = 8
	tileWidth  = 1 << tileHeight
	// The largest body a tile path can name: a full entry bundle of entries
	// of the largest length a uint16 prefix can state.
	maxBody = tileWidth * (2 + 65535)
)

// A checkpoint is a C2SP tlog-checkpoint whose signature has been verified.
type checkpoint struct {
	origin string
	tree   tlog.Tree
	note   []byte
}

// openCheckpoint verifies msg's signature by v and parses its body. It parses
// the body itself because tlog.ParseTree wants sumdb's "go.sum database tree"
// header line, where C2SP puts the log's origin.
func openCheckpoint(msg []byte, v note.Verifier) (*checkpoint, error) {
	n, err := note.Open(msg, note.VerifierList(v))
	if err != nil {
		return nil, fmt.Errorf("signature not verified by %s: %v", v.Name(), err)
	}
	// The text ends with a newline, so the last element is empty; C2SP lets
	// extension lines follow the root, which say nothing about the tree.
	lines := strings.Split(n.Text, "\n")
	if len(lines) < 4 {
		return nil, fmt.Errorf("body has %d lines, want origin, size and root", len(lines)-1)
	}
	origin, sizeText, rootText := lines[0], lines[1], lines[2]
	// The archive's contract: the checkpoint is signed by the key named after
	// the origin. A key that signs for another log must not vouch for this one.
	if origin != v.Name() {
		return nil, fmt.Errorf("origin %q is not the verifier key's name %q", origin, v.Name())
	}
	size, err := strconv.ParseInt(sizeText, 10, 64)
	if err != nil || size < 0 || strconv.FormatInt(size, 10) != sizeText {
		return nil, fmt.Errorf("size %q is not a decimal number", sizeText)
	}
	root, err := tlog.ParseHash(rootText)
	// ParseHash accepts non-canonical base64; one tree has one spelling.
	if err != nil || root.String() != rootText {
		return nil, fmt.Errorf("root %q is not a base64 32-byte hash", rootText)
	}
	return &checkpoint{origin: origin, tree: tlog.Tree{N: size, Hash: root}, note: msg}, nil
}

// tileServer reads a C2SP tlog-tiles log over HTTP; it is the tlog.TileReader
// behind tlog.TileHashReader. Each tile is fetched once and kept, so every
// check of a run sees the same bytes (a server cannot answer one check with
// one tile and the next with another), and the tiles on the path to the root,
// which TileHashReader asks for on every call, are read once. That is about
// 32 bytes for each entry of the log.
type tileServer struct {
	prefix string
	client *http.Client
	tiles  map[tlog.Tile][]byte
}

func newTileServer(prefix string) *tileServer {
	return &tileServer{
		prefix: strings.TrimSuffix(prefix, "/"),
		client: &http.Client{Timeout: 60 * time.Second},
		tiles:  make(map[tlog.Tile][]byte),
	}
}

// c2spPath names t the C2SP way. Go's sumdb puts the height in the path
// (tile/8/L/N[.p/W], data tiles tile/8/data/N) and C2SP does not
// (tile/L/N[.p/W], entry bundles tile/entries/N[.p/W]); N and .p/W are
// spelled alike in both, so they are taken from Go's Tile.Path.
func c2spPath(t tlog.Tile) string {
	goPath := t.Path()
	rest := strings.TrimPrefix(goPath, fmt.Sprintf("tile/%d/", tileHeight))
	if t.H != tileHeight || rest == goPath {
		panic(fmt.Sprintf("tile %+v is not of height %d", t, tileHeight))
	}
	if t.L == -1 {
		rest = "entries/" + strings.TrimPrefix(rest, "data/")
	}
	return "tile/" + rest
}

func (s *tileServer) get(path string) ([]byte, error) {
	url := s.prefix + "/" + path
	resp, err := s.client.Get(url)
	if err != nil {
		return nil, fmt.Errorf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: HTTP %s", url, resp.Status)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	if err != nil {
		return nil, fmt.Errorf("GET %s: %v", url, err)
	}
	if len(body) > maxBody {
		return nil, fmt.Errorf("GET %s: body larger than any tile (%d bytes)", url, maxBody)
	}
	return body, nil
}

// tile returns hash tile t, W hashes long.
func (s *tileServer) tile(t tlog.Tile) ([]byte, error) {
	if d, ok := s.tiles[t]; ok {
		return d, nil
	}
	path := c2spPath(t)
	d, err := s.get(path)
	if err != nil {
		return nil, err
	}
	// TileHashReader checks the length too, but names no path.
	if len(d) != t.W*tlog.HashSize {
		return nil, fmt.Errorf("%s is %d bytes, want %d hashes of %d", path, len(d), t.W, tlog.HashSize)
	}
	s.tiles[t] = d
	return d, nil
}

func (s *tileServer) Height() int { return tileHeight }

func (s *tileServer) ReadTiles(tiles []tlog.Tile) ([][]byte, error) {
	data := make([][]byte, len(tiles))
	for i, t := range tiles {
		d, err := s.tile(t)
		if err != nil {
			return nil, err
		}
		data[i] = d
	}
	return data, nil
}

// SaveTiles is called for tiles TileHashReader has authenticated; an audit
// keeps nothing beyond its run.
func (s *tileServer) SaveTiles(tiles []tlog.Tile, data [][]byte) {}

// hashStore holds every stored hash of a tree (tlog's numbering: each leaf
// hash, then the nodes it completes), computed here from the entries alone.
type hashStore []tlog.Hash

func (h hashStore) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	for i, x := range indexes {
		if x < 0 || x >= int64(len(h)) {
			return nil, fmt.Errorf("stored hash %d not computed (have %d)", x, len(h))
		}
		out[i] = h[x]
	}
	return out, nil
}

// splitBundle returns the entries of a C2SP entry bundle: each a big-endian
// uint16 length, then that many bytes, and nothing after the last.
func splitBundle(data []byte, path string) ([][]byte, error) {
	var entries [][]byte
	for len(data) > 0 {
		if len(data) < 2 {
			return nil, fmt.Errorf("%s ends inside the length of entry %d", path, len(entries))
		}
		n := int(binary.BigEndian.Uint16(data))
		if len(data) < 2+n {
			return nil, fmt.Errorf("%s: entry %d runs past the end", path, len(entries))
		}
		entries = append(entries, data[2:2+n])
		data = data[2+n:]
	}
	return entries, nil
}

// auditEntries fetches every entry bundle of the tree, checks that each
// entry's leaf hash is the level-0 hash the tiles give it, and returns the
// tree's stored hashes computed from the entries.
func auditEntries(s *tileServer, fromTiles tlog.HashReader, size int64) (hashStore, error) {
	stored := make(hashStore, 0, tlog.StoredHashCount(size))
	for n := int64(0); n*tileWidth < size; n++ {
		first := n * tileWidth
		width := size - first
		if width > tileWidth {
			width = tileWidth
		}
		path := c2spPath(tlog.Tile{H: tileHeight, L: -1, N: n, W: int(width)})
		data, err := s.get(path)
		if err != nil {
			return nil, err
		}
		entries, err := splitBundle(data, path)
		if err != nil {
			return nil, err
		}
		if int64(len(entries)) != width {
			return nil, fmt.Errorf("%s holds %d entries, want %d", path, len(entries), width)
		}
		indexes := make([]int64, width)
		for i := range indexes {
			indexes[i] = tlog.StoredHashIndex(0, first+int64(i))
		}
		leaves, err := fromTiles.ReadHashes(indexes)
		if err != nil {
			return nil, fmt.Errorf("reading the leaf hashes of entries %d-%d from the tiles: %v", first, first+width-1, err)
		}
		level0 := c2spPath(tlog.Tile{H: tileHeight, L: 0, N: n, W: int(width)})
		for i, entry := range entries {
			index := first + int64(i)
			if got := tlog.RecordHash(entry); got != leaves[i] {
				return nil, fmt.Errorf("entry %d (in %s) hashes to %v, but the tiles (%s) say %v", index, path, got, level0, leaves[i])
			}
			hashes, err := tlog.StoredHashes(index, entry, stored)
			if err != nil {
				return nil, err
			}
			stored = append(stored, hashes...)
		}
	}
	return stored, nil
}

// tilesOf lists the hash tiles a tree of size entries is made of: at each
// level the full tiles and, if the level's hashes do not fill their last
// tile, that partial tile.
func tilesOf(size int64) []tlog.Tile {
	var tiles []tlog.Tile
	for level := 0; size>>(tileHeight*level) > 0; level++ {
		hashes := size >> (tileHeight * level)
		for n := int64(0); n < hashes/tileWidth; n++ {
			tiles = append(tiles, tlog.Tile{H: tileHeight, L: level, N: n, W: tileWidth})
		}
		if w := hashes % tileWidth; w > 0 {
			tiles = append(tiles, tlog.Tile{H: tileHeight, L: level, N: hashes / tileWidth, W: int(w)})
		}
	}
	return tiles
}

// auditTiles checks every tile of the tree byte for byte against the one Go
// builds from the entries. TileHashReader alone is not enough: in x/mod
// v0.7.0 it leaves some full tiles unchecked against their parents when two
// of the root's subtrees share a tile (its loop "Authenticate full tiles
// against their parents" starts at len(stx), not at the number of tiles the
// subtrees needed), so with 300 entries tile/0/000 would pass unchecked.
func auditTiles(s *tileServer, stored hashStore, size int64) (int, error) {
	tiles := tilesOf(size)
	for _, t := range tiles {
		want, err := tlog.ReadTileData(t, stored)
		if err != nil {
			return 0, err
		}
		got, err := s.tile(t)
		if err != nil {
			return 0, err
		}
		if bytes.Equal(got, want) {
			continue
		}
		for i := 0; i < t.W; i++ {
			if g, w := hashAt(got, i), hashAt(want, i); g != w {
				return 0, fmt.Errorf("%s: hash %d is %v, but the entries give %v", c2spPath(t), i, g, w)
			}
		}
	}
	return len(tiles), nil
}

func hashAt(tile []byte, i int) tlog.Hash {
	var h tlog.Hash
	copy(h[:], tile[i*tlog.HashSize:])
	return h
}

// proveConsistent proves that cur extends prev, with the proof's hashes read
// through hashes.
func proveConsistent(prev, cur tlog.Tree, hashes tlog.HashReader) error {
	switch {
	case prev.N > cur.N:
		return fmt.Errorf("the log shrank from %d to %d entries", prev.N, cur.N)
	case prev.N == 0:
		return nil // every tree extends the empty one
	}
	proof, err := tlog.ProveTree(cur.N, prev.N, hashes)
	if err != nil {
		return fmt.Errorf("building the consistency proof from the tiles: %v", err)
	}
	if err := tlog.CheckTree(proof, cur.N, cur.Hash, prev.N, prev.Hash); err != nil {
		return fmt.Errorf("tree %d (%v) is not consistent with the previous tree %d (%v): %v", cur.N, cur.Hash, prev.N, prev.Hash, err)
	}
	return nil
}

type result struct {
	Origin       string `json:"origin"`
	Size         int64  `json:"size"`
	Root         string `json:"root"`
	Entries      int64  `json:"entries"`
	Tiles        int    `json:"tiles"`
	PreviousSize *int64 `json:"previous_size,omitempty"`
	OK           bool   `json:"ok"`
}

func audit(prefix, vkey, previousFile, saveFile string) (*result, error) {
	verifier, err := note.NewVerifier(strings.TrimSpace(vkey))
	if err != nil {
		return nil, fmt.Errorf("-vkey: %v", err)
	}
	var prev *checkpoint
	if previousFile != "" {
		msg, err := os.ReadFile(previousFile)
		if err != nil {
			return nil, fmt.Errorf("-previous: %v", err)
		}
		if prev, err = openCheckpoint(msg, verifier); err != nil {
			return nil, fmt.Errorf("previous checkpoint %s: %v", previousFile, err)
		}
	}

	server := newTileServer(prefix)
	msg, err := server.get("checkpoint")
	if err != nil {
		return nil, err
	}
	cp, err := openCheckpoint(msg, verifier)
	if err != nil {
		return nil, fmt.Errorf("checkpoint: %v", err)
	}
	res := &result{Origin: cp.origin, Size: cp.tree.N, Root: cp.tree.Hash.String(), OK: true}

	if cp.tree.N == 0 {
		// tlog calls the empty tree's hash all zeros; RFC 6962 and C2SP say
		// it is SHA-256 of nothing, and there are no tiles to read.
		if cp.tree.Hash != tlog.Hash(sha256.Sum256(nil)) {
			return nil, fmt.Errorf("checkpoint of the empty log has root %v, want SHA-256 of nothing", cp.tree.Hash)
		}
		if prev != nil && prev.tree.N != 0 {
			return nil, fmt.Errorf("the log shrank from %d to 0 entries", prev.tree.N)
		}
	} else {
		// The root from the tiles: TileHashReader reads the tiles on the path
		// to the root and checks that they hash to the checkpoint's.
		fromTiles := tlog.TileHashReader(cp.tree, server)
		root, err := tlog.TreeHash(cp.tree.N, fromTiles)
		if err != nil {
			return nil, fmt.Errorf("recomputing the root of %d entries from the tiles: %v", cp.tree.N, err)
		}
		if root != cp.tree.Hash {
			return nil, fmt.Errorf("the tiles' root %v is not the checkpoint's %v", root, cp.tree.Hash)
		}
		// The root from the entries alone, and every tile against them.
		stored, err := auditEntries(server, fromTiles, cp.tree.N)
		if err != nil {
			return nil, err
		}
		if root, err = tlog.TreeHash(cp.tree.N, stored); err != nil {
			return nil, err
		}
		if root != cp.tree.Hash {
			return nil, fmt.Errorf("the entries' root %v is not the checkpoint's %v", root, cp.tree.Hash)
		}
		if res.Tiles, err = auditTiles(server, stored, cp.tree.N); err != nil {
			return nil, err
		}
		res.Entries = cp.tree.N
		// CheckTree checks the proof against both signed roots, so a proof
		// built from the served tiles is as good as one from anywhere.
		if prev != nil {
			if err := proveConsistent(prev.tree, cp.tree, fromTiles); err != nil {
				return nil, err
			}
		}
	}
	if prev != nil {
		res.PreviousSize = &prev.tree.N
	}
	if saveFile != "" {
		if err := os.WriteFile(saveFile, cp.note, 0o644); err != nil {
			return nil, fmt.Errorf("-save: %v", err)
		}
	}
	return res, nil
}

func main() {
	prefix := flag.String("prefix", "", "the log's URL prefix: PREFIX/checkpoint, PREFIX/tile/... (required)")
	vkey := flag.String("vkey", "", "the log's verifier key, NAME+HEXID+BASE64 (required)")
	previous := flag.String("previous", "", "a checkpoint saved earlier (-save): prove the log consistent with it")
	save := flag.String("save", "", "write the audited checkpoint here, for a later -previous")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: tlog_audit -prefix URL -vkey VERIFIER_KEY [-previous FILE] [-save FILE]\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	if *prefix == "" || *vkey == "" || flag.NArg() != 0 {
		flag.Usage()
		os.Exit(2)
	}
	res, err := audit(*prefix, *vkey, *previous, *save)
	if err != nil {
		fmt.Fprintf(os.Stderr, "tlog_audit: %v\n", oneLine(err))
		os.Exit(1)
	}
	line, err := json.Marshal(res)
	if err != nil {
		fmt.Fprintf(os.Stderr, "tlog_audit: %v\n", err)
		os.Exit(1)
	}
	fmt.Printf("%s\n", line)
}

// oneLine keeps the failure on one line whatever a server put in an error.
func oneLine(err error) string {
	return strings.Join(strings.Fields(err.Error()), " ")
}
