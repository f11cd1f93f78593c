#!/usr/bin/env bash
# Stops the archive server started by deploy/quickstart.sh: SIGTERM (archived drains and
# exits 0), then waits up to 30 s for it to exit. Its data in .quickstart/data is kept;
# delete .quickstart/ to start over from an empty archive.
set -euo pipefail

cd "$(dirname "$0")/.."
pid_file=.quickstart/archived.pid

if [ ! -r "$pid_file" ]; then
  echo "no quick-start server: $pid_file does not exist"
  exit 0
fi
pid=$(tr -dc '0-9' <"$pid_file")
if [ -z "$pid" ] || ! kill -0 "$pid" 2>/dev/null; then
  echo "quick-start server is not running (removing stale $pid_file)"
  rm -f "$pid_file"
  exit 0
fi
# After a reboot the pid may belong to some other program: never signal that.
if ! tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q 'archived'; then
  echo "pid $pid from $pid_file is not archived; not stopping it (removing stale $pid_file)" >&2
  rm -f "$pid_file"
  exit 1
fi

echo "stopping archived (pid $pid)"
kill -TERM "$pid"
for _ in $(seq 1 120); do
  if ! kill -0 "$pid" 2>/dev/null; then
    rm -f "$pid_file"
    echo "stopped"
    exit 0
  fi
  sleep 0.25
done
echo "archived (pid $pid) is still running 30 s after SIGTERM; see .quickstart/archived.log" >&2
exit 1
