#!/usr/bin/env bash
# bench/s3_bench.sh [--quick]: the S3 blob store's benchmark (issue 18). Starts a
# single-node Ceph RGW (deploy/ceph-dev.sh) under a temporary directory and, in the same
# run, measures put and get MB/s of
#   - archived with blobs as local files (the default backend),
#   - archived with blobs in the RGW (--blob_store=s3://…),
#   - boto3 (Debian's python3-boto3) writing and reading the same objects directly,
# for the 36 corpus contents (one archivectl import; one archivectl backup, which reads
# and verifies every content; boto3 put_object/get_object of each) and for one large
# document (1 GiB; 256 MiB with --quick) through archivectl put/get and boto3's
# multipart transfer. Also runs the ctest S3Archive.LargeDocumentStreamsInFlatServerMemory
# at 1 GiB (flat server memory). Writes its section of bench/RESULTS.md (between the
# s3-bench markers, which bench/report.py keeps) and bench/s3_results.json.
#
# Environment: BUILD (default build/, RelWithDebInfo as tests/run.sh builds it),
# BENCH_TMPDIR (default build/s3-bench), ROUNDS (default 3; 1 with --quick).
set -euo pipefail
export LC_ALL=C
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
QUICK=0
[ "${1:-}" = "--quick" ] && QUICK=1
BUILD=${BUILD:-$ROOT/build}
TMP=${BENCH_TMPDIR:-$BUILD/s3-bench}
if ((QUICK)); then LARGE_MB=256; ROUNDS=${ROUNDS:-1}; else LARGE_MB=1024; ROUNDS=${ROUNDS:-3}; fi

missing=()
for p in ceph-mon ceph-osd radosgw ceph-common python3-boto3; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
if [ ! -x "$BUILD/bin/archived" ] || [ ! -x "$BUILD/bin/s3_integration_tests" ]; then
  cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi
cmake --build "$BUILD" -j"$(nproc)" --target archived archivectl s3_integration_tests >/dev/null

rm -rf "$TMP"
mkdir -p "$TMP"
cluster=$TMP/ceph
trap '"$ROOT/deploy/ceph-dev.sh" stop "$cluster" >/dev/null 2>&1 || true; rm -rf "$TMP"' EXIT
"$ROOT/deploy/ceph-dev.sh" start "$cluster" >/dev/null
/usr/bin/python3 "$ROOT/bench/s3_bench.py" --root "$ROOT" --bin "$BUILD/bin" --tmp "$TMP" \
  --env "$cluster/s3.env" --large-mb "$LARGE_MB" --rounds "$ROUNDS" \
  --command "bench/s3_bench.sh${*:+ $*}"
