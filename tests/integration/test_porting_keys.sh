#!/usr/bin/env bash
# SPEC §3 (issue 15, porting supervisord.conf): success_exit_codes keeps a listed exit out of
# the restart policy's crashes; instance_offset numbers instances from the offset everywhere a
# user sees them; log_file puts the output where the config says, rotates it beside itself,
# `tend logs` finds it, and a reload moves it without a restart.
source "$(dirname "$0")/lib.sh"

mkdir -p "$T/applogs"
write_config <<EOF2
[program.done3]
command = ["sh", "-c", "echo run; exit 3"]
restart = "on-failure"
success_exit_codes = [0, 3]
restart_delay = "50ms"

[program.fail4]
command = ["sh", "-c", "echo run; exit 4"]
restart = "on-failure"
success_exit_codes = [0, 3]
restart_delay = "50ms"
restart_delay_max = "50ms"
crash_limit = 1000

[program.loop3]
command = ["sh", "-c", "echo run; exit 3"]
restart = "always"
success_exit_codes = [3]
restart_delay = "50ms"
crash_limit = 2
crash_window = "60s"

[program.web]
command = ["sh", "-c", "echo inst=\$TEND_INSTANCE arg={instance} env=\$MYNUM; exec sleep 300"]
instances = 2
instance_offset = 10
environment = { MYNUM = "n{instance}" }

[program.chatty]
command = ["sh", "$T/chatty.sh"]
output = "file"
log_file = "$T/applogs/chatty-{instance}.log"
log_max_size = "4KB"
log_keep = 2
EOF2
# 60 lines of ~100 bytes (more than 4KB), then one more line per SIGUSR1.
cat >"$T/chatty.sh" <<'EOF2'
i=0
line() { i=$((i + 1)); echo "line $i xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"; }
while [ $i -lt 60 ]; do line; done
trap line USR1
while :; do sleep 1000 & wait $!; done
EOF2
start_tendd

say "success_exit_codes with restart = on-failure: exit 3 is clean and stays exited"
wait_until 5 state_is done3 0 exited
assert_eq 3 "$(sfield done3 0 .last_exit.code)" "done3 last_exit.code"
assert_eq true "$(sfield done3 0 .last_exit.clean)" "done3 last_exit.clean"
assert_contains "$(sfield done3 0 .reason)" "exited with code 3 (in success_exit_codes; restart = on-failure)" "done3 reason"
# The control: exit 4 is not listed, so it restarts; once it has run 4 times, done3 (same
# delay) would have restarted too if it were going to.
fail4_runs() { [[ $(sfield fail4 0 .restarts) -ge 3 ]]; }
wait_until 10 fail4_runs
assert_eq false "$(sfield fail4 0 .last_exit.clean)" "fail4 last_exit.clean"
assert_eq exited "$(sfield done3 0 .state)" "done3 state after fail4 restarted 3 times"
assert_eq 0 "$(sfield done3 0 .restarts)" "done3 restarts"
assert_eq 1 "$(grep -c ' out run$' "$(log_file done3 0)")" "done3 runs in its log"
run tend status done3
assert_contains "$OUT" "exited" "tend status done3"

say "success_exit_codes with restart = always: restarted, never a crash, never cooldown"
loop_restarts() { [[ $(sfield loop3 0 .restarts) -ge 6 ]]; }
wait_until 10 loop_restarts
s=$(status_json loop3)
st=$(jq -r '.[0].state' <<<"$s")
[[ $st != cooldown ]] || fail "loop3 reached cooldown: $(jq -r '.[0].reason' <<<"$s")"
check "loop3 is $st after $(jq -r '.[0].restarts' <<<"$s") restarts with crash_limit = 2"
assert_not_contains "$(jq -r '.[0].reason' <<<"$s")" "crash limit" "loop3 reason"
assert_status 0 tend stop --wait loop3

say "instance_offset = 10: instances 10 and 11 everywhere"
wait_until 5 state_is web 10 running
wait_until 5 state_is web 11 running
assert_eq "10 11" "$(status_json web | jq -r '[.[].instance] | join(" ")')" "status instances"
run tend status web
assert_contains "$OUT" "web:10" "status table"
assert_contains "$OUT" "web:11" "status table"
has_line() { grep -q "$2" "$1" 2>/dev/null; }
wait_until 5 has_line "$(log_file web 11)" "inst=11 arg=11 env=n11"
assert_contains "$(tend logs web:10)" "inst=10 arg=10 env=n10" "tend logs web:10"
assert_contains "$(tend logs web:11)" "inst=11 arg=11 env=n11" "tend logs web:11"
assert_status 1 tend status web:0
assert_contains "$ERR" "numbered 10..11" "error for web:0"
p=$(pid_of web 11)
assert_status 0 tend signal KILL web:11
wait_until 5 running_with_new_pid web 11 "$p"
assert_eq 0 "$(sfield web 10 .restarts)" "web:10 untouched by the signal to web:11"

say "log_file: output goes there, rotates beside it, and tend logs reads it"
f=$T/applogs/chatty-0.log
wait_until 5 has_line "$f" " out line 60 "
[[ -f $f.1 ]] || fail "no rotated $f.1"
check "rotated to $f.1"
[[ ! -e $STATE/logs/chatty/0.log ]] || fail "output went to the state dir too"
check "nothing in the state dir"
assert_fcmp "$(stat -c %s "$f")" "<=" 4096 "size of $f (log_max_size = 4KB)"
assert_contains "$(tend logs -n 1 chatty)" "line 60 " "tend logs chatty"
files=$(tend logs --json -n 100 chatty | wc -l)
[[ $files -gt 30 ]] || fail "tend logs -n 100 read only $files lines (not the rotated file?)"
check "tend logs -n 100 read $files lines across the rotation"

say "a reload moves log_file live: same pid, the next line goes to the new file"
p=$(pid_of chatty 0)
sed -i "s|applogs/chatty-{instance}.log|applogs/moved-{instance}.log|" "$CONF"
run tend reload
assert_eq 0 "$RC" "tend reload"
assert_contains "$OUT" "log_file" "reload plan"
assert_status 0 tend signal USR1 chatty
wait_until 5 has_line "$T/applogs/moved-0.log" " out line 61 "
assert_eq "$p" "$(pid_of chatty 0)" "chatty's pid after the reload"
has_line "$f" " out line 61 " && fail "line 61 also went to the old file"
assert_contains "$(tend logs -n 1 chatty)" "line 61 " "tend logs after the move"

say "a reload that changes instance_offset rolls the program to the new numbers"
sed -i 's|^instance_offset = 10$|instance_offset = 20|' "$CONF"
run tend reload
assert_eq 0 "$RC" "tend reload (stderr: $ERR)"
assert_contains "$OUT" "instance_offset" "reload plan"
numbers_are() {
    [[ $(status_json web | jq -r '[.[] | select(.state == "running") | .instance] | join(" ")') == "$1" ]] &&
        [[ $(status_json web | jq -r 'length') == 2 ]]
}
wait_until 30 numbers_are "20 21"
assert_eq 2 "$(sfield web 20 .generation)" "web:20's generation"
wait_until 5 has_line "$(log_file web 21)" "inst=21 arg=21 env=n21"
assert_contains "$(tend logs web:20)" "inst=20 arg=20 env=n20" "tend logs web:20"
