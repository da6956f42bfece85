#!/usr/bin/env bash
# SPEC §5.5 readiness and §5.2 sockets: ready = notify (NOTIFY_SOCKET, STATUS=, READY=1, a
# foreign sender ignored), ready_timeout (a failed start), tcp:, http://, command:; and
# `sockets` bound by tendd, passed with LISTEN_FDS/LISTEN_PID/LISTEN_FDNAMES, kept open
# across restarts.
source "$(dirname "$0")/lib.sh"

SERVER="$PYTHON $LIB_DIR/ready_server.py"
P1=$(free_port) P2=$(free_port) P3=$(free_port) P4=$(free_port)
field() { sfield "$1" "$2" "$3"; }
# field_is PROGRAM N JQ VALUE / field_not PROGRAM N JQ VALUE (for wait_until)
field_is() { [[ $(sfield "$1" "$2" "$3") == "$4" ]]; }
field_not() { [[ $(sfield "$1" "$2" "$3") != "$4" ]]; }

write_config <<EOF
[program.notifier]
command = "exec $SERVER --port $P1 --gate $T/gate.notify --status warming --notify"
ready = "notify"
autostart = false

[program.late]
command = "exec sleep 30"
ready = "notify"
ready_timeout = "1s"
restart_delay = "5m"
restart_delay_max = "5m"
autostart = false

[program.tcp]
command = "exec $SERVER --port $P2 --gate $T/gate.tcp"
ready = "tcp:127.0.0.1:$P2"
autostart = false

[program.http]
command = "exec $SERVER --port $P3 --gate $T/gate.http"
ready = "http://localhost:$P3/health"
autostart = false

[program.cmd]
command = "exec sleep 30"
ready = "command:test -e $T/gate.cmd.{instance}"
instances = 2
autostart = false

[program.web]
command = "exec $SERVER --listen-fds"
sockets = ["tcp://127.0.0.1:$P4"]
instances = 2
ready = "http://127.0.0.1:$P4/"
autostart = false
EOF
start_tendd

say "ready = notify: starting until READY=1, STATUS= shown"
assert_status 0 tend start notifier
wait_until 10 field_is notifier 0 .status warming
assert_eq "starting false" "$(field notifier 0 '"\(.state) \(.ready)"')" "state and ready before READY=1"
assert_contains "$(field notifier 0 .reason)" "waiting to be ready" "the reason while it waits"
# A process outside the instance speaks on its socket: it is not heard.
pid=$(pid_of notifier 0)
sock=$(tr '\0' '\n' <"/proc/$pid/environ" | sed -n 's/^NOTIFY_SOCKET=//p')
assert_contains "$sock" "@tend/" "NOTIFY_SOCKET (abstract namespace)"
"$PYTHON" -c 'import socket, sys; s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.sendto(b"READY=1", "\0" + sys.argv[1][1:])' "$sock"
wait_until 10 grep -q "not a process of this instance" "$TENDD_ERR"
assert_eq "starting" "$(field notifier 0 .state)" "state after a foreign READY=1"
touch "$T/gate.notify"
assert_status 0 tend start notifier --wait --timeout 10s
assert_eq "running true serving" "$(field notifier 0 '"\(.state) \(.ready) \(.status)"')" "after READY=1"

say "ready_timeout: not ready in time is a failed start"
assert_status 1 tend start late --wait --timeout 10s
assert_eq backoff "$(field late 0 .state)" "state after ready_timeout"
assert_contains "$(field late 0 .reason)" "not ready within ready_timeout (1s)" "the reason"
assert_status 0 tend stop late --wait

say "ready = tcp: a connect must succeed"
assert_status 0 tend start tcp
wait_until 10 field_not tcp 0 .ready_probe null
assert_contains "$(field tcp 0 .ready_probe)" "Connection refused" "the probe's last failure"
assert_eq starting "$(field tcp 0 .state)" "before the port listens"
touch "$T/gate.tcp"
assert_status 0 tend start tcp --wait --timeout 10s
assert_eq "running true" "$(field tcp 0 '"\(.state) \(.ready)"')" "once the port listens"

say "ready = http://: a 2xx answer"
assert_status 0 tend start http
wait_until 10 field_not http 0 .ready_probe null
touch "$T/gate.http"
assert_status 0 tend start http --wait --timeout 10s
assert_eq true "$(field http 0 .ready)" "ready once it answers 200"

say "ready = command: (with {instance})"
assert_status 0 tend start cmd
touch "$T/gate.cmd.1"
wait_until 10 field_is cmd 1 .ready true
assert_eq "starting false" "$(field cmd 0 '"\(.state) \(.ready)"')" "cmd:0 without its file"
touch "$T/gate.cmd.0"
assert_status 0 tend start cmd --wait --timeout 10s
check "both instances ready"
assert_status 0 tend stop notifier tcp http cmd --wait

say "sockets: bound by tendd, inherited through LISTEN_FDS, open across restarts"
# tendd holds the port before any instance runs: a connection is queued, not refused.
"$PYTHON" -c 'import socket, sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5).close()' "$P4"
check "the port accepts connections while no instance runs"
assert_status 0 tend start web --wait --timeout 10s
first=$(http_get "http://127.0.0.1:$P4/")
assert_contains "$first" "instance" "an answer through the inherited socket"
assert_contains "$(cat "$(log_file web 0)")" "LISTEN_FDNAMES=web" "LISTEN_FDNAMES"
pids_before="$(pid_of web 0) $(pid_of web 1)"
assert_status 0 tend restart web --wait --timeout 10s
pids_after="$(pid_of web 0) $(pid_of web 1)"
[[ $pids_before != "$pids_after" ]] || fail "restart did not change the pids ($pids_before)"
assert_contains "$(http_get "http://127.0.0.1:$P4/")" "instance" "an answer after the restart"
assert_status 0 tend stop web --wait
