#!/usr/bin/env bash
# Cron benchmark 1: an idle tendd with BENCH_N (1000) cron entries, none due within the window,
# must not wake up at all (0 context switches in BENCH_IDLE_SECONDS=60 s): its one realtime
# timer is armed for the earliest tick. Debian's cron (Vixie cron, `cron -f`) runs the same
# 1000 entries (/etc/cron.d) in the same window as the reference: it wakes every minute.
# Environment: BENCH_N=1000, BENCH_IDLE_SECONDS=60, BENCH_SETTLE_SECONDS=5
source "$(dirname "$0")/lib.sh"

N=${BENCH_N:-1000}
IDLE=${BENCH_IDLE_SECONDS:-60}
SETTLE=${BENCH_SETTLE_SECONDS:-5}

ensure_packages cron
build_tend
check_quiet_machine
wait_quiet
bench_tmpdir cron-idle

# Entry i fires daily at minute i%60 of an hour 2 to 18 hours from now: never within the window.
hour=$(date -u +%-H)
schedule_of() { echo "$(( $1 % 60 )) $(( (hour + 2 + $1 / 60) % 24 )) * * *"; }
conf=$BENCH_TMP/tend.toml
crontab=/etc/cron.d/tend-bench-idle
: >"$conf"
printf '# tend benchmark (bench_cron_idle.sh); removed when it ends\nCRON_TZ=UTC\n' >"$crontab"
for i in $(seq 0 $((N - 1))); do
  printf '[cron.e%d]\nschedule = "%s"\ntimezone = "UTC"\ncommand = ["true"]\n\n' "$i" "$(schedule_of "$i")" >>"$conf"
  printf '%s root true\n' "$(schedule_of "$i")" >>"$crontab"
done
trap 'rm -f "$crontab"; bench_cleanup' EXIT

start_tendd "$BENCH_TMP/tendd" "$conf"
"$TEND" --socket "$TENDD_SOCK" cron list --json >"$BENCH_TMP/list.json"
entries=$(jq length "$BENCH_TMP/list.json")
[ "$entries" = "$N" ] || die "tendd has $entries entries, expected $N"
soonest=$(jq -r '[.[].next_fire] | sort | first' "$BENCH_TMP/list.json")
log "tendd has $entries entries; the soonest next fire is $soonest"

/usr/sbin/cron -f -L 0 </dev/null >"$BENCH_TMP/cron.out" 2>&1 &
CRON_PID=$!
register_root "$CRON_PID" plain
log "settling ${SETTLE}s"
sleep "$SETTLE"
alive "$CRON_PID" || die "cron exited: $(cat "$BENCH_TMP/cron.out")"

read -r t_c0 t_t0 <<<"$("${PT[@]}" counters "$TENDD_PID")"
read -r c_c0 c_t0 <<<"$("${PT[@]}" counters "$CRON_PID")"
log "measuring ${IDLE}s of idle"
sleep "$IDLE"
read -r t_c1 t_t1 <<<"$("${PT[@]}" counters "$TENDD_PID")"
read -r c_c1 c_t1 <<<"$("${PT[@]}" counters "$CRON_PID")"

t_ctx=$((t_c1 - t_c0)); c_ctx=$((c_c1 - c_c0))
echo
echo "== Cron benchmark 1: idle with $N entries, none due, ${IDLE}s window after ${SETTLE}s settle =="
printf '%-10s %14s %12s\n' daemon "ctx switches" "CPU ticks"
printf '%-10s %14s %12s\n' tendd "$t_ctx" "$((t_t1 - t_t0))"
printf '%-10s %14s %12s\n' cron "$c_ctx" "$((c_t1 - c_t0))"
echo "ratio cron/tendd wakeups: $(ratio "$c_ctx" "$t_ctx")"
if [ "$t_ctx" -eq 0 ]; then echo "PASS: tendd woke 0 times (target 0)"; else echo "FAIL: tendd woke $t_ctx times (target 0)"; fi
