#!/usr/bin/env bash
# SPEC §2: tendd holds an exclusive lock on its state dir; a second tendd on the same state
# dir refuses to start (exit 1) and names the running one's pid; the first keeps running.
source "$(dirname "$0")/lib.sh"

write_config <<'EOF2'
[program.keeper]
command = ["sleep", "300"]
EOF2
start_tendd
wait_until 5 state_is keeper 0 running
pid=$(pid_of keeper 0)
assert_eq "$TENDD_PID" "$(tr -d '[:space:]' <"$STATE/tendd.pid")" "pid in $STATE/tendd.pid"

second() {  # second SOCKET: runs a second tendd on the same state dir, bounded in time
    run timeout 10 env "$MARK" "$TEND_BIN_DIR/tendd" --config "$CONF" --state-dir "$STATE" \
        --socket "$1"
    printf '%s\n' "$ERR" >>"$T/second-tendd.stderr"
}

for sock in "$T/other.sock" "$SOCK"; do
    say "a second tendd with socket $sock"
    second "$sock"
    assert_eq 1 "$RC" "exit status of the second tendd"
    assert_contains "$ERR" "another tendd (pid $TENDD_PID) is running on state dir $STATE" "its stderr"
    [[ ! -e $T/other.sock ]] || fail "the second tendd created $T/other.sock"
    check "the second tendd left no socket behind"
    assert_status 0 tend status
    check "the first tendd still answers on $SOCK"
    kill -0 "$TENDD_PID" || fail "the first tendd is gone"
    assert_eq "$pid" "$(pid_of keeper 0)" "keeper's pid (untouched)"
    assert_eq running "$(sfield keeper 0 .state)" "keeper's state"
    assert_eq "$TENDD_PID" "$(tr -d '[:space:]' <"$STATE/tendd.pid")" "pid in tendd.pid after the attempt"
done
# The refused daemon started nothing: exactly one process carries the test's marker.
assert_eq "$pid" "$(marked_pids)" "processes started by tendd"

say "the state dir is private (0700)"
assert_eq 700 "$(stat -c %a "$STATE")" "mode of $STATE"
