#!/usr/bin/env bash
# buf lint (standard rules, exceptions named in proto/buf.yaml) over the public API.
# buf comes from npm (tests/tools/package.json, installed by tests/run.sh).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
buf="$here/node_modules/.bin/buf"
if [ ! -x "$buf" ]; then
  echo "buf_lint: $buf is missing: run 'npm ci --prefix tests/tools' (tests/run.sh does)" >&2
  exit 1
fi
cd "$here/../../proto"
"$buf" lint
echo "buf lint: clean ($("$buf" --version))"
