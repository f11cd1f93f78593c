#!/usr/bin/env bash
# A simulated federation (issue 16): N offices (default 20) on loopback, each asking
# the next 3 (in a ring) to witness its checkpoints and pulling the next 3 every second.
# For each of K puts (default 5) at office 0 it measures the time until office 0's
# checkpoint carries a quorum (2) of cosignatures, and until the revision is present at
# every office (its /api/v1/documents/<id> answers 200), and the bytes the federation
# moved for it: the sum over every office of its gRPC messages received and sent
# (grpc_server_msg_{received,sent}_bytes_total: the put itself, pulls, content fetches)
# and its witness requests and answers (archive_http_bytes_total{route="witness"}),
# from just before the put until it is everywhere, less the idle traffic (pulls that
# find nothing new) measured over an equal time before the puts. Each exchange has one
# server end, so each byte is counted once; gRPC framing and HTTP headers are not.
# The bench's own polling (/api, /log, /metrics routes) is not counted.
# Writes the federation section of bench/RESULTS.md (bench/sections.py).
#
#   bench/federation.sh [--offices N] [--puts K] [--build DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
offices=20 puts=5 build=build
while [ $# -gt 0 ]; do
  case "$1" in
    --offices) offices=$2; shift 2 ;;
    --puts) puts=$2; shift 2 ;;
    --build) build=$2; shift 2 ;;
    *) echo "usage: bench/federation.sh [--offices N] [--puts K] [--build DIR]" >&2; exit 2 ;;
  esac
done
archived=$build/bin/archived archivectl=$build/bin/archivectl
[ -x "$archived" ] || { echo "federation.sh: no $archived (build first)" >&2; exit 1; }
work=$(mktemp -d "${TMPDIR:-/tmp}/federation.XXXXXX")
# The client keeps its own pins and seen checkpoints: ports are reused between runs.
export XDG_CONFIG_HOME=$work/client
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  [ -n "${KEEP_WORK:-}" ] || rm -rf "$work"
}
trap cleanup EXIT INT TERM

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
now_ms() { date +%s%3N; }
# Bytes moved by the whole federation so far (see the header).
traffic() {
  for ((i = 0; i < offices; i++)); do curl -fs "http://127.0.0.1:${http[i]}/metrics"; done |
    awk '/^grpc_server_msg_(received|sent)_bytes_total\{/ ||
         /^archive_http_bytes_total\{.*route="witness"/ { s += $NF } END { printf "%.0f\n", s }'
}

declare -a grpc http
for ((i = 0; i < offices; i++)); do grpc[i]=$(free_port); http[i]=$(free_port); done
peer() { echo $(( ($1 + $2) % offices )); }

# Config (peers pulled every second) before the start; trust and witnesses after, as
# archived re-reads both.
for ((i = 0; i < offices; i++)); do
  d=$work/o$i; mkdir -p "$d"; : > "$d/trust"; : > "$d/witnesses"
  for k in 1 2 3; do
    j=$(peer "$i" "$k")
    printf 'peers {\n  name: "o%d.fed.example"\n  address: "127.0.0.1:%d"\n  pull_interval_seconds: 1\n}\n' \
      "$j" "${grpc[j]}" >> "$d/config"
  done
  "$archived" --data_dir="$d/data" --origin="o$i.fed.example" --listen="127.0.0.1:${grpc[i]}" \
    --http_listen="127.0.0.1:${http[i]}" --trust="$d/trust" --config="$d/config" \
    --witnesses="$d/witnesses" > "$d/log" 2>&1 &
  pids+=($!)
done
for ((i = 0; i < offices; i++)); do
  for _ in $(seq 100); do
    curl -fs "http://127.0.0.1:${http[i]}/healthz" > /dev/null 2>&1 && break; sleep 0.1
  done
done
for ((i = 0; i < offices; i++)); do cat "$work/o$i/data/keys/verifier.key"; done > "$work/all-keys"
for ((i = 0; i < offices; i++)); do
  cp "$work/all-keys" "$work/o$i/trust"
  for k in 1 2 3; do
    j=$(peer "$i" "$k")
    echo "witness $(cat "$work/o$j/data/keys/witness.vkey") http://127.0.0.1:${http[j]}/witness"
  done > "$work/o$i/witnesses"
done
sleep 3  # the first pulls and cosignatures of the empty logs
# Idle traffic: pulls that find nothing new, over 5 s.
idle_start_ms=$(now_ms) idle_start_bytes=$(traffic)
sleep 5
idle_bytes_per_s=$(( ($(traffic) - idle_start_bytes) * 1000 / ($(now_ms) - idle_start_ms) ))
echo "idle: $idle_bytes_per_s bytes/s"

cosign_ms=() spread_ms=() put_bytes=()
for ((p = 0; p < puts; p++)); do
  doc="fed/doc-$p"
  head -c 20000 /dev/urandom | base64 > "$work/doc"
  start_bytes=$(traffic)
  start=$(now_ms)
  "$archivectl" --server "127.0.0.1:${grpc[0]}" put "$work/doc" --id "$doc" > /dev/null
  size=$(curl -fs "http://127.0.0.1:${http[0]}/log/checkpoint" | sed -n 2p)
  cosigned=""
  present=()
  while true; do
    t=$(now_ms)
    if [ -z "$cosigned" ]; then
      note=$(curl -fs "http://127.0.0.1:${http[0]}/log/checkpoint" || true)
      if [ "$(echo "$note" | sed -n 2p)" -ge "$size" ] 2>/dev/null &&
         [ "$(echo "$note" | grep -c '/witness ')" -ge 2 ]; then cosigned=$((t - start)); fi
    fi
    all=1
    for ((i = 0; i < offices; i++)); do
      [ "${present[i]:-}" = 1 ] && continue
      if curl -fs -o /dev/null "http://127.0.0.1:${http[i]}/api/v1/documents/fed%2Fdoc-$p"; then
        present[i]=1
      else
        all=0
      fi
    done
    if [ -n "$cosigned" ] && [ $all = 1 ]; then break; fi
    if [ $((t - start)) -gt 120000 ]; then echo "federation.sh: put $p did not spread in 120 s" >&2; exit 1; fi
    sleep 0.05
  done
  elapsed=$(( $(now_ms) - start ))
  moved=$(( $(traffic) - start_bytes - idle_bytes_per_s * elapsed / 1000 ))
  cosign_ms+=("$cosigned") spread_ms+=("$elapsed") put_bytes+=("$moved")
  echo "put $p: quorum of cosignatures after ${cosigned} ms, at all $offices offices after ${elapsed} ms, $moved bytes moved"
done

median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
doc_bytes=$(wc -c < "$work/doc")
python3 bench/sections.py put bench/RESULTS.md federation <<MD
## Federation (issue 16): witnesses and pulls among $offices offices: \`bench/federation.sh\`

Generated by \`bench/federation.sh --offices $offices --puts $puts\` on $(date -u +%Y-%m-%dT%H:%M:%SZ), commit $commit,
$(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), every office an \`archived\` on loopback;
re-run it to refresh this section (bench/report.py keeps it).
Each office asks the next 3 in a ring to witness its checkpoints (quorum 2 counted here) and
pulls the next 3 every second (\`pull_interval_seconds: 1\`), so a revision spreads in about
$(( (offices + 2) / 3 )) hops. Medians of $puts puts of a $doc_bytes-byte document at office 0.

| figure | median | all runs |
|---|---|---|
| put → its checkpoint cosigned by 2 witnesses | $(median "${cosign_ms[@]}") ms | ${cosign_ms[*]} |
| put → present at all $offices offices | $(median "${spread_ms[@]}") ms | ${spread_ms[*]} |
| bytes moved per put, all offices (idle traffic subtracted) | $(median "${put_bytes[@]}") | ${put_bytes[*]} |
| the same, per office reached, in document sizes | $(awk -v b="$(median "${put_bytes[@]}")" -v n="$offices" -v d="$doc_bytes" 'BEGIN { printf "%.2f", b / n / d }') | |
| idle traffic of the federation (pulls finding nothing new) | $idle_bytes_per_s bytes/s | |

Bytes are serialized gRPC messages of the archive's API and witness HTTP bodies, summed
over every office's server side (each exchange has one server, so each byte counts once;
framing and headers are not counted). The spread time is dominated by the 1 s pull
interval times the hops. Load average at the start: $(cut -d' ' -f1-3 /proc/loadavg)
(other work on the machine slows the figures).
MD
echo "federation.sh: wrote the federation section of bench/RESULTS.md"
