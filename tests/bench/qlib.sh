# Shared helpers for the job-queue benchmarks (bench_submit_latency.sh, bench_bulk.sh,
# bench_concurrent.sh, bench_dispatch.sh, bench_job_latency.sh, bench_queue_scale.sh).
# Sourced after lib.sh does its part (root check, cleanup trap, build_tend, start_tendd).
# shellcheck shell=bash

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# ---------------------------------------------------------------- cleanup ----
# Extra cleanup commands (competitor servers, perf counters) run before lib.sh's
# bench_cleanup, which stops every tendd registered with register_root.
Q_CLEANUP=()
q_on_exit() {
  local rc=$? h
  set +e
  for h in "${Q_CLEANUP[@]}"; do eval "$h"; done
  (exit "$rc")
  bench_cleanup
}
trap q_on_exit EXIT

# ---------------------------------------------------------------- helpers ----
# build_helpers: compiles the C helpers of this directory into $BENCH_TMP/bin.
build_helpers() {
  ensure_packages gcc libc6-dev
  local b=$BENCH_TMP/bin f
  mkdir -p "$b"
  for f in spawn_driver floor_append job_latency proto_submit; do
    cc -O2 -Wall -o "$b/$f" "$BENCH_SRC/$f.c" || die "cc $f.c failed"
  done
  cc -O2 -Wall -static -o "$b/stamp" "$BENCH_SRC/stamp.c" 2>/dev/null \
    || cc -O2 -Wall -o "$b/stamp" "$BENCH_SRC/stamp.c" || die "cc stamp.c failed"
  SPAWN=$b/spawn_driver
}

# queue_conf FILE [NAME CONCURRENCY MAX_PENDING]...: a tend.toml with those queues.
queue_conf() {
  local f=$1; shift
  : >"$f"
  while [ $# -ge 3 ]; do
    printf '[queue.%s]\nconcurrency = %s\nmax_pending = %s\n\n' "$1" "$2" "$3" >>"$f"
    shift 3
  done
}

# q_start_tendd DIR CONF: start_tendd, then wait until tendd answers requests.
# Sets TENDD_PID, TENDD_SOCK, TENDD_DIR and TQ (the tend command line for it).
q_start_tendd() {
  start_tendd "$1" "$2"
  TENDD_DIR=$1
  TQ=("$TEND" --socket "$TENDD_SOCK" --state-dir "$1/state")
  local i
  for i in $(seq 1 400); do
    "${TQ[@]}" queues --json >/dev/null 2>&1 && return 0
    sleep 0.05
  done
  die "tendd does not answer on $TENDD_SOCK"
}

# qfield FIELD [QUEUE]: one field of `tend queues --json` for QUEUE (default "default").
qfield() {
  "${TQ[@]}" queues --json | "$PY" -c '
import json, sys
f, q = sys.argv[1], sys.argv[2]
for e in json.load(sys.stdin):
    if e["name"] == q:
        print(e[f]); break
else:
    sys.exit("no queue " + q)' "$1" "${2:-default}"
}

# wait_queue_idle QUEUE [SECONDS]: until nothing of QUEUE is pending or running.
wait_queue_idle() {
  local q=$1 max=${2:-120} t0 p r
  t0=$(date +%s)
  while :; do
    p=$(qfield pending "$q"); r=$(qfield running "$q")
    [ "$p" = 0 ] && [ "$r" = 0 ] && return 0
    [ $(( $(date +%s) - t0 )) -ge "$max" ] && die "queue $q not idle after ${max}s ($p pending, $r running)"
    sleep 0.1
  done
}

# no_spool: every submit must have reached tendd; a spooled submit would measure the
# spool, not the queue.
no_spool() {
  local s=$TENDD_DIR/state/spool
  if [ -d "$s" ] && [ -n "$(ls -A "$s")" ]; then
    die "tend submit stored jobs in the spool ($s): tendd was unreachable; the numbers are void"
  fi
}

# mem_kb PID -> "VmRSS_kB Pss_kB"
mem_kb() {
  local rss pss
  rss=$(awk '/^VmRSS:/{print $2}' "/proc/$1/status")
  pss=$(awk '/^Pss:/{print $2}' "/proc/$1/smaps_rollup")
  echo "$rss $pss"
}

# fsync counting with kernel tracepoints (perf stat -p: no ptrace, no slowdown).
#   counters_start PID  ...  counters_stop  -> sets CNT_FDATASYNC, CNT_FSYNC, CNT_WRITES
#   (writes: write + pwrite64 + writev + pwritev calls of that process, all threads)
PERF_PID=""
counters_start() {
  CNT_OUT=$BENCH_TMP/perf.$RANDOM.txt
  PERF_PID=""
  if command -v perf >/dev/null 2>&1; then
    perf stat -x, -o "$CNT_OUT" -p "$1" \
      -e syscalls:sys_enter_fdatasync,syscalls:sys_enter_fsync,syscalls:sys_enter_write,syscalls:sys_enter_pwrite64,syscalls:sys_enter_writev,syscalls:sys_enter_pwritev \
      2>/dev/null &
    PERF_PID=$!
    Q_CLEANUP+=("kill -INT $PERF_PID 2>/dev/null; wait $PERF_PID 2>/dev/null")
    sleep 0.5   # perf attaches asynchronously
  fi
}
counters_stop() {
  CNT_FDATASYNC=n/a; CNT_FSYNC=n/a; CNT_WRITES=n/a
  [ -n "$PERF_PID" ] || return 0
  kill -INT "$PERF_PID" 2>/dev/null || true
  wait "$PERF_PID" 2>/dev/null || true
  PERF_PID=""
  [ -s "$CNT_OUT" ] || return 0
  CNT_FDATASYNC=$(awk -F, '$3=="syscalls:sys_enter_fdatasync"{print $1}' "$CNT_OUT")
  CNT_FSYNC=$(awk -F, '$3=="syscalls:sys_enter_fsync"{print $1}' "$CNT_OUT")
  CNT_WRITES=$(awk -F, '$3 ~ /sys_enter_(write|pwrite64|writev|pwritev)$/{s+=$1} END{print s+0}' "$CNT_OUT")
  case $CNT_FDATASYNC in ''|*[!0-9]*) CNT_FDATASYNC=n/a ;; esac
  case $CNT_FSYNC in ''|*[!0-9]*) CNT_FSYNC=n/a ;; esac
}

# stats FILE -> "n median p90 p99 mean min max" (ms)
stats() { "${PT[@]}" stats "$1"; }
st_field() { awk -v i="$2" '{print $i}' <<<"$1"; }   # st_field "$STATS" 2 -> median
# ratio3 A B: A/B with 2 decimals
ratio2() { awk -v a="$1" -v b="$2" 'BEGIN{ if (b+0==0) print "inf"; else printf "%.2f", a/b }'; }
# pass_if AWK_CONDITION -> PASS|FAIL
pass_if() { awk "BEGIN{print ($1) ? \"PASS\" : \"FAIL\"}"; }
