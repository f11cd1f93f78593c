#!/usr/bin/env bash
# The log's C2SP tlog-tiles, audited by Go's golang.org/x/mod/sumdb/tlog and sumdb/note
# (tests/tools/tlog_audit), an implementation that shares no code with the archive.
#
#   tests/integration/go_tiles_audit.sh ARCHIVED ARCHIVECTL
#
# Office A archives 300 documents (more than one full 256-entry tile), its /log/ is
# audited, a few more documents go in, and the grown log is audited again and proven
# consistent with the first checkpoint. Office B pulls A, and B's mirror of A
# (/mirror/<sha256 of A's origin>/) must audit with A's key to A's size and root. Then
# the auditor must refuse what is wrong, each for the right reason: the mirror under
# B's key, a fork of A signed with A's key, a log smaller than one seen before, and,
# through a lying proxy (lying_tiles_proxy.py), a flipped bit in the checkpoint, in
# each kind of tile and in the entry bundles, and a forged entry whose tile was
# forged to match. Exits 0 only if every check behaves.
#
# Needs golang-go and golang-golang-x-mod-dev (tests/run.sh installs them), python3, curl.
set -euo pipefail

if [ $# -ne 2 ]; then
  echo "usage: $0 ARCHIVED ARCHIVECTL" >&2
  exit 2
fi
archived=$(realpath "$1")
archivectl=$(realpath "$2")
root=$(cd "$(dirname "$0")/../.." && pwd -P)

work=$(mktemp -d "${TMPDIR:-/tmp}/go_tiles_audit.XXXXXX")
pids=()
cleanup() {
  local status=$?
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [ "$status" -ne 0 ]; then
    for log in "$work"/*.log; do
      [ -f "$log" ] && { echo "--- last lines of $(basename "$log")"; tail -n 5 "$log"; }
    done >&2
  fi
  rm -rf "$work"
}
trap cleanup EXIT
# A signal ends the script through exit, so the EXIT trap stops the servers too.
trap 'exit 130' INT
trap 'exit 143' TERM

fail() {
  echo "FAIL: $*" >&2
  exit 1
}
ok() { echo "ok: $*"; }

# archivectl keeps pins and seen checkpoints under $XDG_CONFIG_HOME: keep them out of
# the user's own, and trust each office explicitly with --trust.
export XDG_CONFIG_HOME=$work/config

# A port the kernel just handed out, so free unless someone takes it in between.
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

# --- The auditor ------------------------------------------------------------------------
command -v go >/dev/null || fail "no go command (apt-get install golang-go)"
[ -d /usr/share/gocode/src/golang.org/x/mod/sumdb/tlog ] ||
  fail "no golang.org/x/mod under /usr/share/gocode (apt-get install golang-golang-x-mod-dev)"
# Go needs a build cache; under ctest HOME may be unset.
if [ -z "${GOCACHE:-}" ] && [ -z "${HOME:-}" ] && [ -z "${XDG_CACHE_HOME:-}" ]; then
  export GOCACHE=$work/go-cache
fi
# GOPATH mode: Debian's x/mod lives in /usr/share/gocode/src and there is no module proxy.
(cd "$root" && GOPATH=/usr/share/gocode GO111MODULE=off GOFLAGS= \
  go build -o "$work/tlog_audit" ./tests/tools/tlog_audit) || fail "building tlog_audit"
auditor=$work/tlog_audit

# audit_ok NAME ARGS...: the auditor must accept; its JSON line goes to $work/NAME.json.
audit_ok() {
  local name=$1
  shift
  "$auditor" "$@" >"$work/$name.json" 2>"$work/$name.err" ||
    fail "$name: the auditor refused a good log: $(cat "$work/$name.err")"
  ok "$name: $(cat "$work/$name.json")"
}

# audit_refuses NAME REASON ARGS...: the auditor must fail as designed, for the right
# reason: exit 1 (a crash or a usage error exits otherwise) with one line on stderr
# that matches the extended regex REASON.
audit_refuses() {
  local name=$1 reason=$2 status=0
  shift 2
  "$auditor" "$@" >"$work/$name.json" 2>"$work/$name.err" || status=$?
  local said
  said=$(cat "$work/$name.err")
  [ "$status" -eq 1 ] || fail "$name: the auditor exited $status, want 1: $said"
  [ "$(wc -l <"$work/$name.err")" -eq 1 ] && grep -Eq "^tlog_audit: .*($reason)" <<<"$said" ||
    fail "$name: want one 'tlog_audit: ...' line matching '$reason' on stderr, got: $said"
  ok "$name refused: $said"
}

# field NAME KEY: a member of the JSON line audit_ok wrote.
field() {
  python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' \
    "$work/$1.json" "$2"
}

expect() {
  [ "$2" = "$3" ] || fail "$1 is $2, want $3"
}

# --- Offices ----------------------------------------------------------------------------
# start_office NAME ORIGIN [ARCHIVED FLAGS...]: starts archived with its data in
# $work/NAME, waits until its HTTP listener is ready, and sets NAME_grpc, NAME_http.
start_office() {
  local name=$1 origin=$2 grpc http
  shift 2
  grpc=127.0.0.1:$(free_port)
  http=127.0.0.1:$(free_port)
  "$archived" --data_dir="$work/$name" --origin="$origin" --listen="$grpc" \
    --http_listen="$http" "$@" >"$work/$name.log" 2>&1 &
  pids+=($!)
  local pid=$!
  for _ in $(seq 1 150); do
    curl -sf -o /dev/null "http://$http/readyz" && break
    kill -0 "$pid" 2>/dev/null || fail "archived $name exited: $(tail -n 3 "$work/$name.log")"
    sleep 0.1
  done
  curl -sf -o /dev/null "http://$http/readyz" || fail "archived $name not ready on $http"
  printf -v "${name}_grpc" '%s' "$grpc"
  printf -v "${name}_http" '%s' "$http"
}

# documents DIR FIRST LAST: files DIR/doc-N.txt, each distinct, and DIR.tsv, their
# manifest for archivectl import (an id column is all it needs).
documents() {
  local dir=$1 n
  mkdir -p "$dir"
  echo id >"$dir.tsv"
  for n in $(seq "$2" "$3"); do
    printf 'Policy document %d of the tiles audit.\n' "$n" >"$dir/doc-$n.txt"
    echo "doc-$n" >>"$dir.tsv"
  done
}

origin_a=a.tiles-audit.test
origin_b=b.tiles-audit.test

# --- Office A: its own log --------------------------------------------------------------
start_office a "$origin_a"
vkey_a=$(cat "$work/a/keys/verifier.key")
documents "$work/docs1" 1 300
"$archivectl" --server "$a_grpc" --trust "$work/a/keys/verifier.key" \
  import "$work/docs1.tsv" --dir "$work/docs1" >"$work/import1.log" ||
  fail "importing 300 documents into A: $(tail -n 3 "$work/import1.log")"

audit_ok log300 -prefix "http://$a_http/log" -vkey "$vkey_a" -save "$work/checkpoint300"
expect "A's origin" "$(field log300 origin)" "$origin_a"
expect "A's size" "$(field log300 size)" 300
expect "entries audited in A" "$(field log300 entries)" 300

documents "$work/docs2" 301 305
"$archivectl" --server "$a_grpc" --trust "$work/a/keys/verifier.key" \
  import "$work/docs2.tsv" --dir "$work/docs2" >"$work/import2.log" ||
  fail "importing 5 more documents into A: $(tail -n 3 "$work/import2.log")"

audit_ok log305 -prefix "http://$a_http/log/" -vkey "$vkey_a" -previous "$work/checkpoint300"
expect "A's size" "$(field log305 size)" 305
expect "entries audited in A" "$(field log305 entries)" 305
expect "the previous size" "$(field log305 previous_size)" 300

# --- Office B: its mirror of A ----------------------------------------------------------
cp "$work/a/keys/verifier.key" "$work/trust-a"
start_office b "$origin_b" --trust="$work/trust-a"
vkey_b=$(cat "$work/b/keys/verifier.key")
"$archivectl" --server "$b_grpc" --trust "$work/b/keys/verifier.key" \
  sync "$a_grpc" >"$work/sync.log" || fail "B syncing from A: $(tail -n 3 "$work/sync.log")"

mirror="http://$b_http/mirror/$(printf '%s' "$origin_a" | sha256sum | cut -d' ' -f1)"
audit_ok mirror -prefix "$mirror" -vkey "$vkey_a" -previous "$work/checkpoint300"
expect "the mirror's origin" "$(field mirror origin)" "$origin_a"
expect "the mirror's size" "$(field mirror size)" "$(field log305 size)"
expect "the mirror's root" "$(field mirror root)" "$(field log305 root)"
expect "entries audited in the mirror" "$(field mirror entries)" 305

# --- What the auditor must refuse -------------------------------------------------------
# A's checkpoint is not B's to sign: the mirror does not verify under B's key.
audit_refuses mirror-under-b-key "checkpoint: signature not verified by $origin_b" \
  -prefix "$mirror" -vkey "$vkey_b"

# A fork: another archive with A's key and origin but other entries signs a checkpoint
# A's log cannot be proven to extend (what a split view looks like to an auditor).
mkdir -p "$work/fork"
cp -a "$work/a/keys" "$work/fork/keys"
start_office fork "$origin_a"
documents "$work/docs3" 900 902
# The fork's own client: ours has seen A's checkpoints and rightly refuses the fork's.
XDG_CONFIG_HOME=$work/config-fork "$archivectl" --server "$fork_grpc" \
  --trust "$work/a/keys/verifier.key" import "$work/docs3.tsv" --dir "$work/docs3" \
  >"$work/import3.log" ||
  fail "importing into the fork: $(tail -n 3 "$work/import3.log")"
audit_ok fork -prefix "http://$fork_http/log" -vkey "$vkey_a" -save "$work/checkpoint-fork"
audit_refuses a-after-fork "tree 305 .* is not consistent with the previous tree 3 " \
  -prefix "http://$a_http/log" -vkey "$vkey_a" -previous "$work/checkpoint-fork"
# And a log smaller than a checkpoint seen before has shrunk.
audit_refuses fork-after-a "the log shrank from 300 to 3 entries" \
  -prefix "http://$fork_http/log" -vkey "$vkey_a" -previous "$work/checkpoint300"

# --- A lying proxy in front of A's /log/ (tests/integration/lying_tiles_proxy.py) -------
python3 "$root/tests/integration/lying_tiles_proxy.py" "http://$a_http/log" \
  >"$work/proxy.port" 2>"$work/proxy.log" &
pids+=($!)
for _ in $(seq 1 100); do
  [ -s "$work/proxy.port" ] && break
  sleep 0.1
done
proxy="http://127.0.0.1:$(cat "$work/proxy.port")"
curl -sf -o /dev/null "$proxy/pass/checkpoint" || fail "the lying proxy does not answer"

# The proxy itself is faithful when asked to be: through it, the log audits.
audit_ok proxy-pass -prefix "$proxy/pass" -vkey "$vkey_a"
expect "the root through the proxy" "$(field proxy-pass root)" "$(field log305 root)"

# One bit flipped. 305 entries: tile/0/000 is full, tile/0/001.p/49 partial and
# tile/1/000.p/1 above them; the last two are on the path to the root.
flipped() {
  local victim=$1 reason=$2
  audit_refuses "flipped-${victim//\//-}" "$reason" \
    -prefix "$proxy/${victim//\//\~}" -vkey "$vkey_a"
}
flipped checkpoint "checkpoint: signature not verified by $origin_a"
flipped tile/0/000 "entry 128 \(in tile/entries/000\) hashes to .* tiles \(tile/0/000\)"
flipped tile/0/001.p/49 "root of 305 entries from the tiles: downloaded inconsistent tile"
flipped tile/1/000.p/1 "root of 305 entries from the tiles: downloaded inconsistent tile"
flipped tile/entries/000 "entry 12[0-9] \(in tile/entries/000\) hashes to"
flipped tile/entries/001.p/49 "entry 2[0-9][0-9] \(in tile/entries/001.p/49\) hashes to"

# A forged entry with its leaf hash forged into tile/0/000 to match. x/mod's
# TileHashReader does not check tile/0/000 against its parent at this size (see
# auditTiles in tlog_audit), so the auditor's own root from the entries must catch it.
audit_refuses forged-entry-and-tile "the entries' root .* is not the checkpoint's" \
  -prefix "$proxy/forge" -vkey "$vkey_a"

echo "PASS: Go's sumdb/tlog audits A's log, its growth and B's mirror of A, and refuses" \
  "the wrong key, a fork, a shrunk log, every flipped bit and a forged entry"
