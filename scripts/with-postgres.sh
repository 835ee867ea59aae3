#!/usr/bin/env bash
# Run a command with a throwaway PostgreSQL server under /tmp; exports GOV_TEST_POSTGRES_URL.
# Without a PostgreSQL installation (and no way to install one) the command runs without it,
# and the PostgreSQL tests skip with their reason.
set -uo pipefail
find_pgbin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }
PGBIN=$(find_pgbin)
if [ -z "$PGBIN" ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null) || true
  PGBIN=$(find_pgbin)
fi
if [ -z "$PGBIN" ]; then
  echo "note: no PostgreSQL found; PostgreSQL tests will skip" >&2
  exec "$@"
fi
PGDIR=$(mktemp -d /tmp/gov-pg.XXXXXX)
PORT=${GOV_PG_PORT:-$((20000 + RANDOM % 20000))}
as_pg() { if [ "$(id -u)" = 0 ]; then su postgres -s /bin/bash -c "$*"; else bash -c "$*"; fi; }
[ "$(id -u)" = 0 ] && chown postgres "$PGDIR"
as_pg "'$PGBIN/initdb' -D '$PGDIR/data' -A trust -U postgres >'$PGDIR/initdb.log' 2>&1" \
  || { cat "$PGDIR/initdb.log" >&2; exit 3; }
as_pg "'$PGBIN/pg_ctl' -D '$PGDIR/data' -l '$PGDIR/server.log' -w -o \"-p $PORT -k $PGDIR -c listen_addresses='127.0.0.1' -c fsync=off -c max_connections=200\" start >/dev/null" \
  || { cat "$PGDIR/server.log" >&2; exit 3; }
stop() { as_pg "'$PGBIN/pg_ctl' -D '$PGDIR/data' -m immediate stop >/dev/null 2>&1"; rm -rf "$PGDIR"; }
trap stop EXIT
export GOV_TEST_POSTGRES_URL="postgresql+psycopg://postgres@127.0.0.1:$PORT/postgres"
"$@"
