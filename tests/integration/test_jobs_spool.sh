#!/usr/bin/env bash
# shellcheck disable=SC2163,SC2119  # export "$MARK" exports its value; lib.sh functions take no script args
# SPEC §6.3 (spool): `tend submit` while tendd is unreachable stores the job durably in the
# state dir's spool, says so on stderr and exits 0 (`--json`: "spooled": true; `--wait`:
# exits 69). tendd takes spooled jobs in at start and, through inotify, while it runs; each
# spooled job runs exactly once, options included, and is not taken in again by a restart.
# shellcheck source=SCRIPTDIR/lib.sh
source "$(dirname "$0")/lib.sh"

export "$MARK"                 # jobs inherit it: the cleanup finds leftovers by it
export TEND_STATE_DIR=$STATE   # the CLI's spool goes to the test's state dir
F=$T/ran                       # every job appends one line naming itself
mkdir -p "$T/per-job"

write_config <<'EOF'
[queue.default]
concurrency = 2

[queue.other]
concurrency = 1
EOF

# njobs [STATE]: number of jobs (in STATE).
njobs() {
    local args=(jobs --limit 0 --json)
    [[ -z ${1:-} ]] || args+=(--state "$1")
    tend "${args[@]}" | jq length
}
# spool_entries: spool files that are still to be taken in (no temporaries, no set-asides).
spool_entries() {
    find "$STATE/spool" -mindepth 1 -maxdepth 1 ! -name '.*' ! -name '*.damaged' -printf '%f\n' 2>/dev/null | sort
}
succeeded_count_is() { [[ $(njobs succeeded) == "$1" ]]; }
lines_of() { if [[ -f $1 ]]; then grep -c -x -F -- "$2" "$1" || true; else echo 0; fi; }

# --- tendd not running; it never ran here: the CLI creates the state dir ---------------------
say "submits while tendd is not running"
[[ ! -e $STATE ]] || fail "the state dir exists before anything ran"
assert_status 0 tend submit -- sh -c "echo single >> '$F'; echo x >> '$T/per-job/single'"
assert_contains "$ERR" "spool" "stderr of a spooled submit"
assert_eq "" "$OUT" "stdout of a spooled submit (no id yet)"
assert_eq 700 "$(stat -c %a "$STATE")" "mode of the state dir created by the CLI"
assert_eq 700 "$(stat -c %a "$STATE/spool")" "mode of the spool dir"

assert_status 0 tend submit --json --name spooled-json --queue other --priority 7 --env SPOOL_VAR=from-env \
    -- sh -c "echo \"json \$SPOOL_VAR\" >> '$F'; echo x >> '$T/per-job/json'"
assert_eq "true false" "$(jq -r '"\(.spooled) \(.direct)"' <<<"$OUT")" "--json .spooled .direct"
assert_eq null "$(jq -r .id <<<"$OUT")" "--json .id of a spooled job"
assert_contains "$ERR" "spool" "stderr of a spooled --json submit"

batch=""
for n in 1 2 3; do
    batch+="echo batch$n >> '$F'; echo x >> '$T/per-job/batch$n'"$'\n'
done
run tend submit --stdin --json <<<"$batch"
[[ $RC == 0 ]] || fail "spooled --stdin batch exited $RC: $ERR"
assert_eq true "$(jq -r .spooled <<<"$OUT")" "--stdin --json .spooled"
assert_contains "$ERR" "spool" "stderr of a spooled --stdin batch"

# --wait cannot wait for a job that no daemon runs: spooled, and exit 69 (unreachable).
assert_status 69 tend submit --wait -- sh -c "echo waited >> '$F'; echo x >> '$T/per-job/waited'"
assert_contains "$ERR" "spool" "stderr of a spooled submit --wait"

spooled=$(spool_entries)
assert_eq 4 "$(count_lines "$spooled")" "spool files before tendd starts (single, json, batch, wait)"
assert_eq 600 "$(stat -c %a "$STATE/spool/$(head -n 1 <<<"$spooled")")" "mode of a spool file"
[[ ! -e $F ]] || fail "something ran before tendd started: $(cat "$F")"

# --- tendd starts: each spooled job is taken in and runs once ------------------------------
start_tendd
wait_until 15 succeeded_count_is 6
assert_eq 6 "$(njobs)" "jobs after the intake"
assert_eq "" "$(spool_entries)" "spool entries after the intake"
assert_eq 6 "$(wc -l <"$F")" "lines in $F"
for what in single "json from-env" batch1 batch2 batch3 waited; do
    assert_eq 1 "$(lines_of "$F" "$what")" "runs of '$what' in $F"
done
for f in single json batch1 batch2 batch3 waited; do
    assert_eq 1 "$(wc -l <"$T/per-job/$f")" "lines in per-job/$f"
done

# The options of a spooled job survive the spool.
json_job=$(tend jobs --limit 0 --json | jq -c '.[] | select(.name == "spooled-json")')
[[ -n $json_job ]] || fail "no job named spooled-json: $(tend jobs --limit 0)"
assert_eq other "$(jq -r .queue <<<"$json_job")" "queue of the spooled --json job"
assert_eq 7 "$(jq -r .priority <<<"$json_job")" "priority of the spooled --json job"
assert_eq 3 "$(tend jobs --limit 0 --json | jq '[.[] | select(.shell == true)] | length')" \
    "--stdin jobs are shell jobs"

# --- restart: nothing is taken in or run a second time -------------------------------------
say "restart: the spool is not replayed"
tend shutdown >/dev/null
wait_tendd_exit 15
assert_eq "" "$(spool_entries)" "spool entries after a clean shutdown"
start_tendd
sentinel=$(tend submit -- sh -c "echo sentinel >> '$F'")
assert_status 0 tend wait "$sentinel"
assert_eq 7 "$(njobs)" "jobs after the restart (6 + the sentinel)"
assert_eq 7 "$(wc -l <"$F")" "lines in $F after the restart"
for what in single "json from-env" batch1 batch2 batch3 waited sentinel; do
    assert_eq 1 "$(lines_of "$F" "$what")" "runs of '$what' after the restart"
done

# --- spooled while tendd runs (the CLI sees a wrong socket): taken in by inotify ------------
say "spool into the state dir of a running tendd"
assert_status 0 "$TEND_BIN_DIR/tend" --socket "$T/nowhere.sock" submit --name live-spool \
    -- sh -c "echo live >> '$F'; echo x >> '$T/per-job/live'"
assert_contains "$ERR" "spool" "stderr of the submit to a wrong socket"
live_count_is_1() { [[ $(tend jobs --limit 0 --json | jq '[.[] | select(.name == "live-spool" and .state == "succeeded")] | length') == 1 ]]; }
wait_until 10 live_count_is_1
assert_eq "" "$(spool_entries)" "spool entries after the live intake"

run "$TEND_BIN_DIR/tend" --socket "$T/nowhere.sock" submit --stdin --json <<EOF
echo live-batch1 >> '$F'
echo live-batch2 >> '$F'
EOF
[[ $RC == 0 ]] || fail "live --stdin spool exited $RC: $ERR"
assert_eq true "$(jq -r .spooled <<<"$OUT")" "live --stdin --json .spooled"
wait_until 10 succeeded_count_is 10
assert_eq "" "$(spool_entries)" "spool entries after the live batch intake"

# One more restart: still nothing is run twice.
tend shutdown >/dev/null
wait_tendd_exit 15
start_tendd
sentinel2=$(tend submit -- sh -c "echo sentinel2 >> '$F'")
assert_status 0 tend wait "$sentinel2"
assert_eq 11 "$(njobs)" "jobs after the second restart"
for what in single "json from-env" batch1 batch2 batch3 waited sentinel live live-batch1 live-batch2 sentinel2; do
    assert_eq 1 "$(lines_of "$F" "$what")" "runs of '$what' at the end"
done
assert_eq 11 "$(wc -l <"$F")" "lines in $F at the end"
assert_eq 1 "$(wc -l <"$T/per-job/live")" "lines in per-job/live"
assert_eq 0 "$(njobs failed)" "failed jobs"
