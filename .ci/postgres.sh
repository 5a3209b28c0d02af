#!/usr/bin/env bash
# Throwaway PostgreSQL cluster on loopback for the postgres source tests.
#
#   source .ci/postgres.sh        # starts a cluster, exports PG_TEST_DSN, stops it when the
#                                 # sourcing shell exits (EXIT trap); what .ci/run does
#   .ci/postgres.sh start         # starts one and prints `export PG_TEST_DSN=...` and
#                                 # `export PG_TEST_DIR=...` for eval; stop it with:
#   .ci/postgres.sh stop DIR      # stops the cluster in DIR and removes DIR
#
# Installs PostgreSQL from Debian packages when no initdb is found under
# /usr/lib/postgresql/*/bin. initdb refuses to run as root, so as root the cluster is created
# and run by the unprivileged user `nobody` in a fresh mode-0700 directory. The server listens
# on 127.0.0.1 only, on a free port, with a random password (scram-sha-256); the DSN lives
# only in the environment. The variable is deliberately not named STATEXPORT_*: the binary
# treats unknown STATEXPORT_ variables as config errors.

pg_test_bin() {
  local d
  d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  if [ -z "$d" ] || [ ! -x "$d/initdb" ]; then
    echo "postgres.sh: installing postgresql (Debian packages)" >&2
    apt-get update -qq >&2 &&
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >/dev/null || return 1
    d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  fi
  [ -x "$d/initdb" ] || { echo "postgres.sh: initdb not found" >&2; return 1; }
  echo "$d"
}

# pg_test_as runs a command as the cluster's owner (nobody when we are root).
pg_test_as() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u nobody -- "$@"
  else
    "$@"
  fi
}

pg_test_free_port() {
  local p i
  for i in $(seq 1 200); do
    p=$((20000 + RANDOM % 40000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
      echo "$p"
      return 0
    fi
  done
  return 1
}

pg_test_start() {
  local bin dir port pw
  bin=$(pg_test_bin) || return 1
  dir=$(mktemp -d /tmp/statexport-pg.XXXXXX) || return 1
  chmod 0700 "$dir"
  [ "$(id -u)" = 0 ] && chown nobody "$dir"
  port=$(pg_test_free_port) || { echo "postgres.sh: no free port" >&2; return 1; }
  pw=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')
  (umask 077 && printf '%s\n' "$pw" >"$dir/pw") && { [ "$(id -u)" != 0 ] || chown nobody "$dir/pw"; }
  if ! pg_test_as "$bin/initdb" -D "$dir/data" -U postgres -A scram-sha-256 --pwfile="$dir/pw" \
    -E UTF8 --locale=C --no-sync >"$dir/initdb.log" 2>&1; then
    cat "$dir/initdb.log" >&2
    rm -rf "$dir"
    return 1
  fi
  rm -f "$dir/pw"
  if ! pg_test_as "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories=$dir -c fsync=off -c full_page_writes=off" \
    start >/dev/null; then
    cat "$dir/server.log" >&2
    rm -rf "$dir"
    return 1
  fi
  if ! PGPASSWORD="$pw" "$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres statexport_test; then
    pg_test_stop "$dir"
    return 1
  fi
  PG_TEST_DIR=$dir
  PG_TEST_DSN="postgres://postgres:$pw@127.0.0.1:$port/statexport_test?sslmode=disable"
  export PG_TEST_DIR PG_TEST_DSN
}

pg_test_stop() {
  local dir=${1:-${PG_TEST_DIR:-}} bin
  [ -n "$dir" ] && [ -d "$dir" ] || return 0
  bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [ -f "$dir/data/postmaster.pid" ] && pg_test_as "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1
  rm -rf "$dir"
}

if [ "${BASH_SOURCE[0]}" != "$0" ]; then
  # Sourced (.ci/run): start, export, and stop when the sourcing shell exits.
  if pg_test_start; then
    trap 'pg_test_stop "$PG_TEST_DIR"' EXIT
    echo "PostgreSQL test cluster on 127.0.0.1 (PG_TEST_DSN exported; stopped on exit)"
  else
    echo "postgres.sh: could not start a PostgreSQL test cluster" >&2
  fi
else
  set -euo pipefail
  case "${1:-}" in
  start)
    pg_test_start
    printf 'export PG_TEST_DIR=%q\nexport PG_TEST_DSN=%q\n' "$PG_TEST_DIR" "$PG_TEST_DSN"
    ;;
  stop)
    pg_test_stop "${2:?usage: postgres.sh stop DIR}"
    ;;
  *)
    echo "usage: source .ci/postgres.sh | .ci/postgres.sh start | .ci/postgres.sh stop DIR" >&2
    exit 2
    ;;
  esac
fi
