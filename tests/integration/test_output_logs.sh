#!/usr/bin/env bash
# SPEC §5.7, §4 (tend logs): stdout and stderr are captured line by line into
# STATE/logs/PROGRAM/INSTANCE.log, long lines are split at 16 KiB, output written just before
# a crash is kept, files rotate at log_max_size keeping log_keep old ones, and `tend logs`
# shows them (-n, --json, -t, -f).
source "$(dirname "$0")/lib.sh"

write_config <<'EOF2'
[program.talker]
command = ["sh", "-c", "echo out-one; echo err-one >&2; echo out-two; printf 'two\\nlines\\n'; echo err-two >&2; exec sleep 300"]
autostart = true

[program.numbers]
command = ["sh", "-c", "i=1; while [ $i -le 20 ]; do echo n-$i; i=$((i+1)); done; exec sleep 300"]

[program.longline]
command = ["sh", "-c", "head -c 40000 /dev/zero | tr '\\0' L; echo; echo after-long; exec sleep 300"]

[program.dying]
command = ["sh", "-c", "echo last-words; echo last-err >&2; printf 'no-newline-at-exit'; exit 7"]
restart = "never"

[program.cycles]
# TERM (from the stop at the end) is ignored once the shell runs, so a cycle is either not
# begun or counted and logged in full: the count and the log always agree.
command = ["sh", "-c", "trap '' TERM; n=$(cat $COUNTER 2>/dev/null || echo 0); n=$((n+1)); echo $n > $COUNTER; echo cycle-$n; exit 1"]
environment = { COUNTER = "@T@/counter" }
restart_delay = "0"
crash_limit = 1000

[program.rotor]
command = ["sh", "-c", "i=1; while [ $i -le 300 ]; do echo rotor-line-$i-padding-padding-padding-padding-padding-padding-padding; i=$((i+1)); done; echo rotor-done; exec sleep 300"]
log_max_size = "4KB"
log_keep = 2

[program.usr1]
command = ["sh", "-c", "n=0; trap 'n=$((n+1)); echo usr1-line-$n' USR1; echo usr1-ready; while :; do sleep 1 & wait $!; done"]
EOF2
sed -i "s|@T@|$T|" "$CONF"
start_tendd

logged() { grep -q -- "$2" "$(log_file "$1" 0)" 2>/dev/null; }

say "stdout and stderr lines are captured with their stream"
# Each stream has its own pipe: the order within a stream is kept, not across streams.
wait_until 5 logged talker " err err-two$"
wait_until 5 logged talker " out lines$"
LOG=$(log_file talker 0)
assert_eq "out-one|out-two|two|lines" "$(sed -n 's/^[^ ]* out //p' "$LOG" | paste -sd'|')" "talker's stdout lines"
assert_eq "err-one|err-two" "$(sed -n 's/^[^ ]* err //p' "$LOG" | paste -sd'|')" "talker's stderr lines"
ts_ok=$(grep -cE '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]+Z (out|err) ' "$LOG")
assert_eq 6 "$ts_ok" "lines with TIMESTAMP out|err"
assert_eq 6 "$(grep -vc ' tend ' "$LOG")" "output lines in talker's log"
# tendd's markers (SPEC §5.8) come before the output: the start and the readiness.
assert_eq "started pid $(sfield talker 0 .pid) (generation 1)|running" \
    "$(sed -n 's/^[^ ]* tend //p' "$LOG" | paste -sd'|')" "tendd's marker lines in talker's log"
assert_eq 600 "$(stat -c %a "$LOG")" "mode of the log file"
assert_status 0 tend logs talker
assert_eq "err-one|err-two|lines|out-one|out-two|two" "$(grep -v '^\[tend\] ' <<<"$OUT" | sort | paste -sd'|')" "tend logs talker (sorted, without markers)"
assert_eq "[tend] running" "$(grep '^\[tend\] ' <<<"$OUT" | tail -n1)" "tend logs shows tendd's markers"
assert_status 0 tend logs --json talker
assert_eq "err:err-one|err:err-two|out:lines|out:out-one|out:out-two|out:two" \
    "$(jq -r 'select(.stream != "tend") | .stream + ":" + .line' <<<"$OUT" | sort | paste -sd'|')" "stream:line of logs --json (sorted)"
assert_eq "tend:running" "$(jq -r 'select(.stream == "tend") | .stream + ":" + .line' <<<"$OUT" | tail -n1)" "a marker in logs --json"
assert_eq "talker 0" "$(jq -r '.program + " " + (.instance|tostring)' <<<"$OUT" | sort -u)" "program/instance of logs --json"
assert_eq 8 "$(jq -r '.time' <<<"$OUT" | grep -cE '^[0-9]{4}-[0-9]{2}-[0-9]{2}T')" "times of logs --json (6 lines, 2 markers)"

say "tend logs -n, -t, --json on stdout-only output"
wait_until 5 logged numbers " out n-20$"
assert_status 0 tend logs numbers
assert_eq "$(seq 11 20 | sed 's/^/n-/' | paste -sd' ')" "$(paste -sd' ' <<<"$OUT")" "tend logs (default: last 10 lines)"
assert_status 0 tend logs -n 3 numbers:0
assert_eq "n-18 n-19 n-20" "$(paste -sd' ' <<<"$OUT")" "tend logs -n 3"
assert_status 0 tend logs -n -1 numbers
assert_eq 22 "$(count_lines "$OUT")" "tend logs -n -1 (all lines: 20, and 2 markers)"
assert_status 0 tend logs -n 1 -t numbers
[[ $OUT =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z\ out\ n-20$ ]] || fail "tend logs -t: '$OUT'"
check "tend logs -t prefixes time and stream: $OUT"
assert_status 0 tend logs --json -n 2 numbers
assert_eq 2 "$(count_lines "$OUT")" "JSON lines of logs --json -n 2"
assert_eq "numbers 0 out n-19|numbers 0 out n-20" \
    "$(jq -r '"\(.program) \(.instance) \(.stream) \(.line)"' <<<"$OUT" | paste -sd'|')" "logs --json -n 2"
assert_status 1 tend logs nosuchprogram
assert_contains "$ERR" "nosuchprogram" "tend logs of an unknown program"

say "a line longer than 16 KiB is split into pieces of 16 KiB"
wait_until 5 logged longline " out after-long$"
lens=$(grep ' out ' "$(log_file longline 0)" | cut -d' ' -f3- | awk '{ print length($0) }' | paste -sd' ')
assert_eq "16384 16384 7232 10" "$lens" "lengths of the stored pieces"
total=$(grep ' out ' "$(log_file longline 0)" | head -n3 | cut -d' ' -f3- | tr -d '\n' | tr -d L | wc -c)
assert_eq 0 "$total" "characters other than L in the pieces"

say "output printed just before a crash is not lost"
wait_until 5 state_is dying 0 exited
assert_eq 7 "$(sfield dying 0 .last_exit.code)" "dying's exit code"
assert_eq "err last-err|out last-words|out no-newline-at-exit" \
    "$(grep -v ' tend ' "$(log_file dying 0)" | cut -d' ' -f2- | sort | paste -sd'|')" "dying's log (sorted)"
# The exit's marker comes after everything the process wrote.
assert_eq "tend exited with code 7 (restart = never)" "$(tail -n1 "$(log_file dying 0)" | cut -d' ' -f2-)" \
    "last line of dying's log"

say "a restart loses no output (restart_delay 0, 20+ crash cycles)"
cycles_at_least() { [[ $(sfield cycles 0 .restarts) -ge $1 ]]; }
wait_until 15 cycles_at_least 20
assert_status 0 tend stop --wait cycles
spawned=$(<"$T/counter")
got=$(grep -c ' out cycle-' "$(log_file cycles 0)")
assert_eq "$spawned" "$got" "cycle lines logged vs. processes spawned"
assert_eq "$(seq 1 "$spawned" | sed 's/^/cycle-/' | paste -sd' ')" \
    "$(grep ' out ' "$(log_file cycles 0)" | cut -d' ' -f3- | paste -sd' ')" "cycle lines in order"

say "rotation: log_max_size 4KB, log_keep 2"
wait_until 5 logged rotor " out rotor-done$"
RL=$(log_file rotor 0)
for f in "$RL" "$RL.1" "$RL.2"; do
    [[ -f $f ]] || fail "$f missing"
    size=$(stat -c %s "$f")
    assert_fcmp "$size" "<=" 4096 "size of $(basename "$f")"
done
[[ ! -e $RL.3 ]] || fail "$RL.3 exists: more than log_keep rotated files"
assert_eq "0.log 0.log.1 0.log.2" "$(ls "$STATE/logs/rotor" | paste -sd' ')" "files of rotor"
# What is kept is the newest output, contiguous, across the files.
kept=$(cat "$RL.2" "$RL.1" "$RL" | cut -d' ' -f3- | sed -n 's/^rotor-line-\([0-9]*\)-.*/\1/p')
first=$(head -n1 <<<"$kept")
assert_eq "$(seq "$first" 300 | paste -sd' ')" "$(paste -sd' ' <<<"$kept")" "line numbers kept across the rotated files"
assert_status 0 tend logs -n -1 rotor
assert_eq "$(($(count_lines "$kept") + 1))" "$(count_lines "$OUT")" "lines shown by tend logs -n -1 (all files)"
assert_eq rotor-done "$(tail -n1 <<<"$OUT")" "last line shown"
assert_eq "rotor-line-$first-padding-padding-padding-padding-padding-padding-padding" "$(head -n1 <<<"$OUT")" "first line shown (oldest kept)"
assert_status 0 tend logs -n 5 rotor
assert_eq "rotor-line-297-padding-padding-padding-padding-padding-padding-padding" "$(head -n1 <<<"$OUT")" "first of tend logs -n 5"

say "tend logs -f shows a new line"
wait_until 5 logged usr1 " out usr1-ready$"
bg_start "$T/follow.out" timeout 15 "${TEND[@]}" logs -f usr1
follower=$BG_PID
wait_until 5 grep -q usr1-ready "$T/follow.out"
# The follower watches the directory with inotify once it printed the tail: wait for the watch.
has_inotify_watch() {
    local fd
    for fd in /proc/"$1"/fdinfo/*; do grep -q '^inotify wd:' "$fd" 2>/dev/null && return 0; done
    return 1
}
tend_pid=$(pgrep -P "$follower" -x tend || true)
[[ -n $tend_pid ]] || tend_pid=$follower
wait_until 5 has_inotify_watch "$tend_pid"
assert_status 0 tend signal USR1 usr1
wait_until 5 grep -q usr1-line-1 "$T/follow.out"
check "tend logs -f printed usr1-line-1"
assert_status 0 tend signal USR1 usr1
wait_until 5 grep -q usr1-line-2 "$T/follow.out"
check "tend logs -f printed usr1-line-2"
assert_eq "usr1-ready usr1-line-1 usr1-line-2" "$(grep -v '^\[tend\] ' "$T/follow.out" | paste -sd' ')" \
    "everything tend logs -f printed (but markers)"
bg_stop "$follower"
