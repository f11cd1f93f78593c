#!/usr/bin/env bash
# Installs what is missing, builds everything into build/ and runs every test with ctest.
# Exits with ctest's status. Extra arguments go to ctest:
#   tests/run.sh                  all tests
#   tests/run.sh -R Statement     only tests whose name matches
#   tests/run.sh -L integration   only tests with that label
set -euo pipefail

cd "$(dirname "$0")/.."

jobs=$(nproc)
phase_start=$SECONDS
run_start=$SECONDS

phase() {
  printf '\n== %s\n' "$*"
  phase_start=$SECONDS
}
phase_done() {
  printf '== %s took %ds\n' "$1" $((SECONDS - phase_start))
}

phase "dependencies (deploy/install-deps.sh)"
deploy/install-deps.sh
phase_done dependencies

# Packages only the tests use stay out of deploy/install-deps.sh, which the quick start
# runs too: Go and golang.org/x/mod (sumdb/tlog, sumdb/note) for the tiles audit
# (tests/integration/go_tiles_audit.sh, tests/tools/tlog_audit); Debian's Chromium (no
# browser download) and a CJK font, so the web view's screenshots are readable, for the
# browser test (tests/browser/web_view_test.mjs); python3-cryptography (Ed25519) for the
# cosignature checker written from the C2SP specs (tests/integration/check_cosignatures.py);
# a single-node Ceph with its S3 gateway and boto3, an S3 client that is not ours, for the
# S3 blob store's tests (tests/s3, deploy/ceph-dev.sh).
test_packages=(golang-go golang-golang-x-mod-dev python3-cryptography chromium fonts-wqy-microhei
  ceph-mon ceph-osd radosgw ceph-common python3-boto3)
phase "test packages from Debian (${test_packages[*]})"
missing=()
for p in "${test_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  echo "run.sh: installing ${missing[*]}" >&2
  # env, not export: sudo drops the caller's environment.
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
phase_done "test packages"

phase "test tools from npm (tests/tools/package-lock.json: buf, puppeteer-core)"
npm ci --prefix tests/tools --no-audit --no-fund --loglevel=error
phase_done "test tools"

phase "configure build/ (RelWithDebInfo)"
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo
phase_done configure

phase "build (-j$jobs)"
cmake --build build -j"$jobs"
phase_done build

phase "test: ctest -j$jobs --timeout 900 $*"
status=0
# --no-tests=error: a filter that matches nothing (or a build that lost its tests) must
# not pass as green.
ctest --test-dir build --output-on-failure -j"$jobs" --timeout 900 --no-tests=error "$@" || status=$?
phase_done test

printf '\n== total %ds, ctest exit status %d\n' $((SECONDS - run_start)) "$status"
exit "$status"
