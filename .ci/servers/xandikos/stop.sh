#!/bin/bash
# Stop the Xandikos that start.sh started (by its pid file in STATE): TERM, then wait until it
# is gone, 5 s at most, and KILL it if it is still there, so that a caller may reuse the port
# or remove STATE as soon as this returns.
set -euo pipefail
STATE=${STATE:-/tmp/caldav-xandikos}
[ -f "$STATE/pid" ] || exit 0
pid=$(cat "$STATE/pid")
kill "$pid" 2>/dev/null || true
for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$pid" 2>/dev/null; then
  echo "xandikos pid $pid still there after 5 s: KILL" >&2
  kill -KILL "$pid" 2>/dev/null || true
  for _ in $(seq 1 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
fi
rm -f "$STATE/pid"
