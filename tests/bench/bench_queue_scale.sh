#!/usr/bin/env bash
# Queue benchmark 6: one million pending jobs.
#
# One tendd, a paused queue with max_pending = 2000000.
#   1. baseline: tendd's VmRSS and PSS (smaps_rollup); submit latency on the empty
#      queue: BENCH_LAT_N x `tend submit -- true` in sequence (spawn_driver.c)
#   2. BENCH_TOTAL jobs via `tend submit --stdin`, batches of BENCH_BATCH lines `true`
#      (each batch timed); VmRSS / PSS after; bytes per job above the baseline
#   3. submit latency again with the full queue (before the restart; info)
#   4. `tend shutdown` (timed), then tendd started again: time from the launch until
#      `tend queues` answers (recovery); the pending count is checked; RSS after recovery
#   5. submit latency with the full queue after the restart, against step 1
#   jobs.log size after step 2 and after step 5.
# Environment:
#   BENCH_TOTAL=1000000  BENCH_BATCH=100000  BENCH_LAT_N=100
# Targets: <= 300 bytes per job (VmRSS growth / jobs); recovery <= 5 s;
#          submit latency with 1M pending within 20% of the empty queue (median and mean).
source "$(dirname "$0")/qlib.sh"

TOTAL=${BENCH_TOTAL:-1000000}
BATCH=${BENCH_BATCH:-100000}
LATN=${BENCH_LAT_N:-100}
[ $(( TOTAL % BATCH )) -eq 0 ] || die "BENCH_TOTAL must be a multiple of BENCH_BATCH"

build_tend
check_quiet_machine
bench_tmpdir queue-scale
W=$BENCH_TMP
build_helpers
queue_conf "$W/tend.toml" default 2 2000000
awk -v n="$BATCH" 'BEGIN{for (i = 0; i < n; i++) print "true"}' >"$W/lines"
D=$W/tendd

wait_quiet
q_start_tendd "$D" "$W/tend.toml"
"${TQ[@]}" pause default >/dev/null
"$SPAWN" 5 -- "${TQ[@]}" submit -- true >/dev/null   # warm-up (page cache, first env record)
sleep 1
read -r RSS0 PSS0 <<<"$(mem_kb "$TENDD_PID")"

latency() {   # latency NAME -> samples in $W/NAME.samples
  log "submit latency ($1): $LATN x tend submit -- true (load $(loadavg))"
  "$SPAWN" -o "$W/$1.samples" "$LATN" -- "${TQ[@]}" submit -- true >/dev/null || die "a submit failed"
}
latency empty

log "submitting $TOTAL jobs in batches of $BATCH"
: >"$W/batches"
nb=$(( TOTAL / BATCH ))
for b in $(seq 1 "$nb"); do
  out=$("$SPAWN" 1 -- "${TQ[@]}" submit --stdin <"$W/lines") || die "batch $b failed: $out"
  ms=$(sed -n 's/.*total_ms=\([0-9.]*\).*/\1/p' <<<"$out")
  echo "$ms" >>"$W/batches"
  log "  batch $b/$nb: $ms ms"
done
no_spool
PEND=$(qfield pending default)
[ "$PEND" = $(( TOTAL + 5 + LATN )) ] || die "queue holds $PEND pending jobs, expected $(( TOTAL + 5 + LATN ))"
sleep 1
read -r RSS1 PSS1 <<<"$(mem_kb "$TENDD_PID")"
LOG1=$(stat -c %s "$D/state/jobs.log")
latency full-before-restart

log "tend shutdown"
t0=$EPOCHREALTIME
"${TQ[@]}" shutdown >/dev/null || die "tend shutdown failed"
wait_gone "$TENDD_PID" 120 || die "tendd did not exit"
SHUT=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN{printf "%.3f", b - a}')

log "restart"
t0=$EPOCHREALTIME
"$TENDD" --config "$W/tend.toml" --state-dir "$D/state" --socket "$TENDD_SOCK" </dev/null >>"$D/tendd.out" 2>>"$D/tendd.err" &
TENDD_PID=$!
register_root "$TENDD_PID" tendd "$TENDD_SOCK"
while ! "${TQ[@]}" queues --json >"$W/queues.json" 2>/dev/null; do
  alive "$TENDD_PID" || { tail -5 "$D/tendd.err" >&2; die "tendd exited during recovery"; }
  [ "$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN{print int(b - a)}')" -ge 300 ] && die "no answer 300 s after the restart"
  sleep 0.01
done
REC=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN{printf "%.3f", b - a}')
P2=$(qfield pending default); PAUSED=$(qfield paused default)
[ "$P2" = $(( PEND + LATN )) ] || die "after recovery $P2 pending, expected $(( PEND + LATN ))"
[ "$PAUSED" = True ] || [ "$PAUSED" = true ] || die "queue not paused after the restart"
sleep 1
read -r RSS2 PSS2 <<<"$(mem_kb "$TENDD_PID")"
latency full
no_spool
LOG2=$(stat -c %s "$D/state/jobs.log")

# ----------------------------------------------------------------- report ----
SE=$(stats "$W/empty.samples"); SB=$(stats "$W/full-before-restart.samples"); SF=$(stats "$W/full.samples")
bpj=$(awk -v a="$RSS1" -v b="$RSS0" -v n="$TOTAL" 'BEGIN{printf "%.0f", (a - b) * 1024 / n}')
bpj_pss=$(awk -v a="$PSS1" -v b="$PSS0" -v n="$TOTAL" 'BEGIN{printf "%.0f", (a - b) * 1024 / n}')
bpj2=$(awk -v a="$RSS2" -v b="$RSS0" -v n="$TOTAL" 'BEGIN{printf "%.0f", (a - b) * 1024 / n}')
bsum=$(awk '{s += $1} END{printf "%.0f", s}' "$W/batches")
echo
echo "== Queue benchmark 6: $TOTAL pending jobs in one paused queue =="
printf 'submit: %d batches of %d lines: %s ms total (%s jobs/s); batch ms min/median/max: %s\n' \
  "$nb" "$BATCH" "$bsum" "$(awk -v n="$TOTAL" -v ms="$bsum" 'BEGIN{printf "%.0f", n / (ms / 1000)}')" \
  "$(sort -n "$W/batches" | awk '{a[NR]=$1} END{print a[1] " / " a[int((NR+1)/2)] " / " a[NR]}')"
printf '%-34s %12s %12s\n' "tendd memory" "VmRSS kB" "PSS kB"
printf '%-34s %12s %12s\n' "baseline (5 jobs)" "$RSS0" "$PSS0"
printf '%-34s %12s %12s\n' "with $TOTAL more pending" "$RSS1" "$PSS1"
printf '%-34s %12s %12s\n' "after restart (recovered)" "$RSS2" "$PSS2"
echo "bytes per job above baseline: $bpj (VmRSS), $bpj_pss (PSS); after the restart: $bpj2 (VmRSS)"
echo "jobs.log: $LOG1 B after the submits ($(awk -v s="$LOG1" -v n="$TOTAL" 'BEGIN{printf "%.0f", s / n}') B/job), $LOG2 B at the end"
echo "tend shutdown with $PEND pending: $SHUT s; restart until \`tend queues\` answers: $REC s ($P2 pending, paused)"
printf '%-30s %5s %8s %8s %8s %8s %8s %8s %10s %10s\n' "submit latency (ms)" n median mean p90 p99 min max "med/empty" "mean/empty"
em=$(st_field "$SE" 2); ea=$(st_field "$SE" 5)
for row in "empty queue:$SE" "full, before restart:$SB" "full, after restart:$SF"; do
  name=${row%%:*}; s=${row#*:}
  read -r n med p90 p99 mean mn mx <<<"$s"
  printf '%-30s %5s %8s %8s %8s %8s %8s %8s %10s %10s\n' "$name" "$n" "$med" "$mean" "$p90" "$p99" "$mn" "$mx" "$(ratio2 "$med" "$em")x" "$(ratio2 "$mean" "$ea")x"
done
fm=$(st_field "$SF" 2); fa=$(st_field "$SF" 5)
echo "targets:"
echo "  bytes per job <= 300: $bpj -> $(pass_if "$bpj <= 300")"
echo "  recovery <= 5 s: $REC s -> $(pass_if "$REC <= 5")"
echo "  submit latency with $PEND pending (after restart) within 20% of empty: median $(ratio2 "$fm" "$em")x -> $(pass_if "$fm <= 1.2 * $em"), mean $(ratio2 "$fa" "$ea")x -> $(pass_if "$fa <= 1.2 * $ea")"
