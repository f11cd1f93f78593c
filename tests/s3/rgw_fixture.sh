#!/usr/bin/env bash
# The CTest fixture of the S3 tests: one single-node Ceph RGW shared by all of them.
#   rgw_fixture.sh start DIR   stops what an interrupted run left in DIR, starts a
#                              cluster there (deploy/ceph-dev.sh), leaves DIR/s3.env
#   rgw_fixture.sh stop DIR    stops it and removes its state
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
dev=$here/../../deploy/ceph-dev.sh
case ${1:-} in
  start)
    "$dev" stop "$2" >/dev/null 2>&1 || true
    rm -rf "$2"
    # A bound on the start: the daemons run in their own sessions, so the
    # timeout ends only the script (and `stop` ends the daemons).
    timeout 150 "$dev" start "$2" >/dev/null
    test -s "$2/s3.env"
    echo "rgw_fixture: $(head -1 "$2/s3.env")"
    ;;
  stop)
    "$dev" stop "$2"
    rm -rf "$2"
    ;;
  *)
    echo "usage: $0 start|stop DIR" >&2
    exit 2
    ;;
esac
