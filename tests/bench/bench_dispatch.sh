#!/usr/bin/env bash
# Queue benchmark 4: dispatch throughput, 2000 trivial jobs with concurrency 2.
#
# Two shapes, each against xargs -P2 running the same 2000 processes:
#   shell   2000 lines `true` submitted with `tend submit --stdin` (tend runs each as
#           /bin/sh -c true)                    vs  xargs -P2 -n1 sh -c   (2000 x sh -c true)
#   argv    2000 x `tend submit -- /bin/true`  vs  xargs -P2 -n1 /bin/true (argv: one dummy arg)
# The jobs go into a paused queue (concurrency = 2). Timed: from just before
# `tend resume default` until `tend wait ID...` (all 2000 ids in one call) returns,
# i.e. every job ran and its end is durable. Then the script checks all 2000 succeeded.
# xargs runs before and after tend; the faster of its two runs is the reference.
# tendd's fdatasync calls and CPU ticks during the run are reported too.
# Environment:
#   BENCH_JOBS=2000   BENCH_SHAPES="shell argv"
# Target: tend rate >= 0.9x xargs rate (each shape).
source "$(dirname "$0")/qlib.sh"

JOBS=${BENCH_JOBS:-2000}
SHAPES=${BENCH_SHAPES:-shell argv}

build_tend
check_quiet_machine
bench_tmpdir dispatch
W=$BENCH_TMP
build_helpers
queue_conf "$W/tend.toml" default 2 100000
awk -v n="$JOBS" 'BEGIN{for (i = 0; i < n; i++) print "true"}' >"$W/lines"
awk -v n="$JOBS" 'BEGIN{for (i = 0; i < n; i++) print "x"}' >"$W/dummies"
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
secs_since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN{printf "%.3f", b - a}'; }

xargs_run() {   # xargs_run SHAPE -> seconds
  local t0
  t0=$EPOCHREALTIME
  case $1 in
    shell) xargs -P2 -n1 sh -c <"$W/lines" >/dev/null 2>&1 ;;
    argv)  xargs -P2 -n1 /bin/true <"$W/dummies" >/dev/null 2>&1 ;;
  esac
  secs_since "$t0"
}

declare -A X1 X2 T FDS TK OK
wait_quiet
for s in $SHAPES; do
  d=$W/$s
  log "$s: xargs run 1 (load $(loadavg))"
  X1[$s]=$(xargs_run "$s")
  q_start_tendd "$d" "$W/tend.toml"
  "${TQ[@]}" pause default >/dev/null
  log "$s: submitting $JOBS jobs into the paused queue"
  case $s in
    shell) "$SPAWN" -O "$d/ids" 1 -- "${TQ[@]}" submit --stdin <"$W/lines" >/dev/null || die "submit --stdin failed" ;;
    argv)  "$SPAWN" -O "$d/ids" "$JOBS" -- "${TQ[@]}" submit -- /bin/true >/dev/null || die "a submit failed" ;;
  esac
  no_spool
  [ "$(wc -l <"$d/ids")" = "$JOBS" ] || die "expected $JOBS ids"
  [ "$(qfield pending default)" = "$JOBS" ] || die "expected $JOBS pending jobs"
  mapfile -t ids <"$d/ids"
  log "$s: tend resume + tend wait (load $(loadavg))"
  counters_start "$TENDD_PID"; k0=$(ticks "$TENDD_PID")
  t0=$EPOCHREALTIME
  "${TQ[@]}" resume default >/dev/null
  "${TQ[@]}" wait "${ids[@]}" >/dev/null || die "tend wait: some job did not succeed"
  T[$s]=$(secs_since "$t0")
  TK[$s]=$(( $(ticks "$TENDD_PID") - k0 ))
  counters_stop
  FDS[$s]=$CNT_FDATASYNC
  OK[$s]=$(qfield succeeded default)
  [ "${OK[$s]}" = "$JOBS" ] || die "$s: ${OK[$s]} jobs succeeded, expected $JOBS"
  stop_root "$TENDD_PID" tendd "$TENDD_SOCK"
  log "$s: xargs run 2"
  X2[$s]=$(xargs_run "$s")
done

echo
echo "== Queue benchmark 4: dispatch, $JOBS trivial jobs, concurrency 2 (tend) / -P2 (xargs) =="
printf '%-6s %-36s %9s %9s %12s %12s %12s\n' shape row seconds jobs/s "tend/xargs" fdatasyncs tendd_ticks
for s in $SHAPES; do
  xb=$(awk -v a="${X1[$s]}" -v b="${X2[$s]}" 'BEGIN{print (a < b) ? a : b}')
  rt=$(awk -v n="$JOBS" -v t="${T[$s]}" 'BEGIN{printf "%.0f", n / t}')
  rx=$(awk -v n="$JOBS" -v t="$xb" 'BEGIN{printf "%.0f", n / t}')
  case $s in shell) what="tend (/bin/sh -c true)"; xw="xargs -P2 -n1 sh -c (true)" ;;
             argv)  what="tend (argv /bin/true)";  xw="xargs -P2 -n1 /bin/true" ;; esac
  printf '%-6s %-36s %9s %9s %12s %12s %12s\n' "$s" "$what" "${T[$s]}" "$rt" "$(ratio2 "$rt" "$rx")x" "${FDS[$s]}" "${TK[$s]}"
  printf '%-6s %-36s %9s %9s\n' "" "$xw (best of 2: ${X1[$s]}, ${X2[$s]})" "$xb" "$rx"
  echo "target ($s): tend rate >= 0.9x xargs: $(ratio2 "$rt" "$rx")x -> $(pass_if "$rt >= 0.9 * $rx")"
done
