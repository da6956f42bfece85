#!/usr/bin/env bash
# Rollout benchmark: `tend restart --rolling --wait web` of 4 instances of an HTTP server
# (ready = "notify", all instances on one tendd-owned TCP listener passed as fd 3, policy
# max_unavailable = 1, max_surge = 0), for each server profile of BENCH_SERVERS (default both,
# one after the other in the same run, each with a tendd of its own and the same method):
#  python  tests/integration/ready_server.py --listen-fds --notify: its start-to-ready is ~100 ms
#          of CPU (importing http.server), which on 2 CPUs is taken from serving.
#  c       http_server.c (this directory, compiled into the temp dir): its start waits
#          BENCH_C_START_MS (100) ms without CPU, as a server waiting on a database or config
#          store does. Same answers, same SIGTERM semantics.
# Two targets (SPEC §5.5), measured and reported per profile:
#  1. The rollout takes <= 1.2x the sum of the instances' own start-to-ready times. Reference, in
#     the same run: standalone.py (below) starts the same command 4 times in a row the way tendd
#     does (/bin/sh -c, listener on fd 3 with LISTEN_FDS=1 and LISTEN_PID of the child,
#     NOTIFY_SOCKET) and times fork -> READY=1 datagram. BENCH_RUNS rounds of (4 standalone
#     starts, 1 rollout), interleaved so load drift hits both; medians compared. The harness also
#     times SIGTERM -> exit of each server (info only: with max_surge = 0 every step stops an old
#     instance before it starts the new one, time the target does not grant). It sends SIGTERM
#     right after READY=1, so this can be shorter than an idle instance's stop in a rollout.
#  2. Requests/s under wrk during BENCH_ROLLOUTS back-to-back rollouts >= 0.8x the steady state
#     (wrk -d BENCH_STEADY_SECONDS before and after the rollouts, their mean), with 0 socket
#     errors and 0 non-2xx answers. The server answers one request per connection (HTTP/1.0).
#     These rollouts use BENCH_LOAD_POLICY (default --max-unavailable 0 --max-surge 1: capacity
#     never drops). The floor, same run: the same server starts by standalone.py, no tendd,
#     under the same load; tendd's rollouts are also reported against it.
#  3. Probation (SPEC §5.5 min_ready): targets 1 and 2 run with min_ready = "0s" (a new instance
#     counts as soon as it is ready). Then the config gets BENCH_MIN_READY (default "5s", the
#     default of min_ready), applied live by `tend reload`, and BENCH_PROBATION_RUNS (2)
#     rollouts with the policy of target 1 are timed. Each of the 4 steps now waits min_ready
#     after READY=1, so the target is: rollout <= 1.2x the start-to-ready sum + 4 x min_ready
#     (the overhead beyond probation stays within target 1's 20%).
# The 4 instances are idle during the standalone starts: their CPU use then is reported, since a
# server that spins while idle slows the reference starts and every other number.
# A table per profile, then both side by side.
# Environment: BENCH_SERVERS="python c", BENCH_RUNS=5, BENCH_ROLLOUTS=5, BENCH_STEADY_SECONDS=10,
#   BENCH_WRK="-t2 -c8", BENCH_LOAD_POLICY="--max-unavailable 0 --max-surge 1",
#   BENCH_SERVER=tests/integration/ready_server.py (the python profile's server: another one
#   taking the same options), BENCH_C_START_MS=100, BENCH_MIN_READY=5s, BENCH_PROBATION_RUNS=2
source "$(dirname "$0")/lib.sh"

RUNS=${BENCH_RUNS:-5}
ROLLOUTS=${BENCH_ROLLOUTS:-5}
# Target 2's rollouts: the zero-downtime policy a deploy under load would use (capacity never
# drops below `instances`); target 1 keeps the program's default policy (1, 0).
LOAD_POLICY=${BENCH_LOAD_POLICY:---max-unavailable 0 --max-surge 1}
STEADY=${BENCH_STEADY_SECONDS:-10}
read -r -a WRK_OPTS <<<"${BENCH_WRK:--t2 -c8}"
read -r -a SERVERS <<<"${BENCH_SERVERS:-python c}"
C_START_MS=${BENCH_C_START_MS:-100}
MIN_READY=${BENCH_MIN_READY:-5s}
PROBATION_RUNS=${BENCH_PROBATION_RUNS:-2}
MIN_READY_MS=$(awk -v d="$MIN_READY" 'BEGIN{ v = d + 0
  if (d ~ /ms$/) print v; else if (d ~ /m$/) print v * 60000; else print v * 1000 }')
[ ${#SERVERS[@]} -gt 0 ] || die "BENCH_SERVERS is empty"
for p in "${SERVERS[@]}"; do
  case $p in python|c) ;; *) die "BENCH_SERVERS: unknown profile '$p' (python, c)" ;; esac
done
has_c() { [[ " ${SERVERS[*]} " == *" c "* ]]; }

ensure_packages wrk jq
if has_c; then ensure_packages gcc libc6-dev; fi
build_tend
check_quiet_machine
wait_quiet
bench_tmpdir rollout
W=$BENCH_TMP

# /usr/bin/python3 in both (not a pyenv shim from PATH): the same interpreter, the same start cost.
SERVER=${BENCH_SERVER:-$REPO/tests/integration/ready_server.py}
if has_c; then
  cc -O2 -Wall -Wextra -o "$W/http_server" "$BENCH_SRC/http_server.c" || die "cc http_server.c failed"
fi
profile_cmd() {    # profile_cmd PROFILE -> the program's command
  case $1 in
    python) echo "exec $PY $SERVER --listen-fds --notify" ;;
    c)      echo "exec $W/http_server --start-ms $C_START_MS" ;;
  esac
}
profile_name() {   # profile_name PROFILE -> what the report calls its server
  case $1 in
    python) basename "$SERVER" ;;
    c)      echo "http_server --start-ms $C_START_MS" ;;
  esac
}

# standalone.py CMD N OUT: N sequential starts of CMD; prints "start_ms stop_ms" per start.
cat >"$W/standalone.py" <<'EOF'
import os, signal, socket, sys, time
cmd, n, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
lis = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
lis.bind(("127.0.0.1", 0))
lis.listen(128)
name = f"tend-bench-rollout-{os.getpid()}"       # abstract, as tendd's NOTIFY_SOCKET is
ns = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
ns.bind("\0" + name)
ns.settimeout(30)
logf = open(out, "ab")
for i in range(n):
    t0 = time.monotonic_ns()
    pid = os.fork()
    if pid == 0:
        try:
            env = dict(os.environ, LISTEN_FDS="1", LISTEN_PID=str(os.getpid()),
                       NOTIFY_SOCKET="@" + name, TEND_INSTANCE=str(i))
            os.dup2(lis.fileno(), 3)
            os.set_inheritable(3, True)                # dup2(3, 3) would keep it close-on-exec
            os.dup2(logf.fileno(), 1)
            os.dup2(logf.fileno(), 2)
            os.execve("/bin/sh", ["/bin/sh", "-c", cmd], env)
        finally:
            os._exit(127)
    while b"READY=1" not in ns.recv(4096).split(b"\n"):   # STATUS=... datagrams are skipped
        pass
    t1 = time.monotonic_ns()
    os.kill(pid, signal.SIGTERM)
    os.waitpid(pid, 0)
    t2 = time.monotonic_ns()
    print(f"{(t1 - t0) / 1e6:.3f} {(t2 - t1) / 1e6:.3f}", flush=True)
EOF

T() { "$TEND" --socket "$TENDD_SOCK" "$@"; }
# check_gen: exactly 4 instances, all ready, all on generation $GEN.
check_gen() {
  local s
  s=$(T status --json web)
  [ "$(jq -r '"\(length) \([.[].generation] | unique | join(",")) \([.[].ready] | unique | join(","))"' <<<"$s")" = "4 $GEN true" ] \
    || die "after rollout to generation $GEN: $s"
}
# rollout FILE [nocheck]: one rollout, timed from the CLI's spawn to its exit; appends ms to FILE.
# Under wrk the check is left to the end: its CLI calls would put idle gaps between the rollouts.
rollout() {
  local t0 t1
  t0=$(now_ns)
  T restart --rolling --wait web ${3:-} >"$W/restart.out" 2>&1 || die "rollout failed: $(cat "$W/restart.out")"
  t1=$(now_ns)
  GEN=$((GEN + 1))
  [ "${2:-}" = nocheck ] || check_gen
  awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.3f\n", (b - a) / 1e6}' >>"$1"
}
median() { "${PT[@]}" stats "$1" | awk '{print $2}'; }
r2() { awk -v a="$1" -v b="$2" 'BEGIN{ if (b + 0 == 0) print "inf"; else printf "%.2f", a / b }'; }
wrk_fields() {   # wrk_fields FILE -> "req/s requests seconds socket_errors non2xx"
  awk '/requests in/ {n = $1; d = $4; sub(/,$/, "", d)    # wrk prints 950.00ms, 10.01s or 1.50m
                      d = d ~ /ms$/ ? d / 1000 : d ~ /m$/ ? d * 60 : d + 0}
       /^Requests\/sec:/ {r = $2}
       /Socket errors:/ {gsub(",", ""); e = $4 + $6 + $8 + $10}
       /Non-2xx/ {x = $NF}
       END {printf "%s %s %.2f %d %d\n", r, n, d, e, x}' "$1"
}

# measure PROFILE: the whole measurement of one profile, with a tendd of its own (stopped at
# the end, so the next profile runs alone); raw results in $W/PROFILE, read by report.
measure() {
  local prof=$1 D=$W/$1 CMD PORT URL r s t k0 k1 t0 tk0 tk1 idle_ticks=0 idle_ns=0 pids
  local roots=("${BENCH_ROOTS[@]}")
  CMD=$(profile_cmd "$prof")
  mkdir -p "$D"
  log "== profile $prof: $CMD"
  PORT=$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  URL=http://127.0.0.1:$PORT/
  cat >"$D/tend.toml" <<EOF
[program.web]
command = "$CMD"
instances = 4
ready = "notify"
ready_timeout = "30s"
stop_timeout = "10s"
sockets = ["tcp://127.0.0.1:$PORT"]

[program.web.rollout]
max_unavailable = 1
max_surge = 0
min_ready = "0s"
EOF
  start_tendd "$D/tendd" "$D/tend.toml"
  T start --wait web >/dev/null || die "tend start --wait web failed: $(tail -n5 "$D/tendd/tendd.err")"
  GEN=$(T status --json web | jq -r '.[0].generation')

  # -------------------------------------------- 1. rollout time vs start-to-ready ----
  : >"$D/starts"; : >"$D/stops"; : >"$D/rollouts"
  for r in $(seq 1 "$RUNS"); do
    log "[$prof] round $r/$RUNS (load $(loadavg))"
    mapfile -t pids < <(T status --json web | jq -r '.[].pid')
    read -r _ k0 <<<"$("${PT[@]}" counters "${pids[@]}")"; t0=$(now_ns)
    "$PY" "$W/standalone.py" "$CMD" 4 "$D/standalone.log" >"$D/sa.$r" || die "standalone.py failed"
    read -r _ k1 <<<"$("${PT[@]}" counters "${pids[@]}")"
    idle_ticks=$((idle_ticks + k1 - k0)); idle_ns=$((idle_ns + $(now_ns) - t0))
    read -r s t < <(awk '{s += $1; t += $2} END{printf "%.3f %.3f\n", s, t}' "$D/sa.$r")
    echo "$s" >>"$D/starts"; echo "$t" >>"$D/stops"
    rollout "$D/rollouts"
    log "  standalone start->READY $(cut -d' ' -f1 "$D/sa.$r" | paste -sd' ') ms; rollout $(tail -n1 "$D/rollouts") ms"
  done
  echo "$idle_ticks $idle_ns" >"$D/idle"

  # ------------------------------------------------- 2. throughput during rollouts ----
  # A -d window is the load generator's duration, not a wait on the product.
  steady() { log "[$prof] steady state $1 (${STEADY}s, load $(loadavg))"; wrk "${WRK_OPTS[@]}" -d"${STEADY}s" "$URL" >"$D/$1.wrk" 2>&1; }
  steady steady-before
  log "[$prof] wrk during $ROLLOUTS back-to-back rollouts (load $(loadavg))"
  : >"$D/wrk-rollouts"
  wrk "${WRK_OPTS[@]}" -d3600s "$URL" >"$D/during.wrk" 2>&1 &   # stopped by SIGINT below
  WRK_PID=$!
  register_root "$WRK_PID" plain
  tk0=$(awk '{print $14 + $15}' "/proc/$TENDD_PID/stat")   # utime + stime of tendd
  for _ in $(seq 1 "$ROLLOUTS"); do rollout "$D/wrk-rollouts" nocheck "$LOAD_POLICY"; done
  alive "$WRK_PID" || die "wrk ended before the rollouts did: $(cat "$D/during.wrk")"
  kill -INT "$WRK_PID"        # wrk prints its summary on SIGINT
  tk1=$(awk '{print $14 + $15}' "/proc/$TENDD_PID/stat")
  wait "$WRK_PID" || true
  echo $((tk1 - tk0)) >"$D/tendd-ticks"
  check_gen
  # The floor: the same 4 x ROLLOUTS server starts (and stops) without tendd, by standalone.py
  # on a listener of its own, under the same load. On a machine that wrk and the servers keep
  # busy, a starting process takes its share of the CPU whoever starts it: this is what any
  # supervisor's rollout costs here.
  log "[$prof] wrk during $ROLLOUTS x 4 standalone starts, no tendd (load $(loadavg))"
  wrk "${WRK_OPTS[@]}" -d3600s "$URL" >"$D/floor.wrk" 2>&1 &
  WRK_PID=$!
  register_root "$WRK_PID" plain
  for _ in $(seq 1 "$ROLLOUTS"); do "$PY" "$W/standalone.py" "$CMD" 4 "$D/standalone.log" >/dev/null || die "standalone.py failed"; done
  alive "$WRK_PID" || die "wrk ended before the standalone starts did: $(cat "$D/floor.wrk")"
  kill -INT "$WRK_PID"
  wait "$WRK_PID" || true
  steady steady-after
  for f in steady-before during floor steady-after; do
    grep -q '^Requests/sec:' "$D/$f.wrk" || die "[$prof] wrk printed no summary for $f: $(cat "$D/$f.wrk")"
  done
  # ------------------------------------------- 3. rollouts with probation (min_ready) ----
  sed -i "s/^min_ready = .*/min_ready = \"$MIN_READY\"/" "$D/tend.toml"
  T reload >/dev/null || die "tend reload (min_ready = $MIN_READY) failed"
  : >"$D/probation-rollouts"
  for r in $(seq 1 "$PROBATION_RUNS"); do
    log "[$prof] probation round $r/$PROBATION_RUNS, min_ready $MIN_READY (load $(loadavg))"
    rollout "$D/probation-rollouts"
    log "  rollout $(tail -n1 "$D/probation-rollouts") ms"
  done
  stop_root "$TENDD_PID" tendd "$TENDD_SOCK"     # returns once tendd has exited
  BENCH_ROOTS=("${roots[@]}")   # it and this profile's wrks are gone: the exit trap forgets them
}

# report PROFILE: the tables and verdicts of one profile; appends its row to $W/summary.
report() {
  local prof=$1 D=$W/$1 m_start m_stop m_roll idle_ticks idle_ns idle_pct ratio1 ratio2 v1 v2 \
        rb eb xb rd dd ed xd ra ea xa rs rf errors f rps n d e x
  m_start=$(median "$D/starts"); m_stop=$(median "$D/stops"); m_roll=$(median "$D/rollouts")
  echo
  echo "== Rollout benchmark [$prof]: tend restart --rolling --wait, 4 x $(profile_name "$prof"), ready = notify =="
  echo "   target 1 with the default policy (max_unavailable 1, max_surge 0) and min_ready 0s; target 2 with: $LOAD_POLICY"
  echo "1. rollout time vs the same command's own start-to-ready (ms; $RUNS rounds, each: 4 standalone starts then 1 rollout)"
  printf '%-7s %16s %14s %10s %20s %26s\n' round "sum start->READY" "sum TERM->exit" rollout "rollout/start-sum" "rollout-(start+stop) sums"
  paste "$D/starts" "$D/stops" "$D/rollouts" | awk '{printf "%-7d %16.1f %14.1f %10.1f %20.2f %26.1f\n", NR, $1, $2, $3, $3 / $1, $3 - $1 - $2}'
  printf '%-7s %16.1f %14.1f %10.1f %20s %26.1f\n' median "$m_start" "$m_stop" "$m_roll" "$(r2 "$m_roll" "$m_start")" \
    "$(awk -v a="$m_roll" -v b="$m_start" -v c="$m_stop" 'BEGIN{print a - b - c}')"
  cat "$D"/sa.* | cut -d' ' -f1 >"$D/all.s"; cat "$D"/sa.* | cut -d' ' -f2 >"$D/all.t"
  echo "   one server (median of $((RUNS * 4))): start->READY $(median "$D/all.s") ms, TERM->exit $(median "$D/all.t") ms"
  read -r idle_ticks idle_ns <"$D/idle"
  idle_pct=$(awk -v k="$idle_ticks" -v n="$idle_ns" 'BEGIN{printf "%.0f", k * 1e9 / n}')   # ticks are 1/100 s
  echo "   the 4 idle instances used ${idle_pct}% of a core during the standalone starts$( [ "$idle_pct" -le 5 ] ||
    echo ": WARNING, they should be idle; every number here is distorted (a server busy-polling?)")"
  ratio1=$(r2 "$m_roll" "$m_start")
  if awk -v r="$ratio1" 'BEGIN{exit !(r <= 1.2)}'; then v1=PASS; else v1=FAIL; fi
  echo "$v1: rollout median $m_roll ms = ${ratio1}x the start-to-ready sum $m_start ms (target <= 1.2x)"

  echo "2. requests/s during $ROLLOUTS back-to-back rollouts vs steady state (wrk ${WRK_OPTS[*]}, HTTP/1.0, one request per connection)"
  printf '%-16s %10s %10s %9s %14s %8s\n' phase "req/s" requests seconds "socket errors" non-2xx
  for f in steady-before during floor steady-after; do
    read -r rps n d e x <<<"$(wrk_fields "$D/$f.wrk")"
    printf '%-16s %10s %10s %9s %14s %8s\n' "$f" "$rps" "$n" "$d" "$e" "$x"
  done
  read -r rb _ _ eb xb <<<"$(wrk_fields "$D/steady-before.wrk")"
  read -r rd _ dd ed xd <<<"$(wrk_fields "$D/during.wrk")"
  read -r ra _ _ ea xa <<<"$(wrk_fields "$D/steady-after.wrk")"
  rs=$(awk -v a="$rb" -v b="$ra" 'BEGIN{printf "%.1f", (a + b) / 2}')
  echo "   rollouts took $(awk '{s += $1} END{printf "%.0f", s}' "$D/wrk-rollouts") ms of the ${dd}s wrk window" \
       "(median rollout under load $(median "$D/wrk-rollouts") ms); tendd used $(cat "$D/tendd-ticks") CPU ticks (1/100 s) meanwhile"
  ratio2=$(r2 "$rd" "$rs")
  errors=$((ed + xd + eb + xb + ea + xa))
  if awk -v r="$ratio2" 'BEGIN{exit !(r >= 0.8)}' && [ "$errors" = 0 ]; then v2=PASS; else v2=FAIL; fi
  echo "$v2: $rd req/s during rollouts = ${ratio2}x the steady $rs req/s (target >= 0.8x);" \
       "socket errors + non-2xx during rollouts: $((ed + xd)), steady: $((eb + xb + ea + xa)) (target 0)"
  read -r rf _ _ _ _ <<<"$(wrk_fields "$D/floor.wrk")"
  echo "   floor (the same starts without tendd, same load): $rf req/s = $(r2 "$rf" "$rs")x steady;" \
       "tendd's rollouts reach $(r2 "$rd" "$rf")x the floor"
  local m_prob bound3 v3
  m_prob=$(median "$D/probation-rollouts")
  bound3=$(awk -v s="$m_start" -v m="$MIN_READY_MS" 'BEGIN{printf "%.1f", 1.2 * s + 4 * m}')
  if awk -v a="$m_prob" -v b="$bound3" 'BEGIN{exit !(a <= b)}'; then v3=PASS; else v3=FAIL; fi
  echo "3. rollouts with min_ready = \"$MIN_READY\" ($PROBATION_RUNS, policy of target 1): $(paste -sd' ' "$D/probation-rollouts") ms"
  echo "$v3: rollout median $m_prob ms; target <= 1.2 x $m_start + 4 x $MIN_READY_MS = $bound3 ms;" \
       "beyond 4 x min_ready: $(awk -v a="$m_prob" -v m="$MIN_READY_MS" 'BEGIN{printf "%.1f", a - 4 * m}') ms"
  printf '%-8s %10.1f %10.1f %6s %-5s %10s %10s %6s %-5s %6s %8s %7s %11.1f %-5s\n' "$prof" "$m_start" "$m_roll" "$ratio1" "$v1" \
    "$rs" "$rd" "$ratio2" "$v2" "$(r2 "$rf" "$rs")" "$(r2 "$rd" "$rf")" "$errors" "$m_prob" "$v3" >>"$W/summary"
}

for p in "${SERVERS[@]}"; do measure "$p"; done
: >"$W/summary"
for p in "${SERVERS[@]}"; do report "$p"; done
echo
echo "== Side by side: t1 = rollout / start-to-ready sum (<= 1.2x), min_ready 0s; t2 = req/s during rollouts / steady (>= 0.8x, 0 errors);"
echo "   t3 = rollout with min_ready $MIN_READY (<= 1.2x start sum + 4 x min_ready) =="
printf '%-8s %10s %10s %6s %-5s %10s %10s %6s %-5s %6s %8s %7s %11s %-5s\n' profile "starts ms" "rollout ms" t1 "" \
  "steady/s" "during/s" t2 "" floor "t2/floor" errors "t3 roll ms" ""
cat "$W/summary"
