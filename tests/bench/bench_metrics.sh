#!/usr/bin/env bash
# Observability benchmark (issue 17): the cost of a /metrics scrape and of an idle HTTP
# listener.
#  1. Scrape time of GET /metrics (curl over the Unix socket, time_total) with BENCH_INSTANCES
#     instances (10 programs), 20 queues and BENCH_PENDING pending jobs in a paused queue;
#     the time of `tend status --json` on the same daemon is printed beside it.
#     Goal: scrape <= 20 ms (median).
#  2. Idle wake-ups: voluntary context switches of tendd over BENCH_IDLE_SECONDS with
#     [http] listen set and nobody connected, and of a tendd without [http] (both with no
#     programs). Goal: 0 more with HTTP than without.
# Environment: BENCH_INSTANCES=1000 BENCH_PENDING=1000000 BENCH_SCRAPES=20 BENCH_IDLE_SECONDS=10
source "$(dirname "$0")/qlib.sh"

INSTANCES=${BENCH_INSTANCES:-1000}
PENDING=${BENCH_PENDING:-1000000}
SCRAPES=${BENCH_SCRAPES:-20}
IDLE=${BENCH_IDLE_SECONDS:-10}

ensure_packages curl
build_tend
check_quiet_machine
bench_tmpdir metrics
W=$BENCH_TMP

# ---- 1. scrape time
conf=$W/tend.toml
{
  printf '[http]\nlisten = "unix:%s/http.sock"\n\n' "$W"
  per=$((INSTANCES / 10))
  for p in $(seq 1 10); do
    printf '[program.p%s]\ncommand = ["sleep", "1000000"]\ninstances = %s\n\n' "$p" "$per"
  done
  printf '[queue.default]\nconcurrency = 1\nmax_pending = %s\n\n' "$((PENDING + 10))"
  for q in $(seq 1 19); do printf '[queue.q%s]\nconcurrency = 2\n\n' "$q"; done
} >"$conf"
q_start_tendd "$W/a" "$conf"
log "waiting for $INSTANCES instances"
for i in $(seq 1 600); do
  n=$("${TQ[@]}" status --json 2>/dev/null | "$PY" -c 'import json,sys; print(sum(1 for e in json.load(sys.stdin) if e["state"] == "running"))' || echo 0)
  [ "$n" -ge "$INSTANCES" ] && break
  sleep 0.5
done
log "$n instances running; submitting $PENDING jobs into the paused default queue"
"${TQ[@]}" pause default >/dev/null
awk -v n="$PENDING" 'BEGIN{for (i = 0; i < n; i++) print "true"}' | "${TQ[@]}" submit --stdin >/dev/null \
  || die "bulk submit failed"
log "pending in default: $(qfield pending)"
wait_quiet
scrape() { curl -s -o "$W/metrics.txt" -w '%{time_total}\n' --unix-socket "$W/http.sock" http://localhost/metrics; }
scrape >/dev/null  # warm
for i in $(seq 1 "$SCRAPES"); do scrape; done | awk '{printf "%.3f\n", $1 * 1000}' >"$W/scrape_ms"
for i in $(seq 1 "$SCRAPES"); do
  s=$(now_ns); "${TQ[@]}" status --json >/dev/null; e=$(now_ns)
  awk -v a="$s" -v b="$e" 'BEGIN{printf "%.3f\n", (b - a) / 1e6}'
done >"$W/status_ms"
SCR=$(stats "$W/scrape_ms"); STA=$(stats "$W/status_ms")
log "exposition: $(wc -l <"$W/metrics.txt") lines, $(wc -c <"$W/metrics.txt") bytes"
printf 'scrape /metrics (ms):        %s\n' "$SCR"
printf 'tend status --json (ms):     %s\n' "$STA"
printf 'scrape goal <= 20 ms median: %s\n' "$(pass_if "$(st_field "$SCR" 2) <= 20")"
stop_root "$TENDD_PID" tendd "$TENDD_SOCK"

# ---- 2. idle wake-ups
ctx() { awk '/^voluntary_ctxt_switches/ {v = $2} /^nonvoluntary_ctxt_switches/ {n = $2} END {print v + n}' "/proc/$1/status"; }
printf '[http]\nlisten = "unix:%s/idle-http.sock"\n' "$W" >"$W/idle-http.toml"
: >"$W/idle-plain.toml"
q_start_tendd "$W/h" "$W/idle-http.toml"; PH=$TENDD_PID
q_start_tendd "$W/p" "$W/idle-plain.toml"; PP=$TENDD_PID
sleep 13  # settle: the loop-lag timer stops after one quiet tick, the dashboard's sampler
          # after its first unchanged sample (10 s)
h0=$(ctx "$PH"); p0=$(ctx "$PP")
sleep "$IDLE"
h1=$(ctx "$PH"); p1=$(ctx "$PP")
printf 'idle wake-ups over %ss, [http] on:  %s\n' "$IDLE" "$((h1 - h0))"
printf 'idle wake-ups over %ss, no [http]:  %s\n' "$IDLE" "$((p1 - p0))"
printf 'idle goal: 0 more with HTTP:      %s\n' "$(pass_if "$((h1 - h0)) <= $((p1 - p0))")"
