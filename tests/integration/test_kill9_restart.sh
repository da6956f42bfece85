#!/usr/bin/env bash
# SPEC §5.3: an instance killed with SIGKILL is replaced by a new process; the crash is
# counted in restarts and shown as last_exit {"signal": "KILL"}.
source "$(dirname "$0")/lib.sh"

write_config <<'EOF2'
[program.victim]
command = ["sleep", "300"]
restart_delay = "100ms"

[program.bystander]
command = ["sleep", "301"]
EOF2
start_tendd

wait_until 5 state_is victim 0 running
wait_until 5 state_is bystander 0 running
old=$(pid_of victim 0)
other=$(pid_of bystander 0)
assert_eq 0 "$(sfield victim 0 .restarts)" "restarts before the kill"
assert_eq null "$(sfield victim 0 .last_exit)" "last_exit before the kill"
[[ $(cat /proc/"$old"/cmdline | tr '\0' ' ') == "sleep 300 " ]] || fail "pid $old is not the victim's sleep"
check "pid $old is the victim's 'sleep 300'"

say "kill -9 $old"
kill -KILL "$old"
wait_until 5 running_with_new_pid victim 0 "$old"
new=$(pid_of victim 0)
check "victim:0 runs again with pid $new (was $old)"
assert_eq 1 "$(sfield victim 0 .restarts)" "restarts after the kill"
assert_eq 0 "$(sfield victim 0 .manual_restarts)" "manual_restarts after the kill"
assert_eq KILL "$(sfield victim 0 .last_exit.signal)" "last_exit.signal"
assert_eq "sleep 300 " "$(tr '\0' ' ' </proc/"$new"/cmdline)" "cmdline of the new pid"
wait_until 2 gone "$old"
check "old pid $old is gone"
assert_eq "$other" "$(pid_of bystander 0)" "bystander's pid (untouched)"
assert_eq 0 "$(sfield bystander 0 .restarts)" "bystander's restarts"

say "a second kill -9 is counted too"
kill -KILL "$new"
wait_until 5 running_with_new_pid victim 0 "$new"
assert_eq 2 "$(sfield victim 0 .restarts)" "restarts after the second kill"
