#!/usr/bin/env bash
# Queue benchmark 1: latency of one durable submit, `tend submit -- true`, one after another.
#
# spawn_driver.c spawns each command (posix_spawn, no shell) and waits for it; a
# sample is the wall time from just before posix_spawn to waitpid's return. Rows:
#   floor          floor_append.c: a fresh process opens a file O_APPEND, appends
#                  200 bytes and fdatasyncs (the physical floor of a durable submit)
#   tend           tend submit -- true into the paused queue "default"
#   tend-running   tend submit --queue live -- true; "live" runs its jobs (concurrency 2)
#                  while the submits go on
#   tsp            task-spooler: tsp -n true (own TS_SOCKET/TMPDIR; not durable)
#   nq             nq true (own NQDIR; not durable)
# The samples are taken in BENCH_ROUNDS rounds; each round runs every row
# BENCH_N/BENCH_ROUNDS times, so a drift of the machine's load hits all rows alike.
# After each row, its jobs (tsp, nq, tend-running) are waited for before the next row.
# Environment:
#   BENCH_N=200        submits per row      BENCH_ROUNDS=4     rounds
#   BENCH_WARMUP=5     unrecorded runs of each row first
#   BENCH_ONLY="floor tend tend-running tsp nq"
# Targets: tend median and mean <= 1.5x floor; tend <= 0.5x tsp and <= 0.5x nq.
source "$(dirname "$0")/qlib.sh"

N=${BENCH_N:-200}
ROUNDS=${BENCH_ROUNDS:-4}
WARM=${BENCH_WARMUP:-5}
ONLY=${BENCH_ONLY:-floor tend tend-running tsp nq}
PER=$(( N / ROUNDS ))
[ $(( PER * ROUNDS )) -eq "$N" ] || die "BENCH_N must be a multiple of BENCH_ROUNDS"

ensure_packages task-spooler nq
build_tend
check_quiet_machine
bench_tmpdir submit-latency
W=$BENCH_TMP
build_helpers

# ---------------------------------------------------------------- setup ----
queue_conf "$W/tend.toml" default 2 100000 live 2 100000
q_start_tendd "$W/tendd" "$W/tend.toml"
"${TQ[@]}" pause default >/dev/null

unset TS_SAVELIST TS_SLOTS TS_ENV TS_ONFINISH
export TS_SOCKET=$W/tsp/socket TS_MAXFINISHED=100000
mkdir -p "$W/tsp/tmp" "$W/nq"
export TMPDIR=$W/tsp/tmp NQDIR=$W/nq
# task-spooler's server is started by the first tsp call; `tsp -K` stops it.
Q_CLEANUP+=("[ -S \"\$TS_SOCKET\" ] && timeout 5 tsp -K >/dev/null 2>&1")
# nq leaves one background process per job until the job ran; the pid is in the file name.
nq_cleanup() {
  local f pid
  for f in "$NQDIR"/,*; do
    [ -e "$f" ] || continue
    pid=${f##*.}
    case $pid in ''|*[!0-9]*) continue ;; esac
    if alive "$pid" && grep -qz "^NQDIR=$NQDIR\$" "/proc/$pid/environ" 2>/dev/null; then
      kill -KILL "$pid" 2>/dev/null || true
    fi
  done
}
Q_CLEANUP+=(nq_cleanup)

TSP=$(command -v tsp); NQ=$(command -v nq)
cmd_of() {   # the command line of a row
  case $1 in
    floor)        echo "$W/bin/floor_append $W/floor.dat" ;;
    tend)         echo "${TQ[*]} submit -- true" ;;
    tend-running) echo "${TQ[*]} submit --queue live -- true" ;;
    tsp)          echo "$TSP -n true" ;;
    nq)           echo "$NQ true" ;;
  esac
}

settle_row() {   # wait for the jobs a row started
  case $1 in
    tend-running) wait_queue_idle live 120 ;;
    tsp)          timeout 120 "$TSP" -w >/dev/null 2>&1 || true
                  # -w waits for the last job; make sure nothing is left queued or running
                  local i; for i in $(seq 1 600); do
                    "$TSP" -l 2>/dev/null | awk 'NR>1 && ($2=="running" || $2=="queued"){f=1} END{exit f}' && break
                    sleep 0.1
                  done ;;
    nq)           timeout 120 "$NQ" -w >/dev/null 2>&1 || true ;;   # no ids: all jobs of NQDIR
  esac
}

run_row() {   # run_row ROW COUNT SAMPLES
  # shellcheck disable=SC2046
  "$SPAWN" -o "$3" "$2" -- $(cmd_of "$1") >"$W/$1.driver" || die "$1: a run failed ($(cat "$W/$1.driver"))"
  settle_row "$1"
}

wait_quiet
log "warm-up: $WARM runs of each row"
for r in $ONLY; do run_row "$r" "$WARM" /dev/null; done
for round in $(seq 1 "$ROUNDS"); do
  log "round $round/$ROUNDS: $PER runs per row (load $(loadavg))"
  for r in $ONLY; do run_row "$r" "$PER" "$W/$r.samples"; done
done
no_spool
pend=$(qfield pending default)
into_default=0
for r in tend; do [[ " $ONLY " == *" $r "* ]] && into_default=$((into_default + 1)); done
[ "$pend" = $(( (WARM + N) * into_default )) ] \
  || die "queue default holds $pend pending jobs, expected $(( (WARM + N) * into_default ))"

# ----------------------------------------------------------------- report ----
declare -A S
for r in $ONLY; do S[$r]=$(stats "$W/$r.samples"); done
echo
echo "== Queue benchmark 1: submit latency, $N in sequence per row, $ROUNDS rounds (ms; spawn -> exit of the command) =="
printf '%-13s %5s %8s %8s %8s %8s %8s %8s  %-13s %-13s\n' row n median mean p90 p99 min max "median/floor" "mean/floor"
fl=${S[floor]:-}
for r in $ONLY; do
  read -r n med p90 p99 mean mn mx <<<"${S[$r]}"
  if [ -n "$fl" ]; then rm_=$(ratio2 "$med" "$(st_field "$fl" 2)")x; ra=$(ratio2 "$mean" "$(st_field "$fl" 5)")x; else rm_=n/a; ra=n/a; fi
  printf '%-13s %5s %8s %8s %8s %8s %8s %8s  %-13s %-13s\n' "$r" "$n" "$med" "$mean" "$p90" "$p99" "$mn" "$mx" "$rm_" "$ra"
done
if [ -n "${S[tend]:-}" ]; then
  tmed=$(st_field "${S[tend]}" 2); tmean=$(st_field "${S[tend]}" 5)
  echo
  echo "targets (tend = paused queue):"
  if [ -n "$fl" ]; then
    fmed=$(st_field "$fl" 2); fmean=$(st_field "$fl" 5)
    printf '  tend median <= 1.5x floor: %.2fx -> %s\n' "$(ratio2 "$tmed" "$fmed")" "$(pass_if "$tmed <= 1.5 * $fmed")"
    printf '  tend mean   <= 1.5x floor: %.2fx -> %s\n' "$(ratio2 "$tmean" "$fmean")" "$(pass_if "$tmean <= 1.5 * $fmean")"
  fi
  for c in tsp nq; do
    [ -n "${S[$c]:-}" ] || continue
    cmed=$(st_field "${S[$c]}" 2); cmean=$(st_field "${S[$c]}" 5)
    printf '  tend median <= 0.5x %-3s: %.2fx -> %s\n' "$c" "$(ratio2 "$tmed" "$cmed")" "$(pass_if "$tmed <= 0.5 * $cmed")"
    printf '  tend mean   <= 0.5x %-3s: %.2fx -> %s\n' "$c" "$(ratio2 "$tmean" "$cmean")" "$(pass_if "$tmean <= 0.5 * $cmean")"
  done
  if [ -n "${S[tend-running]:-}" ]; then
    rmed=$(st_field "${S[tend-running]}" 2); rmean=$(st_field "${S[tend-running]}" 5)
    [ -n "$fl" ] && printf '  (info) tend-running vs floor: median %.2fx, mean %.2fx\n' "$(ratio2 "$rmed" "$fmed")" "$(ratio2 "$rmean" "$fmean")"
  fi
fi
echo "tsp and nq do not fsync anything: their rows are the cost of their IPC and process work only."
