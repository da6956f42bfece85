#!/usr/bin/env bash
# tend-shim (tendd(8) MULTI-HOST): a job under the shim dies with the process that spawned it,
# even after a user switch; the job's exit code and signal come back as the shim's own; TERM
# to the group ends the job; the shim refuses to start a job for a parent that is gone; exec
# failures exit 127/126 as a shell would. No tendd here: a bash plays tendd's part.
source "$(dirname "$0")/lib.sh"

SHIM=$TEND_BIN_DIR/tend-shim
[[ -x $SHIM ]] || fail "no executable $SHIM"
command -v setpriv >/dev/null || skip "needs setpriv (util-linux)"
# Every process started here carries the marker, so the EXIT trap kills and reports leftovers.
export "${MARK?}"

# parent.sh PIDFILE STATUSFILE CMD...: tendd's stand-in. Runs CMD (with @PARENT@ replaced by
# its own pid) in a new session, records the child's pid, waits, records its status.
cat >"$T/parent.sh" <<'EOS'
#!/bin/bash
pf=$1 sf=$2
shift 2
setsid "${@//@PARENT@/$$}" &
echo $! >"$pf.tmp" && mv "$pf.tmp" "$pf"
rc=0
wait $! || rc=$?
echo "$rc" >"$sf"
EOS
# status.py ARGV... [@@ ARGV...]...: runs each command line (@PARENT@ replaced by its own pid)
# as its child in a new session, one after the other; prints per line the returncode as Python
# sees it (-N: killed by signal N) and the command's stderr. One Python start for all of them.
cat >"$T/status.py" <<'EOS'
import os, subprocess, sys
cases, cur = [], []
for a in sys.argv[1:]:
    if a == "@@":
        cases.append(cur)
        cur = []
    else:
        cur.append(str(os.getpid()) if a == "@PARENT@" else a)
cases.append(cur)
for argv in cases:
    p = subprocess.run(argv, start_new_session=True, stderr=subprocess.PIPE, text=True)
    print(p.returncode, p.stderr.strip(), flush=True)
EOS

group_size() { count_lines "$(pids_in_group "$1")"; }
group_has_at_least() { [[ $(group_size "$1") -ge $2 ]]; }
group_empty() { [[ -z $(pids_in_group "$1") ]]; }
have_file() { [[ -s $1 ]]; }

# start_parent NAME [WRAPPER...]: a parent running the shim on a job of two sleeps (the shell
# and its background child); waits until the shim's group holds the shim and both sleeps.
start_parent() {
    local name=$1
    shift
    bg_start "$T/$name.out" bash "$T/parent.sh" "$T/$name.pid" "$T/$name.status" \
        "$@" "$SHIM" @PARENT@ -- sh -c 'sleep 300 & sleep 300'
    PARENT=$BG_PID
    wait_until 5 have_file "$T/$name.pid"
    SHIM_PID=$(cat "$T/$name.pid")
    wait_until 5 group_has_at_least "$SHIM_PID" 3
    check "$name: the shim's group $SHIM_PID holds $(group_size "$SHIM_PID") processes"
}

say "kill -9 of the parent: the whole group dies"
start_parent kill9
t0=$(now)
kill -KILL "$PARENT"
wait "$PARENT" 2>/dev/null || true  # reaped here: no "Killed" line from bash
# The kernel signals the shim as the parent dies; the bound only covers a busy machine.
wait_until 5 group_empty "$SHIM_PID"
check "group $SHIM_PID gone $(elapsed_since "$t0")s after the parent's kill -9"

say "a user switch before the shim (setpriv) keeps the protection"
# nobody must be able to run the shim: a copy in a directory anyone may search.
chmod 0711 "$T"
mkdir -m 0755 "$T/pub"
cp "$SHIM" "$T/pub/tend-shim"
chmod 0755 "$T/pub/tend-shim"
SHIM_ORIG=$SHIM SHIM=$T/pub/tend-shim
start_parent setpriv setpriv --reuid=nobody --regid=nogroup --clear-groups
assert_eq nobody "$(ps -o user= -p "$SHIM_PID" | tr -d ' ')" "the shim's user"
kill -KILL "$PARENT"
wait "$PARENT" 2>/dev/null || true  # reaped here: no "Killed" line from bash
wait_until 5 group_empty "$SHIM_PID"
check "nobody's group $SHIM_PID gone after the parent's kill -9"
SHIM=$SHIM_ORIG

say "TERM to the group ends the job; the shim relays the TERM"
start_parent term
kill -TERM -- "-$SHIM_PID"
wait_until 5 group_empty "$SHIM_PID"
wait_until 5 have_file "$T/term.status"
assert_eq 143 "$(cat "$T/term.status")" "status of the shim after TERM to its group"

say "the job's exit code and signal are the shim's; a stale parent; exec failures as a shell"
printf 'echo hi\n' >"$T/not-executable"
S=$SHIM P=@PARENT@
run "$PYTHON" "$T/status.py" \
    "$S" $P -- sh -c 'exit 7' @@ \
    "$S" $P -- sh -c 'kill -USR2 $$' @@ \
    "$S" $P -- sh -c 'kill -SEGV $$' @@ \
    "$S" $P -- sh -c 'kill -USR1 0; exit 3' @@ \
    "$S" $P --exec /bin/sh -- my-name -c 'echo "$0" >&2; exit 4' @@ \
    "$S" 1 -- sh -c "touch $T/ran" @@ \
    "$S" $P -- "$T/no-such-command" @@ \
    "$S" $P -- "$T/not-executable" @@ \
    "$S" $P -- no-such-command-anywhere @@ \
    "$S" $P sh -c true @@ \
    "$S" 0x12 -- true @@ \
    "$S" $P --exec relative -- true
mapfile -t R <<<"$OUT"
assert_eq "7 " "${R[0]}" "exit 7"
assert_eq "-12 " "${R[1]}" "a job killed by SIGUSR2"
assert_eq "-11 " "${R[2]}" "a job killed by SIGSEGV"
# A SIGUSR1 the job sends to its own group is not mistaken for its parent's death: the job's
# shell dies of it, and the shim reports that instead of killing the group.
assert_eq "-10 " "${R[3]}" "a job that sends SIGUSR1 to its group"
assert_eq "4 my-name" "${R[4]}" "--exec runs the given file with argv[0] kept"
# A parent that is already gone: no job.
assert_eq "-9 tend-shim: tendd is gone: not starting the job" "${R[5]}" "a shim whose parent is not the given pid"
[[ ! -e $T/ran ]] || fail "the job ran although its parent was gone"
check "the job did not run"
assert_eq "127 tend-shim: $T/no-such-command: No such file or directory" "${R[6]}" "a missing command"
assert_eq "126 tend-shim: $T/not-executable: Permission denied" "${R[7]}" "a file without x"
assert_eq "127 tend-shim: no-such-command-anywhere: No such file or directory" "${R[8]}" "a missing command on PATH"
assert_eq "127 tend-shim: expected -- before the command" "${R[9]}" "no --"
assert_eq "127 tend-shim: the first argument must be the pid of the parent tendd" "${R[10]}" "a bad pid"
assert_eq "127 tend-shim: --exec needs an absolute path" "${R[11]}" "a relative --exec"

say "JobProcess with the shim option: a job dies with its tendd (tend_job_probe plays tendd)"
PROBE=${TEND_JOB_PROBE:-$TEND_BIN_DIR/tend_job_probe}
[[ -x $PROBE ]] || fail "no executable $PROBE (set TEND_JOB_PROBE)"
probe_says_pid() { grep -q '^pid ' "$1"; }
# probe_start NAME MODE MIN_GROUP: a probe running the two-sleep job; sets PROBE_PID, JOB_PID.
probe_start() {
    bg_start "$T/$1.out" "$PROBE" "--$2" "$T/$1.log" -- sh -c 'sleep 300 & sleep 300'
    PROBE_PID=$BG_PID
    wait_until 5 probe_says_pid "$T/$1.out"
    JOB_PID=$(awk '/^pid / { print $2 }' "$T/$1.out")
    wait_until 5 group_has_at_least "$JOB_PID" "$3"
    check "$1: the job's group $JOB_PID holds $(group_size "$JOB_PID") processes"
}
# Without the option (the file store) the job outlives its tendd: the control.
probe_start plain plain 3
PLAIN_JOB=$JOB_PID
kill -KILL "$PROBE_PID"
wait "$PROBE_PID" 2>/dev/null || true
probe_start shim shim 4  # the shim, sh and both sleeps
assert_eq tend-shim "$(cat "/proc/$JOB_PID/comm")" "the process tendd spawned"
kill -KILL "$PROBE_PID"
wait "$PROBE_PID" 2>/dev/null || true
wait_until 5 group_empty "$JOB_PID"
check "the shimmed job's group $JOB_PID is gone after kill -9 of its tendd"
assert_eq 3 "$(group_size "$PLAIN_JOB")" "processes of the job spawned without the shim, still running"
kill -KILL -- "-$PLAIN_JOB"

say "JobProcess with the shim option: exit code, signal, stop and a missing command"
run "$PROBE" --shim "$T/x.log" -- sh -c 'echo to-the-log; exit 3'
assert_contains "$OUT" "exit 3 0 " "a job's exit code through the shim"
assert_contains "$(cat "$T/x.log")" "to-the-log" "the job's output file"
run "$PROBE" --shim "$T/x.log" -- sh -c 'kill -TERM $$'
assert_contains "$OUT" "exit 0 15 " "a job's signal through the shim"
run "$PROBE" --shim --term-after-ms 100 "$T/x.log" -- sh -c 'sleep 300 & sleep 300'
assert_contains "$OUT" "exit 0 15 " "a job stopped by TERM to its group"
JOB_PID=$(awk '/^pid / { print $2 }' <<<"$OUT")
wait_until 5 group_empty "$JOB_PID"
check "nothing of the stopped job's group is left"
run "$PROBE" --shim "$T/x.log" -- no-such-command-anywhere
assert_contains "$OUT" "cannot start: no-such-command-anywhere: No such file or directory" \
    "a missing command, refused before any process as without the shim"
