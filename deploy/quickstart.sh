#!/usr/bin/env bash
# Quick start: build Policy Archive, run one archive on 127.0.0.1:7070 with its data in
# .quickstart/, archive the 18 sample documents (raw text, then the corrected revision),
# and show a verified retrieval. Safe to re-run: a running quick-start server is reused and
# documents already archived get no new revisions.
#
#   deploy/quickstart.sh            the whole thing; leaves the server running
#   deploy/quickstart.sh --dry-run  only print the archivectl command that archives
#                                   samples/manifest.tsv (no install, no build, no server)
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
# archivectl import checks each file against the manifest's sha256 and size, archives the raw
# text and then the corrected text of each document (samples/raw/, samples/clean/) with the
# manifest's metadata, and skips what the archive already holds: a re-run stores nothing new,
# and an interrupted run resumes. A note like "expired 2018-08-31" becomes the status.
ctl import "$manifest" --dir samples ||
  die "archivectl import $manifest did not import every document (see above); run this again to resume"
if [ "$dry_run" = 1 ]; then
  exit 0
fi

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
echo
echo "\$ archivectl search 数据共享 --limit 3"
"$ARCHIVECTL" search 数据共享 --limit 3

section "6/6 your turn"
cat <<EOF
The archive keeps running (pid $(cat "$pid_file"), data in $state/data, log in $log_file).

  cd $root
  export PATH=\$PWD/build/bin:\$PATH
  archivectl ls --region 广西
  archivectl history $demo_doc     # revision ids, newest first
  archivectl diff $demo_doc OLDER_REV NEWER_REV      # changed characters marked
  archivectl verify samples/clean/$demo_doc.txt --id $demo_doc
  archivectl search 东盟                            # full text, built for Chinese
  archivectl check $demo_doc                        # 四性检测: the four-property check
  archivectl status $demo_doc amended --note "…"     # lifecycle change, same bytes
  archivectl export --bagit handover/               # hand everything over as a BagIt bag
  archivectl checkpoint

Your own archivectl keeps its trusted keys in ~/.config/archivectl/ and pins this
server's key on first use; to trust it explicitly instead, add
  --trust $state/data/keys/verifier.key

Stop the server:  kill \$(cat $pid_file)     (or deploy/stop-quickstart.sh)
EOF
