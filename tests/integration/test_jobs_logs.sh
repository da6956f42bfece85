#!/usr/bin/env bash
# SPEC §4 (tend logs JOB [-f] [-n N]), §6.2 (stdout and stderr captured per job, size-capped):
# a job's output and tendd's lifecycle lines, -n, --json, the output_max_size cap, following a
# running (or not yet started) job until it finishes, and unknown job ids.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/users.sh"

write_config <<'EOF2'
[queue.default]
concurrency = 2
max_attempts = 2
retry_delay = "50ms"

[queue.capped]
concurrency = 1
max_attempts = 1
output_max_size = "4KB"

[queue.later]
concurrency = 1
max_attempts = 1
EOF2
as_system_instance
start_tendd
# shellcheck disable=SC2163  # MARK is NAME=VALUE: jobs get the marker through the submitter
export "$MARK"

file_has() { grep -q -- "$2" "$1"; }

say "tend logs JOB: stdout, stderr and tendd's lifecycle lines"
id=$(tend submit -- sh -c 'echo one; echo two >&2; echo three; echo four >&2')
assert_status 0 tend wait "$id"
assert_status 0 tend logs "$id"
logs=$OUT
for l in one two three four "[tend] attempt 1 of 2 started" "[tend] attempt 1 exited with code 0: now succeeded"; do
    assert_contains "$logs" "$l" "tend logs $id"
done
assert_eq 6 "$(count_lines "$logs")" "lines of tend logs $id"
assert_eq "[tend] attempt 1 of 2 started" "$(head -n 1 <<<"$logs" | sed 's/ (pid [0-9]*)$//')" "first line (the start)"
assert_status 0 tend logs --json -n -1 "$id"
assert_eq "one three" "$(jq -r 'select(.stream == "out") | .line' <<<"$OUT" | paste -sd' ')" "stdout lines, in order"
assert_eq "two four" "$(jq -r 'select(.stream == "err") | .line' <<<"$OUT" | paste -sd' ')" "stderr lines, in order"
assert_eq 2 "$(jq -r 'select(.stream == "tend") | .line' <<<"$OUT" | wc -l)" "tendd's lines"
assert_eq "$id" "$(jq -r .job <<<"$OUT" | sort -u)" "the job field of every --json line"
jq -e 'select(.time | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z$") | not)' <<<"$OUT" >/dev/null &&
    fail "a --json line without an ISO 8601 time: $OUT"
check "every --json line has an ISO 8601 time"

say "-n 2: the last two lines"
# stdout only: the order between stdout and stderr lines depends on when tendd reads each pipe.
id=$(tend submit -- sh -c 'echo a; echo b; echo c')
assert_status 0 tend wait "$id"
assert_status 0 tend logs -n 2 "$id"
assert_eq $'c\n[tend] attempt 1 exited with code 0: now succeeded' "$OUT" "tend logs -n 2"
assert_status 0 tend logs -n 4 "$id"
assert_eq $'a\nb\nc\n[tend] attempt 1 exited with code 0: now succeeded' "$OUT" "tend logs -n 4"
assert_status 0 tend logs -n 1 --json "$id"
assert_eq "tend" "$(jq -r .stream <<<"$OUT")" "stream of the last line"
assert_status 0 tend logs -t -n 1 "$id"
[[ $OUT =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z\ tend\ attempt\ 1\ exited ]] || fail "tend logs -t line: $OUT"
check "tend logs -t prefixes time and stream"

say "the output of every attempt is kept, with tendd's lines between them"
id2=$(tend submit -- sh -c 'echo "attempt-$TEND_ATTEMPT-output"; exit 1')
assert_status 1 tend wait "$id2"
assert_status 0 tend logs -n -1 "$id2"
assert_eq 2 "$(grep -c 'started' <<<"$OUT")" "'started' lines of a job with 2 attempts"
assert_contains "$OUT" "attempt-1-output" "output of attempt 1"
assert_contains "$OUT" "attempt-2-output" "output of attempt 2"
assert_contains "$OUT" "now dead" "tendd's last line for the dead job"

say "several jobs at once: each line is labelled"
assert_status 0 tend logs -n -1 "$id" "$id2"
assert_contains "$OUT" "job $id | c" "tend logs of two jobs"
assert_contains "$OUT" "job $id2 | attempt-1-output" "tend logs of two jobs"

say "output beyond output_max_size (4KB) is cut with a note"
id=$(tend submit --queue capped -- sh -c 'i=0; while [ $i -lt 500 ]; do
    echo "line $i xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"; i=$((i + 1)); done
    echo final-line-after-the-cap')
assert_status 0 tend wait "$id"
out_file=$(jfield "$id" .output)
assert_eq succeeded "$(jfield "$id" .state)" "state of the job with too much output"
size=$(stat -c %s "$out_file")
((size <= 4096 + 512)) || fail "the output file has $size bytes, over the 4KB cap (+ tendd's lines)"
((size >= 2048)) || fail "the output file has only $size bytes; the cap is 4KB"
check "the output file has $size bytes (cap 4096)"
assert_status 0 tend logs -n 3 "$id"
assert_contains "$OUT" "truncated" "the last lines of the capped job"
assert_status 0 tend logs -n -1 "$id"
assert_not_contains "$OUT" "final-line-after-the-cap" "the capped job's output"
assert_contains "$OUT" "line 0 xxx" "the capped job's first line"
assert_eq 1 "$(grep -c truncated <<<"$OUT")" "truncation notes"

say "tend logs -f follows a running job and returns when it finishes"
gate=$T/gate
id=$(tend submit -- sh -c "echo first-line; while [ ! -e '$gate' ]; do sleep 0.05; done; echo last-line >&2; echo really-last")
bg_start "$T/follow.out" timeout 20 "${TEND[@]}" logs -f "$id"
follower=$BG_PID
wait_until 20 file_has "$T/follow.out" first-line
check "logs -f printed the first line while the job runs"
gone "$follower" && fail "tend logs -f ended while the job still runs: $(cat "$T/follow.out")"
touch "$gate"
wait_until 20 gone "$follower"
rc=0
wait "$follower" || rc=$?
assert_eq 0 "$rc" "exit status of tend logs -f"
follow=$(cat "$T/follow.out")
assert_contains "$follow" "last-line" "tend logs -f output"
assert_contains "$follow" "really-last" "tend logs -f output"
assert_contains "$follow" "now succeeded" "tend logs -f output (tendd's last line)"
assert_eq 1 "$(grep -c first-line <<<"$follow")" "first-line printed once by logs -f"
assert_status 0 timeout 20 "${TEND[@]}" logs -f "$id"
assert_contains "$OUT" "really-last" "tend logs -f of a finished job (returns at once)"

say "tend logs -f of a job that has not started yet waits for it"
assert_status 0 tend pause later
id=$(tend submit --queue later -- sh -c 'echo from-the-late-job')
assert_status 0 tend logs "$id"
assert_contains "$ERR" "not started" "stderr of tend logs for a pending job"
bg_start "$T/follow2.out" timeout 20 "${TEND[@]}" logs -f "$id"
follower=$BG_PID
assert_status 0 tend resume later
assert_status 0 tend wait "$id"
wait_until 20 gone "$follower"
rc=0
wait "$follower" || rc=$?
assert_eq 0 "$rc" "exit status of tend logs -f for a job that started later"
assert_contains "$(cat "$T/follow2.out")" "from-the-late-job" "tend logs -f output of the late job"

say "tend logs of an unknown job id exits 1"
assert_status 1 tend logs 99999
assert_contains "$ERR" "99999" "stderr of tend logs 99999"
assert_status 1 tend logs -f 99999

if [[ $(id -u) == 0 ]]; then
    # Known limitation (tend(1) LIMITATIONS): the output files live in tendd's private state dir, so
    # under a root tendd only root reads them. The submitter gets a clear error, not empty output.
    say "root tendd: a job of user nobody runs as nobody; nobody's tend logs says why it cannot read"
    as_nobody=(setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups)
    public_bins  # the build tree may sit under a 0700 parent (/root)
    id=$(cd / && "${as_nobody[@]}" "${PUB_TEND[@]}" submit -- sh -c 'echo "output of a job of uid $(id -u)"')
    assert_status 0 tend wait "$id"
    assert_contains "$(tend logs "$id")" "output of a job of uid $(id -u nobody)" "tend logs $id as root"
    run "${as_nobody[@]}" "${PUB_TEND[@]}" logs "$id"
    assert_eq 1 "$RC" "exit status of tend logs $id as user nobody"
    assert_contains "$ERR" "Permission denied" "stderr of tend logs $id as user nobody"
else
    check "not root: tend logs as another user is not tested"
fi
