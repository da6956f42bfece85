#!/usr/bin/env bash
# SPEC §4 (tend wait / submit --wait exit statuses, --timeout 124, tend cancel, tend retry),
# §6.1 (cancelled jobs), §6.2 (TERM on cancel): waiting on jobs, cancelling pending and running
# jobs, and re-enqueueing failed ones.
source "$(dirname "$0")/lib.sh"

write_config <<'EOF2'
[queue.default]
concurrency = 4
max_attempts = 1
retry_delay = "50ms"
stop_timeout = "10s"

[queue.serial]
concurrency = 1
max_attempts = 1
stop_timeout = "10s"
EOF2
start_tendd
export "$MARK"

jfield() { tend show --json "$1" | jq -r "$2"; }
job_state_is() { [[ $(jfield "$1" .state) == "$2" ]]; }
job_log() { tend logs -n -1 "$1"; }
# output_has ID TEXT: the job's captured output (file) has a line ending in TEXT.
output_has() { grep -q -- " $2\$" "$STATE/jobs/output/$1.log"; }

say "tend wait: 0 for success, the job's code, 128+N for a signal"
ok=$(tend submit -- true)
three=$(tend submit -- sh -c 'exit 3')
killed=$(tend submit -- sh -c 'kill -KILL $$')
termed=$(tend submit -- sh -c 'kill -TERM $$')
assert_status 0 tend wait "$ok"
assert_status 3 tend wait "$three"
assert_contains "$ERR" "job $three" "stderr of tend wait for a failed job"
# Not the `tend` wrapper: its kill bound would also show as 137.
assert_status 137 timeout 20 "${TEND[@]}" wait "$killed"
assert_status 143 tend wait "$termed"
assert_eq '{"signal":"KILL"}' "$(jfield "$killed" '.exit_status | tojson')" "exit_status of the SIGKILLed job"
assert_eq '{"signal":"TERM"}' "$(jfield "$termed" '.exit_status | tojson')" "exit_status of the SIGTERMed job"
assert_eq "failed failed failed" "$(tend jobs --json | jq -r --argjson a "$three" --argjson b "$killed" --argjson c "$termed" \
    '[.[] | select(.id == $a or .id == $b or .id == $c) | .state] | join(" ")')" "states of the failed jobs"
assert_status 3 tend wait --json "$ok" "$three"
assert_eq "succeeded failed" "$(jq -r '[.[].state] | join(" ")' <<<"$OUT")" "states in tend wait --json"

say "several ids: the first non-zero status in argument order"
five=$(tend submit -- sh -c 'exit 5')
assert_status 3 tend wait "$ok" "$three" "$five"
assert_status 5 tend wait "$five" "$three"
assert_status 0 tend wait "$ok" "$ok"

say "tend submit --wait exits like tend wait"
assert_status 0 tend submit --wait -- sh -c 'echo waited-for'
[[ $OUT =~ ^[0-9]+$ ]] || fail "submit --wait printed '$OUT', expected the id"
assert_eq succeeded "$(jfield "$OUT" .state)" "state after submit --wait returned 0"
assert_status 3 tend submit --wait -- sh -c 'exit 3'
assert_eq failed "$(jfield "$OUT" .state)" "state after submit --wait returned 3"
assert_status 137 timeout 20 "${TEND[@]}" submit --wait -- sh -c 'kill -KILL $$'
assert_status 143 tend submit --wait -- sh -c 'kill -TERM $$'
assert_status 6 tend submit --stdin --wait <<<$'exit 0\nexit 6\nexit 7'
assert_eq 3 "$(count_lines "$OUT")" "ids printed by submit --stdin --wait"

say "tend wait --timeout on a long job -> 124, the job goes on"
long=$(tend submit -- sleep 60)
t0=$(now)
assert_status 124 tend wait --timeout 200ms "$long"
took=$(elapsed_since "$t0")
assert_fcmp "$took" ">=" 0.19 "seconds until wait --timeout 200ms gave up"
assert_fcmp "$took" "<" 5 "seconds until wait --timeout 200ms gave up"
assert_eq running "$(jfield "$long" .state)" "state of the long job after the wait timed out"
assert_status 2 tend wait --timeout banana "$long"
assert_status 1 tend wait 99999
assert_contains "$ERR" "99999" "stderr of tend wait for an unknown job"

say "cancel a running job: it gets TERM and ends cancelled"
term_file=$T/got-term
id=$(tend submit -- sh -c "trap 'echo got-term >\"$term_file\"; exit 0' TERM; echo ready; while :; do sleep 1 & wait \$!; done")
wait_until 10 output_has "$id" "ready"
pid=$(jfield "$id" .pid)
[[ $pid =~ ^[0-9]+$ ]] && kill -0 "$pid" || fail "running job $id has no live pid ($pid)"
assert_status 0 tend cancel "$id"
assert_contains "$OUT" "job $id" "tend cancel output"
assert_status 1 tend wait "$id"  # cancelled, exit code 0 -> 1
assert_eq cancelled "$(jfield "$id" .state)" "state of the cancelled running job"
assert_eq got-term "$(cat "$term_file" 2>/dev/null)" "file written by the job's TERM trap"
wait_until 5 gone "$pid"
check "the job's process $pid is gone"
assert_status 0 tend cancel --json "$long"
assert_eq '[true]' "$(jq -c '[.results[].ok]' <<<"$OUT")" "cancel --json .results[].ok"
assert_status 143 tend wait "$long"
assert_eq cancelled "$(jfield "$long" .state)" "state of the cancelled sleep"

say "cancel a pending job (queue paused): it never runs"
assert_status 0 tend pause serial
ran=$T/ran-paused
p1=$(tend submit --queue serial -- sh -c "echo x >>'$ran'")
assert_eq pending "$(jfield "$p1" .state)" "state in a paused queue"
assert_status 1 tend retry "$p1"
assert_contains "$ERR" "pending" "stderr of retrying a pending job"
assert_status 0 tend cancel "$p1"
assert_eq cancelled "$(jfield "$p1" .state)" "state of the cancelled pending job"
assert_status 0 tend resume serial
# FIFO: a later job of the queue that ran shows the cancelled one had its chance.
later=$(tend submit --queue serial -- true)
assert_status 0 tend wait "$later"
assert_eq cancelled "$(jfield "$p1" .state)" "state of the cancelled job after resume"
[[ ! -e $ran ]] || fail "the cancelled pending job ran"
assert_not_contains "$(job_log "$p1")" "started" "output of the cancelled pending job"
assert_eq null "$(jfield "$p1" .started_at)" "started_at of the never-run job"
assert_status 1 tend wait "$p1"

say "cancel a pending job (concurrency full): it never runs"
gate=$T/gate
blocker=$(tend submit --queue serial -- sh -c "while [ ! -e '$gate' ]; do sleep 0.05; done")
wait_until 10 job_state_is "$blocker" running
ran=$T/ran-full
p2=$(tend submit --queue serial -- sh -c "echo x >>'$ran'")
assert_eq pending "$(jfield "$p2" .state)" "state behind a full queue"
assert_contains "$(jfield "$p2" .waiting)" "slot" "waiting of a job behind a full queue"
assert_status 0 tend cancel "$p2"
assert_eq cancelled "$(jfield "$p2" .state)" "state of the cancelled queued job"
touch "$gate"
assert_status 0 tend wait "$blocker"
later=$(tend submit --queue serial -- true)
assert_status 0 tend wait "$later"
[[ ! -e $ran ]] || fail "the cancelled queued job ran"
assert_not_contains "$(job_log "$p2")" "started" "output of the cancelled queued job"

say "cancel of a finished job -> 1 with a message"
assert_status 1 tend cancel "$ok"
assert_contains "$ERR" "$ok" "stderr of cancelling a finished job"
assert_contains "$ERR" "succeeded" "stderr of cancelling a finished job"
assert_eq succeeded "$(jfield "$ok" .state)" "state of the finished job after the refused cancel"
assert_status 1 tend cancel 99999
assert_contains "$ERR" "99999" "stderr of cancelling an unknown job"
assert_status 0 tend pause serial
p3=$(tend submit --queue serial -- true)
assert_status 1 tend cancel "$ok" "$p3"
assert_contains "$OUT" "job $p3" "stdout of cancelling a finished and a pending job"
assert_eq "succeeded cancelled" "$(jfield "$ok" .state) $(jfield "$p3" .state)" "the pending job is cancelled even though the other was refused"
assert_status 0 tend resume serial
assert_status 2 tend cancel
assert_status 2 tend cancel notanid

say "retry of a failed job runs it again"
runs=$T/runs
flag=$T/now-it-works
id=$(tend submit -- sh -c "echo run >>'$runs'; test -e '$flag'")
assert_status 1 tend wait "$id"
assert_eq "failed 1 1" "$(jfield "$id" '"\(.state) \(.attempt) \(.runs)"')" "state attempt runs before retry"
touch "$flag"
assert_status 0 tend retry "$id"
assert_contains "$OUT" "job $id" "tend retry output"
assert_status 0 tend wait "$id"
assert_eq "succeeded 1 2" "$(jfield "$id" '"\(.state) \(.attempt) \(.runs)"')" "state attempt runs after retry"
assert_eq 2 "$(wc -l <"$runs")" "times the retried job ran"
assert_eq 2 "$(grep -c 'started' <<<"$(job_log "$id")")" "'started' lines in the retried job's output"

say "retry of a succeeded (or running) job -> 1"
assert_status 1 tend retry "$id"
assert_contains "$ERR" "succeeded" "stderr of retrying a succeeded job"
assert_eq 2 "$(jfield "$id" .runs)" "runs after the refused retry"
assert_status 1 tend retry 99999
assert_status 2 tend retry
