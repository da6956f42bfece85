# Helper library for tend's integration tests; every tests/integration/test_*.sh sources it.
#
# Each test gets a private temp dir ($T) holding the state dir ($STATE), the control socket
# ($SOCK) and the config ($CONF), a private tendd started by `start_tendd`, and a `tend`
# function talking to that daemon. The EXIT trap shuts the daemon down, kills whatever is
# left (the daemon's process group, every process that inherited this test's marker from
# tendd, and background helpers started with `bg_start`), fails the test when a sanitizer
# reported anything on tendd's stderr, and removes the temp dir.
#
# Environment: TEND_BIN_DIR (directory with the tend and tendd binaries; ctest sets it).
# shellcheck shell=bash

set -euo pipefail

LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TEND_BIN_DIR=${TEND_BIN_DIR:-$(cd "$LIB_DIR/../.." && pwd)/build-int}
TEST_NAME=$(basename "$0" .sh)
# The system python starts fast (a pyenv shim can take seconds); any python3 will do.
if [[ -z ${PYTHON:-} ]]; then
    if [[ -x /usr/bin/python3 ]]; then PYTHON=/usr/bin/python3; else PYTHON=python3; fi
fi

for tool in jq "$PYTHON"; do
    command -v "$tool" >/dev/null || { echo "FAIL: $TEST_NAME needs '$tool' (apt-get install -y ${tool##*/})" >&2; exit 1; }
done
for bin in tend tendd; do
    [[ -x $TEND_BIN_DIR/$bin ]] || { echo "FAIL: no executable $TEND_BIN_DIR/$bin (set TEND_BIN_DIR)" >&2; exit 1; }
done

T=$(mktemp -d "${TMPDIR:-/tmp}/tend-it.XXXXXX")
STATE=$T/state
SOCK=$T/tend.sock
CONF=$T/tend.toml
# Every process tendd starts inherits this variable (tendd passes its environment on):
# the cleanup finds leftovers by it.
MARK="TEND_IT_MARK=$T"
TENDD_PID=
TENDD_ERR=$T/tendd.stderr
BG_PIDS=()
CLEANUP_HOOKS=()  # functions the EXIT trap runs after the processes are gone (users.sh)
TENDD_WRAPPER=()  # e.g. (setpriv --reuid=...): a command that start_tendd runs tendd with
# Programs must not think they run under systemd (output would go to the journal).
unset INVOCATION_ID JOURNAL_STREAM NOTIFY_SOCKET LISTEN_FDS LISTEN_PID LISTEN_FDNAMES \
    WATCHDOG_USEC WATCHDOG_PID TEND_SOCKET TEND_CONFIG TEND_STATE_DIR
export NO_COLOR=1
# Sanitizer builds: report to stderr and stop at the first error; leaks are reported when
# tendd exits normally (set ASAN_OPTIONS=detect_leaks=0 where LeakSanitizer cannot run).
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:halt_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
# true in the sanitizer tree. Its run checks memory and undefined behaviour on the same code
# paths; the heavy fault tests run there at a smaller scale (the release tree runs them whole),
# because the test command must stay within its 30 minutes on 2 cores.
SANITIZED=false
grep -qa __asan_init "$TEND_BIN_DIR/tendd" 2>/dev/null && SANITIZED=true

# The CLI runs without LeakSanitizer in sanitizer builds: the leak check at exit costs each
# short `tend` 45 ms (of 110), and the tests run thousands of them. Nor does it record where
# each block was allocated (malloc_context_size=0): that took another 40% of a `tend`'s CPU
# (0.077 -> 0.044 s, measured); a report still shows the bad access with its stack, and a
# re-run with ASAN_OPTIONS unset adds the allocation's. AddressSanitizer and UBSan stay on for
# it, and tendd keeps its leak check and allocation stacks.
CLI_ASAN_OPTIONS="ASAN_OPTIONS=$ASAN_OPTIONS:detect_leaks=0:malloc_context_size=0"
# shellcheck disable=SC2034  # for tests: the CLI as a command (bg_start, timeout)
TEND=(env "$CLI_ASAN_OPTIONS" "$TEND_BIN_DIR/tend" --socket "$SOCK")
# Bounded so that a hanging command fails the test instead of stalling it; a kill by this
# bound shows as status 137 and a message (124 stays the CLI's own --timeout status).
TEND_CMD_TIMEOUT=${TEND_CMD_TIMEOUT:-20}
tend() {
    local rc=0
    timeout -s KILL "$TEND_CMD_TIMEOUT" env "$CLI_ASAN_OPTIONS" "$TEND_BIN_DIR/tend" --socket "$SOCK" "$@" || rc=$?
    if [[ $rc == 137 ]]; then
        printf '%s: tend %s did not return within %ss (killed)\n' "$TEST_NAME" "$*" "$TEND_CMD_TIMEOUT" >&2
    fi
    return "$rc"
}

T_START=$EPOCHREALTIME
# skip REASON: this test cannot run here; ctest reports it as skipped (SKIP_RETURN_CODE 77),
# never as passed.
skip() {
    echo "$TEST_NAME: SKIPPED: $*"
    exit 77
}
say() { printf '%s: [%6.2fs] %s\n' "$TEST_NAME" "$(elapsed_since "$T_START")" "$*"; }
check() { printf '%s: check: %s\n' "$TEST_NAME" "$*"; }

fail() {
    printf '%s: FAIL: %s\n' "$TEST_NAME" "$*" >&2
    exit 1
}

# assert_eq EXPECTED ACTUAL [WHAT]
assert_eq() {
    if [[ "$1" != "$2" ]]; then
        fail "${3:-value}: expected '$1', got '$2'"
    fi
    check "${3:-value} = '$2'"
}

# assert_contains HAYSTACK NEEDLE [WHAT]
assert_contains() {
    if [[ "$1" != *"$2"* ]]; then
        fail "${3:-text} does not contain '$2'; it is: $1"
    fi
    check "${3:-text} contains '$2'"
}

# assert_not_contains HAYSTACK NEEDLE [WHAT]
assert_not_contains() {
    if [[ "$1" == *"$2"* ]]; then
        fail "${3:-text} contains '$2' but should not; it is: $1"
    fi
    check "${3:-text} does not contain '$2'"
}

# assert_status EXPECTED_STATUS CMD...: runs CMD, leaves stdout in $OUT and stderr in $ERR.
assert_status() {
    local want=$1
    shift
    run "$@"
    if [[ $RC != "$want" ]]; then
        fail "'$*' exited $RC, expected $want; stdout: $OUT; stderr: $ERR"
    fi
    check "'$*' exits $want"
}

# run CMD...: runs CMD without stopping the test on failure; sets RC, OUT, ERR.
run() {
    RC=0
    "$@" >"$T/run.out" 2>"$T/run.err" || RC=$?
    OUT=$(cat "$T/run.out")
    ERR=$(cat "$T/run.err")
}

now() { printf '%s\n' "$EPOCHREALTIME"; }
# elapsed_since START: seconds (fractional) since START (a value of `now`).
elapsed_since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.3f\n", b - a }'; }
# fcmp A OP B: floating point comparison (OP is one of < <= > >=).
fcmp() { awk -v a="$1" -v b="$3" -v op="$2" 'BEGIN {
    r = (op == "<") ? a < b : (op == "<=") ? a <= b : (op == ">") ? a > b : (op == ">=") ? a >= b : 0
    exit !r }'; }
assert_fcmp() {
    fcmp "$1" "$2" "$3" || fail "${4:-value}: expected $1 $2 $3"
    check "${4:-value}: $1 $2 $3"
}

# wait_until TIMEOUT_S CMD...: re-runs CMD every ~20 ms until it succeeds; fails the test
# when TIMEOUT_S elapse first.
wait_until() {
    local timeout=$1
    shift
    local deadline t0
    deadline=$((${EPOCHREALTIME//[.,]/} + $(awk -v t="$timeout" 'BEGIN { printf "%d", t * 1000000 }')))
    while true; do
        t0=${EPOCHREALTIME//[.,]/}
        if "$@" >/dev/null 2>&1; then
            return 0
        fi
        if ((${EPOCHREALTIME//[.,]/} > deadline)); then
            # One more run with its output visible, for the failure message.
            "$@" || true
            fail "timed out after ${timeout}s waiting for: $*"
        fi
        poll_pause "$t0"
    done
}

# poll_pause T0: the pause between two checks of a polling loop, where T0 is when the last
# check began (${EPOCHREALTIME//[.,]/}): as long as that check took, 20 ms at least and 0.5 s at
# most. A check that runs a sanitizer-built `tend` costs 0.15 s of CPU; run back to back by
# three tests at once, such checks took both cores of the test machine from the daemons they
# waited for. A cheap check (a release `tend`: 10 ms) still runs every 20 ms.
poll_pause() {
    local took=$((${EPOCHREALTIME//[.,]/} - $1)) secs
    ((took < 20000)) && took=20000
    ((took > 500000)) && took=500000
    printf -v secs '%d.%06d' $((took / 1000000)) $((took % 1000000))
    sleep "$secs"
}

# write_config TEXT: the config file for start_tendd (also: write_config <<'EOF' ... EOF).
write_config() {
    if [[ $# -gt 0 ]]; then printf '%s\n' "$1" >"$CONF"; else cat >"$CONF"; fi
}

# tendd_answers: `tend status` gets an answer; 3 is one too (an instance is not running as it
# should: a crash-looper, say).
tendd_answers() {
    local rc=0
    env "$CLI_ASAN_OPTIONS" "$TEND_BIN_DIR/tend" --socket "$SOCK" status >/dev/null 2>&1 || rc=$?
    [[ $rc == 0 || $rc == 3 ]]
}

# start_tendd [--no-config] [EXTRA TENDD ARGS...]: starts the test's tendd in the background
# (own session and process group, stderr to $TENDD_ERR) and waits until `tend status` answers.
start_tendd() {
    local args=(--state-dir "$STATE" --socket "$SOCK" --log-level debug)
    if [[ ${1:-} == --no-config ]]; then
        shift
    else
        args+=(--config "$CONF")
    fi
    [[ -z $TENDD_PID ]] || fail "start_tendd: tendd (pid $TENDD_PID) is already running"
    echo "=== tendd started $(date +%T.%N)" >>"$TENDD_ERR"
    env "$MARK" setsid ${TENDD_WRAPPER[@]+"${TENDD_WRAPPER[@]}"} "$TEND_BIN_DIR/tendd" "${args[@]}" "$@" \
        2>>"$TENDD_ERR" </dev/null &
    TENDD_PID=$!
    local start=$EPOCHREALTIME t0=${EPOCHREALTIME//[.,]/}
    until tendd_answers; do
        if ! kill -0 "$TENDD_PID" 2>/dev/null || is_zombie "$TENDD_PID"; then
            local rc=0
            wait "$TENDD_PID" || rc=$?
            TENDD_PID=
            fail "tendd exited with status $rc before answering; its stderr: $(tail -n 30 "$TENDD_ERR")"
        fi
        fcmp "$(elapsed_since "$start")" "<" 15 || fail "tendd did not answer on $SOCK within 15s"
        poll_pause "$t0"
        t0=${EPOCHREALTIME//[.,]/}
    done
    say "tendd running (pid $TENDD_PID, socket $SOCK)"
}

# is_zombie PID: the process exists and is a zombie.
is_zombie() {
    local stat
    { read -r stat <"/proc/$1/stat"; } 2>/dev/null || return 1
    stat=${stat##*) }
    [[ ${stat%% *} == Z ]]
}

# gone PID: no such process (or a zombie whose exit is all that is left of it).
gone() { ! kill -0 "$1" 2>/dev/null || is_zombie "$1"; }

# wait_tendd_exit TIMEOUT_S: waits for the test's tendd to exit; sets TENDD_RC.
wait_tendd_exit() {
    [[ -n $TENDD_PID ]] || fail "wait_tendd_exit: no tendd"
    wait_until "$1" gone "$TENDD_PID"
    TENDD_RC=0
    # shellcheck disable=SC2034  # read by tests
    wait "$TENDD_PID" || TENDD_RC=$?
    TENDD_PID=
}

# bg_start OUTFILE CMD...: runs CMD (an executable, not a shell function) in the background
# in its own process group, stdout+stderr to OUTFILE; sets BG_PID. Cleaned up on exit.
bg_start() {
    local out=$1
    shift
    setsid "$@" >"$out" 2>&1 </dev/null &
    BG_PID=$!
    BG_PIDS+=("$BG_PID")
}

# bg_stop PID: kills a process started with bg_start (and its process group).
bg_stop() {
    kill -TERM -- "-$1" 2>/dev/null || true
    kill -TERM "$1" 2>/dev/null || true
    local _
    for _ in $(seq 100); do gone "$1" && break; sleep 0.02; done
    kill -KILL -- "-$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || true
}

# --- status helpers (tend status --json through jq) -------------------------------------

# status_json [PROGRAM...]: `tend status --json`, which exits 3 when an instance is not
# running as it should (backoff, cooldown, ...): a normal answer for a test that looks.
status_json() {
    local rc=0
    tend status --json "$@" || rc=$?
    [[ $rc == 0 || $rc == 3 ]]
}
# sfield PROGRAM INSTANCE JQ_EXPR: one field of one instance, raw (null prints "null").
sfield() {
    status_json | jq -r --arg p "$1" --argjson i "$2" \
        '.[] | select(.program == $p and .instance == $i) | '"$3"
}
# state_is PROGRAM INSTANCE STATE
state_is() { [[ $(sfield "$1" "$2" .state) == "$3" ]]; }
# pid_of PROGRAM INSTANCE: its pid or "null"
pid_of() { sfield "$1" "$2" .pid; }
# running_with_new_pid PROGRAM INSTANCE OLD_PID
running_with_new_pid() {
    local p
    p=$(pid_of "$1" "$2")
    [[ $p != null && $p != "$3" ]] && state_is "$1" "$2" running
}

# --- job helpers (tend show --json through jq) ------------------------------------------

# jfield JOB JQ_EXPR: one field of a job, raw.
jfield() { tend show --json "$1" | jq -r "$2"; }
# job_state_is JOB STATE
job_state_is() { [[ $(jfield "$1" .state) == "$2" ]]; }

# as_system_instance: when the test runs as root, makes $CONF a system instance whose
# socket_group (nobody's group) may submit jobs, which then run as the submitting users.
# Call after the config is written, before start_tendd.
as_system_instance() {
    [[ $(id -u) == 0 ]] || return 0
    printf '[daemon]\nsocket_group = "%s"\n' "$(id -gn nobody)" >>"$CONF"
    chmod 711 "$T"
}

# --- process helpers -----------------------------------------------------------------------

# marked_pids: processes that inherited this test's marker (started by its tendd).
marked_pids() {
    local f
    for f in $(grep -lzsxF -- "$MARK" /proc/[0-9]*/environ 2>/dev/null || true); do
        f=${f#/proc/}
        f=${f%/environ}
        [[ $f == "$TENDD_PID" ]] && continue
        # Zombies keep no environ; a live match is a real process.
        is_zombie "$f" || echo "$f"
    done
}

# _proc_stats: "PID STATE PPID PGRP" for every process (one grep reads all stat files).
_proc_stats() {
    # The command name may hold spaces and parentheses: the fields follow the last ") ".
    # A process may exit between the glob and the read: grep then exits 2, which is no error.
    { grep -hs '' /proc/[0-9]*/stat || true; } |
        awk '{ pid = $1; rest = $0; sub(/^.*\) /, "", rest); split(rest, f, " ");
               print pid, f[1], f[2], f[3] }'
}

# pids_in_group PGID: live processes whose process group is PGID.
pids_in_group() {
    _proc_stats | awk -v g="$1" '$4 == g && $2 != "Z" { print $1 }'
}

# zombies_of PPID: zombie children of PPID.
zombies_of() {
    _proc_stats | awk -v p="$1" '$3 == p && $2 == "Z" { print $1 }'
}

# free_port: a TCP port on 127.0.0.1 that nothing listens on right now.
free_port() { "$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
# http_get URL: the body of a GET (fails on an error status or after 5 s).
http_get() { "$PYTHON" -c 'import sys, urllib.request; print(urllib.request.urlopen(sys.argv[1], timeout=5).read().decode().strip())' "$1"; }

count_lines() { if [[ -z $1 ]]; then echo 0; else printf '%s\n' "$1" | wc -l; fi; }

# log_file PROGRAM INSTANCE
log_file() { echo "$STATE/logs/$1/$2.log"; }

# --- cleanup -------------------------------------------------------------------------------

_kill_marked() {
    local p
    for p in $(marked_pids); do
        kill -KILL -- "-$p" 2>/dev/null || true
        kill -KILL "$p" 2>/dev/null || true
    done
}

_cleanup() {
    local rc=$?
    set +e
    trap - EXIT
    local p
    for p in "${BG_PIDS[@]}"; do
        kill -KILL -- "-$p" 2>/dev/null
        kill -KILL "$p" 2>/dev/null
        wait "$p" 2>/dev/null
    done
    if [[ -n $TENDD_PID ]]; then
        if [[ $rc != 0 ]] && ! gone "$TENDD_PID"; then
            echo "--- tend status --json at the failure ---" >&2
            timeout 5 "$TEND_BIN_DIR/tend" --socket "$SOCK" status --json >&2
        fi
        if ! gone "$TENDD_PID"; then
            timeout 10 "$TEND_BIN_DIR/tend" --socket "$SOCK" shutdown >/dev/null 2>&1 ||
                kill -TERM "$TENDD_PID" 2>/dev/null
            for _ in $(seq 250); do gone "$TENDD_PID" && break; sleep 0.02; done
        fi
        kill -KILL -- "-$TENDD_PID" 2>/dev/null
        kill -KILL "$TENDD_PID" 2>/dev/null
        wait "$TENDD_PID" 2>/dev/null
    fi
    _kill_marked
    for _ in $(seq 50); do [[ -z $(marked_pids) ]] && break; sleep 0.02; _kill_marked; done
    local leftovers
    leftovers=$(marked_pids)
    if [[ -n $leftovers ]]; then
        echo "$TEST_NAME: FAIL: processes left behind: $leftovers" >&2
        rc=1
    fi
    local hook
    for hook in ${CLEANUP_HOOKS[@]+"${CLEANUP_HOOKS[@]}"}; do "$hook"; done
    local errfile
    for errfile in "$T"/*.stderr; do
        [[ -f $errfile ]] || continue
        if grep -qE 'ERROR: (Address|Leak|Memory|Thread)Sanitizer|runtime error:' "$errfile"; then
            echo "$TEST_NAME: FAIL: sanitizer report in $(basename "$errfile"):" >&2
            cat "$errfile" >&2
            rc=1
        elif [[ $rc != 0 ]]; then
            echo "--- $(basename "$errfile") (last 60 lines) ---" >&2
            tail -n 60 "$errfile" >&2
        fi
    done
    rm -rf "$T"
    if [[ $rc == 0 ]]; then
        echo "$TEST_NAME: PASS"
    elif [[ $rc == 77 ]]; then
        :  # skip() said why
    else
        echo "$TEST_NAME: FAILED (status $rc)" >&2
    fi
    exit "$rc"
}
trap _cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# HTTP load for deploy tests (load_client.py: 4 client threads counting failed requests).
# load NAME PORT: constant load on the program's socket until stop_load; LOAD_OUT is its file.
load() {
    LOAD_STOP=$T/stop-$1 LOAD_OUT=$T/load-$1.out
    rm -f "$LOAD_STOP"
    bg_start "$LOAD_OUT" "$PYTHON" "$LIB_DIR/load_client.py" "http://127.0.0.1:$2/" "$LOAD_STOP" 4
    LOAD_PID=$BG_PID
    wait_until 10 grep -q started "$LOAD_OUT"
}
# stop_load: ends the load, prints its JSON summary line.
stop_load() {
    touch "$LOAD_STOP"
    wait_until 15 gone "$LOAD_PID"
    tail -n 1 "$LOAD_OUT"
}
