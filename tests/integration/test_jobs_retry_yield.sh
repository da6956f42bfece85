#!/usr/bin/env bash
# SPEC §6.1, §6.2: retries with exponential, jittered backoff until max_attempts (then dead; a
# one-attempt job ends failed); exit 75 yields without using an attempt; TEND_CHECKPOINT
# survives yields and attempts; --timeout sends TERM, then KILL after the queue's stop_timeout.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/users.sh"

write_config <<'EOF2'
[queue.default]
concurrency = 4
max_attempts = 3
retry_delay = "50ms"

[queue.once]
concurrency = 2
max_attempts = 1
retry_delay = "50ms"

[queue.stubborn]
concurrency = 2
max_attempts = 1
stop_timeout = "300ms"
EOF2
as_system_instance
start_tendd
# shellcheck disable=SC2163  # MARK is NAME=VALUE: jobs get the marker through the submitter
export "$MARK"

# tend_lines: tendd's lifecycle lines in `tend logs --json` output (stdin) as "SECONDS TEXT"
# (SECONDS since the epoch).
tend_lines() {
    jq -r 'select(.stream == "tend") |
        (.time | capture("^(?<s>[^.]+)(?<f>\\.[0-9]+)?Z$")) as $c |
        "\(($c.s + "Z" | fromdateiso8601) + (("0" + ($c.f // ".0")) | tonumber)) \(.line)"'
}
# to_s DURATION: a duration as tendd prints it (47551us, 50ms, 1s) in seconds.
to_s() {
    awk -v d="$1" 'BEGIN { n = d + 0; u = d; sub(/^[0-9.]+/, "", u)
        f = (u == "us") ? 1e-6 : (u == "ms") ? 1e-3 : (u == "s") ? 1 : (u == "m") ? 60 : -1
        if (f < 0) exit 1; printf "%.6f\n", n * f }'
}

say "an always-failing job: 3 attempts with growing delays, then dead"
id=$(tend submit -- sh -c 'echo "try $TEND_ATTEMPT" >&2; exit 7')
assert_status 7 tend wait --json "$id"
assert_eq 'dead 3 3 3 {"code":7}' "$(jq -r '.[0] | "\(.state) \(.attempt) \(.max_attempts) \(.runs) \(.exit_status | tojson)"' <<<"$OUT")" \
    "state attempt max_attempts runs exit_status"
logs=$(tend logs -n -1 --json "$id")
lines=$(tend_lines <<<"$logs")
printf '%s\n' "$lines"
assert_eq 3 "$(grep -c ' attempt [0-9]* of 3 started' <<<"$lines")" "'started' lines"
assert_eq "try 1 try 2 try 3" "$(jq -r 'select(.stream == "err") | .line' <<<"$logs" | paste -sd' ')" \
    "the job's stderr over its attempts (TEND_ATTEMPT)"
ex1=$(awk '/ attempt 1 exited/ { print $1 }' <<<"$lines")
st2=$(awk '/ attempt 2 of 3 started/ { print $1 }' <<<"$lines")
ex2=$(awk '/ attempt 2 exited/ { print $1 }' <<<"$lines")
st3=$(awk '/ attempt 3 of 3 started/ { print $1 }' <<<"$lines")
[[ -n $ex1 && -n $st2 && -n $ex2 && -n $st3 ]] || fail "missing lifecycle lines in: $lines"
gap1=$(awk -v a="$ex1" -v b="$st2" 'BEGIN { printf "%.6f", b - a }')
gap2=$(awk -v a="$ex2" -v b="$st3" 'BEGIN { printf "%.6f", b - a }')
# retry_delay 50ms doubles per failed attempt with 50..100% jitter: [25, 50] ms, then [50, 100] ms.
# tendd announces each delay exactly ("retry in ..."; its clock is the same for both values).
d1=$(to_s "$(sed -n 's/.* attempt 1 exited .*retry in \([0-9]*[a-z]*\)$/\1/p' <<<"$lines")") || fail "no delay after attempt 1"
d2=$(to_s "$(sed -n 's/.* attempt 2 exited .*retry in \([0-9]*[a-z]*\)$/\1/p' <<<"$lines")") || fail "no delay after attempt 2"
assert_fcmp "$d1" ">=" 0.025 "announced delay after attempt 1 (s)"
assert_fcmp "$d1" "<=" 0.050 "announced delay after attempt 1 (s)"
assert_fcmp "$d2" ">=" 0.050 "announced delay after attempt 2 (s)"
assert_fcmp "$d2" "<=" 0.100 "announced delay after attempt 2 (s)"
assert_fcmp "$d2" ">=" "$d1" "announced delay 2 vs delay 1"
# The attempts really waited: each gap is about the delay at least (10 ms for the note's own
# timestamp, taken a little after the decision).
assert_fcmp "$gap1" ">=" "$(awk -v d="$d1" 'BEGIN { print d - 0.010 }')" "gap between attempt 1's exit and attempt 2's start (s)"
assert_fcmp "$gap2" ">=" "$(awk -v d="$d2" 'BEGIN { print d - 0.010 }')" "gap between attempt 2's exit and attempt 3's start (s)"
assert_fcmp "$gap2" ">=" "$(awk -v a="$gap1" 'BEGIN { print a * 0.5 }')" "gap 2 vs half of gap 1"

say "with max_attempts = 1 a failing job ends failed"
id=$(tend submit --queue once -- sh -c 'exit 9')
assert_status 9 tend wait "$id"
assert_eq "failed 1 1 1" "$(jfield "$id" '"\(.state) \(.attempt) \(.max_attempts) \(.runs)"')" "state attempt max_attempts runs"
assert_eq 1 "$(tend logs -n -1 "$id" | grep -c started)" "'started' lines of the one-attempt job"

say "exit 75 yields without using an attempt"
count=$T/yield-runs
id=$(tend submit --queue once -- sh -c "echo \"run attempt=\$TEND_ATTEMPT\" >>'$count';
    [ \$(wc -l <'$count') -ge 3 ] && exit 0; exit 75")
assert_status 0 tend wait "$id"
assert_eq "succeeded 1 1 3" "$(jfield "$id" '"\(.state) \(.attempt) \(.max_attempts) \(.runs)"')" "state attempt max_attempts runs of the yielding job"
assert_eq "run attempt=1,run attempt=1,run attempt=1" "$(paste -sd, "$count")" "runs of the yielding job (TEND_ATTEMPT)"

say "TEND_CHECKPOINT survives yields and failed attempts"
cat >"$T/resume.sh" <<'EOF2'
#!/bin/sh
# One step per run: read the cursor, do the step, save the cursor, yield until done.
n=$(cat "$TEND_CHECKPOINT" 2>/dev/null || echo 0)
n=$((n + 1))
echo "step $n attempt $TEND_ATTEMPT" >>"$RESULT"
echo "$n" >"$TEND_CHECKPOINT"
[ "$n" -ge 4 ] && exit 0
[ "$n" -eq 2 ] && exit 1   # a failure: the next attempt resumes from the checkpoint too
exit 75
EOF2
chmod +x "$T/resume.sh"
id=$(tend submit --env RESULT="$T/result" -- "$T/resume.sh")
assert_status 0 tend wait "$id"
assert_eq "step 1 attempt 1,step 2 attempt 1,step 3 attempt 2,step 4 attempt 2" "$(paste -sd, "$T/result")" "the resumable job's steps"
assert_eq "succeeded 2 4" "$(jfield "$id" '"\(.state) \(.attempt) \(.runs)"')" "state attempt runs of the resumable job"

say "--timeout: TERM, counts as a failure with a reason"
id=$(tend submit --queue once --timeout 300ms -- sleep 30)
t0=$(now)
assert_status 143 tend wait --json "$id"
assert_fcmp "$(elapsed_since "$t0")" "<" 10 "seconds until the timed-out job ended"
assert_eq 'failed {"signal":"TERM"} true' "$(jq -r '.[0] | "\(.state) \(.exit_status | tojson) \(.reason | contains("timed out"))"' <<<"$OUT")" \
    "state, exit_status, reason says timed out (max_attempts 1)"
started=$(date -d "$(jq -r '.[0].started_at' <<<"$OUT")" +%s%3N)
finished=$(date -d "$(jq -r '.[0].finished_at' <<<"$OUT")" +%s%3N)
((finished - started >= 300)) || fail "the --timeout 300ms job ran only $((finished - started)) ms"
check "the --timeout 300ms job ran $((finished - started)) ms"
id=$(tend submit --attempts 2 --timeout 200ms -- sleep 30)
assert_status 143 tend wait --json "$id"
assert_eq "dead 2 true" "$(jq -r '.[0] | "\(.state) \(.attempt) \(.reason | contains("timed out"))"' <<<"$OUT")" \
    "state attempt, reason says timed out: a timed-out job with 2 attempts"

say "cancel of a running job that ignores TERM: KILL after the queue's stop_timeout (300ms)"
id=$(tend submit --queue stubborn -- sh -c "trap '' TERM; echo ignoring; while :; do sleep 0.05; done")
output=$(jfield "$id" .output)
wait_until 20 grep -q ' out ignoring$' "$output"
t0=$(now)
assert_status 0 tend cancel "$id"
assert_status 137 timeout 20 "${TEND[@]}" wait --json "$id"
assert_fcmp "$(elapsed_since "$t0")" ">=" 0.29 "seconds from cancel to the end of the job that ignores TERM"
assert_eq 'cancelled {"signal":"KILL"}' "$(jq -r '.[0] | "\(.state) \(.exit_status | tojson)"' <<<"$OUT")" "state and last exit after the cancel"
assert_contains "$(tend logs -n -1 "$id")" "KILL" "tendd's lines for the KILL"

say "--timeout on a job that ignores TERM: KILL after the queue's stop_timeout (300ms)"
pidfile=$T/stubborn.pid
id=$(tend submit --queue stubborn --timeout 300ms -- sh -c "trap '' TERM; echo \$\$ >'$pidfile'; while :; do sleep 0.05; done")
assert_status 137 timeout 20 "${TEND[@]}" wait --json "$id"
assert_eq 'failed {"signal":"KILL"} true' "$(jq -r '.[0] | "\(.state) \(.exit_status | tojson) \(.reason | contains("timed out"))"' <<<"$OUT")" \
    "state, last exit, reason says timed out: the stubborn job"
started=$(date -d "$(jq -r '.[0].started_at' <<<"$OUT")" +%s%3N)
finished=$(date -d "$(jq -r '.[0].finished_at' <<<"$OUT")" +%s%3N)
((finished - started >= 600)) || fail "the stubborn job was killed after $((finished - started)) ms, before timeout + stop_timeout"
check "the stubborn job was killed after $((finished - started)) ms (>= 600)"
pid=$(cat "$pidfile")
[[ $pid =~ ^[0-9]+$ ]] || fail "the stubborn job wrote no pid ($pid)"
wait_until 20 gone "$pid"
check "the stubborn job's process $pid is gone"
assert_eq 0 "$(count_lines "$(marked_pids)")" "processes left of the stubborn job"

# The checks below run each in a subshell, so that one failing does not hide the others; the
# test fails at the end if any did.
failed_parts=()
part() { ("$@") || failed_parts+=("$1"); }

timeout_then_exit_0() {
    say "a timed-out attempt counts as a failure even if the job exits 0 on the TERM"
    # SPEC §6.2: "--timeout: TERM, then KILL after the queue's stop_timeout; counts as a failure".
    local id
    id=$(tend submit --queue once --timeout 300ms -- sh -c "trap 'exit 0' TERM; while :; do sleep 0.05; done")
    run tend wait "$id"
    assert_eq "failed 1 true" "$(jfield "$id" '"\(.state) \(.runs) \(.reason // "" | contains("timed out"))"')" \
        "state, runs, reason says timed out: a job that exits 0 on the timeout's TERM"
    assert_eq 1 "$RC" "tend wait status for it (not succeeded, code 0)"
}

timeout_then_exit_75() {
    say "a timed-out attempt counts as a failure even if the job yields (exit 75) on the TERM"
    local id runs=$T/timeout-yield-runs
    # The job exits 0 on its 4th run so that an endless yield loop stays bounded.
    id=$(tend submit --attempts 2 --timeout 300ms -- sh -c "echo run >>'$runs'; [ \$(wc -l <'$runs') -ge 4 ] && exit 0
        trap 'exit 75' TERM; while :; do sleep 0.05; done")
    run tend wait "$id"
    assert_eq "dead 2 2" "$(jfield "$id" '"\(.state) \(.attempt) \(.runs)"')" \
        "state attempt runs: a job that yields on the timeout's TERM uses its attempts"
    assert_eq 2 "$(wc -l <"$runs")" "runs of the job that yields on the timeout's TERM"
}

checkpoint_of_another_user() {
    if [[ $(id -u) != 0 ]]; then
        check "not root: the checkpoint of another user's job is not tested"
        return 0
    fi
    say "root tendd: a job submitted by another user can use its TEND_CHECKPOINT"
    local id out
    public_bins  # the build tree may sit under a 0700 parent (/root)
    id=$(cd / && setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups "${PUB_TEND[@]}" submit -- \
        sh -c 'echo "uid=$(id -u)"; echo saved >"$TEND_CHECKPOINT" && cat "$TEND_CHECKPOINT"')
    run tend wait "$id"
    out=$(tend logs -n -1 "$id")
    assert_contains "$out" "uid=$(id -u nobody)" "output of the job of user nobody"
    assert_eq succeeded "$(jfield "$id" .state)" "state of the job that writes its checkpoint as user nobody; its output: $out"
    assert_contains "$out" "saved" "output of the job that writes and reads its checkpoint as user nobody"
}

part timeout_then_exit_0
part timeout_then_exit_75
part checkpoint_of_another_user
((${#failed_parts[@]} == 0)) || fail "failed parts: ${failed_parts[*]}"
