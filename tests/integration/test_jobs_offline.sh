#!/usr/bin/env bash
# SPEC §4: `tend jobs`, `tend show` and `tend logs JOB` work read-only while tendd is down. Jobs
# finished with output, failed, pending in a paused queue and scheduled are listed online, tendd
# is stopped, and the same commands give the same answers from the state dir, saying so on
# stderr, without writing anything (a torn tail is read past and left for tendd), with the
# socket's authorization rules: a user who may not read the state dir gets exit 69 and a hint.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/users.sh"

write_config <<'EOF2'
[queue.held]
concurrency = 1
EOF2
start_tendd
assert_status 0 tend pause held
ok=$(tend submit --name greeter -- sh -c 'echo out-line; echo err-line >&2')
bad=$(tend submit -- sh -c 'echo failing; exit 3')
run tend wait "$ok" "$bad"
assert_eq 3 "$RC" "tend wait on a job that exits 3"
held=$(tend submit --queue held --name waiting -- echo never)
later=$(tend submit --in 1h --key k1 -- echo later)
ids=("$ok" "$bad" "$held" "$later")

online_jobs=$(tend jobs --json -n 0 | jq -S .)
declare -A online_show online_logs online_logs_err
for j in "${ids[@]}"; do
    online_show[$j]=$(tend show --json "$j" | jq -S .)
    run tend logs "$j"
    online_logs[$j]=$OUT online_logs_err[$j]=$ERR
done
online_table=$(tend jobs | awk '{print $1, $2, $3}')
assert_contains "${online_logs[$ok]}" "out-line" "online logs of $ok"

assert_status 0 tend shutdown
wait_tendd_exit 20
[[ ! -e $SOCK ]] || fail "the socket is still there after the shutdown"
sum_before=$(sha256sum "$STATE/jobs.log")

say "the same answers from disk"
assert_status 0 tend jobs --json -n 0
assert_contains "$ERR" "tendd is not running" "stderr says why"
assert_contains "$ERR" "$STATE/jobs.log" "and what is read"
assert_eq "$online_jobs" "$(jq -S . <<<"$OUT")" "tend jobs --json offline"
for j in "${ids[@]}"; do
    assert_status 0 tend show --json "$j"
    assert_eq "${online_show[$j]}" "$(jq -S . <<<"$OUT")" "tend show --json $j offline"
    run tend logs "$j"
    assert_eq 0 "$RC" "tend logs $j offline exits 0"
    assert_eq "${online_logs[$j]}" "$OUT" "tend logs $j offline"
    assert_contains "$ERR" "${online_logs_err[$j]}" "tend logs $j offline: stderr"
done
assert_eq "$online_table" "$(tend jobs 2>/dev/null | awk '{print $1, $2, $3}')" "tend jobs (table) offline"
assert_status 0 tend jobs --state pending --json
assert_eq "$held" "$(jq -r '.[].id' <<<"$OUT")" "tend jobs --state pending offline"
assert_eq "queue held is paused" "$(jq -r '.[0].waiting' <<<"$OUT")" "why it waits, from disk"
assert_status 0 tend logs -f "$held"
assert_contains "$ERR" "not following" "logs -f offline does not wait for tendd"
assert_status 1 tend show 999
assert_contains "$ERR" "no job 999" "an unknown job offline"
assert_status 1 tend logs web
assert_contains "$ERR" "not a job id" "a program's logs need tendd"
assert_status 69 tend status
check "tend status still needs tendd"
assert_status 69 tend queues
check "tend queues still needs tendd"
assert_eq "$sum_before" "$(sha256sum "$STATE/jobs.log")" "jobs.log after the offline reads"

say "a torn tail is read past and left alone"
printf '\x40\x00\x00\x00\x01\x02' >>"$STATE/jobs.log"  # a frame header cut short
size_torn=$(stat -c %s "$STATE/jobs.log")
assert_status 0 tend jobs --json -n 0
assert_eq "$online_jobs" "$(jq -S . <<<"$OUT")" "tend jobs --json past a torn tail"
assert_contains "$ERR" "torn" "the torn tail is reported"
assert_eq "$size_torn" "$(stat -c %s "$STATE/jobs.log")" "jobs.log size (nothing cut by tend)"

if [[ $(id -u) == 0 ]] && command -v useradd >/dev/null && command -v setpriv >/dev/null; then
    say "another user may not read the state dir"
    u=$(make_user)
    public_bins
    run as_user "$u" "$PUB_BIN/tend" --socket "$SOCK" --state-dir "$STATE" jobs
    assert_eq 69 "$RC" "tend jobs offline as another user"
    assert_contains "$ERR" "cannot be read from disk" "the refusal"
    assert_contains "$ERR" "hint:" "with a hint"
else
    say "not root: the other-user case is left out"
fi

say "tendd starts on the same state dir and agrees"
start_tendd
assert_eq "$online_jobs" "$(tend jobs --json -n 0 | jq -S .)" "tend jobs --json after the restart"
say "passed"
