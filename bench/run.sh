#!/usr/bin/env bash
# bench/run.sh [--quick]: the benchmarks of issue 6 ("Performance targets" in
# ARCHITECTURE.md). Installs what it needs from Debian, builds archived,
# archivectl and archive_bench in Release into build-bench/, starts every server
# on loopback with temporary data dirs (our archived; etcd from etcd-server; git
# repositories), runs the workloads, stops everything and writes
# bench/RESULTS.md and bench/results.json: every figure as min/median/max over
# the runs, the machine's own limits (dd conv=fsync, openssl sha256) and the
# ratio to each peer measured in the same run.
#
#   --quick   3 runs instead of 5, shorter runs, 256 MiB instead of 1 GiB,
#             2,000 revisions to sync instead of 10,000; scale up to 10^5
#             in both (issue 17 asks 10^6 of the full run: about 30 GB of
#             corpus revisions, not done; about 15 minutes on 2 cores once
#             built).
#
# Environment (for development): BENCH_ONLY=machine,puts,gets,large,sync,scale
# runs a subset; BENCH_TMPDIR puts the temporary data dirs elsewhere (default
# build-bench/; the dd figure is measured there too); BENCH_OUT=DIR writes
# RESULTS.md and results.json there instead of bench/; LARGE_MB=N sets the
# large document's size (and dd's count) and BENCH_RUNS=N the runs;
# BENCH_BIN=DIR uses the archived, archivectl and archive_bench built there
# instead of building build-bench/ (to compare two builds in one session).
set -euo pipefail
export LC_ALL=C

usage() { sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; }

QUICK=0
for arg in "$@"; do
  case "$arg" in
    --quick) QUICK=1 ;;
    -h | --help) usage; exit 0 ;;
    *) echo "bench/run.sh: unknown argument $arg" >&2; usage >&2; exit 2 ;;
  esac
done

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
COMMAND="bench/run.sh${*:+ $*}"
OUT_DIR=${BENCH_OUT:-$ROOT/bench}
mkdir -p "$OUT_DIR"  # a BENCH_OUT that does not exist yet
ONLY=",${BENCH_ONLY:-machine,puts,gets,large,sync,scale},"
want() { [[ $ONLY == *",$1,"* ]]; }

LARGE_MB_ENV=${LARGE_MB:-}
if ((QUICK)); then
  RUNS=3; SECS=4; SCALE_SECS=2; SCALE_PUTS=100; LARGE_MB=256; DD_COUNT=256; SYNC_N=2000
  SCALE_SIZES=(1000 10000 100000); GIT_COMMITS=100
else
  RUNS=5; SECS=10; SCALE_SECS=4; SCALE_PUTS=200; LARGE_MB=1024; DD_COUNT=1024; SYNC_N=10000
  SCALE_SIZES=(1000 10000 100000); GIT_COMMITS=300
fi
RUNS=${BENCH_RUNS:-$RUNS}
if [ -n "$LARGE_MB_ENV" ]; then LARGE_MB=$LARGE_MB_ENV; DD_COUNT=$LARGE_MB_ENV; fi
CLIENT_COUNTS=(1 16)
CORPUS="$ROOT/samples/raw,$ROOT/samples/clean"
T_START=$(date +%s)

log() { printf '[bench %4ds] %s\n' "$(($(date +%s) - T_START))" "$*" >&2; }

# --- Dependencies ----------------------------------------------------------------------
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
"$ROOT/deploy/install-deps.sh"
missing=()
command -v etcd >/dev/null || missing+=(etcd-server)
command -v git >/dev/null || missing+=(git)
command -v openssl >/dev/null || missing+=(openssl)
command -v python3 >/dev/null || missing+=(python3)
if ((${#missing[@]})); then
  log "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# --- Build -------------------------------------------------------------------------------
if [ -n "${BENCH_BIN:-}" ]; then
  log "using the binaries in $BENCH_BIN (not building)"
  BIN=$BENCH_BIN
else
  log "building archived, archivectl and archive_bench (Release) in build-bench/"
  cmake -S "$ROOT" -B "$ROOT/build-bench" -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build "$ROOT/build-bench" -j"$(nproc)" \
    --target archived archivectl archive_bench >/dev/null
  BIN=$ROOT/build-bench/bin
fi
BUILD_SECONDS=$(($(date +%s) - T_START))

# --- Servers and cleanup -------------------------------------------------------------------
# Under build-bench/ by default: a shared /tmp gets cleaned by others.
mkdir -p "${BENCH_TMPDIR:-$ROOT/build-bench}"
WORK=$(mktemp -d "${BENCH_TMPDIR:-$ROOT/build-bench}/run.XXXXXX")
export XDG_CONFIG_HOME=$WORK/config  # archivectl's seen checkpoints
PIDS=()
cleanup() {
  local p
  for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do
    for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$p" 2>/dev/null || true
  done
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

stop_pid() {
  local pid=$1 p keep=()
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  for p in "${PIDS[@]}"; do [ "$p" = "$pid" ] || keep+=("$p"); done
  PIDS=("${keep[@]}")
}

free_port() {
  local p
  while :; do
    p=$((20000 + RANDOM % 30000))
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
  done
}

# start_archived NAME [archived flags...]: data in $WORK/NAME; sets ADDR and PID.
start_archived() {
  local name=$1
  shift
  "$BIN/archived" --data_dir="$WORK/$name" --origin="$name.bench.local" \
    --listen=127.0.0.1:0 "$@" >"$WORK/$name.log" 2>&1 &
  PID=$!
  PIDS+=("$PID")
  ADDR=""
  for _ in $(seq 300); do
    ADDR=$(sed -n 's/.*serving origin .* on \([0-9.]*:[0-9]*\) .*/\1/p' "$WORK/$name.log" 2>/dev/null || true)
    [ -n "$ADDR" ] && break
    kill -0 "$PID" 2>/dev/null || break
    sleep 0.1
  done
  if [ -z "$ADDR" ]; then
    echo "bench/run.sh: archived $name did not start:" >&2
    cat "$WORK/$name.log" >&2 || echo "(its log $WORK/$name.log is gone)" >&2
    exit 1
  fi
}

# start_etcd: a one-member etcd with default fsync behaviour; sets ETCD_ADDR, ETCD_PID.
start_etcd() {
  local cport pport
  cport=$(free_port)
  pport=$(free_port)
  while [ "$pport" = "$cport" ]; do pport=$(free_port); done
  # The quota only keeps the benchmark's many revisions from hitting the 2 GB
  # default alarm; fsync and everything else stay at their defaults.
  etcd --name bench --data-dir "$WORK/etcd" \
    --listen-client-urls "http://127.0.0.1:$cport" \
    --advertise-client-urls "http://127.0.0.1:$cport" \
    --listen-peer-urls "http://127.0.0.1:$pport" \
    --initial-advertise-peer-urls "http://127.0.0.1:$pport" \
    --initial-cluster "bench=http://127.0.0.1:$pport" \
    --quota-backend-bytes=$((8 * 1024 * 1024 * 1024)) \
    >"$WORK/etcd.log" 2>&1 &
  ETCD_PID=$!
  PIDS+=("$ETCD_PID")
  ETCD_ADDR=127.0.0.1:$cport
  if ! "$BIN/archive_bench" --target=etcd --server="$ETCD_ADDR" --workload=wait \
    --corpus="$CORPUS"; then
    cat "$WORK/etcd.log" >&2
    exit 1
  fi
}

# --- Recording --------------------------------------------------------------------------
SAMPLES=$WORK/samples.txt
META=$WORK/meta.txt
: >"$SAMPLES"
: >"$META"
rec() { echo "$1 $2" >>"$SAMPLES"; }
meta() { printf '%s\t%s\n' "$1" "$2" >>"$META"; }
# jfield JSON KEY: a scalar field of a JSON object (one-line or pretty-printed).
jfield() { sed -n "s/.*\"$2\": *\"\{0,1\}\([^,\"}]*\).*/\1/p" <<<"$1" | head -1; }
now_ns() { date +%s%N; }
mbps() { awk -v b="$1" -v ns="$2" 'BEGIN { printf "%.3f", b / (ns / 1e9) / 1e6 }'; }
vm_kb() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }

# bench_rec PREFIX ARGS...: runs archive_bench and records its figures.
bench_rec() {
  local prefix=$1 out
  shift
  out=$("$BIN/archive_bench" --corpus="$CORPUS" "$@")
  rec "$prefix.ops_per_sec" "$(jfield "$out" ops_per_sec)"
  rec "$prefix.mb_per_sec" "$(jfield "$out" mb_per_sec)"
  rec "$prefix.p50_ms" "$(jfield "$out" p50_ms)"
  rec "$prefix.p99_ms" "$(jfield "$out" p99_ms)"
  rec "$prefix.errors" "$(jfield "$out" errors)"
  local hashes
  hashes=$(jfield "$out" proof_hashes)
  if [ -n "$hashes" ]; then rec "$prefix.proof_hashes" "$hashes"; fi
  log "  $prefix: $out"
}

meta command "$COMMAND"
meta quick "$QUICK"
meta runs "$RUNS"
meta seconds_per_run "$SECS"
meta date "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
meta nproc "$(nproc)"
meta cpu "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
meta memory "$(free -g | awk '/^Mem:/ { print $2 " GiB" }')"
meta loadavg "$(cut -d' ' -f1-3 /proc/loadavg)"
meta kernel "$(uname -r)"
meta commit "$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
meta dirty_files "$(git -C "$ROOT" status --porcelain 2>/dev/null | grep -v '^??' | cut -c4- | paste -sd' ' || true)"
meta etcd_version "$(etcd --version 2>/dev/null | head -1)"
meta git_version "$(git --version)"
meta openssl_version "$(openssl version)"
meta build_seconds "$BUILD_SECONDS"
meta bin_dir "${BENCH_BIN:-build-bench/bin (built now)}"
meta corpus_docs "$(find "$ROOT/samples/raw" "$ROOT/samples/clean" -type f | wc -l)"
meta corpus_bytes "$(cat "$ROOT"/samples/raw/* "$ROOT"/samples/clean/* | wc -c)"
meta large_mb "$LARGE_MB"
meta dd_count "$DD_COUNT"
meta sync_n "$SYNC_N"
meta scale_sizes "${SCALE_SIZES[*]}"
meta git_commits "$GIT_COMMITS"
meta scale_puts "$SCALE_PUTS"
meta workdir_fs "$(df -T "$WORK" | awk 'NR == 2 { print $2 " on " $1 }')"

# --- The machine's limits ----------------------------------------------------------------
# The disk's fsynced write bandwidth. The disk is shared and its speed drifts,
# so with the large-document workload it is measured right before each put.
measure_dd() {
  local line
  line=$(dd if=/dev/zero of="$WORK/dd.tmp" bs=1M count="$DD_COUNT" conv=fsync 2>&1 | tail -1)
  rm -f "$WORK/dd.tmp"
  rec machine.dd_mb_per_sec "$(awk '{ printf "%.1f", $1 / $(NF-3) / 1e6 }' <<<"$line")"
}

if want machine; then
  log "machine: openssl speed -evp sha256$(want large || echo ", dd (bs=1M count=$DD_COUNT conv=fsync)")"
  for r in $(seq "$RUNS"); do
    want large || measure_dd
    # The last column of the table: 16384-byte blocks, in 1000s of bytes/s.
    k=$(openssl speed -evp sha256 -seconds 1 2>/dev/null | awk 'tolower($1) == "sha256" { v = $NF } END { print v }')
    rec machine.sha256_mb_per_sec "$(awk -v k="${k%k}" 'BEGIN { printf "%.1f", k / 1000 }')"
  done
fi

# --- 1 and 2: small documents, puts and verified gets, vs etcd and git --------------------
if want puts || want gets; then
  log "starting archived and etcd"
  start_archived small
  SMALL_ADDR=$ADDR
  SMALL_PID=$PID
  SMALL_KEY=$WORK/small/keys/verifier.key
  start_etcd
  "$BIN/archive_bench" --target=archive --server="$SMALL_ADDR" --workload=wait --corpus="$CORPUS"
fi

if want puts; then
  mapfile -t docs < <(find "$ROOT/samples/raw" "$ROOT/samples/clean" -type f | sort)
  log "1: small-document puts, ${CLIENT_COUNTS[*]} clients, $RUNS runs of ${SECS}s"
  for r in $(seq "$RUNS"); do
    for c in "${CLIENT_COUNTS[@]}"; do
      bench_rec "put.archive.c$c" --target=archive --server="$SMALL_ADDR" \
        --workload=put --clients="$c" --seconds="$SECS" --prefix="put-r$r"
      bench_rec "put.etcd.c$c" --target=etcd --server="$ETCD_ADDR" \
        --workload=put --clients="$c" --seconds="$SECS" --prefix="put-r$r"
    done
    # git add && git commit per revision: git's defaults (which fsync neither
    # loose objects, refs nor the index), and with core.fsync=all (durable).
    for mode in default fsync; do
      repo=$WORK/git-$mode-$r
      git init -q "$repo"
      cfg=(-c user.name=bench -c user.email=bench@localhost -c gc.auto=0)
      if [ "$mode" = fsync ]; then cfg+=(-c core.fsync=all -c core.fsyncMethod=fsync); fi
      lat=$WORK/git-lat.txt
      : >"$lat"
      for ((i = 0; i < GIT_COMMITS; i++)); do
        d=${docs[$((i % ${#docs[@]}))]}
        f=$(basename "$d")
        { cat "$d"; echo "[bench git $r $i]"; } >"$repo/$f"
        t0=$(now_ns)
        git -C "$repo" "${cfg[@]}" add "$f"
        git -C "$repo" "${cfg[@]}" commit -q -m "revision $i of $f"
        t1=$(now_ns)
        echo $(((t1 - t0) / 1000)) >>"$lat"
      done
      read -r ops p50 p99 < <(sort -n "$lat" | awk '{ a[NR] = $1; s += $1 }
        END { printf "%.2f %.3f %.3f\n", NR / (s / 1e6), a[int(NR * 0.5 + 0.5)] / 1000, a[int(NR * 0.99 + 0.5)] / 1000 }')
      rec "put.git_$mode.c1.ops_per_sec" "$ops"
      rec "put.git_$mode.c1.p50_ms" "$p50"
      rec "put.git_$mode.c1.p99_ms" "$p99"
      log "  put.git_$mode.c1: $ops commits/s, p50 $p50 ms, p99 $p99 ms"
      rm -rf "$repo"
    done
  done
fi

if want gets; then
  log "2: verified gets vs etcd range, ${CLIENT_COUNTS[*]} clients, $RUNS runs of ${SECS}s"
  "$BIN/archive_bench" --target=archive --server="$SMALL_ADDR" --workload=setup \
    --prefix=get --corpus="$CORPUS" >/dev/null
  "$BIN/archive_bench" --target=etcd --server="$ETCD_ADDR" --workload=setup \
    --prefix=get --corpus="$CORPUS" >/dev/null
  for r in $(seq "$RUNS"); do
    for c in "${CLIENT_COUNTS[@]}"; do
      bench_rec "get.archive.c$c" --target=archive --server="$SMALL_ADDR" \
        --workload=get --clients="$c" --seconds="$SECS" --prefix=get --trust="$SMALL_KEY"
      bench_rec "get.etcd.c$c" --target=etcd --server="$ETCD_ADDR" \
        --workload=get --clients="$c" --seconds="$SECS" --prefix=get
    done
  done
fi

if want puts || want gets; then
  rec small.server_vmhwm_mb "$(awk -v k="$(vm_kb "$SMALL_PID" VmHWM)" 'BEGIN { printf "%.1f", k / 1024 }')"
  stop_pid "$ETCD_PID"
  stop_pid "$SMALL_PID"
fi

# --- 3: large documents through archivectl ------------------------------------------------
if want large; then
  log "3: large documents: ${LARGE_MB} MiB put and get through archivectl, $RUNS runs"
  start_archived large
  LARGE_ADDR=$ADDR
  LARGE_PID=$PID
  LARGE_KEY=$WORK/large/keys/verifier.key
  "$BIN/archive_bench" --target=archive --server="$LARGE_ADDR" --workload=wait --corpus="$CORPUS"
  CTL=("$BIN/archivectl" --server "$LARGE_ADDR" --trust "$LARGE_KEY")
  # One small put first, so the baseline includes a served request.
  "${CTL[@]}" put "$ROOT/samples/raw/gx-2022-guizhengfa-31.txt" --id warmup >/dev/null
  rec large.server_rss_start_mb "$(awk -v k="$(vm_kb "$LARGE_PID" VmHWM)" 'BEGIN { printf "%.1f", k / 1024 }')"
  big=$WORK/large.bin
  bytes=$((LARGE_MB * 1024 * 1024))
  openssl rand -out "$big" "$bytes"
  # Memory against document size: an eighth-size document first; if the server
  # buffered whole documents, its peak would grow by the difference.
  head -c $((bytes / 8)) "$big" >"$WORK/eighth.bin"
  "${CTL[@]}" put "$WORK/eighth.bin" --id eighth --media-type application/octet-stream >/dev/null
  "${CTL[@]}" get eighth -o "$WORK/large.out" 2>>"$WORK/archivectl.log"
  rm -f "$WORK/eighth.bin" "$WORK/large.out"
  rec large.server_vmhwm_eighth_mb "$(awk -v k="$(vm_kb "$LARGE_PID" VmHWM)" 'BEGIN { printf "%.1f", k / 1024 }')"
  for r in $(seq "$RUNS"); do
    # A different first block each run: a new blob, not a deduplicated one.
    printf '%016d' "$r" | dd of="$big" bs=16 count=1 conv=notrunc status=none
    measure_dd
    t0=$(now_ns)
    "${CTL[@]}" put "$big" --id "large-$r" --media-type application/octet-stream >/dev/null
    t1=$(now_ns)
    put_mb=$(mbps "$bytes" $((t1 - t0)))
    rec large.put_mb_per_sec "$put_mb"
    t0=$(now_ns)
    "${CTL[@]}" get "large-$r" -o "$WORK/large.out" 2>>"$WORK/archivectl.log"
    t1=$(now_ns)
    get_mb=$(mbps "$bytes" $((t1 - t0)))
    rec large.get_mb_per_sec "$get_mb"
    cmp -s "$big" "$WORK/large.out" || { echo "bench/run.sh: large get differs" >&2; exit 1; }
    rm -f "$WORK/large.out"
    hwm=$(awk -v k="$(vm_kb "$LARGE_PID" VmHWM)" 'BEGIN { printf "%.1f", k / 1024 }')
    rec large.server_vmhwm_mb "$hwm"
    log "  large run $r: dd $(grep '^machine.dd_mb_per_sec' "$SAMPLES" | tail -1 | cut -d' ' -f2) MB/s, put $put_mb MB/s, get $get_mb MB/s, server VmHWM $hwm MB"
  done
  rm -f "$big"
  stop_pid "$LARGE_PID"
  rm -rf "$WORK/large"
fi

# --- 4 and 5: sync and scale (one archive grown to each size) -------------------------------
if want sync || want scale; then
  start_archived scale
  SCALE_ADDR=$ADDR
  SCALE_PID=$PID
  SCALE_KEY=$WORK/scale/keys/verifier.key
  "$BIN/archive_bench" --target=archive --server="$SCALE_ADDR" --workload=wait --corpus="$CORPUS"
  "$BIN/archive_bench" --target=archive --server="$SCALE_ADDR" --workload=setup \
    --prefix=scaleget --corpus="$CORPUS" >/dev/null
  sizes=()
  want scale && sizes+=("${SCALE_SIZES[@]}")
  want sync && sizes+=("$SYNC_N")
  mapfile -t sizes < <(printf '%s\n' "${sizes[@]}" | sort -nu)
  for n in "${sizes[@]}"; do
    log "filling the archive to $n revisions (16 clients)"
    out=$("$BIN/archive_bench" --target=archive --server="$SCALE_ADDR" --workload=fill \
      --fill_to="$n" --clients=16 --corpus="$CORPUS" --prefix="fill-$n")
    log "  fill: $out"
    if [ "$(jfield "$out" ops)" != 0 ]; then rec "fill.$n.ops_per_sec" "$(jfield "$out" ops_per_sec)"; fi
    if want sync && [ "$n" = "$SYNC_N" ]; then
      log "4: sync: a fresh office catching up $n revisions, $RUNS runs"
      for r in $(seq "$RUNS"); do
        start_archived "office-$r" --trust="$SCALE_KEY"
        "$BIN/archive_bench" --target=archive --server="$ADDR" --workload=wait --corpus="$CORPUS"
        t0=$(now_ns)
        out=$("$BIN/archivectl" --server "$ADDR" --json sync "$SCALE_ADDR")
        t1=$(now_ns)
        imported=$(jfield "$out" imported)
        fetched=$(jfield "$out" bytes_fetched)
        rec sync.revisions "$imported"
        rec sync.revisions_per_sec "$(awk -v n="$imported" -v ns=$((t1 - t0)) 'BEGIN { printf "%.1f", n / (ns / 1e9) }')"
        rec sync.mb_per_sec "$(mbps "$fetched" $((t1 - t0)))"
        rec sync.seconds "$(awk -v ns=$((t1 - t0)) 'BEGIN { printf "%.3f", ns / 1e9 }')"
        log "  sync run $r: $imported revisions, $fetched bytes in $(((t1 - t0) / 1000000)) ms"
        stop_pid "$PID"
        rm -rf "$WORK/office-$r"
      done
    fi
    if want scale && [[ " ${SCALE_SIZES[*]} " == *" $n "* ]]; then
      log "5: scale at $n revisions: put, verified get and inclusion proof latency (1 client)"
      for r in $(seq "$RUNS"); do
        bench_rec "scale.$n.put" --target=archive --server="$SCALE_ADDR" --workload=put \
          --clients=1 --seconds="$SCALE_SECS" --ops="$SCALE_PUTS" --prefix="scale-$n-r$r"
        bench_rec "scale.$n.get" --target=archive --server="$SCALE_ADDR" --workload=get \
          --clients=1 --seconds="$SCALE_SECS" --prefix=scaleget --trust="$SCALE_KEY"
        bench_rec "scale.$n.proof" --target=archive --server="$SCALE_ADDR" --workload=proof \
          --clients=1 --seconds="$SCALE_SECS" --trust="$SCALE_KEY"
      done
    fi
  done
  rec scale.server_vmhwm_mb "$(awk -v k="$(vm_kb "$SCALE_PID" VmHWM)" 'BEGIN { printf "%.1f", k / 1024 }')"
  meta scale_data_mb "$(du -sm "$WORK/scale" | cut -f1)"
  stop_pid "$SCALE_PID"
fi

meta total_seconds "$(($(date +%s) - T_START))"
python3 "$ROOT/bench/report.py" --samples "$SAMPLES" --meta "$META" \
  --md "$OUT_DIR/RESULTS.md" --json "$OUT_DIR/results.json"
log "wrote $OUT_DIR/RESULTS.md and $OUT_DIR/results.json in $(($(date +%s) - T_START))s"
