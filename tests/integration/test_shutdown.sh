#!/usr/bin/env bash
# SPEC §6.5, §5.4: SIGTERM to tendd and `tend shutdown` stop every instance (their processes
# are gone) and tendd exits 0, removing its socket.
source "$(dirname "$0")/lib.sh"

write_config <<'EOF2'
[program.web]
command = ["sleep", "300"]
instances = 3

[program.family]
command = ["sh", "-c", "sh -c 'trap \"\" TERM; sleep 300' & wait"]

[program.stubborn]
command = ["sh", "-c", "trap '' TERM; sleep 300 & while :; do wait; done"]
stop_timeout = "1s"

[program.manual]
command = ["sleep", "300"]
autostart = false
EOF2

all_running() {
    local s
    s=$(status_json) || return 1
    [[ $(jq -r '[.[] | select(.program != "manual") | .state] | unique | join(" ")' <<<"$s") == running ]]
}
group_empty() { [[ -z $(pids_in_group "$1") ]]; }

for how in SIGTERM "tend shutdown"; do
    say "--- shutdown by $how"
    start_tendd
    wait_until 5 all_running
    pids=$(status_json | jq -r '.[].pid | select(. != null)')
    assert_eq 5 "$(count_lines "$pids")" "running instances"
    wait_until 5 eval '[[ $(count_lines "$(marked_pids)") -ge 7 ]]'
    procs=$(marked_pids)
    check "$(count_lines "$procs") processes started by tendd"
    t0=$(now)
    if [[ $how == SIGTERM ]]; then
        kill -TERM "$TENDD_PID"
    else
        assert_status 0 tend shutdown
        assert_contains "$OUT" "stopped" "tend shutdown output"
    fi
    wait_tendd_exit 15
    took=$(elapsed_since "$t0")
    assert_eq 0 "$TENDD_RC" "tendd's exit status after $how"
    # stubborn ignores TERM: its stop_timeout (1s) bounds the shutdown.
    assert_fcmp "$took" ">=" 0.9 "seconds for the shutdown (stubborn needs stop_timeout)"
    assert_fcmp "$took" "<" 8 "seconds for the shutdown"
    for p in $pids; do
        gone "$p" || fail "instance process $p survived the shutdown"
        wait_until 1 group_empty "$p"
    done
    check "all instance processes and their groups are gone"
    assert_eq "" "$(marked_pids)" "processes left of tendd's programs"
    [[ ! -e $SOCK ]] || fail "the socket $SOCK is still there after tendd exited"
    check "socket removed"
    assert_status 69 tend status
    assert_contains "$(cat "$TENDD_ERR")" "shutting down" "tendd's log"
done

say "tend shutdown when no daemon runs -> 69"
assert_status 69 tend shutdown
