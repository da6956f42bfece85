#!/usr/bin/env bash
# SPEC §8 / issue: tendd tells a service manager READY=1 (once the socket listens and autostart
# programs were spawned) with STATUS=, RELOADING=1 then READY=1 around a reload, STOPPING=1 at
# shutdown, and WATCHDOG=1 from its loop when
# WATCHDOG_USEC is set. Programs do not inherit NOTIFY_SOCKET or WATCHDOG_USEC, and their
# `environment` overrides tendd's own variables.
source "$(dirname "$0")/lib.sh"

bg_start "$T/listener.log" "$PYTHON" "$LIB_DIR/dgram_listen.py" "$T/notify.sock" "$T/notify.msgs"
wait_until 5 test -e "$T/notify.msgs.ready"

write_config <<'EOF2'
[program.env]
command = ["sh", "-c", "env; exec sleep 300"]
environment = { PORT = "800{instance}" }
EOF2
# PORT in tendd's own environment is overridden by the program's `environment`.
export NOTIFY_SOCKET=$T/notify.sock WATCHDOG_USEC=200000 PORT=1
start_tendd
unset NOTIFY_SOCKET WATCHDOG_USEC PORT

wait_until 5 grep -q '^READY=1$' "$T/notify.msgs"
assert_contains "$(cat "$T/notify.msgs")" "STATUS=1 programs, 1 instances started" "READY message"
wait_until 5 state_is env 0 running
say "watchdog pings arrive at least every WATCHDOG_USEC/2"
pings_at_least() { [[ $(grep -c '^WATCHDOG=1$' "$T/notify.msgs") -ge $1 ]]; }
wait_until 5 pings_at_least 3
assert_eq "$TENDD_PID" "$(grep -m1 '^SENDER_PID=' "$T/notify.msgs" | cut -d= -f2)" "sender of the messages"

wait_until 5 grep -q ' out TEND_INSTANCE=0$' "$(log_file env 0)"
logs=$(cat "$(log_file env 0)")
assert_not_contains "$logs" "NOTIFY_SOCKET=" "the program's environment"
assert_not_contains "$logs" "WATCHDOG_USEC=" "the program's environment"
assert_contains "$logs" "TEND_PROGRAM=env" "the program's environment"
assert_contains "$logs" " out PORT=8000" "the program's environment"
assert_not_contains "$logs" " out PORT=1" "the program's environment"

say "a reload is framed by RELOADING=1 and READY=1"
assert_not_contains "$(cat "$T/notify.msgs")" "RELOADING=1" "messages before the reload"
assert_status 0 tend reload
wait_until 5 grep -q '^RELOADING=1$' "$T/notify.msgs"
grep -q '^MONOTONIC_USEC=[0-9]*$' "$T/notify.msgs" || fail "RELOADING=1 came without MONOTONIC_USEC"
after_reload() { sed -n '/^RELOADING=1$/,$p' "$T/notify.msgs" | grep -q '^READY=1$'; }
wait_until 5 after_reload
check "RELOADING=1 (with MONOTONIC_USEC), then READY=1"

assert_not_contains "$(cat "$T/notify.msgs")" "STOPPING=1" "messages before shutdown"
assert_status 0 tend shutdown
wait_tendd_exit 10
assert_eq 0 "$TENDD_RC" "tendd exit status"
assert_contains "$(cat "$T/notify.msgs")" "STOPPING=1" "messages after shutdown"
