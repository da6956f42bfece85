#!/usr/bin/env bash
# Benchmark 4: scale. 1000 instances of `sleep infinity`:
#   - time from launching the supervisor until all 1000 are running
#       tendd: polling `tend status --json` until 1000 instances say "running" (the
#              user-visible answer), and, by the same method as for the references,
#              polling /proc until 1000 `sleep` processes are in its tree;
#       references: /proc polling (their status commands are far slower than the
#              poll interval).
#   - latency of a full status query, median of BENCH_STATUS_RUNS runs (hyperfine):
#       tendd:       tend status --json
#       supervisord: supervisorctl status        (one program with numprocs = 1000)
#       runit:       sv status DIR/*             (one sv call with 1000 service dirs)
#       s6:          s6-svstat per service dir   (it takes one dir; a shell loop of 1000)
#   - time to stop everything (tend shutdown; SIGTERM/SIGHUP for the references).
# One supervisor at a time. Environment: BENCH_N=1000, BENCH_STATUS_RUNS=20, BENCH_ONLY.
source "$(dirname "$0")/lib.sh"

N=${BENCH_N:-1000}
RUNS=${BENCH_STATUS_RUNS:-20}
S6_RUNS=${BENCH_S6_STATUS_RUNS:-5}   # one run of the s6 loop execs s6-svstat N times
ONLY=${BENCH_ONLY:-tendd supervisord runit s6}
TIMEOUT=${BENCH_START_TIMEOUT:-300}

ensure_packages s6 runit supervisor hyperfine
build_tend
check_quiet_machine
wait_quiet
bench_tmpdir scale
W=$BENCH_TMP

declare -A T_UP T_UP_STATUS ST_MED ST_MIN ST_MAX T_STOP PSS_ROOT

ms_since() { echo $(( ($(now_ns) - $1) / 1000000 )); }

# wait_proc_count ROOT T0 -> ms until ROOT has N `sleep` descendants
wait_proc_count() {
  local root=$1 t0=$2 c
  while :; do
    c=$("${PT[@]}" count "$root" sleep)
    [ "$c" -ge "$N" ] && { ms_since "$t0"; return 0; }
    alive "$root" || die "supervisor $root exited during startup"
    [ $(( ($(now_ns) - t0) / 1000000000 )) -ge "$TIMEOUT" ] && die "only $c of $N running after ${TIMEOUT}s"
    sleep 0.05
  done
}

hyper() {   # hyper NAME RUNS [hyperfine options...] CMD
  local name=$1 runs=$2; shift 2
  hyperfine --runs "$runs" --warmup 2 -i --style none --export-json "$W/$name.hf.json" "$@" >"$W/$name.hf.out" 2>&1 \
    || { cat "$W/$name.hf.out" >&2; die "hyperfine failed for $name"; }
  read -r ST_MED[$name] ST_MIN[$name] ST_MAX[$name] < <("$PY" -c '
import json, sys
r = json.load(open(sys.argv[1]))["results"][0]
print("%.1f %.1f %.1f" % (r["median"] * 1000, r["min"] * 1000, r["max"] * 1000))' "$W/$name.hf.json")
  log "  $name status: median ${ST_MED[$name]} ms (min ${ST_MIN[$name]}, max ${ST_MAX[$name]})"
}

timed_stop() {   # timed_stop NAME PID KIND [SOCK]
  local t0; t0=$(now_ns)
  stop_root "$2" "$3" "${4:-}"
  T_STOP[$1]=$(ms_since "$t0")
}

count_running_json() {
  "$PY" -c '
import json, sys
try:
    d = json.load(sys.stdin)
except Exception:
    print(0); sys.exit()
print(sum(1 for i in d if i.get("state") == "running"))'
}

run_tendd() {
  local d=$W/tendd; mkdir -p "$d"
  cat >"$d/tend.toml" <<EOF
[program.s]
command = ["sleep", "infinity"]
instances = $N
restart = "always"
output = "null"
EOF
  # Two launches: the first measured by polling `tend status --json`, the second by
  # polling /proc (polling both at once would slow each other down).
  local t0 c
  t0=$(now_ns)
  start_tendd "$d" "$d/tend.toml"
  while :; do
    c=$("$TEND" --socket "$TENDD_SOCK" status --json 2>/dev/null | count_running_json)
    [ "$c" -ge "$N" ] && break
    alive "$TENDD_PID" || die "tendd exited during startup"
    [ $(( ($(now_ns) - t0) / 1000000000 )) -ge "$TIMEOUT" ] && die "tendd: only $c of $N running after ${TIMEOUT}s"
    sleep 0.05
  done
  T_UP_STATUS[tendd]=$(ms_since "$t0")
  log "  tendd: $N running per tend status after ${T_UP_STATUS[tendd]} ms"
  sleep 2
  PSS_ROOT[tendd]=$("${PT[@]}" pss "$TENDD_PID")
  "$TEND" --socket "$TENDD_SOCK" status --json >"$d/status.json"
  hyper tendd "$RUNS" -N "$TEND --socket $TENDD_SOCK status --json"
  timed_stop tendd "$TENDD_PID" tendd "$TENDD_SOCK"
  log "  tendd: stopped in ${T_STOP[tendd]} ms"

  rm -rf "$d/state"
  t0=$(now_ns)
  start_tendd "$d" "$d/tend.toml"
  T_UP[tendd]=$(wait_proc_count "$TENDD_PID" "$t0")
  log "  tendd: $N sleep processes after ${T_UP[tendd]} ms"
  stop_root "$TENDD_PID" tendd "$TENDD_SOCK"
}

run_supervisord() {
  local d=$W/supervisord; mkdir -p "$d"
  supervisord_conf "$d/supervisord.conf" "$d"
  cat >>"$d/supervisord.conf" <<EOF

[program:s]
command=sleep infinity
process_name=%(program_name)s_%(process_num)04d
numprocs=$N
autostart=true
autorestart=true
stdout_logfile=NONE
stderr_logfile=NONE
EOF
  # supervisord keeps one log fd per process stream even with NONE; give it room.
  ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
  local t0 pid; t0=$(now_ns)
  supervisord -n -c "$d/supervisord.conf" </dev/null >"$d/supervisord.out" 2>&1 &
  pid=$!; register_root "$pid" supervisord
  T_UP[supervisord]=$(wait_proc_count "$pid" "$t0")
  log "  supervisord: $N sleep processes after ${T_UP[supervisord]} ms"
  sleep 2
  PSS_ROOT[supervisord]=$("${PT[@]}" pss $("${PT[@]}" tree "$pid" --exclude sleep))
  hyper supervisord "$RUNS" -N "supervisorctl -c $d/supervisord.conf status"
  timed_stop supervisord "$pid" supervisord
}

make_dirs() {   # make_dirs DIR N: N service dirs whose run is `exec sleep infinity` (no forks per dir)
  local i n d dirs=()
  for ((i = 0; i < $2; i++)); do printf -v n '%04d' "$i"; dirs+=("$1/s$n"); done
  mkdir -p "${dirs[@]}"
  for d in "${dirs[@]}"; do printf '#!/bin/sh\nexec sleep infinity\n' >"$d/run"; done
  chmod 755 "${dirs[@]/%//run}"
}

run_runit() {
  local d=$W/runit; mkdir -p "$d/service"
  make_dirs "$d/service" "$N"
  local t0 pid; t0=$(now_ns)
  runsvdir "$d/service" </dev/null >"$d/runsvdir.out" 2>&1 &
  pid=$!; register_root "$pid" runsvdir
  T_UP[runit]=$(wait_proc_count "$pid" "$t0")
  log "  runit: $N sleep processes after ${T_UP[runit]} ms"
  sleep 2
  PSS_ROOT[runit]=$("${PT[@]}" pss $("${PT[@]}" tree "$pid" --exclude sleep))
  hyper runit "$RUNS" "sv status $d/service/*"
  timed_stop runit "$pid" runsvdir
}

run_s6() {
  local d=$W/s6; mkdir -p "$d/scan"
  make_dirs "$d/scan" "$N"
  local t0 pid; t0=$(now_ns)
  s6-svscan -c $((N + 100)) "$d/scan" </dev/null >"$d/s6-svscan.out" 2>&1 &   # -c: default max is 500 services
  pid=$!; register_root "$pid" s6-svscan
  T_UP[s6]=$(wait_proc_count "$pid" "$t0")
  log "  s6: $N sleep processes after ${T_UP[s6]} ms"
  sleep 2
  PSS_ROOT[s6]=$("${PT[@]}" pss $("${PT[@]}" tree "$pid" --exclude sleep))
  hyper s6 "$S6_RUNS" "for s in $d/scan/*; do s6-svstat \$s; done"
  timed_stop s6 "$pid" s6-svscan
}

for s in $ONLY; do
  log "scale: $s with $N services (load $(loadavg))"
  case $s in
    tendd) run_tendd ;;
    supervisord) run_supervisord ;;
    runit) run_runit ;;
    s6) run_s6 ;;
    *) die "unknown supervisor $s" ;;
  esac
done

echo
echo "== Benchmark 4: scale, $N x 'sleep infinity' (ms; status latency = median of $RUNS hyperfine runs) =="
printf '%-12s %12s %12s %12s %12s %10s %14s %12s\n' supervisor "all up" "ratio" "status med" "status max" "ratio" "stop" "PSS MiB"
for s in $ONLY; do
  if [ "$s" = tendd ]; then r1=1.0; r2=1.0
  elif [ -z "${T_UP[tendd]:-}" ]; then r1=n/a; r2=n/a
  else r1="$(ratio "${T_UP[$s]}" "${T_UP[tendd]}")x"; r2="$(ratio "${ST_MED[$s]}" "${ST_MED[tendd]}")x"; fi
  printf '%-12s %12s %12s %12s %12s %10s %14s %12s\n' "$s" "${T_UP[$s]}" "$r1" "${ST_MED[$s]}" "${ST_MAX[$s]}" "$r2" "${T_STOP[$s]}" \
    "$(awk -v k="${PSS_ROOT[$s]}" 'BEGIN{printf "%.2f", k/1024}')"
done
echo "(s6 status: median of $S6_RUNS runs of a loop of $N s6-svstat calls)"
echo "('all up': launch until $N sleep processes exist, /proc polling every 50 ms; stop: graceful stop until the supervisor exited)"
if [ -n "${T_UP_STATUS[tendd]:-}" ]; then
  echo "tendd: all $N 'running' per tend status --json after ${T_UP_STATUS[tendd]} ms"
  verdict=$(awk -v m="${ST_MED[tendd]}" 'BEGIN{print (m <= 50) ? "met" : "MISSED"}')
  echo "target: tend status --json median <= 50 ms -> $verdict (${ST_MED[tendd]} ms)"
fi
