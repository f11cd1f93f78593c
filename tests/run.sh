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

phase "dependencies (deploy/install-deps.sh --with-test-browser)"
deploy/install-deps.sh --with-test-browser
phase_done dependencies

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
