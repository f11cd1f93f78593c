#!/usr/bin/env bash
# Builds the libFuzzer targets with clang into build-fuzz/ (a standalone project,
# tests/fuzz/CMakeLists.txt; the main gcc build is not touched) and runs each for a
# bounded time on a fresh copy of its seed corpus, tests/fuzz/corpus/<target>/.
# Exits non-zero if any target fails to build or finds a crash, leak, timeout or
# broken property, and prints the reproducer.
#
# Environment:
#   FUZZ_SECONDS    seconds per target (default 20)
#   FUZZ_TARGETS    space-separated subset of the targets (default: all)
#   FUZZ_BUILD_DIR  build directory (default: <repo>/build-fuzz)
#   FUZZ_JOBS       build parallelism (default: nproc)
#
# Reproduce a finding:   build-fuzz/<target> <reproducer file>
# Fuzz one target longer: FUZZ_SECONDS=300 FUZZ_TARGETS=fuzz_proof tests/fuzz/run_fuzzers.sh
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=${FUZZ_BUILD_DIR:-$repo/build-fuzz}
seconds=${FUZZ_SECONDS:-20}
jobs=${FUZZ_JOBS:-$(nproc)}
read -r -a targets <<<"${FUZZ_TARGETS:-fuzz_statement fuzz_signed_note fuzz_checkpoint fuzz_proof}"

if ! command -v clang++ >/dev/null; then
  echo "run_fuzzers: clang++ not found (deploy/install-deps.sh installs clang and" \
    "libclang-rt-14-dev)" >&2
  exit 1
fi

mkdir -p "$build"
# ctest may run this from more than one build tree at once (build/, build-xyz/), and
# they share build-fuzz/: one run at a time.
exec 9>"$build/.run.lock"
flock 9

echo "== configure $build (clang)"
CC=clang CXX=clang++ cmake -S "$repo/tests/fuzz" -B "$build" >"$build/configure.log" 2>&1 || {
  cat "$build/configure.log" >&2
  echo "run_fuzzers: configure failed" >&2
  exit 1
}
echo "== build (-j$jobs)"
cmake --build "$build" -j"$jobs" >"$build/build.log" 2>&1 || {
  cat "$build/build.log" >&2
  echo "run_fuzzers: build failed" >&2
  exit 1
}

# Working copies of the corpora, fresh each run so that a run depends only on the
# committed seeds. A run killed by ctest's timeout may leave its copy behind; under the
# lock no other run is using one, so clear them first.
rm -rf "$build"/run.*
work=$(mktemp -d "$build/run.XXXXXX")
trap 'rm -rf "$work"' EXIT

# Sanitizer reports must end the run with a crash libFuzzer records, with symbols.
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1:symbolize=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}

failed=()
for target in "${targets[@]}"; do
  seeds="$repo/tests/fuzz/corpus/$target"
  if [ ! -x "$build/$target" ] || [ ! -d "$seeds" ]; then
    echo "run_fuzzers: unknown target $target (no binary or no tests/fuzz/corpus/$target)" >&2
    failed+=("$target")
    continue
  fi
  corpus="$work/$target"
  mkdir -p "$corpus"
  cp -R "$seeds/." "$corpus/"
  artifacts="$build/artifacts/$target"
  mkdir -p "$artifacts" "$build/logs"
  log="$build/logs/$target.log"
  options=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048
    -artifact_prefix="$artifacts/" -print_final_stats=1)
  [ -f "$repo/tests/fuzz/$target.dict" ] && options+=(-dict="$repo/tests/fuzz/$target.dict")

  echo "== $target: ${seconds}s on $(find "$seeds" -type f | wc -l) seeds"
  status=0
  "$build/$target" "${options[@]}" "$corpus" >"$log" 2>&1 || status=$?
  if [ "$status" -ne 0 ]; then
    failed+=("$target")
    # The report: the sanitizer's or the property's message and stack.
    grep -v '^#[0-9]\+\s\+\(NEW\|REDUCE\|pulse\|INITED\|RELOAD\)' "$log" | tail -n 60 >&2
    reproducer=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -n 1)
    echo "run_fuzzers: $target FAILED (exit $status); log: $log" >&2
    if [ -n "$reproducer" ]; then
      echo "run_fuzzers: reproducer: $reproducer" >&2
      echo "run_fuzzers: reproduce with: $build/$target $reproducer" >&2
    fi
  else
    runs=$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$log" | tail -n 1)
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1 || true)
    echo "   ok: ${runs:-?} runs, ${cov:-cov: ?}, corpus grew to $(find "$corpus" -type f | wc -l) inputs"
  fi
done

if [ ${#failed[@]} -ne 0 ]; then
  echo "run_fuzzers: FAILED: ${failed[*]}" >&2
  exit 1
fi
echo "run_fuzzers: all ${#targets[@]} targets ran ${seconds}s each without a finding"
