#!/usr/bin/env bash
# SPEC §5.5 sd_notify MAINPID=: an instance's main process hands over to another process of
# its own session. tendd then signals and watches the new one: when the old main exits (the
# new one is re-parented to tendd, its exit status is known) and when the old main stays as
# its parent (the exit is seen through the pidfd, the status is unknown). A MAINPID= naming a
# process outside the instance's session is ignored with a warning.
source "$(dirname "$0")/lib.sh"

HELPER="$PYTHON $LIB_DIR/mainpid_helper.py"
write_config <<EOF
[program.handover]
command = "exec $HELPER fork-exit sleep 300"
ready = "notify"

[program.parent]
command = "exec $HELPER fork-wait sleep 300"
ready = "notify"
restart_delay = "10ms"

[program.liar]
command = "exec $HELPER claim 1 sleep 300"
ready = "notify"
EOF
start_tendd
assert_status 0 tend start --wait handover parent liar

say "handover: the first main process exits"
pid=$(pid_of handover 0)
[[ $(cat /proc/"$pid"/comm) == sleep ]] || fail "handover:0's pid $pid is not the sleep"
check "status shows the new main process $pid (sleep)"
assert_eq "$TENDD_PID" "$(awk '/^PPid:/ { print $2 }' /proc/"$pid"/status)" \
    "the sleep was re-parented to tendd (the subreaper)"
assert_status 0 tend stop --wait handover
assert_eq "$(sfield handover 0 .last_exit.signal)" TERM "stop_signal went to the new main process"
wait_until 5 gone "$pid"

say "parent: the first main process stays and reaps the new one"
pid=$(pid_of parent 0)
[[ $(cat /proc/"$pid"/comm) == sleep ]] || fail "parent:0's pid $pid is not the sleep"
helper=$(awk '/^PPid:/ { print $2 }' /proc/"$pid"/status)
[[ $helper != "$TENDD_PID" ]] || fail "the sleep's parent should be the helper, not tendd"
kill -KILL "$pid"
running_with_pid_other_than() { state_is parent 0 running && [[ $(pid_of parent 0) != "$1" ]]; }
wait_until 10 running_with_pid_other_than "$pid"
assert_eq "$(sfield parent 0 .last_exit.code)" 255 "an exit reaped by another parent counts as 255"
assert_eq "$(sfield parent 0 .restarts)" 1 "and the instance was restarted by its policy"
grep -q "its status is unknown" "$TENDD_ERR" || fail "tendd did not log the unknown status"
check "tendd logged why the status is unknown"
wait_until 5 gone "$helper"
check "the old helper (the first main process) is gone too"

say "liar: MAINPID=1 is not in the instance's session"
pid=$(pid_of liar 0)
[[ $(cat /proc/"$pid"/comm) == sleep ]] || fail "liar:0 is not its own sleep (pid $pid)"
grep -q "liar:0: MAINPID=1 ignored: not a process of this instance's session" "$TENDD_ERR" ||
    fail "tendd did not log the refused MAINPID"
check "MAINPID=1 ignored with a warning; tendd keeps pid $pid"
assert_status 0 tend stop --wait parent liar
