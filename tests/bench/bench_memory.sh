#!/usr/bin/env bash
# Benchmark 3: memory. Each supervisor runs 100 `sleep infinity` services; once all
# are up and BENCH_SETTLE_SECONDS have passed, the PSS (Pss: of /proc/PID/smaps_rollup)
# of the supervision processes is summed: tendd; supervisord; runsvdir + 100 runsv;
# s6-svscan + 100 s6-supervise. The `sleep`s themselves are not counted.
# PSS charges shared pages (libc, the runsv or s6-supervise text) to each sharer in
# proportion, so the sum over a tree is what that tree costs the machine.
# The four trees run at the same time (PSS of one tree does not depend on the others:
# they share only libc, which every process maps; to be exact, run them one by one with
# BENCH_SEQUENTIAL=1).
# Environment: BENCH_N=100, BENCH_SETTLE_SECONDS=5, BENCH_ONLY, BENCH_SEQUENTIAL=0
source "$(dirname "$0")/lib.sh"
source "$BENCH_SRC/supervisors100.sh"

N=${BENCH_N:-100}
SETTLE=${BENCH_SETTLE_SECONDS:-5}
ONLY=${BENCH_ONLY:-tendd supervisord runit s6}

ensure_packages s6 runit supervisor
build_tend
check_quiet_machine
wait_quiet
bench_tmpdir memory

declare -A PSS NP ROOTPSS
measure_pss() {   # measure_pss NAMES...
  local s pids
  for s in "$@"; do
    pids=$(supervision_pids "$s")
    NP[$s]=$(wc -w <<<"$pids")
    PSS[$s]=$("${PT[@]}" pss $pids)
    ROOTPSS[$s]=$("${PT[@]}" pss "${ROOT_PID[$s]}")
    log "  $s: ${NP[$s]} processes, PSS ${PSS[$s]} kB (root process ${ROOTPSS[$s]} kB)"
  done
}

if [ -n "${BENCH_SEQUENTIAL:-}" ] && [ "$BENCH_SEQUENTIAL" != 0 ]; then
  for s in $ONLY; do
    start_all_n "$N" "$s"
    wait_all_sleeping "$N" 120 "$s"
    sleep "$SETTLE"
    measure_pss "$s"
    r=${BENCH_ROOTS[-1]}; IFS=: read -r pid kind extra <<<"$r"
    stop_root "$pid" "$kind" "$extra"
  done
else
  log "starting $ONLY with $N services each"
  start_all_n "$N" $ONLY
  wait_all_sleeping "$N" 120 $ONLY
  sleep "$SETTLE"
  measure_pss $ONLY
fi

mb() { awk -v k="$1" 'BEGIN{printf "%.2f", k/1024}'; }
echo
echo "== Benchmark 3: memory, PSS of the supervision tree with $N x 'sleep infinity' (MiB = 1024 kB) =="
printf '%-12s %10s %12s %16s %16s\n' supervisor processes "PSS MiB" "root PSS MiB" "ratio ref/tendd"
for s in $ONLY; do
  if [ "$s" = tendd ]; then r=1.0; elif [ -z "${PSS[tendd]:-}" ]; then r=n/a; else r="$(ratio "${PSS[$s]}" "${PSS[tendd]}")x"; fi
  printf '%-12s %10s %12s %16s %16s\n' "$s" "${NP[$s]}" "$(mb "${PSS[$s]}")" "$(mb "${ROOTPSS[$s]}")" "$r"
done
if [ -n "${PSS[tendd]:-}" ]; then
  verdict=$(awk -v k="${PSS[tendd]}" 'BEGIN{print (k <= 6*1024) ? "met" : "MISSED"}')
  echo "target: tendd PSS <= 6 MB -> $verdict ($(mb "${PSS[tendd]}") MiB)"
fi
