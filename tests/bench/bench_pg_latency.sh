#!/usr/bin/env bash
# PostgreSQL benchmark 2 (issue 16): submit -> start latency of a job on an idle cluster, tendd on
# PostgreSQL against tendd on the file store, in the same run.
#
# The driver is bench_job_latency.sh's job_latency.c: per sample it connects to a tendd's socket,
# takes t0 = CLOCK_REALTIME immediately before writing one submit request line and reads the
# acknowledgement; the job, stamp.c (static), writes its own CLOCK_REALTIME first thing in main:
# t1. latency = t1 - t0. It then waits for the job's end (a `wait` request) and sleeps
# BENCH_SETTLE_MS, so that submits come ~50 ms apart to an idle cluster. Rows, all running at the
# same time and sampled in BENCH_ROUNDS alternating rounds:
#   file    one tendd on the file store (queue = "file")
#   pg1     one tendd host on PostgreSQL (its own database)
#   pg3     three hosts on one database (their own); every submit goes to h1. Without
#           LISTEN/NOTIFY the submitting host claims at once (a local submit claims), so this
#           is h1's latency while two other hosts poll the same tables.
#   spawn   the driver posix_spawns stamp itself (the floor)
# On PostgreSQL the job runs under tend-shim (it dies with its host): part of the number.
# The server runs WITH fsync (pglib.sh): the submit's ack is a durable commit.
# Also reported: the acknowledgement (t_ack - t0), and for pg the database's view: the claim's
# transaction start minus the submit's (started_at - submitted_at).
# Environment: BENCH_N=100  BENCH_ROUNDS=4  BENCH_WARMUP=5  BENCH_SETTLE_MS=50  BENCH_CONC=4
# Target: pg p50 <= 10 ms (submit -> job's main), reported beside the file store's.
source "$(dirname "$0")/qlib.sh"
source "$(dirname "$0")/pglib.sh"

N=${BENCH_N:-100}
ROUNDS=${BENCH_ROUNDS:-4}
WARM=${BENCH_WARMUP:-5}
SETTLE=${BENCH_SETTLE_MS:-50}
CONC=${BENCH_CONC:-4}
PER=$(( N / ROUNDS ))
[ $(( PER * ROUNDS )) -eq "$N" ] || die "BENCH_N must be a multiple of BENCH_ROUNDS"
ROWS="file pg1 pg3 spawn"

build_tend
check_quiet_machine
bench_tmpdir pg-latency
W=$BENCH_TMP
build_helpers
pgb_start
JL=$W/bin/job_latency

declare -A SOCK DBN
queue_conf "$W/file.toml" default "$CONC" 100000
q_start_tendd "$W/file" "$W/file.toml"
SOCK[file]=$TENDD_SOCK
for row in pg1 pg3; do
  hosts=${row#pg}
  url=$(pgb_db "l$hosts"); DBN[$row]=l$hosts
  for h in $(seq "$hosts" -1 1); do   # h1 last: TENDD_SOCK is h1's
    d=$W/$row-h$h
    mkdir -p "$d"
    pgb_conf "$d/tend.toml" "$url" "$row-h$h" "$CONC"
    pgb_start_host "$d" "$d/tend.toml"
  done
  SOCK[$row]=$TENDD_SOCK
done
for row in $ROWS; do mkdir -p "$W/out-$row"; done

sample() {   # sample ROW COUNT >> raw
  if [ "$1" = spawn ]; then
    "$JL" spawn "$W/bin/stamp" "$W/out-$1" "$2" "$SETTLE" || die "job_latency spawn failed"
  else
    "$JL" tend "${SOCK[$1]}" "$W/bin/stamp" "$W/out-$1" "$2" "$SETTLE" || die "job_latency $1 failed"
  fi
}

wait_quiet
log "warm-up: $WARM samples each"
for row in $ROWS; do sample "$row" "$WARM" >/dev/null; done
for round in $(seq 1 "$ROUNDS"); do
  log "round $round/$ROUNDS: $PER samples each (load $(loadavg))"
  for row in $ROWS; do sample "$row" "$PER" >>"$W/$row.raw"; done
done
for row in pg1 pg3; do
  ok=$(pgb_sql "${DBN[$row]}" "SELECT count(*) FROM tend.job WHERE state = 'succeeded' AND runs = 1")
  [ "$ok" = $((WARM + N)) ] || die "$row: $ok jobs succeeded once, expected $((WARM + N))"
  # The database's view of the last N jobs: claim transaction start - submit transaction start.
  pgb_sql "${DBN[$row]}" "SELECT extract(epoch FROM started_at - submitted_at) * 1000 FROM tend.job ORDER BY id OFFSET $WARM" >"$W/$row.claim"
done

echo
echo "== PostgreSQL benchmark 2: submit -> start on an idle cluster, $N samples per row, ~${SETTLE} ms apart (ms, CLOCK_REALTIME) =="
printf '%-34s %5s %8s %8s %8s %8s %8s %8s\n' row n p50 p90 p99 mean min max
pr() { read -r n med p90 p99 mean mn mx <<<"$2"; printf '%-34s %5s %8s %8s %8s %8s %8s %8s\n' "$1" "$n" "$med" "$p90" "$p99" "$mean" "$mn" "$mx"; }
declare -A P50
for row in $ROWS; do
  awk '{print $1}' "$W/$row.raw" >"$W/$row.lat"
  S=$(stats "$W/$row.lat"); P50[$row]=$(st_field "$S" 2)
  case $row in
    file) what="file: submit -> job's main" ;;
    pg1) what="pg, 1 host: submit -> job's main" ;;
    pg3) what="pg, 3 hosts: submit -> job's main" ;;
    spawn) what="spawn: posix_spawn -> main" ;;
  esac
  pr "$what" "$S"
  if [ "$row" != spawn ]; then
    awk '{print $2}' "$W/$row.raw" >"$W/$row.ack"
    pr "  $row: submit -> ack" "$(stats "$W/$row.ack")"
  fi
  [ -s "$W/$row.claim" ] && pr "  $row: db submitted_at -> started_at" "$(stats "$W/$row.claim")"
done
for row in pg1 pg3; do
  echo "$row p50 / file p50: $(ratio2 "${P50[$row]}" "${P50[file]}")x; $row p50 - file p50: $(awk -v a="${P50[$row]}" -v b="${P50[file]}" 'BEGIN{printf "%.3f", a - b}') ms"
  echo "target: $row p50 <= 10 ms: ${P50[$row]} ms -> $(pass_if "${P50[$row]} <= 10")"
done
