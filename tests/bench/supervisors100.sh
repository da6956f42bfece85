# Starts each supervisor with N `sleep infinity` services (shared by bench_idle.sh
# and bench_memory.sh). Sourced after lib.sh; needs BENCH_TMP, TENDD/TEND.
# shellcheck shell=bash

declare -A ROOT_PID       # supervisor name -> pid of the root of its supervision tree

start_tendd_n() {   # start_tendd_n N
  local n=$1 d=$BENCH_TMP/tendd; mkdir -p "$d"
  {
    local i
    for i in $(seq 0 $((n - 1))); do
      printf '[program.s%03d]\ncommand = ["sleep", "infinity"]\ninstances = 1\nrestart = "always"\noutput = "null"\n\n' "$i"
    done
  } >"$d/tend.toml"
  start_tendd "$d" "$d/tend.toml"
  ROOT_PID[tendd]=$TENDD_PID
}

start_supervisord_n() {
  local n=$1 d=$BENCH_TMP/supervisord; mkdir -p "$d"
  supervisord_conf "$d/supervisord.conf" "$d"
  local i
  for i in $(seq 0 $((n - 1))); do
    printf '\n[program:s%03d]\ncommand=sleep infinity\nautostart=true\nautorestart=true\nstdout_logfile=NONE\nstderr_logfile=NONE\n' "$i"
  done >>"$d/supervisord.conf"
  supervisord -n -c "$d/supervisord.conf" </dev/null >"$d/supervisord.out" 2>&1 &
  ROOT_PID[supervisord]=$!
  register_root "$!" supervisord
}

make_servicedirs() {   # make_servicedirs DIR N: N service dirs whose run is `exec sleep infinity` (no forks per dir)
  local i n d dirs=()
  for ((i = 0; i < $2; i++)); do printf -v n '%03d' "$i"; dirs+=("$1/s$n"); done
  mkdir -p "${dirs[@]}"
  for d in "${dirs[@]}"; do printf '#!/bin/sh\nexec sleep infinity\n' >"$d/run"; done
  chmod 755 "${dirs[@]/%//run}"
}

start_runit_n() {
  local n=$1 d=$BENCH_TMP/runit; mkdir -p "$d/service"
  make_servicedirs "$d/service" "$n"
  runsvdir "$d/service" </dev/null >"$d/runsvdir.out" 2>&1 &
  ROOT_PID[runit]=$!
  register_root "$!" runsvdir
}

start_s6_n() {
  local n=$1 d=$BENCH_TMP/s6; mkdir -p "$d/scan"
  make_servicedirs "$d/scan" "$n"
  s6-svscan "$d/scan" </dev/null >"$d/s6-svscan.out" 2>&1 &
  ROOT_PID[s6]=$!
  register_root "$!" s6-svscan
}

start_all_n() {   # start_all_n N NAMES...
  local n=$1 s; shift
  for s in "$@"; do
    case $s in
      tendd) start_tendd_n "$n" ;;
      supervisord) start_supervisord_n "$n" ;;
      runit) start_runit_n "$n" ;;
      s6) start_s6_n "$n" ;;
      *) die "unknown supervisor $s" ;;
    esac
  done
}

# wait_all_sleeping N TIMEOUT NAMES...: until every tree has N `sleep` descendants.
wait_all_sleeping() {
  local n=$1 timeout=$2 s c t0; shift 2
  t0=$(date +%s)
  for s in "$@"; do
    while :; do
      c=$("${PT[@]}" count "${ROOT_PID[$s]}" sleep)
      [ "$c" -ge "$n" ] && break
      alive "${ROOT_PID[$s]}" || die "$s exited during startup"
      [ $(( $(date +%s) - t0 )) -ge "$timeout" ] && die "$s: only $c of $n services running after ${timeout}s"
      sleep 0.2
    done
    log "  $s: $n services running"
  done
}

# The supervision processes of a tree: everything but the supervised `sleep`s.
supervision_pids() { "${PT[@]}" tree "${ROOT_PID[$1]}" --exclude sleep; }
