#!/bin/bash
# Start Xandikos (Debian's `xandikos`, 0.2.8 in bookworm) on 127.0.0.1:${PORT:-5233}, for
# test/real-servers/xandikos.test.ts. Idempotent, non-interactive, loopback only; root is
# needed once, for apt-get install (run `apt-get update` first on a fresh machine).
# Env: PORT (5233), STATE (/tmp/caldav-xandikos: the server's data, pid and log).
#
# Xandikos is a single-user server: one principal, /user/, and no authentication (it ignores
# Authorization, so every simulated user is that one principal). --defaults creates its calendar
# /user/calendars/calendar/, an address book and an inbox /user/inbox on the first start; a
# re-start keeps them. It has no outbox, no mailto: address (so no scheduling) and no
# notification collection. Measured: the install (16 packages) ~14 s, the start ~0.6 s.
set -euo pipefail
PORT=${PORT:-5233}; STATE=${STATE:-/tmp/caldav-xandikos}
if ! command -v xandikos >/dev/null; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends xandikos >/dev/null
fi
mkdir -p "$STATE/data"
if [ -f "$STATE/pid" ] && kill -0 "$(cat "$STATE/pid")" 2>/dev/null; then
  echo "xandikos already running pid $(cat "$STATE/pid")"; exit 0
fi
# Another server answering on the port would pass the readiness check below in its place.
if curl -s -m 2 -o /dev/null "http://127.0.0.1:$PORT/"; then
  echo "port $PORT is already in use: xandikos not started" >&2; exit 1
fi
# Xandikos logs every request to stderr: the log is what to read after a failed test.
nohup xandikos -d "$STATE/data" --defaults -l 127.0.0.1 -p "$PORT" >"$STATE/xandikos.log" 2>&1 &
echo $! > "$STATE/pid"
# Ready when a PROPFIND of the calendar --defaults makes answers 207: the tests need that
# calendar, not just an HTTP server. (Xandikos wants a Content-Type on a PROPFIND with a body;
# this one has none, which is allprop.) 20 s at most; each try 2 s at most.
ready() {
  [ "$(curl -s -m 2 -o /dev/null -w '%{http_code}' -X PROPFIND -H 'Depth: 0' "http://127.0.0.1:$PORT/user/calendars/calendar/" || true)" = 207 ]
}
deadline=$((SECONDS + 20))
while [ "$SECONDS" -lt "$deadline" ]; do
  ready && break
  # It exited (the port taken, a bad state folder): no use waiting.
  kill -0 "$(cat "$STATE/pid")" 2>/dev/null || break
  sleep 0.1
done
if ! ready; then
  echo "xandikos failed to start on 127.0.0.1:$PORT; the end of its log ($STATE/xandikos.log):" >&2
  tail -n 30 "$STATE/xandikos.log" >&2
  # Leave no half-started server behind.
  kill "$(cat "$STATE/pid")" 2>/dev/null || true; rm -f "$STATE/pid"
  exit 1
fi
echo "xandikos up on 127.0.0.1:$PORT pid $(cat "$STATE/pid")"
