#!/usr/bin/env bash
# SPEC §4, §5.1-§5.3: start/stop/restart with --wait reach their target state before they
# return; signal and signal --reload (reload_signal); --all; unknown programs and instances; a command that cannot be executed;
# --timeout.
source "$(dirname "$0")/lib.sh"

write_config <<'EOF2'
[program.svc]
command = ["sh", "-c", "trap 'echo got-usr1-$TEND_INSTANCE' USR1; trap 'echo got-reload-$TEND_INSTANCE' USR2; echo up-$TEND_INSTANCE; while :; do sleep 1 & wait $!; done"]
instances = 2
reload_signal = "USR2"
autostart = false
restart_delay = "100ms"

[program.other]
command = ["sleep", "300"]

[program.broken]
command = ["/nonexistent/tend-no-such-binary", "--flag"]
autostart = false
# Long, so no second attempt can come while the checks run (they are slow on a loaded
# machine under ASan) and `restarts` stays exactly 1.
restart_delay = "5m"
restart_delay_max = "5m"

[program.noexec]
command = ["@T@/not-executable.sh"]
autostart = false
restart = "never"

[program.stubborn]
command = ["sh", "-c", "trap '' TERM; while :; do sleep 1 & wait $!; done"]
autostart = false
stop_timeout = "20s"
EOF2
printf '#!/bin/sh\necho never\n' >"$T/not-executable.sh"
chmod 644 "$T/not-executable.sh"
sed -i "s|@T@|$T|" "$CONF"
start_tendd

say "autostart = false: svc is stopped, other runs"
wait_until 5 state_is other 0 running
for i in 0 1; do
    assert_eq stopped "$(sfield svc "$i" .state)" "svc:$i state before start"
    assert_eq null "$(sfield svc "$i" .pid)" "svc:$i pid before start"
done

say "start --wait returns once both instances run"
assert_status 0 tend start --wait --json svc
assert_eq "running running" "$(jq -r '[.[].state] | join(" ")' <<<"$OUT")" "states in start --wait's reply"
for i in 0 1; do
    assert_eq running "$(sfield svc "$i" .state)" "svc:$i state right after start --wait"
    assert_eq true "$(sfield svc "$i" .ready)" "svc:$i ready right after start --wait"
    p=$(sfield svc "$i" .pid)
    [[ $p =~ ^[0-9]+$ ]] && kill -0 "$p" || fail "svc:$i has no live pid ($p)"
done
s0=$(pid_of svc 0)
s1=$(pid_of svc 1)
assert_status 0 tend start --wait svc
assert_eq "$s0 $s1" "$(pid_of svc 0) $(pid_of svc 1)" "pids after a second start (no-op)"

say "restart --wait of one instance"
assert_status 0 tend restart --wait svc:0
n0=$(pid_of svc 0)
[[ $n0 != "$s0" && $n0 != null ]] || fail "svc:0 pid did not change ($s0 -> $n0)"
check "svc:0 restarted: $s0 -> $n0"
gone "$s0" || fail "old svc:0 process $s0 still exists after restart --wait"
assert_eq running "$(sfield svc 0 .state)" "svc:0 state after restart --wait"
assert_eq 1 "$(sfield svc 0 .manual_restarts)" "svc:0 manual_restarts"
assert_eq 0 "$(sfield svc 0 .restarts)" "svc:0 restarts (a manual restart is no crash)"
assert_eq "$s1" "$(pid_of svc 1)" "svc:1 pid (untouched)"
assert_eq 0 "$(sfield svc 1 .manual_restarts)" "svc:1 manual_restarts"

say "signal USR1 to svc:1 only"
wait_until 5 grep -q ' out up-1$' "$(log_file svc 1)"
assert_status 0 tend signal USR1 svc:1
assert_contains "$OUT" "1 instance" "tend signal output"
wait_until 5 grep -q ' out got-usr1-1$' "$(log_file svc 1)"
check "svc:1 got USR1"
assert_eq "$s1" "$(pid_of svc 1)" "svc:1 pid after a trapped USR1"
grep -q got-usr1 "$(log_file svc 0)" && fail "svc:0 got USR1 too"
check "svc:0 did not get USR1"
assert_status 0 tend signal 10 svc
wait_until 5 grep -q ' out got-usr1-0$' "$(log_file svc 0)"
check "signal by number to both instances"
assert_status 2 tend signal NOSUCHSIG svc
assert_status 0 tend signal --reload svc:0
wait_until 5 grep -q ' out got-reload-0$' "$(log_file svc 0)"
check "signal --reload sent reload_signal (USR2) to svc:0"
grep -q got-reload "$(log_file svc 1)" && fail "svc:1 got the reload signal too"
check "svc:1 did not get it"
assert_status 1 tend signal USR1 broken
assert_contains "$ERR" "no running process" "signal to a stopped program"

say "stop --wait returns once both instances stopped"
assert_status 0 tend stop --wait svc
for i in 0 1; do
    assert_eq stopped "$(sfield svc "$i" .state)" "svc:$i state right after stop --wait"
    assert_eq null "$(sfield svc "$i" .pid)" "svc:$i pid right after stop --wait"
done
gone "$n0" || fail "svc:0 process $n0 still exists after stop --wait"
gone "$s1" || fail "svc:1 process $s1 still exists after stop --wait"
check "svc processes are gone"
assert_status 0 tend stop --wait svc
check "stop of a stopped program succeeds"

say "--all"
assert_status 0 tend start --wait svc
assert_status 0 tend stop --wait --all --json
assert_eq 6 "$(jq length <<<"$OUT")" "instances in stop --all's reply"
assert_eq "stopped" "$(jq -r '[.[].state] | unique | join(" ")' <<<"$OUT")" "states after stop --wait --all"
assert_eq 0 "$(count_lines "$(marked_pids)")" "processes left after stop --wait --all"
assert_status 0 tend start --wait svc other
assert_eq "running running running" "$(status_json svc other | jq -r '[.[].state] | join(" ")')" "states after start --wait"

say "unknown programs and instances -> exit 1 with a clear message"
for cmd in start stop restart status; do
    assert_status 1 tend "$cmd" nosuchprog
    assert_contains "$ERR" 'no program named "nosuchprog"' "stderr of tend $cmd nosuchprog"
done
assert_status 1 tend start --wait nosuchprog
assert_contains "$ERR" 'nosuchprog' "stderr of start --wait nosuchprog"
assert_status 1 tend start svc:7
assert_contains "$ERR" "no instance 7" "stderr of tend start svc:7"
assert_status 1 tend stop svc other nosuchprog
check "one unknown name fails the whole command"
assert_eq "running running" "$(status_json svc | jq -r '[.[].state] | join(" ")')" "svc untouched by the failed command"

say "a command that cannot be executed"
assert_status 1 tend start --wait broken
assert_contains "$ERR" "No such file or directory" "stderr of start --wait broken"
assert_contains "$ERR" "broken" "stderr of start --wait broken"
le=$(sfield broken 0 .last_exit)
assert_contains "$(jq -r .error <<<"$le")" "No such file or directory" "last_exit.error"
assert_contains "$(jq -r .error <<<"$le")" "/nonexistent/tend-no-such-binary" "last_exit.error"
assert_eq backoff "$(sfield broken 0 .state)" "broken's state (restart = always)"
assert_contains "$(sfield broken 0 .reason)" "No such file or directory" "broken's reason"
assert_eq 1 "$(sfield broken 0 .restarts)" "broken's restarts (an exec failure is a crash)"
assert_status 3 tend status  # broken is in backoff: not running as it should
assert_contains "$OUT" "exec failed" "tend status table for broken"
assert_status 0 tend stop --wait broken
assert_eq stopped "$(sfield broken 0 .state)" "broken's state after stop"

say "a command that is not executable (EACCES)"
assert_status 1 tend start --wait noexec
assert_contains "$ERR" "Permission denied" "stderr of start --wait noexec"
assert_contains "$(sfield noexec 0 .last_exit.error)" "Permission denied" "noexec last_exit.error"
assert_eq exited "$(sfield noexec 0 .state)" "noexec state (restart = never)"

say "--timeout: stop --wait of a program that ignores TERM gives up with 124"
assert_status 0 tend start --wait stubborn
t0=$(now)
assert_status 124 tend stop --wait --timeout 500ms stubborn
took=$(elapsed_since "$t0")
assert_fcmp "$took" ">=" 0.45 "seconds until --timeout 500ms gave up"
assert_fcmp "$took" "<" 3 "seconds until --timeout 500ms gave up"
assert_contains "$ERR" "timeout" "stderr of a timed-out stop"
assert_eq stopping "$(sfield stubborn 0 .state)" "stubborn state (the stop goes on)"
assert_status 0 tend signal KILL stubborn
wait_until 5 state_is stubborn 0 stopped
check "stubborn stopped after KILL"

say "an invalid --timeout is a usage error without side effects"
assert_status 2 tend stop --wait --timeout banana svc
assert_eq "running running" "$(status_json svc | jq -r '[.[].state] | join(" ")')" "svc states after the usage error"

say "a command without a name is a usage error"
assert_status 2 tend stop
assert_status 2 tend restart --wait

say "restart --wait of a stopped program starts it and returns once it runs"
assert_status 0 tend stop --wait svc
assert_status 0 tend restart --wait --timeout 5s svc
assert_eq "running running" "$(status_json svc | jq -r '[.[].state] | join(" ")')" "svc states after restart --wait"
