#!/usr/bin/env bash
# SPEC §5.5 ready = "uptime:DURATION" (supervisord's startsecs): an instance is ready once it
# has been up that long; an exit before that is a failed start, even with status 0; a reload
# changes the duration live, with no restart.
source "$(dirname "$0")/lib.sh"

# config UP_DURATION
config() {
    write_config <<EOF
[program.up]
command = ["sleep", "300"]
ready = "uptime:$1"
autostart = false

[program.early]
command = ["sh", "-c", "sleep 0.3; exit 0"]
ready = "uptime:5s"
restart = "on-failure"
restart_delay = "30s"
autostart = false
EOF
}
config 4s
start_tendd

say "not ready before the uptime"
t0=$(now)
assert_status 0 tend start up
# One status call (a loaded machine may take a second per call): within the uptime.
st=$(status_json up)
assert_fcmp "$(elapsed_since "$t0")" "<" 4 "seconds taken by the start and the status"
assert_eq starting "$(jq -r '.[0].state' <<<"$st")" "state right after the start"
assert_eq false "$(jq -r '.[0].ready' <<<"$st")" "ready right after the start"
assert_contains "$(jq -r '.[0].reason' <<<"$st")" "waiting to be up for 4s" "reason while waiting"
pid=$(jq -r '.[0].pid' <<<"$st")

say "ready after it (waited for with tend start --wait, no sleeps)"
assert_status 0 tend start --wait up
took=$(elapsed_since "$t0")
assert_fcmp "$took" ">=" 3.9 "seconds from the start to ready"
assert_fcmp "$took" "<" 10 "seconds from the start to ready"
assert_eq running "$(sfield up 0 .state)" "state after the uptime"
assert_eq true "$(sfield up 0 .ready)" "ready after the uptime"
assert_eq "$pid" "$(pid_of up 0)" "the same process (not restarted)"
assert_contains "$(sfield up 0 .reason)" "ready: up for 4s" "reason once ready"

say "an exit 0 before the uptime is a failed start"
run tend start --wait early
[[ $RC != 0 ]] || fail "tend start --wait early succeeded; stdout: $OUT"
check "tend start --wait early exits $RC"
assert_contains "$ERR$OUT" "before it was up for 5s" "tend start --wait says why"
assert_eq backoff "$(sfield early 0 .state)" "early's state (restart = on-failure, yet restarted)"
assert_eq 0 "$(sfield early 0 .last_exit.code)" "early's exit code"
assert_eq 1 "$(sfield early 0 .restarts)" "early's restarts"
assert_status 0 tend stop --wait early

say "reload: a shorter uptime applies live"
config 1s
assert_status 0 tend reload
assert_contains "$OUT" "live" "the reload says the ready change is live"
assert_eq "$pid" "$(pid_of up 0)" "the running instance was not restarted"
t0=$(now)
assert_status 0 tend restart --wait up
took=$(elapsed_since "$t0")
assert_fcmp "$took" ">=" 0.95 "seconds from the restart to ready with uptime:1s"
assert_fcmp "$took" "<" 3.9 "seconds from the restart to ready with uptime:1s (not the old 4s)"
assert_eq true "$(sfield up 0 .ready)" "ready with the new uptime"

say "a duration of 0 is refused, with an example"
config 0
run tend check "$CONF"
[[ $RC != 0 ]] || fail "tend check accepted uptime:0"
assert_contains "$ERR$OUT" 'example: "uptime:5s"' "the error"
