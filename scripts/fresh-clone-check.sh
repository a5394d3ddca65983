#!/usr/bin/env bash
# A user's first steps: a fresh clone in a folder only its owner may enter (mktemp -d is 0700, as
# root's home is), with no shared/ beside it and no DATABASE_URL: `npm install && npm test` on the
# embedded PostgreSQL, then `npm start` answering and stopping cleanly on its default `.data/`.
set -euo pipefail
source_repo=$(cd "$(dirname "$0")/.." && pwd)

home=$(mktemp -d)
clone="$home/bestays-api"
# As root the cluster lives where the postgres user can reach it, with .data/ linking to it.
cleanup() { [ -L "$clone/.data" ] && rm -rf "$(readlink -f "$clone/.data")"; rm -rf "$home"; }
trap cleanup EXIT
git clone -q "$source_repo" "$clone"
cd "$clone"
echo "clone in $home ($(stat -c %a "$home"))"

started=$(date +%s)
env -u DATABASE_URL npm install --no-audit --no-fund --prefer-offline >"$home/install.log" 2>&1 || { cat "$home/install.log"; exit 1; }
echo "npm install: $(( $(date +%s) - started )) s"

started=$(date +%s)
env -u DATABASE_URL npm test >"$home/test.log" 2>&1 || { cat "$home/test.log"; exit 1; }
echo "npm test (embedded PostgreSQL): $(( $(date +%s) - started )) s, $(sed 's/\x1b\[[0-9;]*m//g' "$home/test.log" | grep -E 'Tests +[0-9]+' | tr -s ' ')"

SMOKE_DEFAULT_DATA_DIR=1 bash scripts/smoke-embedded-start.sh
