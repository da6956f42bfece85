#!/usr/bin/env bash
# SPEC §5.1, §5.3: a crashing program goes to backoff with a delay that starts at
# restart_delay and doubles per consecutive crash, to cooldown after crash_limit crashes
# within crash_window, and is tried again once the cooldown is over; a manual start clears
# the streak.
#
# The delays are measured after the fact from the log: each run prints one line, stamped by
# tendd when it reads it (right before the exit is handled), so the gap between two lines is
# the restart delay plus the spawn time. Polling `tend status` checks the states.
source "$(dirname "$0")/lib.sh"

write_config <<'EOF2'
[program.crashy]
command = ["sh", "-c", "echo crashing; exit 3"]
restart_delay = "400ms"
restart_delay_max = "10s"
crash_limit = 3
crash_window = "30s"
cooldown = "1s"
healthy_after = "60s"

[program.streak]
command = ["sh", "-c", "echo streak; exit 4"]
autostart = false
restart_delay = "300ms"
restart_delay_max = "10s"
crash_limit = 100
EOF2
start_tendd

# gaps PROGRAM: seconds between consecutive lines of its log, one per line
gaps() {
    grep ' out ' "$(log_file "$1" 0)" | cut -d' ' -f1 | while read -r ts; do date -d "$ts" +%s.%N; done |
        awk 'NR > 1 { printf "%.3f\n", $1 - prev } { prev = $1 }'
}
lines_at_least() { [[ -f $(log_file "$1" 0) && $(grep -c ' out ' "$(log_file "$1" 0)") -ge $2 ]]; }
# Spawn and exec overhead, which a loaded machine stretches.
SLACK=0.35

# snapshot_in STATE: takes one `tend status` snapshot into $s and succeeds when crashy is in
# STATE in it; all checks of a state use that one snapshot (the state may end right after).
snapshot_in() {
    s=$(status_json crashy) && [[ $(jq -r '.[0].state' <<<"$s") == "$1" ]]
}

say "a crash -> backoff, and the third crash (crash_limit = 3) -> cooldown"
# Both snapshots first, their checks after: on a loaded machine the checks of the first can
# take longer than the 1s cooldown lasts.
wait_until 5 snapshot_in backoff
s_backoff=$s
wait_until 5 snapshot_in cooldown
s_cooldown=$s
s=$s_backoff
assert_eq 3 "$(jq -r '.[0].last_exit.code' <<<"$s")" "last_exit.code in backoff"
assert_eq null "$(jq -r '.[0].pid' <<<"$s")" "pid in backoff"
assert_contains "$(jq -r '.[0].reason' <<<"$s")" "exited with code 3; restarting in " "reason in backoff"
next=$(jq -r '.[0].next_start_in_s' <<<"$s")
assert_fcmp "$next" ">=" 0 "next_start_in_s in backoff"
assert_fcmp "$next" "<=" 0.96 "next_start_in_s in backoff (at most 2 x 400ms + 20% jitter)"
r=$(jq -r '.[0].restarts' <<<"$s")
[[ $r == 1 || $r == 2 ]] || fail "restarts in the first backoffs: $r"
check "restarts in backoff: $r"

s=$s_cooldown
assert_contains "$(jq -r '.[0].reason' <<<"$s")" "crash limit reached" "reason in cooldown"
next=$(jq -r '.[0].next_start_in_s' <<<"$s")
assert_fcmp "$next" ">" 0 "next_start_in_s in cooldown"
assert_fcmp "$next" "<=" 1.0 "next_start_in_s in cooldown (cooldown = 1s)"
assert_eq null "$(jq -r '.[0].pid' <<<"$s")" "pid in cooldown"
restarts_cool=$(jq -r '.[0].restarts' <<<"$s")
assert_eq 2 "$restarts_cool" "restarts when entering cooldown (2 restarts, then the limit)"

say "after the cooldown it is tried again, and a new streak starts at restart_delay"
wait_until 10 lines_at_least crashy 5
restarted() { [[ $(sfield crashy 0 .restarts) -gt $restarts_cool ]]; }
wait_until 5 restarted
check "restarts went past $restarts_cool after the cooldown"
mapfile -t g < <(gaps crashy)
say "gaps between runs: ${g[*]} (backoff, backoff, cooldown, backoff)"
assert_fcmp "${g[0]}" ">=" 0.30 "gap 1 (restart_delay 400ms, jitter 0.8-1.2)"
assert_fcmp "${g[0]}" "<=" "$(awk -v s=$SLACK 'BEGIN { print 0.48 + s }')" "gap 1"
assert_fcmp "${g[1]}" ">=" 0.62 "gap 2 (doubled: 800ms)"
assert_fcmp "${g[1]}" "<=" "$(awk -v s=$SLACK 'BEGIN { print 0.96 + s }')" "gap 2"
assert_fcmp "${g[2]}" ">=" 0.97 "gap 3 (cooldown 1s)"
assert_fcmp "${g[2]}" "<=" "$(awk -v s=$SLACK 'BEGIN { print 1.0 + s }')" "gap 3"
assert_fcmp "${g[3]}" ">=" 0.30 "gap 4 (new streak: restart_delay again)"
assert_fcmp "${g[3]}" "<=" "$(awk -v s=$SLACK 'BEGIN { print 0.48 + s }')" "gap 4"
assert_status 0 tend stop --wait crashy
assert_eq stopped "$(sfield crashy 0 .state)" "state after stop --wait"
assert_eq null "$(sfield crashy 0 .pid)" "pid after stop --wait"

say "a manual start clears the streak"
assert_status 0 tend start streak
wait_until 5 lines_at_least streak 3
# Now in backoff for the third consecutive crash (300ms x 4); stop and start afresh.
assert_status 0 tend stop --wait streak
n=$(grep -c ' out ' "$(log_file streak 0)")
assert_status 0 tend start streak
wait_until 5 lines_at_least streak $((n + 2))
mapfile -t g < <(gaps streak)
say "gaps between runs: ${g[*]}"
assert_fcmp "${g[0]}" ">=" 0.22 "streak gap 1 (300ms)"
assert_fcmp "${g[1]}" ">=" 0.46 "streak gap 2 (600ms)"
assert_fcmp "${g[$n]}" ">=" 0.22 "gap after the manual start (300ms)"
assert_fcmp "${g[$n]}" "<=" "$(awk -v s=$SLACK 'BEGIN { print 0.36 + s }')" "gap after the manual start (300ms, not 1.2s or more)"
assert_eq 0 "$(sfield streak 0 .manual_restarts)" "manual_restarts (start is no restart)"
