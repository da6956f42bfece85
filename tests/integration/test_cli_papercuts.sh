#!/usr/bin/env bash
# Issue 15's papercuts of the CLI, one numbered section each (the numbers of the papercuts in
# the issue's brief), through the CLI as a user meets them, against one tendd whose state dir
# was given relative to its cwd, as `bash .ci/setup.sh run` gives it.
source "$(dirname "$0")/lib.sh"

# A job's own output: `tend logs JOB` without tendd's "[tend] attempt ..." lines.
job_output() { grep -v '^\[tend\] ' <<<"$1" || true; }

cd "$T"
STATE=state
write_config <<'EOF2'
[queue.default]
concurrency = 4

[queue.slow]
concurrency = 1

[program.crashy]
command = ["/nonexistent/tend-crashy"]
autostart = false
restart_delay = "10s"

[cron.fails]
schedule = "@yearly"
command = ["sh", "-c", "echo failing on purpose; exit 3"]
EOF2

say "1. tend submit ls -la: the hint puts the command after --"
assert_status 2 tend submit ls -la
assert_contains "$ERR" "not expected: -la" "the refusal"
assert_contains "$ERR" "hint: put the job's command after \`--\`: tend --socket $SOCK submit -- ls -la" "the hint"
assert_status 2 tend submit --queue slow grep -c 'a b' /etc/passwd
assert_contains "$ERR" "submit --queue slow -- grep -c 'a b' /etc/passwd" "the hint keeps the options before --"
assert_status 2 tend cron add e '*/5 * * * *' --tz UTC ls -la
assert_contains "$ERR" "cron add e '*/5 * * * *' --tz UTC -- ls -la" "the hint of cron add"
assert_status 2 tend status --nosuch
assert_contains "$ERR" "hint: see \`tend --help\`" "other usage errors keep the general hint"

start_tendd

say "2. a shell line given as one word is refused at submit time, with the --shell line"
assert_status 2 tend submit 'echo a | tr a b'
assert_contains "$ERR" "tend: submit: 'echo a | tr a b' is not a program" "the refusal"
assert_contains "$ERR" "hint: run it with a shell: tend submit --shell 'echo a | tr a b'" "the hint"
assert_status 2 tend submit -- 'cat /etc/hostname | wc -l'
assert_status 0 tend jobs --json
assert_eq 0 "$(jq length <<<"$OUT")" "jobs stored by the refused submits"
assert_status 0 tend submit --shell --wait -- 'echo a | tr a b'
id=$OUT
assert_status 0 tend logs "$id"
assert_eq b "$(job_output "$OUT")" "the same line with --shell"
# A program whose name has a space is found as the job would find it, and runs.
mkdir -p "$T/my tools"
printf '#!/bin/sh\necho ran with space\n' >"$T/my tools/run it"
chmod +x "$T/my tools/run it"
assert_status 0 tend submit --wait -- "./my tools/run it"
assert_status 0 tend logs "$(head -n 1 <<<"$OUT")"
assert_eq "ran with space" "$(job_output "$OUT")" "a program with a space in its path"
assert_status 0 env PATH="$T/my tools:$PATH" "$TEND_BIN_DIR/tend" --socket "$SOCK" submit --wait -- "run it"
check "a PATH program with a space in its name runs"
assert_status 2 tend cron add oneword '@daily' 'echo a | tr a b'
assert_contains "$ERR" "tend: cron add: 'echo a | tr a b' is not a program" "cron add's refusal"
assert_contains "$ERR" "tend cron add oneword @daily --shell 'echo a | tr a b'" "cron add's hint"

say "3. tend logs N: a number is a job"
assert_status 1 tend logs 999
assert_contains "$ERR" "tend: logs: no job 999" "logs of a job that does not exist"
assert_not_contains "$ERR" "program" "logs 999's message"
assert_status 1 tend logs nosuch
assert_contains "$ERR" 'no program named "nosuch"' "logs of an unknown program"

say "4. tend help [COMMAND...]"
for words in "submit" "cron add" "wait" ""; do
    # shellcheck disable=SC2086  # the words are the command
    assert_status 0 tend help $words
    help_out=$OUT
    # shellcheck disable=SC2086
    assert_status 0 tend $words --help
    assert_eq "$OUT" "$help_out" "tend help $words = tend $words --help"
done
assert_contains "$help_out" "help" "tend --help lists help"
assert_status 2 tend help nosuch
assert_contains "$ERR" 'unknown command "nosuch"' "tend help of an unknown command"

say "5. tend cron run NAME --wait prints the job's id, then exits with its status"
assert_status 3 tend cron run fails --wait
[[ $OUT =~ ^[0-9]+$ ]] || fail "tend cron run --wait printed '$OUT', not a job id"
check "tend cron run --wait printed job id $OUT"
assert_eq failed "$(jfield "$OUT" .state)" "the state of the job it printed"
assert_contains "$ERR" "tend: wait: job $OUT" "which job failed"

say "6. tend wait on many jobs: every failure, and a summary"
ids=()
for code in 0 3 0 4 5 0; do
    ids+=("$(tend submit -- sh -c "exit $code")")
done
assert_status 3 tend wait "${ids[@]}"
assert_eq 4 "$(count_lines "$ERR")" "stderr lines (3 failures and the summary)"
assert_contains "$ERR" "tend: wait: job ${ids[1]} (sh -c 'exit 3') failed (code 3)" "the first failure"
assert_contains "$ERR" "tend: wait: job ${ids[3]} (sh -c 'exit 4') failed (code 4)" "the second failure"
assert_contains "$ERR" "tend: wait: job ${ids[4]} (sh -c 'exit 5') failed (code 5)" "the third failure"
assert_eq "tend: wait: 3 of 6 jobs failed" "$(tail -n 1 <<<"$ERR")" "the summary"
assert_status 3 tend wait --json "${ids[@]}"
assert_eq "${ids[*]}" "$(jq -r '[.[].id] | join(" ")' <<<"$OUT")" "wait --json: one object per job, in order"
assert_eq "" "$ERR" "wait --json's stderr"
assert_status 0 tend wait "${ids[0]}" "${ids[2]}"
assert_eq "" "$ERR" "stderr when every job succeeded"

say "7. paths tendd prints are absolute, though its state dir was given relative"
assert_status 0 tend show --json "${ids[0]}"
out_path=$(jq -r .output <<<"$OUT")
[[ $out_path == "$T/state/"* ]] || fail "tend show's output path is not under $T/state/: $out_path"
check "tend show --json's output path is absolute: $out_path"
assert_status 0 tend show "${ids[0]}"
assert_contains "$OUT" " $out_path" "tend show's output line"
assert_status 0 bash -c "cd / && $(printf '%q ' "$TEND_BIN_DIR/tend" --socket "$SOCK" logs "$id")"
assert_eq b "$(job_output "$OUT")" "tend logs from another directory"

say "8. tend jobs sizes the REASON column to its content"
blocker=$(tend submit --queue slow -- sleep 60)
wait_until 10 job_state_is "$blocker" running
for _ in $(seq 12); do last=$(tend submit --queue slow -- true); done
assert_status 0 tend jobs --queue slow
row=$(grep "^$last " <<<"$OUT")
assert_contains "$row" "waiting for a slot: 1 of 1 running in queue slow (position 12)" "the last job's row"
tend cancel "$blocker" $(seq $((last - 11)) "$last") >/dev/null

say "9. fractional seconds in ISO times (what JavaScript prints)"
at=$(date -u -d '+1 hour' +%Y-%m-%dT%H:%M:%S)
assert_status 0 tend submit --at "$at.000Z" -- true
assert_contains "$(jfield "$OUT" .run_at)" "$at" "run_at of --at $at.000Z"
tend cancel "$OUT" >/dev/null
assert_status 0 tend submit --at "$at.123456789Z" -- true
assert_contains "$(jfield "$OUT" .run_at)" "$at.123" "run_at of --at $at.123456789Z (shown to the millisecond)"
tend cancel "$OUT" >/dev/null
assert_status 0 tend submit --at 2026-04-28T05:52:00.000Z --wait -- true
check "a past --at with .000Z runs at once"
assert_status 0 tend cron next '* * * * *' --tz UTC --from 2026-04-28T05:52:00.000Z -n 1
assert_eq "2026-04-28T05:53:00+00:00" "$OUT" "cron next --from with .000Z"
assert_status 0 tend cron next '* * * * * *' --tz UTC --from 2026-04-28T05:52:00.123456789Z -n 1
assert_eq "2026-04-28T05:52:01+00:00" "$OUT" "cron next --from with nanoseconds"

say "10. messages name commands as typed, and states as sentences"
assert_status 65 tend cron add broken '0 0 30 2 *' -- true
assert_contains "$ERR" "tend: cron add: " "a daemon error of cron add"
assert_not_contains "$ERR" "cron_add" "a daemon error of cron add"
assert_status 1 tend cron remove nosuch
assert_contains "$ERR" "tend: cron remove: " "a daemon error of cron remove"
assert_status 1 tend cancel "${ids[0]}"
assert_contains "$ERR" "job ${ids[0]} has already succeeded" "cancelling a succeeded job"
assert_status 1 tend retry "${ids[0]}"
assert_contains "$ERR" "job ${ids[0]} has already succeeded; only failed" "retrying a succeeded job"
assert_status 1 tend cancel "${ids[1]}"
assert_contains "$ERR" "job ${ids[1]} has already failed" "cancelling a failed job"
assert_status 1 tend start --wait crashy
assert_contains "$ERR" "crashy:0 went into backoff: " "start --wait of a program that crashes"
tend stop crashy >/dev/null
