#!/usr/bin/env python3
"""An HTTP proxy in front of a C2SP tlog-tiles log that lies on request, to show that
an auditor notices (tests/integration/go_tiles_audit.sh).

    lying_tiles_proxy.py UPSTREAM_PREFIX

Listens on a free loopback port and prints it. A request's first path element says
what to do with the rest, which is fetched from UPSTREAM_PREFIX:

    /pass/PATH    nothing: PATH as served;
    /forge/PATH   entry 128 of tile/entries/000 becomes other text, and hash 128 of
                  tile/0/000 that text's leaf hash, so the entry and its tile agree
                  and only the root can tell;
    /VICTIM/PATH  one bit of the middle byte of PATH flipped if PATH is VICTIM with
                  "/" written "~", e.g. /tile~0~000/tile/0/000.

Python 3 standard library only.
"""
import hashlib
import http.server
import struct
import sys
import urllib.error
import urllib.request

FORGED_ENTRY = b"archive-revision/v1\nforged\n"
FORGED_INDEX = 128


def forge(path, body):
    if path == "tile/entries/000":
        entries, pos = [], 0
        while pos < len(body):
            (length,) = struct.unpack_from(">H", body, pos)
            entries.append(bytes(body[pos + 2:pos + 2 + length]))
            pos += 2 + length
        entries[FORGED_INDEX] = FORGED_ENTRY
        return bytearray(b"".join(struct.pack(">H", len(e)) + e for e in entries))
    if path == "tile/0/000":
        leaf_hash = hashlib.sha256(b"\x00" + FORGED_ENTRY).digest()
        body[FORGED_INDEX * 32:(FORGED_INDEX + 1) * 32] = leaf_hash
    return body


class Liar(http.server.BaseHTTPRequestHandler):
    upstream = ""

    def do_GET(self):
        mode, _, path = self.path.lstrip("/").partition("/")
        try:
            with urllib.request.urlopen(self.upstream + "/" + path, timeout=30) as reply:
                status, body = reply.status, bytearray(reply.read())
        except urllib.error.HTTPError as e:
            status, body = e.code, bytearray(e.read())
        if status == 200 and mode == "forge":
            body = forge(path, body)
        elif status == 200 and body and path == mode.replace("~", "/"):
            body[len(body) // 2] ^= 0x01
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def main():
    Liar.upstream = sys.argv[1].rstrip("/")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Liar)
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
