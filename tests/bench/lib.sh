# Shared helpers for the tend benchmarks. Sourced by the bench_*.sh scripts.
# shellcheck shell=bash

set -euo pipefail

BENCH_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$BENCH_SRC/../.." && pwd)
PY=/usr/bin/python3                 # Debian's python (supervisor depends on it anyway)
PT=("$PY" "$BENCH_SRC/proctool.py")
BUILD_DIR=${TEND_BUILD_DIR:-$REPO/build-bench}

log() { printf '[%s] %s\n' "$(date +%T)" "$*" >&2; }
die() { log "error: $*"; exit 1; }
now_ns() { date +%s%N; }

[ "$(id -u)" = 0 ] || die "run as root (installs Debian packages, supervises test services)"

# ---------------------------------------------------------------- cleanup ----
# Every process a benchmark starts is registered here and torn down on exit,
# whatever way the script ends.
BENCH_ROOTS=()      # "pid:kind" of supervisors we started (kind selects the stop method)
BENCH_TMP=""

bench_tmpdir() {    # bench_tmpdir NAME -> sets BENCH_TMP
  BENCH_TMP=$(mktemp -d "/tmp/tend-bench-$1.XXXXXX")
  chmod 755 "$BENCH_TMP"
}

register_root() { BENCH_ROOTS+=("$1:$2"); }

alive() { [ -n "$1" ] && kill -0 "$1" 2>/dev/null && [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" != Z ]; }

wait_gone() {       # wait_gone PID SECONDS
  local pid=$1 deadline=$(( $(date +%s) + $2 ))
  while alive "$pid"; do
    [ "$(date +%s)" -ge "$deadline" ] && return 1
    sleep 0.1
  done
  wait "$pid" 2>/dev/null || true
  return 0
}

# stop_root PID KIND [SOCKET]: graceful stop in the way of that supervisor,
# then SIGKILL to whatever is left of its process tree.
stop_root() {
  local pid=$1 kind=$2 extra=${3:-} tree
  alive "$pid" || { wait "$pid" 2>/dev/null || true; return 0; }
  tree=$("${PT[@]}" tree "$pid" 2>/dev/null || true)
  case $kind in
    tendd)       if [ -n "$extra" ] && [ -S "$extra" ]; then
                   timeout 20 "$TEND" --socket "$extra" shutdown >/dev/null 2>&1 || kill -TERM "$pid" 2>/dev/null || true
                 else kill -TERM "$pid" 2>/dev/null || true; fi ;;
    runsvdir)    kill -HUP "$pid" 2>/dev/null || true ;;     # runsvdir: HUP = TERM every runsv, then exit
    *)           kill -TERM "$pid" 2>/dev/null || true ;;    # supervisord, s6-svscan, runsv
  esac
  if ! wait_gone "$pid" 30; then
    log "warning: $kind ($pid) did not stop in 30 s; killing its tree"
  fi
  # Anything of the tree that survived (or was orphaned by a forced stop).
  local p left=()
  for p in $tree; do alive "$p" && left+=("$p"); done
  if [ ${#left[@]} -gt 0 ]; then
    kill -TERM "${left[@]}" 2>/dev/null || true
    sleep 0.5
    for p in "${left[@]}"; do alive "$p" && kill -KILL "$p" 2>/dev/null || true; done
  fi
  wait "$pid" 2>/dev/null || true
}

bench_cleanup() {
  local rc=$? r
  set +e
  for r in "${BENCH_ROOTS[@]}"; do
    IFS=: read -r pid kind extra <<<"$r"
    stop_root "$pid" "$kind" "$extra"
  done
  BENCH_ROOTS=()
  if [ -n "$BENCH_TMP" ] && [ -z "${BENCH_KEEP_TMP:-}" ]; then rm -rf "$BENCH_TMP"; fi
  [ -n "${BENCH_KEEP_TMP:-}" ] && [ -n "$BENCH_TMP" ] && log "kept $BENCH_TMP"
  exit "$rc"
}
trap bench_cleanup EXIT
trap 'exit 130' INT TERM

# --------------------------------------------------------------- packages ----
# Installs Debian packages idempotently without letting their maintainer scripts
# start system services (a running /etc/supervisor supervisord or /etc/service
# runsvdir would compete for the CPUs and pollute every number).
ensure_packages() {
  local p missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "installing Debian packages: ${missing[*]}"
  local made_policy=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\n# tend benchmarks: do not start services during package installation\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
    made_policy=1
  fi
  local ok=0
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" >/tmp/tend-bench-apt.log 2>&1 && ok=1
  if [ $ok = 0 ]; then
    apt-get update -qq >>/tmp/tend-bench-apt.log 2>&1 || true
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" >>/tmp/tend-bench-apt.log 2>&1 && ok=1
  fi
  [ $made_policy = 1 ] && rm -f /usr/sbin/policy-rc.d
  [ $ok = 1 ] || die "apt-get install ${missing[*]} failed (see /tmp/tend-bench-apt.log)"
  # Belt and braces: if a maintainer script started the Debian services anyway, stop them.
  if [ -x /etc/init.d/supervisor ] && pgrep -f 'supervisord.*/etc/supervisor/supervisord.conf' >/dev/null; then
    log "stopping the Debian supervisor service that the package installation started"
    /etc/init.d/supervisor stop >/dev/null 2>&1 || true
  fi
}

# Warn about supervisors that are not ours and would compete for the CPUs.
check_quiet_machine() {
  local others
  others=$(pgrep -a -f '(^|/)(supervisord|runsvdir|runsv|s6-svscan|s6-supervise|tendd)( |$)' || true)
  if [ -n "$others" ]; then
    log "warning: supervisors not started by this benchmark are running (they add noise):"
    printf '%s\n' "$others" >&2
  fi
}

# Timing numbers mean little while other work competes for the 2 CPUs. Wait (up to
# BENCH_QUIET_MAX_WAIT seconds, default 300) until the 1-minute load average is below
# BENCH_QUIET_LOAD (default 1.0); measure anyway after that, saying so.
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }
wait_quiet() {
  local max=${BENCH_QUIET_MAX_WAIT:-300} thr=${BENCH_QUIET_LOAD:-1.0} t0
  t0=$(date +%s)
  while awk -v l="$(cut -d' ' -f1 /proc/loadavg)" -v t="$thr" 'BEGIN{exit !(l >= t)}'; do
    if [ $(( $(date +%s) - t0 )) -ge "$max" ]; then
      log "warning: load average still $(loadavg) after ${max}s; measuring anyway (numbers are noisy)"
      return 0
    fi
    [ $(( ($(date +%s) - t0) % 30 )) -eq 0 ] && log "waiting for a quiet machine (load $(loadavg), want < $thr)"
    sleep 5
  done
  log "load average $(loadavg)"
}

# ------------------------------------------------------------------- tend ----
build_tend() {
  if [ -n "${TEND_BIN_DIR:-}" ]; then
    TENDD=$TEND_BIN_DIR/tendd; TEND=$TEND_BIN_DIR/tend
  else
    ensure_packages cmake g++ make
    log "building tend (Release) in $BUILD_DIR"
    cmake -S "$REPO" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release >/tmp/tend-bench-build.log 2>&1 \
      || die "cmake configure failed (see /tmp/tend-bench-build.log)"
    cmake --build "$BUILD_DIR" -j2 --target tend tendd >>/tmp/tend-bench-build.log 2>&1 \
      || die "build failed (see /tmp/tend-bench-build.log)"
    grep -q '^CMAKE_BUILD_TYPE:STRING=Release' "$BUILD_DIR/CMakeCache.txt" \
      || log "warning: $BUILD_DIR is not a Release build"
    TENDD=$BUILD_DIR/tendd; TEND=$BUILD_DIR/tend
  fi
  [ -x "$TENDD" ] && [ -x "$TEND" ] || die "tend binaries not found ($TENDD, $TEND)"
  log "tendd: $TENDD (built $(date -r "$TENDD" +%FT%T), tree $(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$REPO" diff --quiet HEAD -- 2>/dev/null || echo '+local changes'))"
}

# start_tendd DIR CONFIG -> sets TENDD_PID, TENDD_SOCK (state in DIR/state, stderr in DIR/tendd.err)
start_tendd() {
  local dir=$1 conf=$2
  mkdir -p "$dir/state"
  TENDD_SOCK=$dir/tend.sock
  "$TENDD" --config "$conf" --state-dir "$dir/state" --socket "$TENDD_SOCK" </dev/null >"$dir/tendd.out" 2>"$dir/tendd.err" &
  TENDD_PID=$!
  register_root "$TENDD_PID" tendd "$TENDD_SOCK"
  local i
  for i in $(seq 1 200); do
    [ -S "$TENDD_SOCK" ] && return 0
    alive "$TENDD_PID" || { cat "$dir/tendd.err" >&2; die "tendd exited at startup"; }
    sleep 0.05
  done
  die "tendd socket did not appear"
}

# --------------------------------------------------------- other supervisors --
# supervisord_conf FILE DIR  (header; append [program:x] sections yourself)
supervisord_conf() {
  cat >"$1" <<EOF
[supervisord]
nodaemon=true
logfile=$2/supervisord.log
pidfile=$2/supervisord.pid
childlogdir=$2
loglevel=warn

[unix_http_server]
file=$2/supervisor.sock

[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface

[supervisorctl]
serverurl=unix://$2/supervisor.sock
EOF
}

# Percentages and ratios.
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{ if (b+0==0) { if (a+0==0) print "1.0"; else print "inf" } else printf "%.1f", a/b }'; }
