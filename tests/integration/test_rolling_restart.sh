#!/usr/bin/env bash
# SPEC §5.5 rolling restarts: 4 instances of an HTTP server on one tendd-owned socket, under
# constant load from wrk during `tend restart --rolling --wait`: no failed or refused request,
# every instance replaced (new pids, generation 2). Policy arithmetic: tests/unit/test_rollout_plan.cpp.
source "$(dirname "$0")/lib.sh"

command -v wrk >/dev/null || fail "wrk is not installed (Debian package wrk; .ci/setup.sh installs it)"
SERVER="$PYTHON $LIB_DIR/ready_server.py"
PORT=$(free_port)

write_config <<EOF
[program.web]
command = "exec $SERVER --listen-fds --notify"
instances = 4
ready = "notify"
ready_timeout = "30s"
stop_timeout = "10s"
sockets = ["tcp://127.0.0.1:$PORT"]

[program.web.rollout]
max_unavailable = 1
max_surge = 0
min_ready = "1s"  # probation under load too, short: 4 steps (test_rolling_probation.sh tests it)
EOF
start_tendd
assert_status 0 tend start --wait web
body=$(http_get "http://127.0.0.1:$PORT/")
assert_contains "$body" "instance" "the server answers"

pids() { status_json web | jq -r '[.[].pid] | sort | join(" ")'; }
old_pids=$(pids)
check "generation 1 pids: $old_pids"

bg_start "$T/wrk.out" wrk -t2 -c8 -d120s "http://127.0.0.1:$PORT/"
wrk_pid=$BG_PID
say "wrk started"
assert_status 0 tend restart --rolling --wait web
say "rollout done"
kill -INT "$wrk_pid"
wait_until 10 gone "$wrk_pid"
cat "$T/wrk.out"
requests=$(awk '/requests in/ { print $1 }' "$T/wrk.out")
[[ -n $requests ]] || fail "wrk printed no summary"
assert_fcmp "$requests" ">" 200 "wrk sent requests throughout the rollout"
assert_not_contains "$(cat "$T/wrk.out")" "Socket errors" "no connect, read, write or timeout error"
assert_not_contains "$(cat "$T/wrk.out")" "Non-2xx" "every answer was 200"

status=$(status_json web)
assert_eq "$(jq length <<<"$status")" 4 "exactly 4 instances remain"
assert_eq "$(jq -r '[.[].generation] | unique | join(",")' <<<"$status")" 2 "all on generation 2"
assert_eq "$(jq -r '[.[].ready] | unique | join(",")' <<<"$status")" true "all ready"
assert_eq "$(jq -r '.[0].rollout.state' <<<"$status")" complete "the rollout reports complete"
new_pids=$(pids)
for p in $old_pids; do
    [[ " $new_pids " != *" $p "* ]] || fail "pid $p of generation 1 still runs"
    wait_until 5 gone "$p"
done
check "all 4 pids changed ($new_pids) and the old processes are gone"

# The daemon's log shows the steps in the order the policy allows: with max_surge 0 an old
# instance is stopped before its replacement starts, one at a time.
grep -q "web gen 2: rollout -> started: rolling restart to generation 2 (max_unavailable 1, max_surge 0, min_ready 1s)" "$TENDD_ERR" ||
    fail "tendd did not log the rollout"
check "tendd logged the rollout"

# A second rollout with surge: the new instance starts before the old one stops.
assert_status 0 tend restart --rolling --max-unavailable 0 --max-surge 1 --wait web
assert_eq "$(status_json web | jq -r '[.[].generation] | unique | join(",")')" 3 \
    "generation 3 everywhere"

# Usage errors.
assert_status 2 tend restart --rolling web:1
assert_contains "$ERR" "replaces a whole program" "one instance cannot be rolled, and the message says why"
assert_status 2 tend restart --rolling --max-unavailable 0 --max-surge 0 web
assert_contains "$ERR" "both 0" "a policy that cannot progress is refused, naming the problem"
assert_status 2 tend restart --max-surge 1 web
assert_contains "$ERR" "need --rolling" "--max-surge without --rolling is a usage error"
