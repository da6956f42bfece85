#!/usr/bin/env bash
# shellcheck disable=SC2163,SC2119  # export "$MARK" exports its value; lib.sh functions take no script args
# SPEC §6.3 (bounded storage): finished jobs are pruned after their queue's `keep` (gone from
# `tend jobs`, their output files removed) and the job log is compacted, on request (the
# hidden `compact` command) and automatically (TEND_COMPACT_MIN_BYTES lowers the threshold).
# Compaction in a running daemon, with submits going on, and the restarts after it keep every
# unpruned job exactly as it was (command, state, priority, key, dependencies, times), a paused
# queue stays paused, its pending jobs still run after resume, keys still deduplicate, and ids
# are never handed out twice even when the jobs with the highest ids were pruned.
# shellcheck source=SCRIPTDIR/lib.sh
source "$(dirname "$0")/lib.sh"

export "$MARK"
export TEND_STATE_DIR=$STATE
LOG=$STATE/jobs.log

write_config <<'EOF'
[queue.default]
concurrency = 4
keep = "2s"

[queue.kept]
concurrency = 2
keep = "1h"

[queue.held]
concurrency = 1
keep = "1h"
EOF

# --- helpers ---------------------------------------------------------------------------------
log_size() { stat -c %s "$LOG"; }
log_smaller_than() { [[ $(log_size) -lt $1 ]]; }
compact() {
    local out
    out=$(echo '{"v":1,"cmd":"compact","args":{}}' | "$PYTHON" "$LIB_DIR/rawclient.py" exchange "$SOCK")
    [[ $(head -n 1 <<<"$out" | jq -r .ok) == true ]] || fail "compact was refused: $out"
    check "compact started: $(head -n 1 <<<"$out")"
}
# The stable fields of every job outside the default queue, sorted by id.
FIELDS='{id, name, queue, state, priority, key, after, command, cwd, shell, attempt, max_attempts,
         exit_status, submitted_at, started_at, finished_at, run_at, timeout_s, output}'
snapshot() { tend jobs --limit 0 --json | jq -S "[.[] | select(.queue != \"default\") | $FIELDS] | sort_by(.id)"; }
# show_sample SNAPSHOT: every 6th job of SNAPSHOT and its last one, through `tend show` each
# (tend jobs shows the same fields; both read the spec back from the log).
sample_of() { jq -S '[to_entries[] | select(.key % 6 == 0) | .value] + [last] | unique_by(.id)' <<<"$1"; }
show_sample() {
    local id
    for id in $(jq -r '.[].id' <<<"$1"); do
        tend show "$id" --json
    done | jq -S -s "[.[] | $FIELDS] | sort_by(.id)"
}
expect_snapshot() {
    local now
    now=$2
    if [[ $1 != "$now" ]]; then
        diff <(echo "$1") <(echo "$now") | head -n 40 >&2
        fail "$3: the unpruned jobs changed (diff above: < before, > now)"
    fi
    check "$3: all $(jq length <<<"$1") unpruned jobs are unchanged"
}
count_in() { tend jobs --queue "$1" --limit 0 --json | jq length; }
unfinished_in() { tend jobs --queue "$1" --limit 0 --json | jq '[.[] | select(.state == "pending" or .state == "running" or .state == "scheduled" or .state == "blocked")] | length'; }
queue_idle() { [[ $(unfinished_in "$1") == 0 ]]; }
queue_empty() { [[ $(count_in "$1") == 0 ]]; }
# no_output_files ID...: none of these jobs has an output file left.
no_output_files() {
    local id
    for id in "$@"; do [[ ! -e $STATE/jobs/output/$id.log ]] || return 1; done
}
# batch_of N PREFIX [PAD]: N shell lines for --stdin (PAD makes each record larger).
batch_of() { local i; for ((i = 1; i <= $1; i++)); do echo "echo $2-$i ${3:-}"; done; }
submit_batch() {  # submit_batch QUEUE N PREFIX [PAD]: prints the ids, one per line
    batch_of "$2" "$3" "${4:-}" | tend submit --stdin --queue "$1" --json | jq -r '.ids[]'
}
# idle_tracking_peak QUEUE: like queue_idle, and notes the largest log size seen in $peak.
idle_tracking_peak() {
    local size
    size=$(log_size)
    ((size > peak)) && peak=$size
    queue_idle "$1"
}
max_id_seen=0
note_ids() { local id; for id in "$@"; do ((id > max_id_seen)) && max_id_seen=$id; done; return 0; }

start_tendd

# --- jobs that stay: finished ones in `kept`, waiting ones in the paused `held` ----------------
say "jobs that stay (kept: finished; held: paused)"
assert_status 0 tend pause held
kept_ids=()
for i in $(seq 1 14); do kept_ids+=("$(tend submit --queue kept --name "ok-$i" --priority $((i % 3)) -- sh -c "echo kept-$i")"); done
for i in $(seq 1 4); do kept_ids+=("$(tend submit --queue kept --name "bad-$i" --attempts 1 -- sh -c "echo bad-$i; exit 3")"); done
for i in $(seq 1 4); do kept_ids+=("$(tend submit --queue kept --name "keyed-$i" --key "kept-key-$i" -- sh -c "echo keyed-$i")"); done
note_ids "${kept_ids[@]}"
held_ids=()
first_held=""
for i in $(seq 1 24); do
    args=(--queue held --name "held-$i" --priority $((i % 7 - 3)))
    ((i % 4 == 0)) && args+=(--key "hold-key-$i")
    ((i % 5 == 0)) && [[ -n $first_held ]] && args+=(--after "$first_held")
    id=$(tend submit "${args[@]}" -- sh -c "echo held-$i >> '$T/held-ran'")
    [[ -n $first_held ]] || first_held=$id
    held_ids+=("$id")
done
for i in 1 2 3; do held_ids+=("$(tend submit --queue held --name "later-$i" --in 1h -- sh -c "echo later-$i")"); done
cancelled=$(tend submit --queue held --name cancelled-1 -- true)
assert_status 0 tend cancel "$cancelled"
note_ids "${held_ids[@]}" "$cancelled"
wait_until 30 queue_idle kept
snap=$(snapshot)
say "$(jq length <<<"$snap") jobs stay: $(jq -c 'group_by(.state) | map({(.[0].state): length}) | add' <<<"$snap")"
[[ $(jq '[.[] | select(.state == "blocked")] | length' <<<"$snap") -gt 0 ]] || fail "no blocked job among the held ones"
[[ $(jq '[.[] | select(.state == "failed")] | length' <<<"$snap") == 4 ]] || fail "expected 4 failed kept jobs: $snap"

# --- jobs that go: the default queue keeps finished jobs for 2s --------------------------------
say "150 short jobs in the default queue (keep = 2s)"
mapfile -t gone_ids < <(submit_batch default 75 first; submit_batch default 75 second)
assert_eq 150 "${#gone_ids[@]}" "ids of the default-queue jobs"
note_ids "${gone_ids[@]}"
wait_until 60 queue_idle default
peak=$(log_size)
say "job log at its peak: $peak bytes"
wait_until 15 queue_empty default
check "the default queue's finished jobs were pruned after keep"
wait_until 10 no_output_files "${gone_ids[@]}"
check "their output files were removed"
for id in "${kept_ids[@]}"; do
    [[ -e $STATE/jobs/output/$id.log ]] || fail "output file of kept job $id is gone"
done
check "the kept jobs' output files are still there"
run tend show "${gone_ids[0]}"
[[ $RC == 1 ]] || fail "tend show of pruned job ${gone_ids[0]} exited $RC: $OUT $ERR"
check "tend show of a pruned job fails: $ERR"
expect_snapshot "$snap" "$(snapshot)" "after pruning"

# --- compaction on request -----------------------------------------------------------------------
before=$(log_size)
compact
wait_until 15 log_smaller_than $((before / 2))
after=$(log_size)
say "compacted on request: $before -> $after bytes"
expect_snapshot "$snap" "$(snapshot)" "after the requested compaction (tend jobs)"
expect_snapshot "$(sample_of "$snap")" "$(show_sample "$(sample_of "$snap")")" "after the requested compaction (tend show)"

# --- restart with automatic compaction --------------------------------------------------------
say "restart, now with TEND_COMPACT_MIN_BYTES=1"
assert_status 0 tend shutdown
wait_tendd_exit 20
export TEND_COMPACT_MIN_BYTES=1
start_tendd
expect_snapshot "$snap" "$(snapshot)" "after the restart"
assert_eq true "$(tend queues --json | jq -r '.[] | select(.name == "held") | .paused')" "held is still paused"

say "200 more short jobs, while another client submits to kept"
cat >"$T/submitter.sh" <<'EOF'
#!/bin/bash
# submitter.sh TEND SOCK N OUT: N submits into the kept queue; acknowledged ids to OUT.
for ((i = 1; i <= $3; i++)); do
    if id=$("$1" --socket "$2" submit --queue kept --name "bg-$i" -- sh -c "echo bg-$i"); then
        echo "$id" >>"$4"
    fi
done
touch "$4.done"
EOF
: >"$T/bg.ids"
bg_start "$T/submitter.out" bash "$T/submitter.sh" "$TEND_BIN_DIR/tend" "$SOCK" 30 "$T/bg.ids"
compactions_before=$(grep -c "job log compacted to" "$TENDD_ERR" || true)
# Padded, these records are most of the log, whenever an automatic compaction comes.
pad=$(printf 'p%.0s' $(seq 1 300))
mapfile -t gone2_ids < <(submit_batch default 100 third "$pad"; submit_batch default 100 fourth "$pad")
assert_eq 200 "${#gone2_ids[@]}" "ids of the second default-queue batch"
note_ids "${gone2_ids[@]}"
peak=$(log_size)  # acknowledged, so on disk: the log holds at least these now
wait_until 60 idle_tracking_peak default
peak2=$peak
say "job log with 200 padded short jobs: up to $peak2 bytes"
wait_until 15 queue_empty default
wait_until 10 no_output_files "${gone2_ids[@]}"
wait_until 60 test -e "$T/bg.ids.done"
mapfile -t bg_ids <"$T/bg.ids"
assert_eq 30 "${#bg_ids[@]}" "acknowledged submits of the background client"
note_ids "${bg_ids[@]}"
wait_until 30 queue_idle kept
# Nobody asks for it: with the next write, the log, now mostly dead records, is compacted.
sentinel=$(tend submit --queue kept --name sentinel -- true)
assert_status 0 tend wait "$sentinel"
note_ids "$sentinel"
wait_until 15 log_smaller_than $((peak2 / 2))
say "compacted automatically: $peak2 -> $(log_size) bytes"
# (An inode comparison could be fooled: a second compaction may reuse the first file's inode.)
(( $(grep -c "job log compacted to" "$TENDD_ERR") > compactions_before )) ||
    fail "tendd logged no automatic compaction"
# The snapshot now also holds the background client's jobs.
snap2=$(snapshot)
assert_eq $(($(jq length <<<"$snap") + 31)) "$(jq length <<<"$snap2")" "unpruned jobs (the first ones + 30 from the background client + the sentinel)"
expect_snapshot "$snap" "$(jq -S --argjson old "$(jq '[.[].id]' <<<"$snap")" '[.[] | select(.id as $i | $old | index($i))]' <<<"$snap2")" \
    "after the automatic compaction"
bg_states=$(jq -c --argjson ids "$(printf '%s\n' "${bg_ids[@]}" | jq -s .)" '[.[] | select(.id as $i | $ids | index($i)) | .state] | unique' <<<"$snap2")
assert_eq '["succeeded"]' "$bg_states" "states of the background client's jobs"
expect_snapshot "$(sample_of "$snap2")" "$(show_sample "$(sample_of "$snap2")")" "after the automatic compaction (tend show)"

# --- restart again: everything is there, ids go on, keys hold, held jobs still run -------------
say "restart"
assert_status 0 tend shutdown
wait_tendd_exit 20
start_tendd
expect_snapshot "$snap2" "$(snapshot)" "after the second restart"
new_id=$(tend submit --queue kept -- true)
say "highest id handed out so far: $max_id_seen; a new job gets $new_id"
fcmp "$new_id" ">" "$max_id_seen" || fail "id $new_id was handed out again (the highest before was $max_id_seen)"
check "ids are not reused after the highest ones were pruned and compacted away"
run tend submit --queue held --key hold-key-4 --json -- sh -c 'echo duplicate'
[[ $RC == 0 ]] || fail "submit with an existing key exited $RC: $ERR"
assert_eq "true ${held_ids[3]}" "$(jq -r '"\(.deduplicated) \(.id)"' <<<"$OUT")" "a submit with the key of a pending held job (deduplicated, its id)"
assert_eq true "$(tend queues --json | jq -r '.[] | select(.name == "held") | .paused')" "held is still paused"

say "resume held: its pending and blocked jobs run"
assert_status 0 tend resume held
runnable=$(jq -r '[.[] | select(.queue == "held" and (.state == "pending" or .state == "blocked")) | .id] | .[]' <<<"$snap")
# shellcheck disable=SC2086
assert_status 0 tend wait $runnable --timeout 60s
assert_eq "$(count_lines "$runnable")" "$(wc -l <"$T/held-ran")" "held jobs that ran"
assert_eq "$(count_lines "$runnable")" "$(sort -u "$T/held-ran" | wc -l)" "distinct held jobs that ran"
assert_eq 3 "$(tend jobs --queue held --state scheduled --limit 0 --json | jq length)" "held jobs still scheduled (--in 1h)"
assert_eq cancelled "$(tend show "$cancelled" --json | jq -r .state)" "state of the cancelled job"
