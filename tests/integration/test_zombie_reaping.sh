#!/usr/bin/env bash
# SPEC §5.2: tendd is a child subreaper; after 200 crash cycles of a program that leaves a
# backgrounded child behind, no zombie child of tendd and no leftover child remain.
source "$(dirname "$0")/lib.sh"

CYCLES=200
write_config <<'EOF2'
[program.leaky]
command = "sleep 7.25 & echo cycle; exit 1"
restart_delay = "0"
crash_limit = 1000000
crash_window = "1s"

# Its child escapes into a session of its own (out of reach of the group kill): when it
# exits, it is an orphan that tendd, as subreaper, must reap.
[program.escaper]
command = "setsid sleep 0.3 & echo escaped; exit 1"
restart_delay = "50ms"
crash_limit = 1000000
crash_window = "1s"
EOF2
start_tendd

restarts_at_least() { [[ $(sfield leaky 0 .restarts) -ge $1 ]]; }
t0=$(now)
wait_until 60 restarts_at_least "$CYCLES"
say "$(sfield leaky 0 .restarts) crash cycles in $(elapsed_since "$t0")s"
assert_eq 1 "$(sfield leaky 0 .last_exit.code)" "last_exit.code"

# Mid-run: zombies may exist for an instant between SIGCHLD and the reap, never for long.
no_zombies() { [[ -z $(zombies_of "$TENDD_PID") ]]; }
wait_until 2 no_zombies
check "no zombie child of tendd while crash-looping"

assert_status 0 tend stop --wait leaky escaper
escaped=$(grep -c ' out escaped$' "$(log_file escaper 0)")
assert_fcmp "$escaped" ">=" 5 "runs of escaper (each left a 'setsid sleep 0.3' behind)"
assert_eq stopped "$(sfield leaky 0 .state)" "state after stop --wait"

sleeps_left() {
    local p
    for p in $(marked_pids); do
        [[ $(tr '\0' ' ' </proc/"$p"/cmdline 2>/dev/null) == "sleep 7.25 "* ]] && echo "$p"
    done
    return 0
}
no_sleeps_left() { [[ -z $(sleeps_left) ]]; }
escaped_left() {
    local p
    for p in $(marked_pids); do
        [[ $(tr '\0' ' ' </proc/"$p"/cmdline 2>/dev/null) == "sleep 0.3 "* ]] && echo "$p"
    done
    return 0
}
no_escaped_left() { [[ -z $(escaped_left) ]]; }
# The escaped sleeps end on their own within 0.3s; then they must have been reaped.
wait_until 3 no_escaped_left
check "the escaped 'sleep 0.3' processes ended"
wait_until 2 no_zombies
z=$(zombies_of "$TENDD_PID")
assert_eq 0 "$(count_lines "$z")" "zombie children of tendd after $CYCLES cycles"
wait_until 2 no_sleeps_left
assert_eq 0 "$(count_lines "$(sleeps_left)")" "leftover 'sleep 7.25' processes"
assert_eq 0 "$(count_lines "$(marked_pids)")" "processes left of the program"
# tendd holds no fds of dead instances (pipes, pidfds): a few dozen at most.
fds=$(ls /proc/"$TENDD_PID"/fd | wc -l)
assert_fcmp "$fds" "<" 50 "open fds of tendd after $CYCLES cycles"
# tendd still answers; 3 (not running as it should) while a crash-looper is in backoff.
run tend status
[[ $RC == 0 || $RC == 3 ]] || fail "tend status exited $RC: $ERR"
