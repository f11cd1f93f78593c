#!/usr/bin/env python3
"""Writes the seed corpora in tests/fuzz/corpus/<target>/.

Not run by the build or by run_fuzzers.sh: the seeds are committed, so fuzzing
needs nothing outside the repository. Run it again (from anywhere) after
changing the vectors or the seeds below:
    python3 tests/fuzz/make_seeds.py [path/to/vectors]
Seeds are the known-answer vectors of tests/testdata/vectors plus hand-made
malformed inputs, each named for what it tries.
"""
import base64
import hashlib
import json
import pathlib
import shutil
import struct
import sys

FUZZ_DIR = pathlib.Path(__file__).resolve().parent
VECTORS = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else (
    FUZZ_DIR.parent / "testdata" / "vectors")
CORPUS = FUZZ_DIR / "corpus"


def vector(name):
    return (VECTORS / name).read_bytes()


def write(target, name, data):
    d = CORPUS / target
    d.mkdir(parents=True, exist_ok=True)
    (d / name).write_bytes(data)


def statement_seeds():
    t = "fuzz_statement"
    s = vector("statement.txt")
    write(t, "vector-statement.txt", s)
    for i in range(1, 7):
        write(t, f"vector-leaf-{i}.txt", vector(f"leaf-{i}.txt"))
    minimal = (b"archive-revision/v1\norigin o\ndocument d\ncontent sha256:"
               + b"0" * 64 + b" 0\nmedia-type text/plain\nstatus draft\n"
               b"submitted-by local\nsubmitted-at 2024-02-29T23:59:59Z\n")
    write(t, "valid-minimal.txt", minimal)
    p1, p2 = sorted(hashlib.sha256(x).hexdigest().encode() for x in (b"a", b"b"))
    parents = b"parent " + p1 + b"\nparent " + p2 + b"\n"
    with_parents = s.replace(b"content ", parents + b"content ", 1)
    write(t, "valid-two-parents.txt", with_parents)
    write(t, "parents-unsorted.txt", s.replace(
        b"content ", b"parent " + p2 + b"\nparent " + p1 + b"\ncontent ", 1))
    write(t, "parents-duplicate.txt", s.replace(
        b"content ", b"parent " + p1 + b"\nparent " + p1 + b"\ncontent ", 1))
    write(t, "crlf.txt", s.replace(b"\n", b"\r\n"))
    write(t, "no-final-newline.txt", s[:-1])
    write(t, "empty-line.txt", s.replace(b"status", b"\nstatus", 1))
    write(t, "duplicate-key.txt", s.replace(b"region", b"region x\nregion", 1))
    write(t, "out-of-order.txt", s.replace(b"title", b"xtitle", 1).replace(
        b"issuer", b"title", 1).replace(b"xtitle", b"issuer", 1))
    write(t, "unknown-key.txt", s.replace(b"region", b"province", 1))
    write(t, "missing-required.txt", s.replace(b"status in_force\n", b"", 1))
    write(t, "unknown-status.txt", s.replace(b"in_force", b"in-force", 1))
    write(t, "date-feb-29-non-leap.txt", s.replace(b"2022-11-30", b"2023-02-29"))
    write(t, "leap-second.txt", s.replace(b"04:20:00Z", b"23:59:60Z"))
    write(t, "local-time-offset.txt", s.replace(b"04:20:00Z", b"04:20:00+08:00"))
    write(t, "size-leading-zero.txt", s.replace(b" 79\n", b" 079\n"))
    write(t, "size-max.txt", s.replace(b" 79\n", b" 18446744073709551615\n"))
    write(t, "size-overflow.txt", s.replace(b" 79\n", b" 18446744073709551616\n"))
    write(t, "size-signed.txt", s.replace(b" 79\n", b" +79\n"))
    write(t, "sha-uppercase.txt", s.replace(b"4ffcab", b"4FFCAB"))
    write(t, "title-trailing-space.txt", s.replace(b"\nissuer", b" \nissuer", 1))
    write(t, "title-empty-value.txt", s.replace(
        "title 广西".encode(), "title \ntitle 广西".encode(), 1))
    write(t, "title-invalid-utf8.txt", s.replace(b"title ", b"title \xe5\xb9", 1))
    write(t, "title-overlong-utf8.txt", s.replace(b"title ", b"title \xc0\xaf", 1))
    write(t, "title-surrogate.txt", s.replace(b"title ", b"title \xed\xa0\x80", 1))
    write(t, "title-line-separator.txt",
          s.replace(b"title ", "title \u2028".encode(), 1))
    write(t, "title-c1-nel.txt", s.replace(b"title ", "title \u0085".encode(), 1))
    write(t, "title-nul.txt", s.replace(b"title ", b"title \x00", 1))
    write(t, "document-nbsp.txt",
          s.replace(b"gx-2022", "gx\u00a02022".encode(), 1))
    write(t, "document-too-long.txt",
          s.replace(b"gx-2022-guizhengfa-31", b"d" * 257, 1))
    write(t, "origin-plus.txt", s.replace(b"origin test", b"origin te+st", 1))
    write(t, "header-v2.txt", s.replace(b"revision/v1", b"revision/v2", 1))
    write(t, "title-4097-bytes.txt",
          s.replace("title 广西壮族".encode(), b"title " + b"x" * 4097 + "广西壮族".encode(), 1))


def note_seeds():
    t = "fuzz_signed_note"
    key = vector("verifier.key")
    for name in ("statement.note", "checkpoint-4.note", "checkpoint-7.note"):
        note = vector(name)
        write(t, "vector-" + name, note)
        write(t, "vector-key-then-" + name, key + note)
    write(t, "vector-verifier.key", key)
    note = vector("statement.note")
    text, sig_line = note.rsplit(b"\n\n", 1)
    text += b"\n"
    other = "— other.example AAAAAQ==\n".encode()
    write(t, "two-signatures.note", note + other)
    write(t, "other-signer-only.note", text + b"\n" + other)
    write(t, "hyphen-not-em-dash.note", note.replace("—".encode(), b"-", 1))
    write(t, "no-blank-line.note", text + sig_line)
    write(t, "no-signature.note", text + b"\n")
    write(t, "bad-base64.note", note.replace(b"=\n", b"\n"))
    write(t, "short-signature.note", text + "\n— k AAAAAA==\n".encode())
    write(t, "key-name-plus.note", text + "\n— k+1 AAAAAAA=\n".encode())
    write(t, "key-name-nbsp.note", text + "\n— k\u00a0x AAAAAAA=\n".encode())
    write(t, "text-cr.note", note.replace(b"local\n", b"local\r\n", 1))
    write(t, "text-tab.note", note.replace(b"note first", b"note\tfirst", 1))
    write(t, "text-invalid-utf8.note", note.replace(b"note first", b"note \xff", 1))
    write(t, "text-blank-lines.note", b"a\n\nb\n\n" + sig_line)
    write(t, "signature-flipped.note", note.replace(b"2xV6xL", b"2xV6xM", 1))
    write(t, "sig-noncanonical-padding.note",
          text + "\n— k AAAAAAB=\n".encode())
    write(t, "renamed-signer.note", note.replace(
        "— test.archive.example".encode(), "— test.archive.exampl".encode(), 1))
    write(t, "no-final-newline.note", note[:-1])
    k = key.strip()
    write(t, "key-uppercase-id", k.replace(b"db157ac4", b"DB157AC4") + b"\n" + note)
    write(t, "key-wrong-id", k.replace(b"db157ac4", b"db157ac5") + b"\n" + note)
    write(t, "key-wrong-algorithm", k.replace(b"+AdNp", b"+AtNp") + b"\n" + note)
    write(t, "key-short", b"test.archive.example+db157ac4+AQ==\n" + note)
    write(t, "key-no-plus", b"test.archive.example\n" + note)


def checkpoint_seeds():
    t = "fuzz_checkpoint"
    for n in (4, 7):
        note = vector(f"checkpoint-{n}.note")
        write(t, f"vector-checkpoint-{n}.note", note)
        write(t, f"vector-checkpoint-{n}.txt", note.split(b"\n\n")[0] + b"\n")
    cp = vector("checkpoint-7.note").split(b"\n\n")[0] + b"\n"
    root = cp.split(b"\n")[2]
    write(t, "extensions.txt", cp + b"ext one\n\xe2\x80\x94 ext two\n")
    write(t, "extension-empty-line.txt", cp + b"ext\n\nmore\n")
    write(t, "extension-no-newline.txt", cp + b"ext")
    write(t, "size-max.txt", cp.replace(b"\n7\n", b"\n18446744073709551615\n"))
    write(t, "size-overflow.txt", cp.replace(b"\n7\n", b"\n18446744073709551616\n"))
    write(t, "size-leading-zero.txt", cp.replace(b"\n7\n", b"\n07\n"))
    write(t, "size-zero.txt", cp.replace(b"\n7\n", b"\n0\n"))
    write(t, "size-negative.txt", cp.replace(b"\n7\n", b"\n-7\n"))
    write(t, "size-plus.txt", cp.replace(b"\n7\n", b"\n+7\n"))
    write(t, "size-space.txt", cp.replace(b"\n7\n", b"\n 7\n"))
    write(t, "root-31-bytes.txt", cp.replace(
        root, base64.b64encode(base64.b64decode(root)[:31])))
    write(t, "root-no-padding.txt", cp.replace(root, root.rstrip(b"=")))
    write(t, "root-noncanonical-bits.txt", cp.replace(root, root[:-2] + b"9="))
    write(t, "empty-origin.txt", cp[cp.index(b"\n"):])
    write(t, "two-lines.txt", b"o\n7\n")
    write(t, "crlf.txt", cp.replace(b"\n", b"\r\n"))


def proof_seeds():
    # Layout: see the comment at the top of fuzz_proof.cc.
    t = "fuzz_proof"
    summary = json.loads(vector("summary.json"))
    leaves = [base64.b64decode(h) for h in summary["leaf_hashes_b64"]]
    roots = {int(k): base64.b64decode(v)
             for k, v in summary["root_b64_by_size"].items()}
    inc = json.loads(vector("inclusion-3-of-7.json"))
    con = json.loads(vector("consistency-4-to-7.json"))

    def seed(op, a, b, rest=b""):
        return struct.pack(">BQQ", op, a, b) + rest

    hashes = lambda j: b"".join(base64.b64decode(h) for h in j["hashes"])
    m = 2**64 - 1
    write(t, "vector-inclusion-3-of-7", seed(0, 3, 7, leaves[3] + roots[7] + hashes(inc)))
    write(t, "vector-consistency-4-to-7",
          seed(1, 4, 7, roots[4] + roots[7] + hashes(con)))
    write(t, "real-inclusion-3-of-7", seed(2 | 4 | 8, 3, 7))
    write(t, "real-inclusion-69-of-70", seed(2 | 4 | 8, 69, 70))
    write(t, "real-inclusion-0-of-1", seed(2 | 4 | 8, 0, 1))
    write(t, "real-consistency-4-to-7", seed(1 | 2 | 4 | 8, 4, 7))
    write(t, "real-consistency-3-to-70", seed(1 | 2 | 4 | 8, 3, 70))
    write(t, "real-consistency-64-to-70", seed(1 | 2 | 4 | 8, 64, 70))
    write(t, "real-consistency-0-to-7", seed(1 | 2 | 4 | 8, 0, 7))
    write(t, "edit-inclusion-flip-byte", seed(2 | 4 | 8, 3, 7, bytes([0, 1, 5, 0x80])))
    write(t, "edit-inclusion-insert-node", seed(2 | 4 | 8, 5, 13, bytes([4, 0, 1, 2])))
    write(t, "edit-consistency-drop", seed(1 | 2 | 4 | 8, 5, 13, bytes([1, 0, 0, 0])))
    write(t, "inclusion-index-equals-size", seed(2 | 4 | 8, 7, 7))
    write(t, "inclusion-size-0", seed(2 | 4 | 8, 0, 0))
    write(t, "inclusion-max-size", seed(2 | 4 | 8, m - 1, m, b"\x07\x00\x00\x00" * 64))
    write(t, "inclusion-max-size-raw-64", seed(0, m - 1, m, b"\x11" * 64 + b"\x22" * 32 * 64))
    write(t, "inclusion-index-max", seed(2 | 4 | 8, m, m))
    write(t, "inclusion-short-hash", seed(2 | 4, 3, 7, hashes(inc)[:-1]))
    write(t, "consistency-max-sizes", seed(1 | 2 | 4, 2**63, m, b"\x33" * 32 * 64))
    write(t, "consistency-old-larger", seed(1 | 2 | 4 | 8, 7, 4))
    write(t, "consistency-0-to-0", seed(1 | 2 | 4, 0, 0))
    write(t, "consistency-equal-sizes", seed(1 | 2 | 4, 7, 7))
    write(t, "consistency-power-of-two-old", seed(1 | 2 | 4 | 8, 8, m))


def main():
    if CORPUS.exists():
        shutil.rmtree(CORPUS)
    statement_seeds()
    note_seeds()
    checkpoint_seeds()
    proof_seeds()
    for d in sorted(CORPUS.iterdir()):
        print(d.name, len(list(d.iterdir())), "seeds")


if __name__ == "__main__":
    main()
