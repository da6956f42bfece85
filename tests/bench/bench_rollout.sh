#!/usr/bin/env bash
# Rollout benchmark: `tend restart --rolling --wait web` of 4 instances of
# tests/integration/ready_server.py (ready = "notify", all instances on one tendd-owned TCP
# listener passed as fd 3, policy max_unavailable = 1, max_surge = 0). Two targets (SPEC §5.5):
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
# The 4 instances are idle during the standalone starts: their CPU use then is reported, since a
# server that spins while idle slows the reference starts and every other number.
# Environment: BENCH_RUNS=5, BENCH_ROLLOUTS=5, BENCH_STEADY_SECONDS=10, BENCH_WRK="-t2 -c8",
#   BENCH_LOAD_POLICY="--max-unavailable 0 --max-surge 1",
#   BENCH_SERVER=tests/integration/ready_server.py (another server taking the same options)
source "$(dirname "$0")/lib.sh"

RUNS=${BENCH_RUNS:-5}
ROLLOUTS=${BENCH_ROLLOUTS:-5}
# Target 2's rollouts: the zero-downtime policy a deploy under load would use (capacity never
# drops below `instances`); target 1 keeps the program's default policy (1, 0).
LOAD_POLICY=${BENCH_LOAD_POLICY:---max-unavailable 0 --max-surge 1}
STEADY=${BENCH_STEADY_SECONDS:-10}
read -r -a WRK_OPTS <<<"${BENCH_WRK:--t2 -c8}"

ensure_packages wrk jq
build_tend
check_quiet_machine
wait_quiet
bench_tmpdir rollout
W=$BENCH_TMP

# /usr/bin/python3 in both (not a pyenv shim from PATH): the same interpreter, the same start cost.
SERVER=${BENCH_SERVER:-$REPO/tests/integration/ready_server.py}
CMD="exec $PY $SERVER --listen-fds --notify"

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

PORT=$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
URL=http://127.0.0.1:$PORT/
cat >"$W/tend.toml" <<EOF
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
EOF
start_tendd "$W/tendd" "$W/tend.toml"
T() { "$TEND" --socket "$TENDD_SOCK" "$@"; }
T start --wait web >/dev/null || die "tend start --wait web failed: $(tail -n5 "$W/tendd/tendd.err")"
GEN=$(T status --json web | jq -r '.[0].generation')

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

# ---------------------------------------------- 1. rollout time vs start-to-ready ----
: >"$W/starts"; : >"$W/stops"; : >"$W/rollouts"
idle_ticks=0; idle_ns=0
for r in $(seq 1 "$RUNS"); do
  log "round $r/$RUNS (load $(loadavg))"
  mapfile -t pids < <(T status --json web | jq -r '.[].pid')
  read -r _ k0 <<<"$("${PT[@]}" counters "${pids[@]}")"; t0=$(now_ns)
  "$PY" "$W/standalone.py" "$CMD" 4 "$W/standalone.log" >"$W/sa.$r" || die "standalone.py failed"
  read -r _ k1 <<<"$("${PT[@]}" counters "${pids[@]}")"
  idle_ticks=$((idle_ticks + k1 - k0)); idle_ns=$((idle_ns + $(now_ns) - t0))
  read -r s t < <(awk '{s += $1; t += $2} END{printf "%.3f %.3f\n", s, t}' "$W/sa.$r")
  echo "$s" >>"$W/starts"; echo "$t" >>"$W/stops"
  rollout "$W/rollouts"
  log "  standalone start->READY $(cut -d' ' -f1 "$W/sa.$r" | paste -sd' ') ms; rollout $(tail -n1 "$W/rollouts") ms"
done

# --------------------------------------------------- 2. throughput during rollouts ----
# A -d window is the load generator's duration, not a wait on the product.
wrk_fields() {   # wrk_fields FILE -> "req/s requests seconds socket_errors non2xx"
  awk '/requests in/ {n = $1; d = $4; sub(/,$/, "", d)    # wrk prints 950.00ms, 10.01s or 1.50m
                      d = d ~ /ms$/ ? d / 1000 : d ~ /m$/ ? d * 60 : d + 0}
       /^Requests\/sec:/ {r = $2}
       /Socket errors:/ {gsub(",", ""); e = $4 + $6 + $8 + $10}
       /Non-2xx/ {x = $NF}
       END {printf "%s %s %.2f %d %d\n", r, n, d, e, x}' "$1"
}
steady() { log "steady state $1 (${STEADY}s, load $(loadavg))"; wrk "${WRK_OPTS[@]}" -d"${STEADY}s" "$URL" >"$W/$1.wrk" 2>&1; }
steady steady-before
log "wrk during $ROLLOUTS back-to-back rollouts (load $(loadavg))"
: >"$W/wrk-rollouts"
wrk "${WRK_OPTS[@]}" -d3600s "$URL" >"$W/during.wrk" 2>&1 &   # stopped by SIGINT below
WRK_PID=$!
register_root "$WRK_PID" plain
tk0=$(awk '{print $14 + $15}' "/proc/$TENDD_PID/stat")   # utime + stime of tendd
for _ in $(seq 1 "$ROLLOUTS"); do rollout "$W/wrk-rollouts" nocheck "$LOAD_POLICY"; done
alive "$WRK_PID" || die "wrk ended before the rollouts did: $(cat "$W/during.wrk")"
kill -INT "$WRK_PID"        # wrk prints its summary on SIGINT
tk1=$(awk '{print $14 + $15}' "/proc/$TENDD_PID/stat")
wait "$WRK_PID" || true
check_gen
# The floor: the same 4 x ROLLOUTS server starts (and stops) without tendd, by standalone.py
# on a listener of its own, under the same load. On a machine that wrk and the servers keep
# busy, a starting process takes its share of the CPU whoever starts it: this is what any
# supervisor's rollout costs here.
log "wrk during $ROLLOUTS x 4 standalone starts, no tendd (load $(loadavg))"
wrk "${WRK_OPTS[@]}" -d3600s "$URL" >"$W/floor.wrk" 2>&1 &
WRK_PID=$!
register_root "$WRK_PID" plain
for _ in $(seq 1 "$ROLLOUTS"); do "$PY" "$W/standalone.py" "$CMD" 4 "$W/standalone.log" >/dev/null || die "standalone.py failed"; done
alive "$WRK_PID" || die "wrk ended before the standalone starts did: $(cat "$W/floor.wrk")"
kill -INT "$WRK_PID"
wait "$WRK_PID" || true
steady steady-after
for f in steady-before during floor steady-after; do
  grep -q '^Requests/sec:' "$W/$f.wrk" || die "wrk printed no summary for $f: $(cat "$W/$f.wrk")"
done

# ------------------------------------------------------------------ report ----
m_start=$(median "$W/starts"); m_stop=$(median "$W/stops"); m_roll=$(median "$W/rollouts")
echo
echo "== Rollout benchmark: tend restart --rolling --wait, 4 x $(basename "$SERVER"), ready = notify =="
echo "   target 1 with the default policy (max_unavailable 1, max_surge 0); target 2 with: $LOAD_POLICY"
echo "1. rollout time vs the same command's own start-to-ready (ms; $RUNS rounds, each: 4 standalone starts then 1 rollout)"
printf '%-7s %16s %14s %10s %20s %26s\n' round "sum start->READY" "sum TERM->exit" rollout "rollout/start-sum" "rollout-(start+stop) sums"
paste "$W/starts" "$W/stops" "$W/rollouts" | awk '{printf "%-7d %16.1f %14.1f %10.1f %20.2f %26.1f\n", NR, $1, $2, $3, $3 / $1, $3 - $1 - $2}'
printf '%-7s %16.1f %14.1f %10.1f %20s %26.1f\n' median "$m_start" "$m_stop" "$m_roll" "$(r2 "$m_roll" "$m_start")" \
  "$(awk -v a="$m_roll" -v b="$m_start" -v c="$m_stop" 'BEGIN{print a - b - c}')"
cat "$W"/sa.* | cut -d' ' -f1 >"$W/all.s"; cat "$W"/sa.* | cut -d' ' -f2 >"$W/all.t"
echo "   one server (median of $((RUNS * 4))): start->READY $(median "$W/all.s") ms, TERM->exit $(median "$W/all.t") ms"
idle_pct=$(awk -v k="$idle_ticks" -v n="$idle_ns" 'BEGIN{printf "%.0f", k * 1e9 / n}')   # ticks are 1/100 s
echo "   the 4 idle instances used ${idle_pct}% of a core during the standalone starts$( [ "$idle_pct" -le 5 ] ||
  echo ": WARNING, they should be idle; every number here is distorted (a server busy-polling?)")"
ratio1=$(r2 "$m_roll" "$m_start")
if awk -v r="$ratio1" 'BEGIN{exit !(r <= 1.2)}'; then v=PASS; else v=FAIL; fi
echo "$v: rollout median $m_roll ms = ${ratio1}x the start-to-ready sum $m_start ms (target <= 1.2x)"

echo "2. requests/s during $ROLLOUTS back-to-back rollouts vs steady state (wrk ${WRK_OPTS[*]}, HTTP/1.0, one request per connection)"
printf '%-16s %10s %10s %9s %14s %8s\n' phase "req/s" requests seconds "socket errors" non-2xx
for f in steady-before during floor steady-after; do
  read -r rps n d e x <<<"$(wrk_fields "$W/$f.wrk")"
  printf '%-16s %10s %10s %9s %14s %8s\n' "$f" "$rps" "$n" "$d" "$e" "$x"
done
read -r rb _ _ eb xb <<<"$(wrk_fields "$W/steady-before.wrk")"
read -r rd _ dd ed xd <<<"$(wrk_fields "$W/during.wrk")"
read -r ra _ _ ea xa <<<"$(wrk_fields "$W/steady-after.wrk")"
rs=$(awk -v a="$rb" -v b="$ra" 'BEGIN{printf "%.1f", (a + b) / 2}')
echo "   rollouts took $(awk '{s += $1} END{printf "%.0f", s}' "$W/wrk-rollouts") ms of the ${dd}s wrk window" \
     "(median rollout under load $(median "$W/wrk-rollouts") ms); tendd used $((tk1 - tk0)) CPU ticks (1/100 s) meanwhile"
ratio2=$(r2 "$rd" "$rs")
errors=$((ed + xd + eb + xb + ea + xa))
if awk -v r="$ratio2" 'BEGIN{exit !(r >= 0.8)}' && [ "$errors" = 0 ]; then v=PASS; else v=FAIL; fi
echo "$v: $rd req/s during rollouts = ${ratio2}x the steady $rs req/s (target >= 0.8x);" \
     "socket errors + non-2xx during rollouts: $((ed + xd)), steady: $((eb + xb + ea + xa)) (target 0)"
read -r rf _ _ _ _ <<<"$(wrk_fields "$W/floor.wrk")"
echo "   floor (the same starts without tendd, same load): $rf req/s = $(r2 "$rf" "$rs")x steady;" \
     "tendd's rollouts reach $(r2 "$rd" "$rf")x the floor"
