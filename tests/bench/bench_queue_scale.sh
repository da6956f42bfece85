#!/usr/bin/env bash
# Queue benchmark 6: one million pending jobs.
#
# One tendd ("scale"), a paused queue with max_pending = 2000000. A second, empty tendd
# ("empty", paused too) runs beside it as the reference for submit latency: each latency
# phase alternates BENCH_LAT_ROUNDS rounds between the two daemons, so load drift on the
# machine hits both alike.
#   1. baseline: VmRSS and PSS (smaps_rollup) of the scale tendd; latency phase "start"
#      (both queues empty: shows the noise between two identical daemons)
#   2. BENCH_TOTAL jobs via `tend submit --stdin`, batches of BENCH_BATCH lines `true`
#      (each batch timed); VmRSS / PSS after; bytes per job above the baseline
#   3. latency phase "full" (before the restart; info)
#   4. `tend shutdown` (timed), then tendd started again: time from the launch until
#      `tend queues` answers (recovery); the pending count and the paused state are
#      checked; RSS after recovery
#   5. latency phase "restarted": full queue after the restart vs the empty daemon
#   jobs.log size after step 2 and at the end.
# A latency sample: the wall time of one `tend submit -- true` (spawn_driver.c).
# Environment:
#   BENCH_TOTAL=1000000  BENCH_BATCH=100000  BENCH_LAT_N=100  BENCH_LAT_ROUNDS=4
# Targets: <= 300 bytes per job (VmRSS growth / jobs); recovery <= 5 s;
#          submit latency with 1M pending (after the restart) within 20% of the empty
#          queue (median and mean).
source "$(dirname "$0")/qlib.sh"

TOTAL=${BENCH_TOTAL:-1000000}
BATCH=${BENCH_BATCH:-100000}
LATN=${BENCH_LAT_N:-100}
LATR=${BENCH_LAT_ROUNDS:-4}
[ $(( LATN % LATR )) -eq 0 ] || die "BENCH_LAT_N must be a multiple of BENCH_LAT_ROUNDS"
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
# The empty reference daemon first (its TQ is kept in TQE), then the scale daemon.
q_start_tendd "$W/empty" "$W/tend.toml"
TQE=("${TQ[@]}"); EMPTY_DIR=$TENDD_DIR
"${TQE[@]}" pause default >/dev/null
q_start_tendd "$D" "$W/tend.toml"
"${TQ[@]}" pause default >/dev/null
"$SPAWN" 5 -- "${TQ[@]}" submit -- true >/dev/null    # warm-up (page cache, first env record)
"$SPAWN" 5 -- "${TQE[@]}" submit -- true >/dev/null
read -r RSS0 PSS0 <<<"$(mem_kb "$TENDD_PID")"

latency() {   # latency PHASE -> $W/PHASE.scale.samples and $W/PHASE.empty.samples
  local r per=$(( LATN / LATR ))
  log "submit latency ($1): $LATR rounds of $per x tend submit -- true on each daemon (load $(loadavg))"
  for r in $(seq 1 "$LATR"); do
    "$SPAWN" -o "$W/$1.scale.samples" "$per" -- "${TQ[@]}" submit -- true >/dev/null || die "a submit failed"
    "$SPAWN" -o "$W/$1.empty.samples" "$per" -- "${TQE[@]}" submit -- true >/dev/null || die "a submit failed"
  done
}
latency start

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
read -r RSS1 PSS1 <<<"$(mem_kb "$TENDD_PID")"
LOG1=$(stat -c %s "$D/state/jobs.log")
latency full

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
read -r RSS2 PSS2 <<<"$(mem_kb "$TENDD_PID")"
latency restarted
no_spool
[ -z "$(ls -A "$EMPTY_DIR/state/spool")" ] || die "submits to the empty daemon were spooled"
LOG2=$(stat -c %s "$D/state/jobs.log")

# ----------------------------------------------------------------- report ----
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
printf '%-52s %5s %8s %8s %8s %8s %8s %8s %10s %10s\n' "submit latency (ms)" n median mean p90 p99 min max "med/empty" "mean/empty"
for ph in start full restarted; do
  SE=$(stats "$W/$ph.empty.samples"); SS=$(stats "$W/$ph.scale.samples")
  em=$(st_field "$SE" 2); ea=$(st_field "$SE" 5)
  case $ph in start) what="both empty" ;; full) what="$PEND pending" ;; restarted) what="$P2 pending, after restart" ;; esac
  read -r n med p90 p99 mean mn mx <<<"$SE"
  printf '%-52s %5s %8s %8s %8s %8s %8s %8s\n' "$ph: empty daemon" "$n" "$med" "$mean" "$p90" "$p99" "$mn" "$mx"
  read -r n med p90 p99 mean mn mx <<<"$SS"
  printf '%-52s %5s %8s %8s %8s %8s %8s %8s %10s %10s\n' "$ph: scale daemon ($what)" "$n" "$med" "$mean" "$p90" "$p99" "$mn" "$mx" "$(ratio2 "$med" "$em")x" "$(ratio2 "$mean" "$ea")x"
  LM=$(ratio2 "$med" "$em"); LA=$(ratio2 "$mean" "$ea")
done
echo "targets:"
echo "  bytes per job <= 300: $bpj -> $(pass_if "$bpj <= 300")"
echo "  recovery <= 5 s: $REC s -> $(pass_if "$REC <= 5")"
echo "  submit latency with $P2 pending (after the restart) within 20% of the empty queue: median ${LM}x -> $(pass_if "$LM <= 1.2"), mean ${LA}x -> $(pass_if "$LA <= 1.2")"
