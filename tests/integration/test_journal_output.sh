#!/usr/bin/env bash
# SPEC §5.7: with output = "journal" (and with "auto" under systemd) every line goes to journald
# with SYSLOG_IDENTIFIER=<program>, TEND_INSTANCE=<n> and the instance's pid; a stand-in for the
# journal socket (TEND_JOURNAL_SOCKET) receives the native-protocol datagrams.
source "$(dirname "$0")/lib.sh"

bg_start "$T/listener.log" "$PYTHON" "$LIB_DIR/dgram_listen.py" "$T/journal.sock" "$T/journal.msgs"
wait_until 5 test -e "$T/journal.msgs.ready"

write_config <<'EOF2'
[program.j]
command = ["sh", "-c", "echo hello-out; echo hello-err >&2; exec sleep 300"]
instances = 2
output = "journal"

[program.a]
command = ["sh", "-c", "echo auto-line; exec sleep 300"]
output = "auto"
EOF2
# INVOCATION_ID makes tendd believe it runs under systemd: output = "auto" picks the journal.
export TEND_JOURNAL_SOCKET=$T/journal.sock INVOCATION_ID=0123456789abcdef
start_tendd
unset TEND_JOURNAL_SOCKET INVOCATION_ID

wait_until 5 grep -q '^MESSAGE=auto-line$' "$T/journal.msgs"
hello_lines() { [[ $(grep -c '^MESSAGE=hello-' "$T/journal.msgs") -ge 4 ]]; }
wait_until 5 hello_lines
pid1=$(pid_of j 1)
# The record of instance 1's stdout line.
record=$(awk -v RS='--\n' '/MESSAGE=hello-out/ && /TEND_INSTANCE=1/' "$T/journal.msgs")
assert_contains "$record" "SYSLOG_IDENTIFIER=j" "journal record"
assert_contains "$record" "TEND_PROGRAM=j" "journal record"
assert_contains "$record" "PRIORITY=6" "journal record (stdout is info)"
assert_contains "$record" "OBJECT_PID=$pid1" "journal record"
if [[ $(id -u) == 0 ]]; then
    # As root tendd passes the instance's pid as the datagram's credentials: journald's _PID.
    assert_contains "$record" "SENDER_PID=$pid1" "credentials of the datagram"
fi
err_record=$(awk -v RS='--\n' '/MESSAGE=hello-err/ && /TEND_INSTANCE=0/' "$T/journal.msgs")
assert_contains "$err_record" "PRIORITY=4" "stderr record"
assert_contains "$err_record" "TEND_STREAM=stderr" "stderr record"
# tendd's markers (SPEC §5.8) go to the same journal stream, as notices of their own stream.
marker=$(awk -v RS='--\n' -v m="MESSAGE=started pid $pid1 (generation 1)" 'index($0, m) && /TEND_INSTANCE=1/' "$T/journal.msgs")
assert_contains "$marker" "TEND_STREAM=tend" "marker record"
assert_contains "$marker" "PRIORITY=5" "marker record (notice)"
assert_contains "$marker" "SYSLOG_IDENTIFIER=j" "marker record"
[[ ! -e $(log_file j 0) ]] || fail "journal output also wrote a log file"
check "no log file for journal output"
