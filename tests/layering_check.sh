#!/bin/bash
# The layering rule (CMakeLists.txt, "Libraries and binaries"): each folder is one layer
# and may include only its own headers and those of the layers below it. This fails,
# naming file and line, on an include that points up or sideways, and on gRPC or the
# API's generated code anywhere under storage/.
set -euo pipefail
# Usage: layering_check.sh [ROOT]   (default: this checkout)
root="${1:-$(cd "$(dirname "$0")/.." && pwd)}"
cd "$root"

# folder: the folders it may include from (besides itself).
declare -A may=(
  [storage/base]=""
  [storage/format]="storage/base"
  [storage/verify]="storage/base storage/format"
  [storage/backup]="storage/base storage/format storage/verify"
  [storage/db]="storage/base storage/format storage/verify storage/backup"
  [storage/witness]="storage/base storage/format storage/verify"
  [storage/index]="storage/base storage/format storage/verify storage/backup storage/db"
  [storage/s3]="storage/base"
  [clients/api]="storage/base storage/format storage/verify"
  [clients/check]="storage/base storage/format storage/verify clients/api"
  [clients/diff]="storage/base storage/format"
  [clients/bagit]="storage/base storage/format"
  [clients/bulk]="storage/base storage/format storage/verify clients/api clients/check"
  [clients/cli]="storage/base storage/format storage/verify storage/backup clients/api clients/check clients/diff clients/bagit clients/bulk"
  [services/sync]="storage/base storage/format storage/verify storage/backup storage/db clients/api"
  [services/metrics]="storage/base storage/format storage/verify storage/backup storage/db clients/api services/sync"
  [services/http]="storage/base"
  [services/rpc]="storage/base storage/format storage/verify storage/backup storage/db storage/index storage/witness storage/s3 clients/api services/sync services/metrics services/http"
)

bad=0
# Every folder holding code must be listed: a new one needs a place in the order.
while read -r dir; do
  if [[ -z "${may[$dir]+set}" ]]; then
    echo "layering: $dir holds code but has no place in tests/layering_check.sh"
    bad=1
  fi
done < <(find storage clients services \( -name '*.cc' -o -name '*.h' \) -printf '%h\n' | sort -u)

# One grep over the whole tree, then pure bash: a fork per include made this take 15 s.
while IFS=: read -r file line target; do
  dir="${file%/*}"
  allowed=" $dir ${may[$dir]-} "
  if [[ "$allowed" != *" ${target%/*} "* ]]; then
    echo "layering: $file:$line includes $target; $dir may include only from:$allowed"
    bad=1
  fi
done < <(grep -rn --include='*.h' --include='*.cc' '^#include "\(storage\|clients\|services\)/' \
           storage clients services |
         sed -E 's/^([^:]+):([0-9]+):#include "([^"]+)".*/\1:\2:\3/')

if grep -rn --include='*.h' --include='*.cc' '^#include [<"]\(grpcpp/\|grpc/\|archive/v1/\)' \
     storage; then
  echo "layering: the files above include gRPC or the API's generated code; storage/ knows neither"
  bad=1
fi

if [[ $bad -ne 0 ]]; then
  exit 1
fi
echo "layering: every include points down"
