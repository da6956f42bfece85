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
# status.py PARENT-IS-ME ARGV...: runs the shim as a child in a new session; prints the
# returncode as Python sees it (-N: killed by signal N) and the shim's stderr.
cat >"$T/status.py" <<'EOS'
import os, subprocess, sys
argv = [str(os.getpid()) if a == "@PARENT@" else a for a in sys.argv[1:]]
p = subprocess.run(argv, start_new_session=True, stderr=subprocess.PIPE, text=True)
print(p.returncode, p.stderr.strip())
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
wait_until 2 group_empty "$SHIM_PID"
took=$(elapsed_since "$t0")
check "group $SHIM_PID gone ${took}s after the parent's kill -9"
assert_fcmp "$took" "<" 1 "seconds from the parent's death to an empty group"

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
wait_until 2 group_empty "$SHIM_PID"
check "nobody's group $SHIM_PID gone after the parent's kill -9"
SHIM=$SHIM_ORIG

say "TERM to the group ends the job; the shim relays the TERM"
start_parent term
kill -TERM -- "-$SHIM_PID"
wait_until 5 group_empty "$SHIM_PID"
wait_until 5 have_file "$T/term.status"
assert_eq 143 "$(cat "$T/term.status")" "status of the shim after TERM to its group"

say "the job's exit code and signal are the shim's"
shim_status() { run "$PYTHON" "$T/status.py" "$SHIM" "$@"; }
shim_status @PARENT@ -- sh -c 'exit 7'
assert_eq "7 " "$OUT" "exit 7"
shim_status @PARENT@ -- sh -c 'kill -USR2 $$'
assert_eq "-12 " "$OUT" "a job killed by SIGUSR2"
shim_status @PARENT@ -- sh -c 'kill -SEGV $$'
assert_eq "-11 " "$OUT" "a job killed by SIGSEGV"
# A SIGUSR1 the job sends to its own group is not mistaken for its parent's death: the job's
# shell dies of it, and the shim reports that instead of killing the group.
shim_status @PARENT@ -- sh -c 'kill -USR1 0; exit 3'
assert_eq "-10 " "$OUT" "a job that sends SIGUSR1 to its group"
shim_status @PARENT@ --exec /bin/sh -- my-name -c 'echo "$0"; exit 4'
assert_eq $'my-name\n4 ' "$OUT" "--exec runs the given file with argv[0] kept"

say "a parent that is already gone: no job"
shim_status 1 -- sh -c "touch $T/ran"
assert_contains "$OUT" "-9 tend-shim: tendd is gone" "the shim's end when its parent is not the given pid"
[[ ! -e $T/ran ]] || fail "the job ran although its parent was gone"
check "the job did not run"

say "exec failures and a bad command line, as a shell"
shim_status @PARENT@ -- "$T/no-such-command"
assert_contains "$OUT" "127 tend-shim: $T/no-such-command: No such file or directory" "a missing command"
printf 'echo hi\n' >"$T/not-executable"
shim_status @PARENT@ -- "$T/not-executable"
assert_contains "$OUT" "126 tend-shim: $T/not-executable: Permission denied" "a file without x"
shim_status @PARENT@ -- no-such-command-anywhere
assert_contains "$OUT" "127 tend-shim: no-such-command-anywhere: No such file or directory" "a missing command on PATH"
shim_status @PARENT@ sh -c true
assert_contains "$OUT" "127 tend-shim: expected -- before the command" "no --"
shim_status 0x12 -- true
assert_contains "$OUT" "127 tend-shim: the first argument must be the pid" "a bad pid"
shim_status @PARENT@ --exec relative -- true
assert_contains "$OUT" "127 tend-shim: --exec needs an absolute path" "a relative --exec"
