# Shared helpers of the benchmarks of tendd on PostgreSQL (bench_pg_throughput.sh,
# bench_pg_latency.sh, bench_pg_failover.sh): one throwaway PostgreSQL server per benchmark run,
# started WITH fsync, synchronous_commit and full_page_writes on (the server's defaults, checked
# with SHOW), so that every number is a durable one; a migrated template database, one fresh
# database per measurement; tendd hosts on it. Sourced after qlib.sh.
# shellcheck shell=bash

PGB=""        # /usr/lib/postgresql/<newest>/bin
PGW=""        # the server's dir (data/, socket, server.log), owned by postgres
PG_PID=""

pg_as() { (cd "$PGW" && runuser -u postgres -- "$@"); }

# pgb_start: initdb + start under $BENCH_TMP/pg, migrate a template database `tmpl`.
# Needs build_tend (for `tend migrate`) and bench_tmpdir first.
pgb_start() {
  ensure_packages postgresql
  PGB=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
  PGW=$BENCH_TMP/pg
  mkdir -p "$PGW"
  chown postgres: "$PGW"
  chmod 700 "$PGW"
  pg_as "$PGB/initdb" -D "$PGW/data" -U tend -A trust -E UTF8 --locale=C.UTF-8 >"$BENCH_TMP/initdb.log" 2>&1 \
    || die "initdb failed (see $BENCH_TMP/initdb.log)"
  # No fsync=off, no synchronous_commit=off: durable commits, as a real deployment.
  pg_as "$PGB/pg_ctl" -D "$PGW/data" -l "$PGW/server.log" -w -t 30 \
    -o "-k $PGW -c listen_addresses='' -c max_connections=100" start >/dev/null \
    || die "PostgreSQL did not start (see $PGW/server.log)"
  PG_PID=$(head -n 1 "$PGW/data/postmaster.pid")
  # Q_CLEANUP runs before lib.sh's cleanup: stop the tendds first, while their server is up (a
  # tendd whose database is gone would answer its shutdown only after timeouts).
  Q_CLEANUP+=("pgb_stop_all")
  Q_CLEANUP+=("pg_as timeout 10 '$PGB/pg_ctl' -D '$PGW/data' -m immediate -w stop >/dev/null 2>&1 || kill -KILL $PG_PID")
  export PGHOST=$PGW PGUSER=tend PGDATABASE=postgres
  local s
  for s in fsync synchronous_commit full_page_writes; do
    [ "$(psql -qXAt -c "SHOW $s")" = on ] || die "$s is not on"
  done
  log "PostgreSQL $("$PGB/postgres" --version | awk '{print $3}') (pid $PG_PID): fsync, synchronous_commit, full_page_writes on; data in $PGW ($(df --output=fstype "$BENCH_TMP" | tail -n 1))"
  psql -qX -c 'CREATE DATABASE tmpl' >/dev/null
  "$TEND" migrate --url "postgresql:///tmpl?host=$PGW&user=tend" >/dev/null 2>&1 || die "tend migrate failed"
}

pgb_stop_all() {
  local r pid kind extra
  for r in "${BENCH_ROOTS[@]}"; do
    IFS=: read -r pid kind extra <<<"$r"
    stop_root "$pid" "$kind" "$extra"
  done
}

# pgb_db NAME -> prints the URL of a fresh database NAME made from the migrated template.
pgb_db() {
  psql -qX -c "CREATE DATABASE $1 TEMPLATE tmpl" >/dev/null || die "CREATE DATABASE $1 failed"
  echo "postgresql:///$1?host=$PGW&user=tend"
}

# pgb_sql DB SQL: rows unaligned.
pgb_sql() { psql -qXAt -v ON_ERROR_STOP=1 -d "$1" -c "$2"; }

# pgb_conf FILE URL HOST CONCURRENCY [DAEMON_LINE]...: a tend.toml of one host of the shared
# queue, queue `default` with that concurrency (per host).
pgb_conf() {
  local f=$1 url=$2 host=$3 conc=$4
  shift 4
  {
    printf '[daemon]\nqueue = "%s"\nhost_name = "%s"\n' "$url" "$host"
    local l
    for l in "$@"; do printf '%s\n' "$l"; done
    printf '\n[queue.default]\nconcurrency = %s\nmax_pending = 100000\n' "$conc"
  } >"$f"
}

# pgb_start_host DIR CONF: q_start_tendd, then waits until the host claims jobs (its lease is
# taken: tendd logs "claiming jobs"). Sets TENDD_PID, TENDD_SOCK, TENDD_DIR, TQ like
# q_start_tendd.
pgb_start_host() {
  q_start_tendd "$1" "$2"
  local i
  for i in $(seq 1 300); do
    grep -q 'claiming jobs' "$1/tendd.err" && return 0
    alive "$TENDD_PID" || { cat "$1/tendd.err" >&2; die "tendd exited at startup"; }
    sleep 0.05
  done
  cat "$1/tendd.err" >&2
  die "tendd in $1 did not start claiming jobs within 15 s"
}

# pgb_stop_hosts PID:SOCK...: stop_root of each (tend shutdown, then what is left of its tree).
pgb_stop_hosts() {
  local h pid sock
  for h in "$@"; do
    IFS=: read -r pid sock <<<"$h"
    stop_root "$pid" tendd "$sock"
  done
}
