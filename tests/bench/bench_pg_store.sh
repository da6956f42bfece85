#!/usr/bin/env bash
# PostgreSQL store benchmark: the store alone (issue 16, design postgres.md §15). Claim + fenced
# finish of no-op jobs through PgJobStore (tend_pg_store_bench, tests/pg/pg_store_bench.cpp), no
# process spawned, on a throwaway PostgreSQL server started here WITH fsync, synchronous_commit
# and full_page_writes ON (the server's defaults): every finish is a durable commit, so these
# are the durable numbers. Each run gets a fresh database (from a migrated template) and
# BENCH_JOBS submitted jobs; the timer runs from the first claim to the last finish's answer.
# Rows, interleaved in BENCH_ROUNDS rounds so that load drift hits all alike:
#   single      8 clients (own connection and host id each), claim 1, finish it, claim again
#   batch10     8 clients, claim up to 10, finish them pipelined (one sync each), claim again
#   single-1c   1 client, claim 1 / finish 1 (info: one connection's round trips)
#   floor       the file store's floor in the same run: 200-byte appends with O_DSYNC in one
#               process (dd oflag=dsync), i.e. fdatasyncs per second of /tmp's disk
# Printed beside the prototype's figures from the design (557/s single, 2,720/s in tens, 8
# clients, same kind of 2-core VM) with ratios.
# Environment: BENCH_JOBS=4000  BENCH_ROUNDS=3  BENCH_CLIENTS=8  BENCH_FLOOR_N=2000
source "$(dirname "$0")/qlib.sh"

JOBS=${BENCH_JOBS:-4000}
ROUNDS=${BENCH_ROUNDS:-3}
CLIENTS=${BENCH_CLIENTS:-8}
FLOOR_N=${BENCH_FLOOR_N:-2000}
PROTO_SINGLE=557
PROTO_BATCH=2720

[ "$(id -u)" = 0 ] || die "run as root (the server runs as the postgres user)"
ensure_packages postgresql
build_tend
if [ -n "${TEND_BIN_DIR:-}" ]; then
  DRIVER=$TEND_BIN_DIR/tests/tend_pg_store_bench
else
  cmake --build "$BUILD_DIR" -j2 --target tend_pg_store_bench >>/tmp/tend-bench-build.log 2>&1 \
    || die "build of tend_pg_store_bench failed (see /tmp/tend-bench-build.log)"
  DRIVER=$BUILD_DIR/tests/tend_pg_store_bench
fi
[ -x "$DRIVER" ] || die "no $DRIVER (it is not built by default: cmake --build DIR --target tend_pg_store_bench)"
check_quiet_machine
bench_tmpdir pg-store
W=$BENCH_TMP

# ---------------------------------------------------------------- server ----
PGB=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
mkdir -p "$W/pg"
chown postgres: "$W/pg"
chmod 700 "$W/pg"
pg_as() { (cd "$W/pg" && runuser -u postgres -- "$@"); }
pg_as "$PGB/initdb" -D "$W/pg/data" -U tend -A trust -E UTF8 --locale=C.UTF-8 >"$W/initdb.log" 2>&1 \
  || die "initdb failed (see $W/initdb.log)"
# No fsync=off, no synchronous_commit=off: durable commits.
pg_as "$PGB/pg_ctl" -D "$W/pg/data" -l "$W/pg/server.log" -w -t 30 \
  -o "-k $W/pg -c listen_addresses='' -c max_connections=50" start >/dev/null \
  || die "PostgreSQL did not start (see $W/pg/server.log)"
PG_PID=$(head -n 1 "$W/pg/data/postmaster.pid")
Q_CLEANUP+=("pg_as timeout 10 '$PGB/pg_ctl' -D '$W/pg/data' -m immediate -w stop >/dev/null 2>&1 || kill -KILL $PG_PID")
export PGHOST=$W/pg PGUSER=tend PGDATABASE=postgres
for s in fsync synchronous_commit full_page_writes; do
  [ "$(psql -qXAt -c "SHOW $s")" = on ] || die "$s is not on"
done
log "PostgreSQL $("$PGB/postgres" --version | awk '{print $3}') (pid $PG_PID): fsync, synchronous_commit, full_page_writes on; data in $W/pg ($(df --output=fstype "$W" | tail -n 1))"
psql -qX -c 'CREATE DATABASE tmpl' >/dev/null
"$TEND" migrate --url "postgresql:///tmpl?host=$W/pg&user=tend" >/dev/null 2>&1 || die "tend migrate failed"

# run_row NAME BATCH CLIENTS -> prints the rate
n=0
run_row() {
  n=$((n + 1))
  local db=b$n
  psql -qX -c "CREATE DATABASE $db TEMPLATE tmpl" >/dev/null
  local out
  out=$("$DRIVER" "postgresql:///$db?host=$W/pg&user=tend" "$JOBS" "$2" "$3" bench) \
    || die "$1: $out"
  psql -qX -c "DROP DATABASE $db" >/dev/null
  sed -n 's/^RESULT .*rate=\([0-9]*\).*/\1/p' <<<"$out"
}
floor_rate() {
  local f=$W/floor.dat t0 t1
  : >"$f"
  t0=$(now_ns)
  dd if=/dev/zero of="$f" bs=200 count="$FLOOR_N" oflag=dsync,append conv=notrunc status=none
  t1=$(now_ns)
  awk -v n="$FLOOR_N" -v ns=$((t1 - t0)) 'BEGIN { printf "%.0f\n", n / (ns / 1e9) }'
}

declare -A R
wait_quiet
for r in $(seq "$ROUNDS"); do
  log "round $r/$ROUNDS (load $(loadavg))"
  R[single]+="$(run_row single 1 "$CLIENTS") "
  R[batch10]+="$(run_row batch10 10 "$CLIENTS") "
  R[single-1c]+="$(run_row single-1c 1 1) "
  R[floor]+="$(floor_rate) "
done
median() { tr ' ' '\n' <<<"$1" | grep . | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

FLOOR=$(median "${R[floor]}")
echo
echo "== PostgreSQL store benchmark: claim + fenced finish of no-op jobs, durable (fsync on), $JOBS jobs per run, median of $ROUNDS"
printf '%-10s %8s %10s %12s %10s %10s  %s\n' row clients jobs/s prototype vs-proto vs-floor runs
for row in single batch10 single-1c floor; do
  m=$(median "${R[$row]}")
  case $row in
    single) proto=$PROTO_SINGLE; cl=$CLIENTS ;;
    batch10) proto=$PROTO_BATCH; cl=$CLIENTS ;;
    single-1c) proto=-; cl=1 ;;
    floor) proto=-; cl=1 ;;
  esac
  vp=-; [ "$proto" != - ] && vp="$(ratio "$m" "$proto")x"
  printf '%-10s %8s %10s %12s %10s %10s  %s\n' "$row" "$cl" "$m" "$proto" "$vp" "$(ratio "$m" "$FLOOR")x" "${R[$row]}"
done
echo "floor: $FLOOR_N appends of 200 B with O_DSYNC (one fdatasync each) in one process on $W's file system: the file store's durable-commit floor"
echo "batch10 / single: $(ratio "$(median "${R[batch10]}")" "$(median "${R[single]}")")x (the prototype: $(ratio $PROTO_BATCH $PROTO_SINGLE)x)"
