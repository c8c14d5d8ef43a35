#!/usr/bin/env bash
# Installs Debian's PostgreSQL when it is missing, starts a throwaway cluster
# owned by the postgres user on 127.0.0.1, and prints the DSN of a database
# for the tests. Usage: export THUNES_TEST_POSTGRES_DSN=$(bash .ci/postgres.sh)
set -euo pipefail
port=${THUNES_PG_PORT:-55432}
dir=${THUNES_PG_DIR:-/tmp/thunes-pg-$port}
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1 || true)
if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
  if [ "$(id -u)" = 0 ]; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql) >&2
  else
    echo "postgresql is not installed and this user cannot install it" >&2; exit 1
  fi
  bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n1)
fi
as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
if ! as_pg "$bin/pg_ctl" -D "$dir" status >/dev/null 2>&1; then
  rm -rf "$dir"
  mkdir -p "$dir"
  [ "$(id -u)" = 0 ] && chown postgres: "$dir"
  as_pg "$bin/initdb" -D "$dir" -U postgres -A trust --no-sync >&2
  as_pg "$bin/pg_ctl" -D "$dir" -l "$dir/log" -w \
    -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$dir -c fsync=off" start >&2
fi
as_pg "$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -qtA \
  -c "SELECT 1 FROM pg_database WHERE datname='thunes_test'" | grep -q 1 ||
  as_pg "$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -q -c "CREATE DATABASE thunes_test" >&2
echo "postgres://postgres@127.0.0.1:$port/thunes_test?sslmode=disable"
