#!/usr/bin/env bash
# Benchmark 1: crash -> respawn latency with no backoff.
#
# One service whose process logs its start time and, immediately before exiting 1,
# its exit time (probe_crash.c, CLOCK_MONOTONIC). The latency of a cycle is
# start(n+1) - exit(n). Supervisors, one after the other (never in parallel):
#   tendd        restart = "always", restart_delay = "0", crash_limit = 1000000
#   s6           s6-svscan + s6-supervise, plain service directory
#   s6-ready     same with notification-fd = 3; the probe declares readiness first
#   runit        runsv on a service directory
#   supervisord  startsecs = 0, autorestart = true
#   floor        floor_supervisor.c: a bare waitpid/fork/exec loop, the machine's floor
# Environment:
#   BENCH_CYCLES=500            cycles measured per supervisor (after warm-up)
#   BENCH_WARMUP=5              first cycles ignored
#   BENCH_REF_MAX_SECONDS=60    time cap for one reference (the slow ones restart about once a second)
#   BENCH_TEND_MAX_SECONDS=120  time cap for tendd
#   BENCH_ONLY="tendd s6 ..."   subset to run
source "$(dirname "$0")/lib.sh"

CYCLES=${BENCH_CYCLES:-500}
WARMUP=${BENCH_WARMUP:-5}
REF_MAX=${BENCH_REF_MAX_SECONDS:-60}
TEND_MAX=${BENCH_TEND_MAX_SECONDS:-120}
ONLY=${BENCH_ONLY:-tendd floor s6 s6-ready runit supervisord}

ensure_packages s6 runit supervisor gcc libc6-dev
build_tend
check_quiet_machine
wait_quiet
bench_tmpdir respawn
W=$BENCH_TMP

if ! cc -O2 -static -o "$W/probe" "$BENCH_SRC/probe_crash.c" 2>/dev/null; then
  cc -O2 -o "$W/probe" "$BENCH_SRC/probe_crash.c"
fi
cc -O2 -o "$W/floor_supervisor" "$BENCH_SRC/floor_supervisor.c"

starts() { grep -c '^S' "$1" 2>/dev/null || echo 0; }

# wait_cycles LOG MAXSEC: until CYCLES+WARMUP+1 starts are logged or MAXSEC elapsed.
wait_cycles() {
  local logf=$1 max=$2 want=$((CYCLES + WARMUP + 1)) t0
  t0=$(date +%s)
  while [ "$(starts "$logf")" -lt "$want" ]; do
    if [ $(( $(date +%s) - t0 )) -ge "$max" ]; then
      log "  time cap ${max}s reached after $(starts "$logf") starts"
      return 0
    fi
    sleep 0.2
  done
}

declare -A RES SS

measure() {   # measure NAME LOG
  local name=$1 logf=$2
  "${PT[@]}" latencies "$logf" --skip "$WARMUP" --limit "$CYCLES" >"$W/$name.lat"
  "${PT[@]}" startstart "$logf" --skip "$WARMUP" --limit "$CYCLES" >"$W/$name.ss"
  RES[$name]=$("${PT[@]}" stats "$W/$name.lat")
  SS[$name]=$("${PT[@]}" stats "$W/$name.ss")
  log "  $name: n median p90 p99 mean min max = ${RES[$name]}"
}

run_tendd() {
  local d=$W/tendd; mkdir -p "$d"
  cat >"$d/tend.toml" <<EOF
[program.p]
command = ["$W/probe", "$d/probe.log"]
instances = 1
restart = "always"
restart_delay = "0"
crash_limit = 1000000
crash_window = "1s"
output = "null"
EOF
  start_tendd "$d" "$d/tend.toml"
  wait_cycles "$d/probe.log" "$TEND_MAX"
  "$TEND" --socket "$TENDD_SOCK" status --json >"$d/status.json" 2>&1 || true
  stop_root "$TENDD_PID" tendd "$TENDD_SOCK"
  measure tendd "$d/probe.log"
}

# s6: ./run is the probe itself (no shell in between); the log path comes from
# the environment, which s6-svscan and s6-supervise pass down unchanged.
run_s6() {   # run_s6 NAME READY(0|1)
  local name=$1 ready=$2 d=$W/$1
  mkdir -p "$d/scan/p"
  cp "$W/probe" "$d/scan/p/run"
  local envs=(BENCH_LOG="$d/probe.log")
  if [ "$ready" = 1 ]; then
    echo 3 >"$d/scan/p/notification-fd"
    envs+=(BENCH_NOTIFY_FD=3)
  fi
  env "${envs[@]}" s6-svscan "$d/scan" </dev/null >"$d/s6.out" 2>&1 &
  local pid=$!
  register_root "$pid" s6-svscan
  wait_cycles "$d/probe.log" "$REF_MAX"
  stop_root "$pid" s6-svscan
  measure "$name" "$d/probe.log"
}

run_runit() {
  local d=$W/runit
  mkdir -p "$d/sv/p"
  cp "$W/probe" "$d/sv/p/run"
  BENCH_LOG="$d/probe.log" runsv "$d/sv/p" </dev/null >"$d/runsv.out" 2>&1 &
  local pid=$!
  register_root "$pid" runsv
  wait_cycles "$d/probe.log" "$REF_MAX"
  stop_root "$pid" runsv
  measure runit "$d/probe.log"
}

run_supervisord() {
  local d=$W/supervisord; mkdir -p "$d"
  supervisord_conf "$d/supervisord.conf" "$d"
  cat >>"$d/supervisord.conf" <<EOF

[program:p]
command=$W/probe $d/probe.log
autostart=true
autorestart=true
startsecs=0
startretries=1000000
stdout_logfile=NONE
stderr_logfile=NONE
EOF
  supervisord -n -c "$d/supervisord.conf" </dev/null >"$d/supervisord.out" 2>&1 &
  local pid=$!
  register_root "$pid" supervisord
  wait_cycles "$d/probe.log" "$REF_MAX"
  stop_root "$pid" supervisord
  measure supervisord "$d/probe.log"
}

run_floor() {
  local d=$W/floor; mkdir -p "$d"
  BENCH_LOG="$d/probe.log" timeout "$TEND_MAX" "$W/floor_supervisor" $((CYCLES + WARMUP + 2)) "$W/probe" || true
  measure floor "$d/probe.log"
}

for s in $ONLY; do
  log "respawn latency: $s (load $(loadavg))"
  case $s in
    tendd) run_tendd ;;
    floor) run_floor ;;
    s6) run_s6 s6 0 ;;
    s6-ready) run_s6 s6-ready 1 ;;
    runit) run_runit ;;
    supervisord) run_supervisord ;;
    *) die "unknown supervisor $s" ;;
  esac
done

# ------------------------------------------------------------------ report ----
echo
echo "== Benchmark 1: crash -> respawn latency, no backoff (ms; start(n+1) - exit(n), CLOCK_MONOTONIC) =="
echo "   cycles wanted: $CYCLES after $WARMUP warm-up; references capped at ${REF_MAX}s"
tm=$(awk '{print $2}' <<<"${RES[tendd]:-x nan}")
printf '%-12s %6s %9s %9s %9s %9s %9s %14s %16s\n' supervisor cycles median p90 p99 mean max "median/tendd" "start->start med"
for s in $ONLY; do
  read -r n med p90 p99 mean mn mx <<<"${RES[$s]}"
  ssmed=$(awk '{print $2}' <<<"${SS[$s]}")
  if [ "$s" = tendd ]; then r="1.0"; elif [ -z "${RES[tendd]:-}" ] || [ "$n" = n=0 ]; then r="n/a"; else r="$(ratio "$med" "$tm")x"; fi
  printf '%-12s %6s %9s %9s %9s %9s %9s %14s %16s\n' "$s" "$n" "$med" "$p90" "$p99" "$mean" "$mx" "$r" "$ssmed"
done
if [ -n "${RES[tendd]:-}" ]; then
  verdict=$(awk -v m="$tm" 'BEGIN{print (m <= 5.0) ? "met" : "MISSED"}')
  echo "target: tendd median <= 5 ms -> $verdict (median $tm ms)"
fi
for s in s6 s6-ready; do
  if [ -n "${SS[$s]:-}" ] && [ "${SS[$s]}" != n=0 ]; then
    ssmed=$(awk '{print $2}' <<<"${SS[$s]}")
    echo "note: $s restarts at most once per second (s6-supervise keeps 1 s between two spawns of ./run);" \
         "its own respawn work beyond that floor is about $(awk -v x="$ssmed" 'BEGIN{printf "%.2f", x-1000}') ms (start->start median - 1000 ms)"
  fi
done
