#!/usr/bin/env python3
"""A checker of C2SP cosigned checkpoints, written from the specs alone
(c2sp.org/signed-note, tlog-checkpoint, tlog-cosignature, tlog-mirror),
sharing no code with the archive. Uses Python's standard library and Debian's
python3-cryptography for Ed25519.

    check_cosignatures.py CHECKPOINT_FILE LOG_VKEY [WITNESS_VKEY ...]
                          [--mirror MIRROR_VKEY ...]
    check_cosignatures.py --cosign SEED_HEX NAME TIME CHECKPOINT_FILE

The second form makes known-answer vectors for the project's unit tests: the
cosigner verifier key of the Ed25519 key with that 32-byte seed and its
cosignature/v1 line at TIME on the checkpoint's note text (Ed25519 signatures
are deterministic, so the line is the only right answer).

Checks that the checkpoint note carries a valid signature by LOG_VKEY (type
0x01, named by its origin line), and for each witness key (type 0x04) whether
it carries a valid cosignature/v1: the signature field is an 8-byte big-endian
timestamp and an Ed25519 signature over "cosignature/v1\\ntime <t>\\n" and the
note text. A mirror (tlog-mirror) is a cosigner whose cosignature also says it
stores and serves the log up to that size: the same cosignature/v1 format with
a key of its own, so --mirror keys are checked the same way and reported
apart. Prints one JSON line {"origin", "size", "cosigned_by": [names],
"mirrored_by": [names], "timestamps": {name: t}} and exits 0 if the log
signature is valid and no listed cosigner's line is invalid; else says why on
stderr and exits 1.
"""
import base64
import hashlib
import json
import sys

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey, Ed25519PublicKey)
from cryptography.hazmat.primitives.serialization import (
    Encoding, NoEncryption, PrivateFormat, PublicFormat)

DASH = "\u2014 "


def parse_vkey(vkey, expected_type):
    name, key_id_hex, b64 = vkey.strip().split("+", 2)
    raw = base64.b64decode(b64, validate=True)
    if raw[0] != expected_type or len(raw) != 33:
        raise ValueError(f"{name}: not a type {expected_type:#04x} Ed25519 key")
    key_id = hashlib.sha256(name.encode() + b"\n" + raw).digest()[:4]
    if key_id.hex() != key_id_hex:
        raise ValueError(f"{name}: key id {key_id_hex} does not match")
    return name, key_id, Ed25519PublicKey.from_public_bytes(raw[1:])


def parse_note(note):
    text, sep, sigs = note.rpartition("\n\n")
    if not sep:
        raise ValueError("no blank line before the signatures")
    lines = []
    for line in sigs.rstrip("\n").split("\n"):
        if not line.startswith(DASH):
            raise ValueError(f"not a signature line: {line!r}")
        name, b64 = line[len(DASH):].rsplit(" ", 1)
        raw = base64.b64decode(b64, validate=True)
        lines.append((name, raw[:4], raw[4:]))
    return text + "\n", lines


def cosign(seed_hex, name, t, note_path):
    key = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(seed_hex))
    raw = b"\x04" + key.public_key().public_bytes(Encoding.Raw,
                                                   PublicFormat.Raw)
    key_id = hashlib.sha256(name.encode() + b"\n" + raw).digest()[:4]
    text, _ = parse_note(open(note_path, encoding="utf-8").read())
    message = f"cosignature/v1\ntime {t}\n".encode() + text.encode()
    sig = int(t).to_bytes(8, "big") + key.sign(message)
    pem = key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    print(json.dumps({
        "pkcs8_pem": pem.decode(),
        "vkey": f"{name}+{key_id.hex()}+{base64.b64encode(raw).decode()}",
        "line": f"{DASH}{name} {base64.b64encode(key_id + sig).decode()}\n"}))


def main():
    if sys.argv[1] == "--cosign":
        return cosign(*sys.argv[2:6])
    note = open(sys.argv[1], encoding="utf-8").read()
    text, signatures = parse_note(note)
    origin, size = text.split("\n")[0], int(text.split("\n")[1])
    log_name, log_id, log_key = parse_vkey(sys.argv[2], 0x01)
    if log_name != origin:
        sys.exit(f"the log key is named {log_name}, the checkpoint {origin}")
    log_ok = False
    for name, key_id, sig in signatures:
        if name == log_name and key_id == log_id:
            try:
                log_key.verify(sig, text.encode())
                log_ok = True
            except InvalidSignature:
                sys.exit("the log's signature is invalid")
    if not log_ok:
        sys.exit("no signature by the log's key")
    witnesses, mirrors, args = [], [], sys.argv[3:]
    while args:
        if args[0] == "--mirror":
            mirrors.append(args[1])
            args = args[2:]
        else:
            witnesses.append(args.pop(0))
    times = {}
    cosigned = check_cosigners(text, signatures, witnesses, times)
    mirrored = check_cosigners(text, signatures, mirrors, times)
    print(json.dumps({"origin": origin, "size": size, "cosigned_by": cosigned,
                      "mirrored_by": mirrored, "timestamps": times}))


def check_cosigners(text, signatures, vkeys, times):
    """Names of the cosigners in vkeys with a valid cosignature/v1 line."""
    names = []
    for vkey in vkeys:
        name, key_id, key = parse_vkey(vkey, 0x04)
        for line_name, line_id, sig in signatures:
            if line_name != name or line_id != key_id:
                continue
            if len(sig) != 72:
                sys.exit(f"{name}: a cosignature is 72 bytes, not {len(sig)}")
            t = int.from_bytes(sig[:8], "big")
            if t >= 2**63:
                sys.exit(f"{name}: the timestamp exceeds 2^63 - 1")
            message = f"cosignature/v1\ntime {t}\n".encode() + text.encode()
            try:
                key.verify(sig[8:], message)
            except InvalidSignature:
                sys.exit(f"{name}: the cosignature is invalid")
            names.append(name)
            times[name] = t
    return names

if __name__ == "__main__":
    main()
