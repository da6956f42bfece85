#!/usr/bin/env bash
# shellcheck disable=SC2163,SC2119  # export "$MARK" exports its value; lib.sh functions take no script args
# SPEC §8 / §6.3: a full disk fails the operation that needs space and leaves the daemon
# running. The state dir is a 2 MB tmpfs; once it is full, a submit with a large argv fails
# with a clear message and status 1, nothing of it is stored, tendd keeps answering, and
# what was stored before is intact. Small submits that still fit are acknowledged and kept.
# A job that ends while the disk is full gets its final state once there is space again.
# `tend pause`/`resume` on the full disk fail with the reason (status 1) and leave the queue
# as it was.
# After the space is freed, submits work again, and a restart finds every acknowledged job
# and no damage in the log (a failed write was cut back).
if [[ $EUID -ne 0 ]]; then
    echo "SKIP: $(basename "$0" .sh) mounts a tmpfs and needs root"
    exit 77
fi
# shellcheck source=SCRIPTDIR/lib.sh
source "$(dirname "$0")/lib.sh"

export "$MARK"
SMALL=$T/small
mkdir -p "$SMALL"
mount -t tmpfs -o size=2m,mode=0700 tmpfs "$SMALL" ||
    fail "cannot mount a 2 MB tmpfs on $SMALL although running as root"
# lib.sh's EXIT trap removes $T: the tmpfs is detached first (lazily: tendd may still hold
# files on it until the cleanup has stopped it), then lib.sh's cleanup runs as usual.
_disk_full_cleanup() {
    local rc=$?
    set +e
    umount -l "$SMALL" 2>/dev/null
    (exit "$rc")
    _cleanup
}
trap _disk_full_cleanup EXIT
STATE=$SMALL/state
export TEND_STATE_DIR=$STATE

write_config <<'EOF'
[queue.default]
concurrency = 2

[queue.held]
concurrency = 1
EOF

state_of_job_is() { [[ $(jfield "$1" .state) == "$2" ]]; }
avail_bytes() { df -B1 --output=avail "$SMALL" | tail -n 1 | tr -d ' '; }

start_tendd

say "jobs stored and run while there is space"
early=()
for i in 1 2 3; do
    early+=("$(tend submit --name "early-$i" -- sh -c "echo early-$i")")
done
assert_status 0 tend wait "${early[@]}"
assert_status 0 tend pause held
# A job that is running when the disk fills up, and ends while it is full.
release=$T/release
runner=$(tend submit --name runner -- sh -c "while [ ! -e '$release' ]; do sleep 0.02; done; echo runner-done")
runner_has_pid() { [[ $(jfield "$runner" .state) == running && $(jfield "$runner" .pid) =~ ^[0-9]+$ ]]; }
wait_until 10 runner_has_pid
runner_pid=$(jfield "$runner" .pid)

say "filling the tmpfs"
dd if=/dev/zero of="$SMALL/filler" bs=64k 2>/dev/null || true
dd if=/dev/zero of="$SMALL/filler2" bs=512 2>/dev/null || true
say "free bytes on the tmpfs: $(avail_bytes)"
assert_eq 0 "$(avail_bytes)" "free bytes after filling"

say "a submit with a 32 KiB argv on a full disk"
big=$(head -c 8192 /dev/zero | tr '\0' 'x')
before_ids=$(tend jobs --limit 0 --json | jq -c '[.[].id] | sort')
# (not assert_status: its messages would print the whole argv)
run tend submit --name big -- sh -c 'echo big' big "$big" "$big" "$big" "$big"
[[ $RC == 1 ]] || fail "the submit with a large argv on a full disk exited $RC, expected 1; stdout: $OUT; stderr: $ERR"
check "the submit with a large argv on a full disk exits 1"
[[ $ERR =~ [Ss]pace ]] || fail "the error does not mention the lack of space: $ERR"
check "the error says why: $ERR"
assert_eq "" "$OUT" "stdout of the failed submit (no id)"
gone "$TENDD_PID" && fail "tendd exited after a failed write"
assert_status 0 tend queues
assert_eq "$before_ids" "$(tend jobs --limit 0 --json | jq -c '[.[].id] | sort')" "job ids after the failed submit (nothing added)"
for id in "${early[@]}"; do
    assert_eq succeeded "$(jfield "$id" .state)" "state of early job $id"
done

say "small submits into a paused queue until the disk is really full"
held_acked=()
refused=0
for i in $(seq 1 400); do
    run tend submit --queue held --name "held-$i" -- sh -c "echo held-$i"
    if [[ $RC == 0 ]]; then
        [[ $OUT =~ ^[0-9]+$ ]] || fail "submit held-$i printed '$OUT'"
        held_acked+=("$OUT")
    else
        assert_eq 1 "$RC" "status of a refused small submit"
        [[ $ERR =~ [Ss]pace ]] || fail "the error does not mention the lack of space: $ERR"
        refused=1
        break
    fi
done
[[ $refused == 1 ]] || fail "400 small submits all fit on a full 2 MB tmpfs?"
say "${#held_acked[@]} small submits were acknowledged before one was refused"
# held_pending_ids: the ids of the pending jobs of the held queue, sorted, one line.
held_pending_ids() { tend jobs --queue held --state pending --limit 0 --json | jq -c '[.[].id] | sort'; }
acked_json=$(printf '%s\n' "${held_acked[@]}" | jq -s -c 'sort')
assert_eq "$acked_json" "$(held_pending_ids)" "pending held jobs (exactly the acknowledged ones)"

say "pause and resume on a full disk fail with the reason, and change nothing"
# queue_paused QUEUE: true or false, from tend queues.
queue_paused() { tend queues --json | jq -r --arg q "$1" '.[] | select(.name == $q) | .paused'; }
# A queue record is smaller than a submit: fill what is left of the last page with pauses of
# the paused queue (each one a record) until one is refused.
for i in $(seq 1 2000); do
    run tend pause held
    [[ $RC == 0 ]] || break
done
[[ $RC == 1 ]] || fail "pause on a full disk exited $RC (137: no reply within the bound), expected 1; stderr: $ERR"
check "pause of a paused queue on a full disk exits 1 after $((i - 1)) that fit"
run tend resume held
[[ $RC == 1 ]] || fail "resume on a full disk exited $RC (137: no reply within the bound), expected 1; stderr: $ERR"
[[ $ERR =~ "cannot resume queue held:" && $ERR =~ [Ss]pace ]] || fail "the error does not say why: $ERR"
check "resume on a full disk exits 1: $ERR"
assert_eq true "$(queue_paused held)" "held paused after the failed resume"
run tend pause default
[[ $RC == 1 && $ERR =~ "cannot pause queue default:" ]] || fail "pause default on a full disk: status $RC, stderr: $ERR"
check "pause on a full disk exits 1: $ERR"
assert_eq false "$(queue_paused default)" "default not paused after the failed pause"
gone "$TENDD_PID" && fail "tendd exited after a failed pause"
assert_eq "$acked_json" "$(held_pending_ids)" "pending held jobs (none started by the failed resume)"

say "the running job ends while the disk is full"
touch "$release"
wait_until 10 gone "$runner_pid"
assert_status 0 tend status
gone "$TENDD_PID" && fail "tendd exited after a job ended on a full disk"

say "freeing the space"
rm -f "$SMALL/filler" "$SMALL/filler2"
wait_until 10 state_of_job_is "$runner" succeeded
check "the runner's final state was stored once there was space"
run tend submit --name after -- sh -c 'echo after-full'
[[ $RC == 0 && $OUT =~ ^[0-9]+$ ]] || fail "submit after freeing the space: status $RC, out '$OUT', err: $ERR"
after=$OUT
assert_status 0 tend wait "$after" --timeout 10s
assert_contains "$(tend logs "$after")" "after-full" "output of the job submitted after the disk was freed"

say "restart"
assert_status 0 tend shutdown
wait_tendd_exit 20
assert_eq 0 "$TENDD_RC" "tendd's exit status"
err_mark=$(wc -c <"$TENDD_ERR")
start_tendd
new_err=$(tail -c +"$((err_mark + 1))" "$TENDD_ERR")
warn=$(grep -E ' (warning|error|critical): ' <<<"$new_err" || true)
assert_eq "" "$warn" "warnings at the start after the full disk (a failed write must be cut back)"
for id in "${early[@]}" "$runner" "$after"; do
    assert_eq succeeded "$(jfield "$id" .state)" "state of job $id after the restart"
done
assert_eq "$acked_json" "$(held_pending_ids)" "pending held jobs after the restart"
all=$(tend jobs --limit 0 --json)
assert_eq 0 "$(jq '[.[] | select(.name == "big")] | length' <<<"$all")" "jobs named big (the refused submit)"
assert_eq $((${#early[@]} + 2 + ${#held_acked[@]})) "$(jq length <<<"$all")" "number of jobs after the restart"
# The held jobs still run.
assert_status 0 tend resume held
assert_status 0 tend wait "${held_acked[@]}" --timeout 60s
