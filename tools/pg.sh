#!/usr/bin/env bash
# A throw-away PostgreSQL for tests.
#
#   tools/pg.sh run CMD [ARGS…]
#
# installs PostgreSQL from the Debian packages when it is missing, starts a new cluster in a
# temporary folder on a free 127.0.0.1 port (trust authentication, user `tolem`), runs CMD with
# TOLEM_TEST_POSTGRES_URL=postgres://tolem@127.0.0.1:PORT/postgres, then stops the cluster and
# removes the folder, whatever CMD did. A watchdog stops it too if this script is killed.
set -euo pipefail

[ "${1:-}" = run ] && [ $# -ge 2 ] || { echo "usage: tools/pg.sh run CMD [ARGS…]" >&2; exit 2; }
shift

pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }

if [ -z "$(pg_bin)" ] || [ ! -x "$(pg_bin)/initdb" ]; then
  echo "tools/pg.sh: installing PostgreSQL from the Debian packages" >&2
  export DEBIAN_FRONTEND=noninteractive
  # The package's own cluster (started for good, on port 5432) is not wanted: ours lives in a
  # temporary folder and stops with the tests.
  conf=/etc/postgresql-common/createcluster.conf
  install -d "$(dirname "$conf")"
  if [ -f "$conf" ] && grep -q '^ *create_main_cluster' "$conf"; then
    sed -i 's/^ *create_main_cluster.*/create_main_cluster = false/' "$conf"
  else
    echo "create_main_cluster = false" >> "$conf"
  fi
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends -o Dpkg::Options::=--force-confold postgresql >/dev/null
fi
BIN=$(pg_bin)
[ -x "$BIN/initdb" ] || { echo "tools/pg.sh: no initdb under /usr/lib/postgresql" >&2; exit 1; }

dir=$(mktemp -d /tmp/tolem-pg.XXXXXX)
# PostgreSQL refuses to run as root: as root, the cluster belongs to the `postgres` user.
as_owner() { "$@"; }
if [ "$(id -u)" = 0 ]; then
  id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
  chown postgres "$dir"
  as_owner() { runuser -u postgres -- "$@"; }
fi

stop() {
  as_owner "$BIN/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap stop EXIT INT TERM

as_owner "$BIN/initdb" -D "$dir/data" -U tolem --auth=trust -E UTF8 --no-locale >"$dir/initdb.log" 2>&1 \
  || { cat "$dir/initdb.log" >&2; exit 1; }

started=
for _ in 1 2 3 4 5; do
  port=$(( 20000 + RANDOM % 20000 ))
  (echo >"/dev/tcp/127.0.0.1/$port") 2>/dev/null && continue # taken
  if as_owner "$BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
      -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" start >/dev/null; then
    started=1
    break
  fi
done
[ -n "$started" ] || { cat "$dir/server.log" >&2 2>/dev/null; echo "tools/pg.sh: the cluster did not start" >&2; exit 1; }

# If this script dies without running its trap (SIGKILL), the watchdog stops the cluster.
parent=$$
setsid bash -c "while kill -0 $parent 2>/dev/null; do sleep 2; done; \
  $( [ "$(id -u)" = 0 ] && echo "runuser -u postgres --" ) '$BIN/pg_ctl' -D '$dir/data' -m immediate stop >/dev/null 2>&1; \
  rm -rf '$dir'" </dev/null >/dev/null 2>&1 &

export TOLEM_TEST_POSTGRES_URL="postgres://tolem@127.0.0.1:$port/postgres"
echo "tools/pg.sh: PostgreSQL $("$BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$port ($dir)" >&2
set +e
"$@"
code=$?
set -e
exit "$code"
