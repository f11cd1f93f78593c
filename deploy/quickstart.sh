#!/usr/bin/env bash
# Quick start: build Policy Archive, run one archive on 127.0.0.1:7070 with its data in
# .quickstart/, archive the 18 sample documents (raw text, then the corrected revision),
# and show a verified retrieval. Safe to re-run: a running quick-start server is reused and
# documents already archived get no new revisions.
#
#   deploy/quickstart.sh            the whole thing; leaves the server running
#   deploy/quickstart.sh --dry-run  only print the archivectl commands for samples/manifest.tsv
#                                   (no install, no build, no server)
#
# Environment: ARCHIVECTL (default build/bin/archivectl) and ARCHIVED (default
# build/bin/archived) pick other binaries.
set -euo pipefail

cd "$(dirname "$0")/.."
root=$(pwd -P)

dry_run=0
case "${1:-}" in
  "") ;;
  --dry-run) dry_run=1 ;;
  -h|--help) sed -n '2,12s/^# \{0,1\}//p' "$0"; exit 0 ;;
  *) echo "quickstart: unknown argument '$1' (try --help)" >&2; exit 2 ;;
esac

ARCHIVED=${ARCHIVED:-build/bin/archived}
ARCHIVECTL=${ARCHIVECTL:-build/bin/archivectl}
state=.quickstart
data_dir=$state/data
origin=quickstart.archive.local
listen=127.0.0.1:7070
port=${listen##*:}
pid_file=$state/archived.pid
log_file=$state/archived.log
manifest=samples/manifest.tsv
demo_doc=gx-2022-guizhengfa-31

# The demo client keeps its trusted keys and the last checkpoint it saw under .quickstart/,
# not in the user's own ~/.config, and always talks to the quick-start server.
export XDG_CONFIG_HOME=$root/$state/config
export ARCHIVE_SERVER=$listen

section() { printf '\n== %s\n' "$*"; }
die() { echo "quickstart: $*" >&2; exit 1; }

ctl() {
  if [ "$dry_run" = 1 ]; then
    printf '%q' "$ARCHIVECTL"; printf ' %q' "$@"; printf '\n'
  else
    "$ARCHIVECTL" "$@"
  fi
}

# True if something accepts TCP connections on the quick-start port.
port_in_use() {
  timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$port" 2>/dev/null
}

# Prints the pid from the pid file if that process is alive and is an archived.
running_server_pid() {
  local pid
  [ -r "$pid_file" ] || return 1
  pid=$(tr -dc '0-9' <"$pid_file")
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
  # A recycled pid belonging to some other program is not our server.
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q 'archived' || return 1
  echo "$pid"
}

# The log of the latest start only (the file collects every start).
show_log_tail() {
  echo "---- $log_file (this start) ----" >&2
  awk '/^=== .* quickstart: starting archived$/ { n = 0 } { line[n++] = $0 }
       END { for (i = (n > 30 ? n - 30 : 0); i < n; i++) print line[i] }' "$log_file" >&2 || true
  echo "----" >&2
}

if [ "$dry_run" = 0 ]; then
  section "1/6 Debian packages (deploy/install-deps.sh)"
  deploy/install-deps.sh
  echo "all build dependencies are installed"

  section "2/6 build archived and archivectl into build/"
  cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  cmake --build build -j"$(nproc)" --target archived archivectl
  if [ ! -x "$ARCHIVED" ] || [ ! -x "$ARCHIVECTL" ]; then
    die "build finished but $ARCHIVED or $ARCHIVECTL is missing"
  fi

  section "3/6 start the archive server on $listen"
  mkdir -p "$state"
  if pid=$(running_server_pid); then
    echo "reusing the quick-start server already running (pid $pid)"
    echo "(to restart it with a fresh build: deploy/stop-quickstart.sh, then run this again)"
  else
    if port_in_use; then
      die "port $port is already in use by a process that is not the quick-start server
($pid_file names no live archived). Stop that process, e.g. find it with: ss -ltnp 'sport = :$port'"
    fi
    # A new data directory means a new signing key: trust state pinned for an older
    # quick-start archive would make every verification fail, so start it afresh.
    if [ ! -s "$data_dir/keys/verifier.key" ] ||
       ! cmp -s "$data_dir/keys/verifier.key" "$state/config.server-key" 2>/dev/null; then
      rm -rf "$state/config" "$state/config.server-key"
    fi
    mkdir -p "$data_dir"
    printf '\n=== %s quickstart: starting archived\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" >>"$log_file"
    # setsid: its own session, so a Ctrl-C in this terminal later does not stop it.
    nohup setsid "$ARCHIVED" --data_dir="$data_dir" --origin="$origin" --listen="$listen" \
      </dev/null >>"$log_file" 2>&1 &
    pid=$!
    echo "$pid" >"$pid_file"
    echo "started archived (pid $pid), log in $log_file, data in $data_dir"
  fi

  printf 'waiting for the server to answer'
  ready=0
  for _ in $(seq 1 80); do
    if "$ARCHIVECTL" ls >/dev/null 2>&1; then ready=1; break; fi
    if ! kill -0 "$pid" 2>/dev/null; then
      echo; show_log_tail; die "archived (pid $pid) exited during start-up"
    fi
    printf '.'; sleep 0.25
  done
  echo
  if [ "$ready" != 1 ]; then
    show_log_tail
    die "archived (pid $pid) did not answer on $listen within 20 s; it is still running: deploy/stop-quickstart.sh stops it"
  fi
  echo "server is up: origin $origin"
  if [ -s "$data_dir/keys/verifier.key" ]; then
    cp "$data_dir/keys/verifier.key" "$state/config.server-key"
    echo "verifier key: $(cat "$data_dir/keys/verifier.key")"
  fi
fi

section "4/6 archive the $(($(wc -l <"$manifest") - 1)) sample documents from $manifest"
# Columns are separated by tabs and may be empty. `read` treats a tab in IFS as whitespace
# and would merge two tabs into one separator, shifting every later column, so the tabs
# become \x1f (not whitespace) first. The manifest comes in on fd 3 so that archivectl
# cannot swallow it from stdin.
count=0 fresh=0
while IFS=$'\x1f' read -r -u 3 id region title issuer number date note raw_sha256 raw_bytes clean_sha256 clean_bytes; do
  [ -n "$id" ] || continue
  meta=(--id "$id")
  [ -n "$title" ] && meta+=(--title "$title")
  [ -n "$issuer" ] && meta+=(--issuer "$issuer")
  [ -n "$number" ] && meta+=(--number "$number")
  [ -n "$region" ] && meta+=(--region "$region")
  [ -n "$date" ] && meta+=(--date "$date")
  # The manifest's note records a lifecycle fact ("expired 2018-08-31"): archive that
  # document with that status rather than the default in_force.
  case "$note" in
    expired*) meta+=(--status expired) ;;
    repealed*) meta+=(--status repealed) ;;
  esac

  for kind in raw clean; do
    file=samples/$kind/$id.txt
    [ -r "$file" ] || die "$file (listed in $manifest) is missing"
    if [ "$kind" = raw ]; then want=$raw_sha256 size=$raw_bytes; else want=$clean_sha256 size=$clean_bytes; fi
    got=$(sha256sum "$file" | cut -d' ' -f1)
    if [ "$got" != "$want" ] || [ "$(wc -c <"$file")" != "$size" ]; then
      die "$file is not the file in $manifest (sha256 $got, want $want, $size bytes)"
    fi
  done

  # A put is a no-op only when it equals the document's head. On a re-run the head is the
  # corrected revision, so putting the raw text again would add a revision: skip it when
  # the archive already serves the corrected text. (A dry run assumes a fresh archive.)
  if [ "$dry_run" = 0 ] &&
     "$ARCHIVECTL" verify "samples/clean/$id.txt" --id "$id" >/dev/null 2>&1; then
    raw_rev=""
  else
    raw_rev=$(ctl put "samples/raw/$id.txt" "${meta[@]}" --note "raw text from the printed compilation") ||
      die "put of samples/raw/$id.txt failed"
  fi
  # Without a metadata change in the manifest this returns the head's revision id.
  clean_rev=$(ctl put "samples/clean/$id.txt" "${meta[@]}" --note "corrected text") ||
    die "put of samples/clean/$id.txt failed"
  if [ "$dry_run" = 1 ]; then
    printf '%s\n%s\n' "$raw_rev" "$clean_rev"
  elif [ -n "$raw_rev" ]; then
    printf '  %-32s raw %.12s  clean %.12s\n' "$id" "$raw_rev" "$clean_rev"
    fresh=$((fresh + 1))
  else
    printf '  %-32s already archived, head %.12s\n' "$id" "$clean_rev"
  fi
  count=$((count + 1))
done 3< <(tail -n +2 "$manifest" | tr -d '\r' | tr '\t' '\037')
if [ "$dry_run" = 1 ]; then
  echo "$count documents"
  exit 0
fi
echo "$count documents: $fresh archived now, $((count - fresh)) were already there"

section "5/6 look around"
echo "\$ archivectl ls"
"$ARCHIVECTL" ls
echo
out=$state/$demo_doc.txt
rm -f "$out"
echo "\$ archivectl get $demo_doc -o $out"
"$ARCHIVECTL" get "$demo_doc" -o "$out"
want=$(awk -F'\t' -v id="$demo_doc" '$1 == id { print $10 }' "$manifest")
got=$(sha256sum "$out" | cut -d' ' -f1)
echo "sha256 $got  $out"
if [ "$got" = "$want" ]; then
  echo "verified: identical to samples/clean/$demo_doc.txt (clean_sha256 in $manifest)"
else
  die "$out has sha256 $got, but the corrected revision in $manifest has $want"
fi
echo
echo "\$ archivectl history $demo_doc"
"$ARCHIVECTL" history "$demo_doc"

section "6/6 your turn"
cat <<EOF
The archive keeps running (pid $(cat "$pid_file"), data in $state/data, log in $log_file).

  cd $root
  export PATH=\$PWD/build/bin:\$PATH
  archivectl ls --region 广西
  archivectl history $demo_doc     # revision ids, newest first
  archivectl diff $demo_doc OLDER_REV NEWER_REV
  archivectl verify samples/clean/$demo_doc.txt --id $demo_doc
  archivectl checkpoint

Your own archivectl keeps its trusted keys in ~/.config/archivectl/ and pins this
server's key on first use; to trust it explicitly instead, add
  --trust $state/data/keys/verifier.key

Stop the server:  kill \$(cat $pid_file)     (or deploy/stop-quickstart.sh)
EOF
