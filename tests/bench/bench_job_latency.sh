#!/usr/bin/env bash
# Queue benchmark 5: submit -> exec latency of a job on an idle daemon.
#
# job_latency.c talks tendd's protocol directly (no CLI start-up in the number): per
# sample it connects, takes t0 = CLOCK_REALTIME immediately before writing one submit
# request line ({"v":1,"cmd":"submit","args":{"argv":[STAMP, FILE],
# "env":["PATH=/usr/bin:/bin"],"cwd":"/tmp"}}) and reads the reply. The job, stamp.c
# (static), writes its own CLOCK_REALTIME, taken first thing in main, to FILE: t1.
# latency = t1 - t0. The driver then waits for the job to end (a "wait" request) and
# sleeps BENCH_SETTLE_MS so each submit meets an idle daemon (queue running,
# concurrency 2, nothing else queued).
# Reference ("spawn"): the same driver posix_spawns the stamp program itself: t0 right
# before posix_spawn, t1 from the stamp. Also reported: the submit's ack latency (reply
# read - t0) and tendd's fdatasync calls per job.
# Samples are taken in BENCH_ROUNDS rounds alternating tend and spawn.
# Environment:
#   BENCH_N=200  BENCH_ROUNDS=4  BENCH_WARMUP=5  BENCH_SETTLE_MS=20
# Target: tend p50 - spawn p50 <= 2 ms.
source "$(dirname "$0")/qlib.sh"

N=${BENCH_N:-200}
ROUNDS=${BENCH_ROUNDS:-4}
WARM=${BENCH_WARMUP:-5}
SETTLE=${BENCH_SETTLE_MS:-20}
PER=$(( N / ROUNDS ))
[ $(( PER * ROUNDS )) -eq "$N" ] || die "BENCH_N must be a multiple of BENCH_ROUNDS"

build_tend
check_quiet_machine
bench_tmpdir job-latency
W=$BENCH_TMP
build_helpers
queue_conf "$W/tend.toml" default 2 100000
q_start_tendd "$W/tendd" "$W/tend.toml"
mkdir -p "$W/out-tend" "$W/out-spawn"
JL=$W/bin/job_latency

wait_quiet
log "warm-up: $WARM samples each"
"$JL" tend "$TENDD_SOCK" "$W/bin/stamp" "$W/out-tend" "$WARM" "$SETTLE" >/dev/null || die "job_latency tend failed"
"$JL" spawn "$W/bin/stamp" "$W/out-spawn" "$WARM" "$SETTLE" >/dev/null || die "job_latency spawn failed"
FD_TOTAL=0
for round in $(seq 1 "$ROUNDS"); do
  log "round $round/$ROUNDS: $PER samples each (load $(loadavg))"
  counters_start "$TENDD_PID"
  "$JL" tend "$TENDD_SOCK" "$W/bin/stamp" "$W/out-tend" "$PER" "$SETTLE" >>"$W/tend.raw" || die "job_latency tend failed"
  counters_stop
  [ "$CNT_FDATASYNC" = n/a ] && FD_TOTAL=n/a
  [ "$FD_TOTAL" != n/a ] && FD_TOTAL=$(( FD_TOTAL + CNT_FDATASYNC ))
  "$JL" spawn "$W/bin/stamp" "$W/out-spawn" "$PER" "$SETTLE" >>"$W/spawn.raw" || die "job_latency spawn failed"
done
no_spool
ok=$(qfield succeeded default)
[ "$ok" = $(( WARM + N )) ] || die "$ok jobs succeeded, expected $((WARM + N))"

awk '{print $1}' "$W/tend.raw" >"$W/tend.lat";  awk '{print $2}' "$W/tend.raw" >"$W/tend.ack"
awk '{print $1}' "$W/spawn.raw" >"$W/spawn.lat"
ST=$(stats "$W/tend.lat"); SA=$(stats "$W/tend.ack"); SS=$(stats "$W/spawn.lat")
echo
echo "== Queue benchmark 5: submit -> exec latency on an idle daemon, $N samples each (ms, t1 - t0, CLOCK_REALTIME) =="
printf '%-28s %5s %8s %8s %8s %8s %8s %8s\n' row n p50 p90 p99 mean min max
pr() { read -r n med p90 p99 mean mn mx <<<"$2"; printf '%-28s %5s %8s %8s %8s %8s %8s %8s\n' "$1" "$n" "$med" "$p90" "$p99" "$mean" "$mn" "$mx"; }
pr "tend: submit -> job's main" "$ST"
pr "tend: submit -> ack (reply)" "$SA"
pr "spawn: posix_spawn -> main" "$SS"
tp=$(st_field "$ST" 2); sp=$(st_field "$SS" 2)
diff=$(awk -v a="$tp" -v b="$sp" 'BEGIN{printf "%.3f", a - b}')
for q in 3 4; do
  name=$([ $q = 3 ] && echo p90 || echo p99)
  printf 'tend - spawn at %s: %.3f ms\n' "$name" "$(awk -v a="$(st_field "$ST" $q)" -v b="$(st_field "$SS" $q)" 'BEGIN{print a - b}')"
done
if [ "$FD_TOTAL" != n/a ]; then
  printf 'tendd fdatasync calls: %s for %s jobs (%.2f per job: submit, start, end)\n' "$FD_TOTAL" "$N" "$(awk -v f="$FD_TOTAL" -v n="$N" 'BEGIN{print f / n}')"
fi
echo "target: tend p50 - spawn p50 <= 2 ms: $diff ms -> $(pass_if "$diff <= 2")"
