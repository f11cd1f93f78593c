#!/bin/bash
# layering_check.sh must fail on a copy of the tree with one include pointing up
# (storage/base including services/), on one pointing sideways (clients/diff including
# clients/api) and on gRPC included under storage/, and pass on the unchanged copy.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
fresh() {
  rm -rf "$tmp/tree" && mkdir "$tmp/tree"
  cp -r "$here/../storage" "$here/../clients" "$here/../services" "$tmp/tree/"
}
fresh
"$here/layering_check.sh" "$tmp/tree" >/dev/null || { echo "fails on the unchanged tree"; exit 1; }
for injected in 'storage/base/hex.cc:services/rpc/archive_service.h' \
                'clients/diff/line_diff.cc:clients/api/archive_client.h' \
                'storage/db/journal.cc:grpcpp/grpcpp.h'; do
  fresh
  file="${injected%%:*}"
  echo "#include \"${injected#*:}\"" >> "$tmp/tree/$file"
  if out="$("$here/layering_check.sh" "$tmp/tree")"; then
    echo "layering_check.sh passed a tree where $file includes ${injected#*:}"
    exit 1
  fi
  grep -q "$file" <<<"$out" || { echo "the failure does not name $file: $out"; exit 1; }
done
echo "layering_check.sh catches an upward and a sideways include and gRPC in storage/"
