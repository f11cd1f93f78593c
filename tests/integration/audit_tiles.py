#!/usr/bin/env python3
"""An independent auditor of a C2SP tlog-tiles log (Python 3 standard library only).

    audit_tiles.py URL_PREFIX [--origin NAME] [--entries-out FILE]

Fetches <prefix>/checkpoint (a signed note: origin, tree size, base64 root hash, a
blank line, signature lines), then every tile and entry bundle the tree of that size
is made of: at each level the full tiles, and the partial tile ".p/<W>" at the
checkpoint's size. It checks

  * each tile is exactly W hashes of 32 bytes, each bundle exactly W entries of
    big-endian uint16 length and bytes;
  * each entry's RFC 6962 leaf hash, SHA-256(0x00 || entry), is the hash at its
    place in the level-0 tile;
  * each hash of a level-L tile (L >= 1) is the Merkle Tree Hash of the full tile
    of level L-1 below it;
  * RFC 6962's MTH over all the leaf hashes is the checkpoint's root.

It does not verify the checkpoint's signatures (it is given no key): it checks that
the tiles and entries are the tree the checkpoint names. Everything here is written
from RFC 6962 section 2.1 and the C2SP specs, sharing no code with the archive.

On success it prints one JSON line {"origin", "size", "root", "entries",
"tiles_fetched", "ok": true} and exits 0. On any mismatch, malformed resource or HTTP
error it prints one line saying why to stderr and exits 1. --entries-out FILE writes
the entries as one JSON array of strings (each entry decoded as UTF-8).
"""
import argparse
import base64
import gzip
import hashlib
import json
import sys
import urllib.error
import urllib.request

TILE_WIDTH = 256
HASH_BYTES = 32
TIMEOUT_SECONDS = 30


class AuditError(Exception):
    """What is wrong with the log, in one line."""


# --- RFC 6962 section 2.1 ---------------------------------------------------------


def leaf_hash(entry):
    return hashlib.sha256(b"\x00" + entry).digest()


def node_hash(left, right):
    return hashlib.sha256(b"\x01" + left + right).digest()


def mth(hashes, begin=0, end=None):
    """MTH(D[begin:end]) given the leaf hashes of D (or the hashes of equal perfect
    subtrees, which hash the same way above them). The empty tree hashes to
    SHA-256 of nothing; otherwise split at k, the largest power of two below n."""
    if end is None:
        end = len(hashes)
    n = end - begin
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return hashes[begin]
    k = 1
    while k * 2 < n:
        k *= 2
    return node_hash(mth(hashes, begin, begin + k), mth(hashes, begin + k, end))


# --- C2SP tlog-checkpoint ---------------------------------------------------------


def parse_checkpoint(data):
    """(origin, size, root) of a checkpoint note; AuditError if malformed."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise AuditError("checkpoint is not UTF-8")
    body, sep, signatures = text.partition("\n\n")
    if not sep:
        raise AuditError("checkpoint has no blank line before its signatures")
    lines = body.split("\n")
    if len(lines) < 3:
        raise AuditError("checkpoint body has fewer than 3 lines")
    origin, size_text, root_text = lines[0], lines[1], lines[2]
    if not origin:
        raise AuditError("checkpoint origin line is empty")
    if not size_text.isascii() or not size_text.isdigit() or (
            size_text != "0" and size_text.startswith("0")):
        raise AuditError("checkpoint size %r is not a decimal number" % size_text)
    try:
        root = base64.b64decode(root_text, validate=True)
    except ValueError:
        raise AuditError("checkpoint root %r is not base64" % root_text)
    if len(root) != HASH_BYTES or base64.b64encode(root).decode() != root_text:
        raise AuditError("checkpoint root %r is not a 32-byte hash" % root_text)
    check_signature_lines(signatures)
    return origin, int(size_text), root


def check_signature_lines(signatures):
    if not signatures:
        raise AuditError("checkpoint has no signature lines")
    if not signatures.endswith("\n"):
        raise AuditError("checkpoint does not end with a newline")
    lines = signatures[:-1].split("\n")
    for line in lines:
        if not line.startswith("\u2014 "):
            raise AuditError("checkpoint signature line %r does not start with "
                             "an em dash and a space" % line)


# --- C2SP tlog-tiles --------------------------------------------------------------


def index_path(index):
    """Index 1234067 -> "x001/x234/067"."""
    groups = []
    while True:
        groups.append("%03d" % (index % 1000))
        index //= 1000
        if index == 0:
            break
    groups.reverse()
    return "/".join(["x" + g for g in groups[:-1]] + groups[-1:])


def tile_path(level, index, width):
    """"<L>/<N>[.p/<W>]", with L "entries" for an entry bundle."""
    path = "%s/%s" % (level, index_path(index))
    if width < TILE_WIDTH:
        path += ".p/%d" % width
    return path


def tiles_at_level(size, level):
    """[(index, width)] of the tiles of level `level` in a tree of `size` leaves."""
    hashes = size >> (8 * level)
    tiles = [(n, TILE_WIDTH) for n in range(hashes // TILE_WIDTH)]
    if hashes % TILE_WIDTH:
        tiles.append((hashes // TILE_WIDTH, hashes % TILE_WIDTH))
    return tiles


def split_hashes(data, width, path):
    if len(data) != width * HASH_BYTES:
        raise AuditError("%s is %d bytes, want %d" %
                         (path, len(data), width * HASH_BYTES))
    return [data[i:i + HASH_BYTES] for i in range(0, len(data), HASH_BYTES)]


def split_bundle(data, width, path, first):
    """The entries of a bundle whose first entry is number `first`."""
    entries = []
    pos = 0
    while pos < len(data):
        if pos + 2 > len(data):
            raise AuditError("%s ends inside a length prefix" % path)
        length = data[pos] << 8 | data[pos + 1]
        if pos + 2 + length > len(data):
            raise AuditError("%s: entry %d runs past the end" %
                             (path, first + len(entries)))
        entries.append(data[pos + 2:pos + 2 + length])
        pos += 2 + length
    if len(entries) != width:
        raise AuditError("%s holds %d entries, want %d" % (path, len(entries), width))
    return entries


class Fetcher:
    """GETs below one URL prefix, counting the tiles and bundles it fetches."""

    def __init__(self, prefix):
        self.prefix = prefix.rstrip("/")
        self.tiles_fetched = 0

    def get(self, path):
        url = "%s/%s" % (self.prefix, path)
        request = urllib.request.Request(
            url, headers={"Accept-Encoding": "gzip, identity"})
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as reply:
                data = reply.read()
                encoding = reply.headers.get("Content-Encoding", "identity")
        except urllib.error.HTTPError as e:
            raise AuditError("GET %s: HTTP %d %s" % (url, e.code, e.reason))
        except (urllib.error.URLError, OSError) as e:
            raise AuditError("GET %s: %s" % (url, getattr(e, "reason", e)))
        if encoding == "gzip":
            try:
                data = gzip.decompress(data)
            except (OSError, EOFError) as e:
                raise AuditError("GET %s: bad gzip body: %s" % (url, e))
        elif encoding != "identity":
            raise AuditError("GET %s: unexpected Content-Encoding %r" % (url, encoding))
        return data

    def tile(self, level, index, width):
        path = "tile/" + tile_path(level, index, width)
        self.tiles_fetched += 1
        return path, self.get(path)


# --- The audit --------------------------------------------------------------------


def audit_level_zero(fetcher, size, keep_entries):
    """All leaf hashes, each checked against its entry; and the entries if kept."""
    leaf_hashes, entries = [], []
    for index, width in tiles_at_level(size, 0):
        path, data = fetcher.tile(0, index, width)
        hashes = split_hashes(data, width, path)
        bundle_path, bundle = fetcher.tile("entries", index, width)
        first = index * TILE_WIDTH
        for i, entry in enumerate(split_bundle(bundle, width, bundle_path, first)):
            if leaf_hash(entry) != hashes[i]:
                raise AuditError("entry %d (in %s) does not hash to hash %d of %s" %
                                 (first + i, bundle_path, i, path))
            if keep_entries:
                entries.append(entry)
        leaf_hashes.extend(hashes)
    return leaf_hashes, entries


def audit_upper_levels(fetcher, size, level_zero):
    """Checks every tile of level 1 up against the full tiles of the level below."""
    below = level_zero  # all hashes of level - 1, in order
    level = 1
    while size >> (8 * level):
        current = []
        for index, width in tiles_at_level(size, level):
            path, data = fetcher.tile(level, index, width)
            for i, got in enumerate(split_hashes(data, width, path)):
                n = index * TILE_WIDTH + i  # the full tile below it
                want = mth(below, n * TILE_WIDTH, (n + 1) * TILE_WIDTH)
                if got != want:
                    raise AuditError("%s: hash %d is not the root of tile/%s below" %
                                     (path, i, tile_path(level - 1, n, TILE_WIDTH)))
                current.append(got)
        below = current
        level += 1


def entries_as_text(entries):
    try:
        return [e.decode("utf-8") for e in entries]
    except UnicodeDecodeError as e:
        raise AuditError("an entry is not UTF-8, so --entries-out cannot hold it: %s" % e)


def audit(prefix, want_origin, entries_out):
    fetcher = Fetcher(prefix)
    origin, size, root = parse_checkpoint(fetcher.get("checkpoint"))
    if want_origin is not None and origin != want_origin:
        raise AuditError("checkpoint origin %r, want %r" % (origin, want_origin))
    leaf_hashes, entries = audit_level_zero(fetcher, size, entries_out is not None)
    audit_upper_levels(fetcher, size, leaf_hashes)
    if mth(leaf_hashes) != root:
        raise AuditError("the tiles' root %s is not the checkpoint's root %s" %
                         (base64.b64encode(mth(leaf_hashes)).decode(),
                          base64.b64encode(root).decode()))
    if entries_out is not None:
        with open(entries_out, "w", encoding="utf-8") as f:
            json.dump(entries_as_text(entries), f, ensure_ascii=False)
    return {"origin": origin, "size": size, "root": base64.b64encode(root).decode(),
            "entries": len(leaf_hashes), "tiles_fetched": fetcher.tiles_fetched,
            "ok": True}


def main(argv):
    parser = argparse.ArgumentParser(
        description="Audit a C2SP tlog-tiles log against its checkpoint.")
    parser.add_argument("prefix", help="the log's URL prefix (…/checkpoint, …/tile/)")
    parser.add_argument("--origin", help="the checkpoint origin the log must have")
    parser.add_argument("--entries-out", metavar="FILE",
                        help="write the entries as one JSON array of strings")
    args = parser.parse_args(argv)
    try:
        result = audit(args.prefix, args.origin, args.entries_out)
    except AuditError as e:
        print("audit_tiles: %s" % e, file=sys.stderr)
        return 1
    except Exception as e:  # a bug or an unforeseen failure still fails the audit
        print("audit_tiles: %s: %s" % (type(e).__name__, e), file=sys.stderr)
        return 1
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
