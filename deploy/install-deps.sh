#!/usr/bin/env bash
# Installs the Debian packages Policy Archive builds and tests with. Idempotent: installs
# only what is missing, so a machine that has everything spends no time here.
set -euo pipefail

packages=(
  build-essential cmake pkg-config ccache git ca-certificates
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler grpc-proto
  libgoogle-common-protos-java
  libabsl-dev libleveldb-dev libsnappy-dev zlib1g-dev libssl-dev openssl libicu-dev libcurl4-openssl-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libcpp-httplib-dev prometheus-cpp-dev python3-prometheus-client python3-yaml
  python3-grpcio python3-protobuf
  nlohmann-json3-dev clang libclang-rt-14-dev procps diffutils
)

# npm for test tools (tests/tools/package.json: buf). Node.js may come from elsewhere
# (NodeSource ships npm inside its nodejs): only ask Debian for npm when there is none.
command -v npm >/dev/null 2>&1 || packages+=(npm)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
