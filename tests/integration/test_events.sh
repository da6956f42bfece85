#!/usr/bin/env bash
# SPEC §5.8, §4: every instance transition is an event. redis-server (Debian's) killed with
# SIGKILL N times: N crash events in `tend events --json` with the killed pids, N warnings in
# tendd's log, N "[tend] killed by signal KILL" markers in `tend logs`; `tend events -f`
# prints an event that happens after it started. `tend status` exits 3 while an instance is
# in cooldown or exited by a failure, and 0 once everything runs as it should.
source "$(dirname "$0")/lib.sh"

command -v redis-server >/dev/null || skip "redis-server is not installed (apt-get install redis-server)"

N=4
RP=$(free_port)
mkdir -p "$T/redis"
write_config <<EOF2
[program.redis]
command = ["redis-server", "--port", "$RP", "--bind", "127.0.0.1", "--daemonize", "no",
           "--dir", "$T/redis", "--save", "", "--appendonly", "no"]
ready = "tcp:127.0.0.1:$RP"
restart_delay = "100ms"
crash_limit = 100

[program.crashy]
command = ["sh", "-c", "echo crashing; exit 3"]
restart_delay = "100ms"
crash_limit = 3
crash_window = "30s"
cooldown = "1h"

[program.once_ok]
command = ["true"]
restart = "on-failure"

[program.once_bad]
command = ["sh", "-c", "exit 2"]
restart = "never"

[program.sleeper]
command = ["sleep", "300"]
EOF2
start_tendd

say "crashy goes to cooldown: tend status exits 3"
wait_until 10 state_is crashy 0 cooldown
wait_until 10 state_is redis 0 running
wait_until 5 state_is once_bad 0 exited
wait_until 5 state_is once_ok 0 exited
assert_status 3 tend status
assert_contains "$OUT" "cooldown" "the table is printed as usual"
assert_status 3 tend status --json
assert_eq true "$(jq -r '.[] | select(.program == "crashy") | .down' <<<"$OUT")" "crashy's down"
assert_status 3 tend status crashy
assert_status 3 tend status once_bad   # restart = never, exit 2: exited by a failure
assert_status 0 tend status once_ok    # restart = on-failure, exit 0: done as it should
assert_status 0 tend status redis sleeper

say "crashy's history: crashes with their exits, warnings, and the cooldown"
assert_status 0 tend events --json -n 100 crashy
ev=$OUT
assert_eq 3 "$(jq -s '[.[] | select(.exit.code == 3 and .from == "running")] | length' <<<"$ev")" \
    "crash events of crashy (crash_limit 3)"
assert_eq 1 "$(jq -s '[.[] | select(.to == "cooldown" and .level == "warn")] | length' <<<"$ev")" \
    "cooldown events"
assert_eq "stopped->starting" "$(jq -rs '.[0] | .from + "->" + .to' <<<"$ev")" "first event: the autostart"
assert_eq 1 "$(jq -s '[.[] | .seq] | . == sort and . == unique | if . then 1 else 0 end' <<<"$ev")" \
    "events come oldest first, each seq once"
grep -q "warning: crashy:0 pid [0-9]* gen 1: running -> cooldown: exited with code 3; crash limit reached (3 within 30s), retrying in 1h" "$TENDD_ERR" ||
    fail "tendd did not log the cooldown as a warning"
check "tendd logged the cooldown as a warning"
run tend logs -n -1 crashy
assert_contains "$OUT" "[tend] exited with code 3; crash limit reached (3 within 30s), retrying in 1h" \
    "crashy's log"
assert_eq 3 "$(grep -c '^crashing$' <<<"$OUT")" "crashy's own lines"

say "a follower started now prints a later event"
bg_start "$T/follow.out" "${TEND[@]}" events -f --json redis
follower=$BG_PID
wait_until 5 grep -q '"program":"redis"' "$T/follow.out"
seq0=$(tail -n1 "$T/follow.out" | jq .seq)

say "redis killed with SIGKILL $N times"
killed=()
for i in $(seq "$N"); do
    pid=$(pid_of redis 0)
    [[ $pid != null ]] || fail "redis has no pid before kill $i"
    kill -9 "$pid"
    killed+=("$pid")
    wait_until 10 running_with_new_pid redis 0 "$pid"
    if [[ $i == 1 ]]; then
        followed() {
            jq -s --argjson s "$seq0" '[.[] | select(.seq > $s and .to == "backoff")] | length' \
                "$T/follow.out" | grep -qx '[1-9][0-9]*'
        }
        wait_until 10 followed
        check "tend events -f printed the first kill's event"
    fi
done
assert_status 0 tend status redis

assert_status 0 tend events --json -n 1000 redis
crashes=$(jq -c 'select(.exit.signal == "KILL" and .from == "running" and .to == "backoff")' <<<"$OUT")
assert_eq "$N" "$(count_lines "$crashes")" "KILL events in tend events --json"
assert_eq "${killed[*]}" "$(jq -r .pid <<<"$crashes" | paste -sd' ')" "the events name the killed pids"
assert_eq warn "$(jq -r .level <<<"$crashes" | sort -u)" "their level"
assert_eq 1 "$(jq -r .generation <<<"$crashes" | sort -u)" "their generation"
assert_contains "$(jq -r .reason <<<"$crashes" | head -n1)" "killed by signal KILL; restarting in" "reason"
n=$(grep -cE "warning: redis:0 pid [0-9]+ gen 1: running -> backoff: killed by signal KILL; restarting in [0-9]+ms" "$TENDD_ERR")
assert_eq "$N" "$n" "warnings in tendd's log"
for p in "${killed[@]}"; do
    grep -q "warning: redis:0 pid $p gen 1: running -> backoff" "$TENDD_ERR" || fail "no warning for pid $p"
done
grep -qE "info: redis:0 pid [0-9]+ gen 1: starting -> running: running \(ready\)" "$TENDD_ERR" ||
    fail "no info line for redis's readiness"
check "each kill is a warning in tendd's log, readiness is info"
run tend logs -n -1 redis
assert_eq "$N" "$(grep -cE '^\[tend\] killed by signal KILL; restarting in [0-9]+ms$' <<<"$OUT")" \
    "kill markers in tend logs redis"
assert_eq "$((N + 1))" "$(grep -cE '^\[tend\] started pid [0-9]+ \(generation 1\)$' <<<"$OUT")" \
    "start markers in tend logs redis"
# Markers land in order with redis's own output: each start marker comes before the output of
# the process it started (redis prints its pid in "Redis version=..., pid=N, just started").
last_pid=$(pid_of redis 0)
start_line=$(grep -n "^\[tend\] started pid $last_pid " <<<"$OUT" | cut -d: -f1)
redis_line=$(grep -n "pid=$last_pid, just started" <<<"$OUT" | head -n1 | cut -d: -f1)
[[ -n $start_line && -n $redis_line ]] || fail "no start marker or redis banner for pid $last_pid"
assert_fcmp "$start_line" "<" "$redis_line" "line of the start marker before redis's banner"

say "the follower saw all of it, in order"
follow_all() {
    [[ $(jq -s '[.[] | select(.to == "backoff")] | length' "$T/follow.out") -ge $N ]]
}
wait_until 10 follow_all
assert_eq 1 "$(jq -s '[.[] | .seq] | . == sort and . == unique | if . then 1 else 0 end' "$T/follow.out")" \
    "followed events come in order, each once"
assert_eq redis "$(jq -r .program "$T/follow.out" | sort -u)" "the follower's filter"
bg_stop "$follower"

say "tend events: table, filters, errors"
assert_status 0 tend events redis:0 -n 3
assert_eq 4 "$(count_lines "$OUT")" "header and 3 events"
assert_contains "$(head -n1 <<<"$OUT")" "TRANSITION" "header"
assert_contains "$OUT" "redis:0" "table rows"
assert_status 0 tend events --json -n 2
assert_eq 2 "$(count_lines "$OUT")" "tend events -n 2 of every program"
assert_status 1 tend events nosuch
assert_contains "$ERR" 'no program named "nosuch"' "unknown program"
assert_status 1 tend events redis:7
assert_status 2 tend events -n 0

say "rollouts are events of their program"
assert_status 0 tend restart --rolling --wait sleeper
assert_status 0 tend events --json sleeper
assert_eq "started complete" "$(jq -r 'select(.from == "rollout") | .to' <<<"$OUT" | paste -sd' ')" \
    "rollout events"
assert_eq null "$(jq -r 'select(.from == "rollout") | .instance' <<<"$OUT" | sort -u)" "their instance"
grep -q "info: sleeper gen 2: rollout -> complete" "$TENDD_ERR" || fail "rollout completion not logged"

say "stopped by tend stop counts as it should: exit 0 once all run"
assert_status 0 tend stop --wait crashy once_bad  # once_bad: acknowledged
assert_status 0 tend status
assert_eq "false" "$(sfield crashy 0 .down)" "crashy's down after tend stop"
assert_status 0 tend events --json -n 1 crashy
assert_eq "cooldown->stopped" "$(jq -r '.from + "->" + .to' <<<"$OUT")" "the stop's event"
