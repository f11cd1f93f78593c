#!/usr/bin/env python3
"""Sections of bench/RESULTS.md written by benches other than bench/run.sh.

bench/run.sh regenerates RESULTS.md from its samples (bench/report.py); the S3
bench (bench/s3_bench.py) and the federation bench (bench/federation.sh) each
own one section between the markers <!-- NAME:start --> and <!-- NAME:end -->,
which report.py keeps and the owner replaces.

  python3 bench/sections.py put RESULTS.md NAME < section.md
"""
import re
import sys

MARKER = re.compile(r"<!-- ([a-z0-9-]+):start -->")


def markers(name):
    return "<!-- %s:start -->" % name, "<!-- %s:end -->" % name


def kept_sections(text):
    """Every marked section of `text`, markers included, in order."""
    out = []
    for m in MARKER.finditer(text):
        start, end = markers(m.group(1))
        stop = text.find(end, m.start())
        if stop >= 0:
            out.append(text[m.start():stop + len(end)])
    return out


def put_section(md_path, name, body):
    """Replaces (or appends) section `name` of md_path with `body`."""
    start, end = markers(name)
    try:
        with open(md_path, encoding="utf-8") as f:
            old = f.read()
    except FileNotFoundError:
        old = ""
    if start in old and end in old:
        old = old[:old.index(start)] + old[old.index(end) + len(end):]
    section = "%s\n%s\n%s" % (start, body.strip("\n"), end)
    with open(md_path, "w", encoding="utf-8") as f:
        f.write(old.rstrip("\n") + "\n\n" + section + "\n")


def main(argv):
    if len(argv) != 4 or argv[1] != "put":
        sys.stderr.write("usage: sections.py put RESULTS.md NAME < section.md\n")
        return 2
    put_section(argv[2], argv[3], sys.stdin.read())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
