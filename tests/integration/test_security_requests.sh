#!/usr/bin/env bash
# SPEC §8 typed requests (issue 13 item 1): thousands of requests with arguments of the wrong
# JSON type, for every argument of every command, each get one JSON reply; tendd stays up, no
# instance is duplicated or restarted and no job is lost or touched.
source "$(dirname "$0")/lib.sh"

write_config <<'EOF2'
[program.web]
command = ["sleep", "300"]
instances = 2

[queue.held]
concurrency = 1
EOF2
start_tendd
wait_until 5 state_is web 0 running
wait_until 5 state_is web 1 running
pids_before="$(pid_of web 0) $(pid_of web 1)"

# Jobs in every state the garbage could disturb: running, pending (paused queue), finished.
running=$(tend submit -- sleep 300)
wait_until 5 job_state_is "$running" running
running_pid=$(jfield "$running" .pid)
tend pause held >/dev/null
pending=()
for i in 1 2 3; do pending+=("$(tend submit --queue held --key "k$i" -- true)"); done
done_id=$(tend submit -- true)
tend wait "$done_id" >/dev/null
jobs_before=$(tend jobs --json -n 0 | jq -c '[.[] | {id, state}] | sort_by(.id)')

# The case of the issue: one request that used to abort tendd.
RAW=("$PYTHON" "$LIB_DIR/rawclient.py")
OUT=$(printf '%s\n' '{"v":1,"cmd":"status","args":{"all":[]}}' | "${RAW[@]}" exchange "$SOCK")
assert_eq 'false bad_request' "$(jq -r '"\(.ok) \(.error.code)"' <<<"$OUT")" "status all=[] reply"
assert_contains "$(jq -r .error.message <<<"$OUT")" '"all"' "the message"

start=$(now)
run "$PYTHON" "$LIB_DIR/typed_garbage.py" "$SOCK"
say "garbage: $OUT (in $(elapsed_since "$start") s)"
[[ $RC == 0 ]] || fail "typed_garbage.py: $OUT $ERR"
sent=$(sed -n 's/.*requests=\([0-9]*\).*/\1/p' <<<"$OUT")
assert_fcmp "$sent" ">=" 3000 "requests sent"
bad=$(sed -n 's/.*bad_request:\([0-9]*\).*/\1/p' <<<"$OUT")
assert_fcmp "$bad" ">=" "$((sent * 8 / 10))" "bad_request replies"

# tendd is alive, its programs and jobs are as they were.
kill -0 "$TENDD_PID" || fail "tendd died"
assert_status 0 tend status
assert_eq "$pids_before" "$(pid_of web 0) $(pid_of web 1)" "web's pids"
assert_eq 2 "$(status_json | jq '[.[] | select(.program == "web")] | length')" \
    "web's instance count"
assert_eq "$running_pid" "$(jfield "$running" .pid)" "the running job's pid"
assert_eq "$jobs_before" "$(tend jobs --json -n 0 | jq -c '[.[] | {id, state}] | sort_by(.id)')" \
    "every job and its state"
assert_eq "" "$(tend cron list --json | jq -r '.[].name')" "cron entries added"
if grep -q "exception" "$TENDD_ERR"; then
    fail "a handler threw (caught by the last resort): $(grep exception "$TENDD_ERR" | head -3)"
fi
check "no handler threw"
say "passed"
