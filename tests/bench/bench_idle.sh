#!/usr/bin/env bash
# Benchmark 2: idle cost. Each supervisor runs 100 `sleep infinity` services; after
# startup settles, the context switches (voluntary + nonvoluntary, all threads,
# /proc/PID/task/*/status) and CPU ticks (utime + stime, /proc/PID/stat) of the
# supervision processes are sampled, and again BENCH_IDLE_SECONDS later.
# Supervision processes: tendd; supervisord; runsvdir + 100 runsv; s6-svscan + 100
# s6-supervise. All four run at the same time (they are idle; that is the point).
# Environment: BENCH_N=100, BENCH_IDLE_SECONDS=60, BENCH_SETTLE_SECONDS=10,
#              BENCH_ONLY="tendd supervisord runit s6"
source "$(dirname "$0")/lib.sh"
source "$BENCH_SRC/supervisors100.sh"

N=${BENCH_N:-100}
IDLE=${BENCH_IDLE_SECONDS:-60}
SETTLE=${BENCH_SETTLE_SECONDS:-10}
ONLY=${BENCH_ONLY:-tendd supervisord runit s6}

ensure_packages s6 runit supervisor
build_tend
check_quiet_machine
wait_quiet
bench_tmpdir idle

log "starting $ONLY with $N services each"
start_all_n "$N" $ONLY
wait_all_sleeping "$N" 120 $ONLY
log "settling ${SETTLE}s"
sleep "$SETTLE"

declare -A PIDS C0 C1 NP
for s in $ONLY; do
  PIDS[$s]=$(supervision_pids "$s")
  NP[$s]=$(wc -w <<<"${PIDS[$s]}")
done
for s in $ONLY; do C0[$s]=$("${PT[@]}" counters ${PIDS[$s]}); done
log "measuring ${IDLE}s of idle"
sleep "$IDLE"
for s in $ONLY; do C1[$s]=$("${PT[@]}" counters ${PIDS[$s]}); done

# A supervision process that disappeared during the window invalidates that row.
for s in $ONLY; do
  for p in ${PIDS[$s]}; do alive "$p" || log "warning: $s process $p exited during the window"; done
done

TICK=$(getconf CLK_TCK)
echo
echo "== Benchmark 2: idle cost, $N x 'sleep infinity', ${IDLE}s window after ${SETTLE}s settle (CLK_TCK=$TICK) =="
printf '%-12s %10s %14s %14s %12s %16s\n' supervisor processes "ctx switches" "wakeups/min" "CPU ticks" "ratio ctx/tendd"
read -r tc0 tt0 <<<"${C0[tendd]:-0 0}"
read -r tc1 tt1 <<<"${C1[tendd]:-0 0}"
tctx=$((tc1 - tc0)); tticks=$((tt1 - tt0))
for s in $ONLY; do
  read -r c0 t0 <<<"${C0[$s]}"
  read -r c1 t1 <<<"${C1[$s]}"
  dc=$((c1 - c0)); dt=$((t1 - t0))
  perm=$(awk -v d="$dc" -v s="$IDLE" 'BEGIN{printf "%.1f", d*60/s}')
  if [ "$s" = tendd ]; then r=1.0; elif [ -z "${C0[tendd]:-}" ]; then r=n/a; else r=$(ratio "$dc" "$tctx"); fi
  printf '%-12s %10s %14s %14s %12s %16s\n' "$s" "${NP[$s]}" "$dc" "$perm" "$dt" "$r"
done
if [ -n "${C0[tendd]:-}" ]; then
  verdict=$([ "$tctx" -eq 0 ] && [ "$tticks" -eq 0 ] && echo met || echo MISSED)
  echo "target: tendd 0 wakeups, 0 ticks -> $verdict ($tctx context switches, $tticks ticks)"
  echo "(ratio ctx/tendd is 'inf' when tendd had 0 switches and the reference did not)"
fi
