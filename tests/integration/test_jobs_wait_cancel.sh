#!/usr/bin/env bash
# SPEC §4 (tend wait / submit --wait exit statuses, --timeout 124, tend cancel, tend retry),
# §6.1 (cancelled jobs), §6.2 (TERM on cancel): waiting on jobs, cancelling pending and running
# jobs, and re-enqueueing failed ones.
source "$(dirname "$0")/lib.sh"

write_config <<'EOF2'
[queue.default]
concurrency = 8
max_attempts = 1
retry_delay = "50ms"
stop_timeout = "10s"

[queue.serial]
concurrency = 1
max_attempts = 1
stop_timeout = "10s"
EOF2
start_tendd
# shellcheck disable=SC2163  # MARK is NAME=VALUE: jobs get the marker through the submitter
export "$MARK"

# `tend wait --json` answers with the finished jobs' objects: most checks read those ($OUT).
# out_job ID JQ_EXPR: a field of job ID in the array in $OUT (tend wait --json, tend jobs --json).
out_job() { jq -r --argjson id "$1" ".[] | select(.id == \$id) | $2" <<<"$OUT"; }
# output_has ID TEXT: the job's captured output has a line ending in TEXT.
output_has() { grep -q -- " $2\$" "$STATE/jobs/output/$1.log"; }

say "tend wait: 0 for success, the job's code, 128+N for a signal"
assert_status 0 tend submit --stdin <<<$'true\nexit 3\nkill -KILL $$\nkill -TERM $$\nexit 5'
mapfile -t ids <<<"$OUT"
ok=${ids[0]} three=${ids[1]} killed=${ids[2]} termed=${ids[3]} five=${ids[4]}
assert_status 0 tend wait "$ok"
assert_status 3 tend wait "$three"
assert_contains "$ERR" "job $three" "stderr of tend wait for a failed job"
# Not the `tend` wrapper: its kill bound would also show as 137.
assert_status 137 timeout 20 "${TEND[@]}" wait "$killed"
assert_status 143 tend wait "$termed"
assert_status 3 tend wait --json "$ok" "$three" "$killed" "$termed"
assert_eq 'succeeded {"code":0}|failed {"code":3}|failed {"signal":"KILL"}|failed {"signal":"TERM"}' \
    "$(jq -r '[.[] | "\(.state) \(.exit_status | tojson)"] | join("|")' <<<"$OUT")" "tend wait --json: state and exit_status of each job"

say "several ids: the first non-zero status in argument order"
assert_status 3 tend wait "$ok" "$three" "$five"
assert_status 5 tend wait "$five" "$three"

say "tend submit --wait exits like tend wait"
assert_status 0 tend submit --wait -- sh -c 'echo waited-for'
[[ $OUT =~ ^[0-9]+$ ]] || fail "submit --wait printed '$OUT', expected the id"
check "submit --wait printed the id $OUT"
assert_status 3 tend submit --wait -- sh -c 'exit 3'
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
assert_fcmp "$took" "<" 10 "seconds until wait --timeout 200ms gave up"
assert_eq running "$(jfield "$long" .state)" "state of the long job after the wait timed out"
assert_status 2 tend wait --timeout banana "$long"
assert_status 1 tend wait 99999
assert_contains "$ERR" "99999" "stderr of tend wait for an unknown job"

say "cancel a running job: it gets TERM and ends cancelled"
term_file=$T/got-term
id=$(tend submit -- sh -c "trap 'echo got-term >\"$term_file\"; exit 0' TERM; echo \$\$ >'$T/pid'; echo ready; while :; do sleep 1 & wait \$!; done")
wait_until 20 output_has "$id" "ready"
pid=$(cat "$T/pid")
kill -0 "$pid" || fail "the running job's process $pid does not exist"
assert_status 0 tend cancel "$id"
assert_contains "$OUT" "job $id" "tend cancel output"
assert_status 1 tend wait --json "$id"  # cancelled, exit code 0 -> 1
assert_eq 'cancelled {"code":0}' "$(out_job "$id" '"\(.state) \(.exit_status | tojson)"')" "state and exit of the cancelled running job"
assert_eq got-term "$(cat "$term_file" 2>/dev/null)" "file written by the job's TERM trap"
wait_until 20 gone "$pid"
check "the job's process $pid is gone"
assert_status 0 tend cancel --json "$long"
assert_eq '[true]' "$(jq -c '[.results[].ok]' <<<"$OUT")" "cancel --json .results[].ok"
assert_status 143 tend wait --json "$long"
assert_eq cancelled "$(out_job "$long" .state)" "state of the cancelled sleep"

say "cancel a pending job (queue paused): it never runs"
assert_status 0 tend pause serial
ran=$T/ran-paused
p1=$(tend submit --queue serial -- sh -c "echo x >>'$ran'")
assert_eq "pending true" "$(jfield "$p1" '"\(.state) \(.waiting | contains("paused"))"')" "state in a paused queue, waiting says paused"
assert_status 1 tend retry "$p1"
assert_contains "$ERR" "pending" "stderr of retrying a pending job"
assert_status 0 tend cancel "$p1"
assert_contains "$OUT" "cancelled" "tend cancel output for a pending job"
assert_status 0 tend resume serial
# FIFO: a later job of the queue that ran shows the cancelled one had its chance.
later=$(tend submit --queue serial -- true)
assert_status 1 tend wait --json "$later" "$p1"
assert_eq "cancelled null" "$(out_job "$p1" '"\(.state) \(.started_at)"')" "state and started_at of the never-run job"
[[ ! -e $ran ]] || fail "the cancelled pending job ran"
check "the cancelled pending job did not run"
assert_status 0 tend logs "$p1"
assert_not_contains "$OUT" "started" "output of the cancelled pending job"

say "cancel a pending job (concurrency full): it never runs"
gate=$T/gate
blocker=$(tend submit --queue serial -- sh -c "while [ ! -e '$gate' ]; do sleep 0.05; done")
ran=$T/ran-full
p2=$(tend submit --queue serial -- sh -c "echo x >>'$ran'")
wait_until 20 job_state_is "$blocker" running
assert_eq "pending true" "$(jfield "$p2" '"\(.state) \(.waiting | contains("slot"))"')" "state behind a full queue, waiting for a slot"
assert_status 0 tend cancel "$p2"
touch "$gate"
later=$(tend submit --queue serial -- true)
assert_status 1 tend wait --json "$blocker" "$later" "$p2"
assert_eq "succeeded succeeded cancelled" "$(jq -r '[.[].state] | join(" ")' <<<"$OUT")" "states of the blocker, a later job and the cancelled one"
[[ ! -e $ran ]] || fail "the cancelled queued job ran"
check "the cancelled queued job did not run"
assert_status 0 tend logs "$p2"
assert_not_contains "$OUT" "started" "output of the cancelled queued job"

say "cancel of a finished job -> 1 with a message"
assert_status 1 tend cancel "$ok"
assert_contains "$ERR" "$ok" "stderr of cancelling a finished job"
assert_contains "$ERR" "succeeded" "stderr of cancelling a finished job"
assert_status 1 tend cancel 99999
assert_contains "$ERR" "99999" "stderr of cancelling an unknown job"
p3=$(tend submit --in 1h -- true)
assert_status 1 tend cancel "$ok" "$p3"
assert_contains "$OUT" "job $p3" "stdout of cancelling a finished and a scheduled job"
assert_status 1 tend wait --json "$ok" "$p3"
assert_eq "succeeded cancelled" "$(jq -r '[.[].state] | join(" ")' <<<"$OUT")" "the scheduled job is cancelled even though the other was refused"
assert_status 2 tend cancel
assert_status 2 tend cancel notanid

say "retry of a failed job runs it again"
runs=$T/runs
flag=$T/now-it-works
id=$(tend submit -- sh -c "echo run >>'$runs'; test -e '$flag'")
assert_status 1 tend wait --json "$id"
assert_eq "failed 1 1" "$(out_job "$id" '"\(.state) \(.attempt) \(.runs)"')" "state attempt runs before retry"
touch "$flag"
assert_status 0 tend retry "$id"
assert_contains "$OUT" "job $id" "tend retry output"
assert_status 0 tend wait --json "$id"
assert_eq "succeeded 1 2" "$(out_job "$id" '"\(.state) \(.attempt) \(.runs)"')" "state attempt runs after retry"
assert_eq 2 "$(wc -l <"$runs")" "times the retried job ran"
assert_status 0 tend logs -n -1 "$id"
assert_eq 2 "$(grep -c 'started' <<<"$OUT")" "'started' lines in the retried job's output"

say "retry of a succeeded job -> 1"
assert_status 1 tend retry "$id"
assert_contains "$ERR" "succeeded" "stderr of retrying a succeeded job"
assert_status 1 tend retry 99999
assert_status 2 tend retry
