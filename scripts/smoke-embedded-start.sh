#!/usr/bin/env bash
# Starts `npm start` with DATABASE_URL unset (embedded PostgreSQL in a fresh data folder), checks
# /healthz, /readyz and a GraphQL query, then sends SIGTERM to the whole process group twice, as
# supervisors do, and expects exit code 0 with no PostgreSQL process left behind.
set -euo pipefail
cd "$(dirname "$0")/.."

# SMOKE_DEFAULT_DATA_DIR=1 keeps the project's own .data/, as a user's first `npm start` does.
data_dir=$(mktemp -d /tmp/bestays-smoke-XXXXXX)
chmod 755 "$data_dir"
pg_dir="$data_dir/pg"
[ -n "${SMOKE_DEFAULT_DATA_DIR:-}" ] && pg_dir="$PWD/.data"
port=$(node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
log="$data_dir.log"
trap 'rm -rf "$data_dir" "$log"' EXIT

started=$(date +%s%N)
env -u DATABASE_URL DATA_DIR="$pg_dir" PORT="$port" setsid npm start >"$log" 2>&1 &
pid=$!

ready=""
for _ in $(seq 1 120); do
  if curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1; then ready=yes; break; fi
  if ! kill -0 "$pid" 2>/dev/null; then break; fi
  sleep 0.25
done
if [ -z "$ready" ]; then
  echo "the server did not become ready:"; cat "$log"; kill -TERM -- "-$pid" 2>/dev/null || true; exit 1
fi
echo "ready after $(( ($(date +%s%N) - started) / 1000000 )) ms"

curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null
answer=$(curl -fsS -X POST "http://127.0.0.1:$port/graphql" -H 'content-type: application/json' \
  -d '{"query":"{ property(id: \"019abcde-0000-7000-8000-000000000000\") { id } }"}')
if [ "$answer" != '{"data":{"property":null}}' ]; then echo "unexpected answer: $answer"; cat "$log"; exit 1; fi

kill -TERM -- "-$pid"
kill -TERM -- "-$pid" 2>/dev/null || true
code=0
wait "$pid" || code=$?
if [ "$code" -ne 0 ]; then echo "npm start exited with $code:"; cat "$log"; exit 1; fi
if pgrep -f "postgres -D $(readlink -f "$pg_dir")" >/dev/null; then echo "a PostgreSQL process was left behind"; exit 1; fi
grep -q 'shutdown complete' "$log" || { echo "no clean shutdown in the log:"; cat "$log"; exit 1; }
echo "embedded start: ready, answered, stopped cleanly"
