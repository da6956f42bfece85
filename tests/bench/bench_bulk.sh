#!/usr/bin/env bash
# Queue benchmark 2: bulk submit, `tend submit --stdin` of 100,000 lines `true` into a
# paused queue, as one batch.
#
# A sample is the wall time of the tend command from posix_spawn to its exit, i.e.
# until every job is acknowledged and durable (spawn_driver.c). Each run uses a fresh
# tendd and state dir. Also reported: tendd's fdatasync calls during the submit
# (perf stat on syscall tracepoints), tendd's VmRSS / PSS before and after, the size
# of jobs.log.
# Environment:
#   BENCH_JOBS=100000   lines per batch      BENCH_RUNS=3   runs (fresh daemon each)
# Target: >= 100,000 jobs/s (median run), i.e. the batch acknowledged within 1 s.
source "$(dirname "$0")/qlib.sh"

JOBS=${BENCH_JOBS:-100000}
RUNS=${BENCH_RUNS:-3}

build_tend
check_quiet_machine
bench_tmpdir bulk
W=$BENCH_TMP
build_helpers
awk -v n="$JOBS" 'BEGIN{for (i = 0; i < n; i++) print "true"}' >"$W/lines"
queue_conf "$W/tend.toml" default 2 100000   # max_pending as the default (SPEC §3)

wait_quiet
declare -a WALL RATE FDS RSS0 RSS1 PSS1 LOGSZ
for i in $(seq 1 "$RUNS"); do
  d=$W/run$i
  q_start_tendd "$d" "$W/tend.toml"
  "${TQ[@]}" pause default >/dev/null
  read -r r0 _ <<<"$(mem_kb "$TENDD_PID")"
  log "run $i/$RUNS: submitting $JOBS lines (load $(loadavg))"
  counters_start "$TENDD_PID"
  "$SPAWN" -O "$d/ids" 1 -- "${TQ[@]}" submit --stdin <"$W/lines" >"$d/driver" \
    || die "tend submit --stdin failed: $(cat "$d/driver")"
  counters_stop
  no_spool
  ms=$(sed -n 's/.*total_ms=\([0-9.]*\).*/\1/p' "$d/driver")
  nids=$(wc -l <"$d/ids")
  pend=$(qfield pending default)
  [ "$nids" = "$JOBS" ] || die "tend printed $nids ids, expected $JOBS"
  [ "$pend" = "$JOBS" ] || die "queue holds $pend pending jobs, expected $JOBS"
  read -r r1 p1 <<<"$(mem_kb "$TENDD_PID")"
  WALL[$i]=$ms
  RATE[$i]=$(awk -v n="$JOBS" -v ms="$ms" 'BEGIN{printf "%.0f", n / (ms / 1000)}')
  FDS[$i]=$CNT_FDATASYNC/$CNT_FSYNC
  RSS0[$i]=$r0; RSS1[$i]=$r1; PSS1[$i]=$p1
  LOGSZ[$i]=$(stat -c %s "$d/state/jobs.log")
  log "  ${ms} ms, ${RATE[$i]} jobs/s"
  stop_root "$TENDD_PID" tendd "$TENDD_SOCK"
done

echo
echo "== Queue benchmark 2: bulk submit, tend submit --stdin of $JOBS lines \`true\` into a paused queue =="
printf '%-4s %10s %10s %17s %11s %11s %11s %13s\n' run wall_ms jobs/s "fdatasync/fsync" rss_before rss_after pss_after jobs.log
for i in $(seq 1 "$RUNS"); do
  printf '%-4s %10s %10s %17s %8s kB %8s kB %8s kB %11s B\n' "$i" "${WALL[$i]}" "${RATE[$i]}" "${FDS[$i]}" \
    "${RSS0[$i]}" "${RSS1[$i]}" "${PSS1[$i]}" "${LOGSZ[$i]}"
done
med=$(printf '%s\n' "${WALL[@]}" | sort -n | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}')
rate=$(awk -v n="$JOBS" -v ms="$med" 'BEGIN{printf "%.0f", n / (ms / 1000)}')
echo "median run: $med ms = $rate jobs/s; daemon RSS grew by $(( (RSS1[1] - RSS0[1]) )) kB in run 1" \
     "($(awk -v a="${RSS1[1]}" -v b="${RSS0[1]}" -v n="$JOBS" 'BEGIN{printf "%.0f", (a-b)*1024/n}') B/job)"
echo "target: >= 100000 jobs/s: $rate jobs/s ($(ratio2 "$rate" 100000)x the target) -> $(pass_if "$rate >= 100000")"
