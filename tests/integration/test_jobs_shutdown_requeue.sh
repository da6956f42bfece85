#!/usr/bin/env bash
# shellcheck disable=SC2163,SC2119  # export "$MARK" exports its value; lib.sh functions take no script args
# SPEC §6.5 / §6.2: `tend shutdown` sends TERM to running jobs and gives them the queue's
# stop_timeout. A job that yields (exit 75, after saving TEND_CHECKPOINT) resumes from its
# checkpoint after the restart; a job that ends by the signal (TERM not handled, or KILL
# after stop_timeout) is re-queued and runs again; neither uses an attempt. A job that exits
# 0 on TERM has succeeded.
# shellcheck source=SCRIPTDIR/lib.sh
source "$(dirname "$0")/lib.sh"

export "$MARK"
export TEND_STATE_DIR=$STATE
W=$T/work
mkdir -p "$W"

write_config <<'EOF'
[queue.default]
concurrency = 4
max_attempts = 3
retry_delay = "100ms"
stop_timeout = "1s"
EOF

# A resumable job: saves its cursor on TERM and yields (75); resumes from the checkpoint.
cat >"$W/resumable.sh" <<'EOF'
#!/bin/sh
W=$1
echo "run attempt=$TEND_ATTEMPT checkpoint=$(cat "$TEND_CHECKPOINT" 2>/dev/null || echo none)" >>"$W/resumable.runs"
if [ "$(cat "$TEND_CHECKPOINT" 2>/dev/null)" = "cursor=42" ]; then
    echo resumed >>"$W/resumable.done"
    exit 0
fi
trap 'echo "cursor=42" >"$TEND_CHECKPOINT"; kill $sleeper 2>/dev/null; exit 75' TERM
sleep 300 &
sleeper=$!
echo started >"$W/resumable.started"
wait $sleeper
exit 1
EOF

# Does not handle TERM: the first run is killed by it; later runs succeed at once.
cat >"$W/plain.sh" <<'EOF'
#!/bin/sh
W=$1
echo "run attempt=$TEND_ATTEMPT" >>"$W/plain.runs"
if [ -e "$W/plain.started" ]; then
    exit 0
fi
echo started >"$W/plain.started"
exec sleep 300
EOF

# Ignores TERM: killed by KILL after stop_timeout; later runs succeed at once.
cat >"$W/stubborn.sh" <<'EOF'
#!/bin/sh
W=$1
echo "run attempt=$TEND_ATTEMPT" >>"$W/stubborn.runs"
if [ -e "$W/stubborn.started" ]; then
    exit 0
fi
trap '' TERM
echo started >"$W/stubborn.started"
while :; do sleep 0.1; done
EOF

# Exits 0 on TERM: that is a success.
cat >"$W/graceful.sh" <<'EOF'
#!/bin/sh
W=$1
echo "run attempt=$TEND_ATTEMPT" >>"$W/graceful.runs"
trap 'kill $sleeper 2>/dev/null; echo stopped >"$W/graceful.stopped"; exit 0' TERM
sleep 300 &
sleeper=$!
echo started >"$W/graceful.started"
wait $sleeper
exit 1
EOF

start_tendd
resumable=$(tend submit --name resumable -- sh "$W/resumable.sh" "$W")
plain=$(tend submit --name plain -- sh "$W/plain.sh" "$W")
stubborn=$(tend submit --name stubborn -- sh "$W/stubborn.sh" "$W")
graceful=$(tend submit --name graceful -- sh "$W/graceful.sh" "$W")

all_started() { [[ -e $W/resumable.started && -e $W/plain.started && -e $W/stubborn.started && -e $W/graceful.started ]]; }
wait_until 10 all_started
for id in "$resumable" "$plain" "$stubborn" "$graceful"; do
    assert_eq running "$(jfield "$id" .state)" "state of job $id before the shutdown"
    assert_eq 1 "$(jfield "$id" .attempt)" "attempt of job $id before the shutdown"
done

# Paused, the queue keeps the re-queued jobs pending after the restart, where they can be
# looked at; running jobs go on (a pause only stops new starts).
assert_status 0 tend pause default
say "tend shutdown with 4 running jobs"
t0=$(now)
assert_status 0 tend shutdown
wait_tendd_exit 20
assert_eq 0 "$TENDD_RC" "tendd's exit status"
took=$(elapsed_since "$t0")
say "shutdown took ${took}s"
# The stubborn job needs stop_timeout (1s) and then KILL; nothing takes much longer.
assert_fcmp "$took" "<" 10 "shutdown duration"
leftovers=$(marked_pids)
assert_eq "" "$leftovers" "job processes left after the shutdown"
[[ -e $W/graceful.stopped ]] || fail "the graceful job did not see TERM"
check "the graceful job saw TERM and exited 0"
[[ ! -e $W/resumable.done ]] || fail "the resumable job finished before the restart"

say "restart"
start_tendd
assert_eq true "$(tend queues --json | jq -r '.[] | select(.name == "default") | .paused')" \
    "the queue is still paused after the restart"

# The graceful job exited 0 on TERM: succeeded, and not run again.
assert_eq succeeded "$(jfield "$graceful" .state)" "state of the graceful job"
assert_eq 0 "$(jfield "$graceful" .exit_status.code)" "exit code of the graceful job"
assert_eq 1 "$(jfield "$graceful" .attempt)" "attempt of the graceful job"

# The others were re-queued, never failed, no attempt used.
for id in "$resumable" "$plain" "$stubborn"; do
    st=$(jfield "$id" .state)
    [[ $st == pending ]] || fail "job $id is '$st' after the restart; expected it re-queued (pending): $(tend show "$id")"
    check "job $id is pending after the restart (re-queued)"
    assert_eq 1 "$(jfield "$id" .attempt)" "attempt of job $id after the restart"
done
assert_status 0 tend resume default

for id in "$resumable" "$plain" "$stubborn"; do
    assert_status 0 tend wait "$id" --timeout 20s
    assert_eq succeeded "$(jfield "$id" .state)" "final state of job $id"
    assert_eq 1 "$(jfield "$id" .attempt)" "final attempt of job $id (the interruption used none)"
done

assert_eq resumed "$(cat "$W/resumable.done")" "the resumable job finished from its checkpoint"
assert_eq "run attempt=1 checkpoint=none
run attempt=1 checkpoint=cursor=42" "$(cat "$W/resumable.runs")" "runs of the resumable job"
assert_eq "run attempt=1
run attempt=1" "$(cat "$W/plain.runs")" "runs of the job killed by TERM"
assert_eq "run attempt=1
run attempt=1" "$(cat "$W/stubborn.runs")" "runs of the job killed by KILL after stop_timeout"
assert_eq "run attempt=1" "$(cat "$W/graceful.runs")" "runs of the graceful job"
assert_eq 0 "$(tend jobs --state failed --limit 0 --json | jq length)" "failed jobs"
assert_eq 0 "$(tend jobs --state dead --limit 0 --json | jq length)" "dead jobs"

say "tend shutdown --drain: running jobs finish (no TERM), nothing new starts"
W2=$T/drain
mkdir -p "$W2"
drain_job="trap 'echo TERM >> $W2/log' TERM; while [ ! -e $W2/gate ]; do sleep 0.05; done; echo finished >> $W2/log"
id=$(tend submit --shell -- "$drain_job")
later=$(tend submit --in 1h -- true)
wait_until 10 job_state_is "$id" running
bg_start "$W2/shutdown.out" "${TEND[@]}" shutdown --drain
drain_pid=$BG_PID
wait_until 10 grep -q "draining 1 running job" "$TENDD_ERR"
assert_status 1 tend submit -- true
assert_contains "$ERR" "shutting down" "a submit while draining"
touch "$W2/gate"
wait_tendd_exit 20
wait "$drain_pid" || fail "tend shutdown --drain failed: $(cat "$W2/shutdown.out")"
assert_eq "tendd stopped" "$(cat "$W2/shutdown.out")" "tend shutdown --drain's output"
assert_eq finished "$(cat "$W2/log")" "the drained job got no TERM and finished"
start_tendd
assert_eq "succeeded 1" "$(jfield "$id" '"\(.state) \(.attempt)"')" "the drained job"
assert_eq scheduled "$(jfield "$later" .state)" "a job scheduled for later stays"

say "a plain shutdown during a drain sends TERM to what still runs"
id=$(tend submit --shell -- "trap 'echo TERM2 >> $W2/log2; exit 75' TERM; while :; do sleep 0.05; done")
wait_until 10 job_state_is "$id" running
bg_start "$W2/shutdown2.out" "${TEND[@]}" shutdown --drain
wait_until 10 grep -q "draining 1 running job" "$TENDD_ERR"
assert_status 0 tend shutdown
wait_tendd_exit 20
assert_eq TERM2 "$(cat "$W2/log2")" "the job got TERM once the drain was overridden"
start_tendd
wait_until 10 job_state_is "$id" running
assert_eq 1 "$(jfield "$id" .attempt)" "the yielded job runs again in the same attempt"
assert_status 0 tend cancel "$id"
run tend wait "$id" --timeout 20s
assert_eq cancelled "$(jfield "$id" .state)" "the looping job after its cancel"
