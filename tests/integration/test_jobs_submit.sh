#!/usr/bin/env bash
# SPEC §4 (tend submit and its options, JSON output, exit statuses), §6.2 (how a job runs: argv
# or shell, cwd, captured environment, TEND_* variables): every option of `tend submit`, the
# --stdin batch form, and the usage/input errors.
source "$(dirname "$0")/lib.sh"

write_config <<'EOF2'
[queue.default]
concurrency = 8
max_attempts = 1
retry_delay = "50ms"

[queue.other]
concurrency = 4
max_attempts = 2
retry_delay = "50ms"
EOF2
# Set in tendd's environment only: a job must not see it (it gets the submitter's).
export TEND_IT_DAEMON_ONLY=from-tendd
start_tendd
unset TEND_IT_DAEMON_ONLY
# Jobs inherit the submitter's environment: the marker lets the cleanup find leftovers.
# shellcheck disable=SC2163  # MARK is NAME=VALUE: jobs get the marker through the submitter
export "$MARK"

# jfield ID JQ_EXPR: one field (or a string built from several) of `tend show --json ID`, raw.
# out_job ID JQ_EXPR: a field of job ID in the array in $OUT (`tend wait --json` answers with
# the finished jobs' objects).
out_job() { jq -r --argjson id "$1" ".[] | select(.id == \$id) | $2" <<<"$OUT"; }
# logs_of ID...: the --json output lines of these jobs, in $LOGS (one `tend logs` call).
logs_of() { LOGS=$(tend logs -n -1 --json "$@"); }
# out_of ID: the stdout lines of job ID in $LOGS.
out_of() { jq -r --argjson id "$1" 'select(.job == $id and .stream == "out") | .line' <<<"$LOGS"; }
# ms ISO_TIME: milliseconds since the epoch.
ms() { date -d "$1" +%s%3N; }
job_count() { tend jobs --json --limit 0 | jq length; }
ISO_RE='^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?Z$'

say "tend submit -- CMD prints the id alone; --json gives {id, deduplicated, spooled}"
assert_status 0 tend submit -- true
[[ $OUT =~ ^[0-9]+$ ]] || fail "submit printed '$OUT', expected a bare id"
check "submit printed the bare id $OUT"
first=$OUT
assert_eq "" "$ERR" "stderr of a plain submit"
assert_status 0 tend submit --json -- true
assert_eq "[$((first + 1)),false,false,false]" "$(jq -c '[.id, .deduplicated, .spooled, .direct]' <<<"$OUT")" \
    "submit --json [.id (the next id), .deduplicated, .spooled, .direct]"
assert_status 0 tend wait --json "$first" "$((first + 1))"
assert_eq "succeeded succeeded" "$(jq -r '[.[].state] | join(" ")' <<<"$OUT")" "states of the two 'true' jobs"

say "--in and --at: scheduled until their time (checked for their start at the end)"
# The delay counts from the moment `tend submit` runs (the CLI resolves --in against its clock).
before_ms=$(date +%s%3N)
in_id=$(tend submit --in 5s -- true)
after_ms=$(date +%s%3N)
assert_status 0 tend show --json "$in_id"
assert_eq "scheduled true" "$(jq -r '"\(.state) \(.waiting | contains("waiting until"))"' <<<"$OUT")" "--in 5s job: state, waiting says until when"
run_at=$(ms "$(jq -r .run_at <<<"$OUT")")
((run_at >= before_ms + 4999 && run_at <= after_ms + 5000)) ||
    fail "run_at of --in 5s is $run_at ms, expected within [$((before_ms + 5000)), $((after_ms + 5000))]"
check "run_at of --in 5s is $((run_at - before_ms)) ms after the submit began"
# --at: ISO 8601 with an offset (+05:30), 5-6 s ahead (whole seconds).
at_s=$(($(date +%s) + 6))
at=$(TZ=Asia/Kolkata date -d "@$at_s" +%Y-%m-%dT%H:%M:%S%:z)
at_id=$(tend submit --at "$at" -- true)
assert_eq "scheduled $(date -u -d "@$at_s" +%Y-%m-%dT%H:%M:%S.000Z)" "$(jfield "$at_id" '"\(.state) \(.run_at)"')" "--at $at: state run_at"
# --at HH:MM: the next such local time of the caller's zone (one with a half-hour offset).
hhmm=$(TZ=Asia/Kolkata date -d "@$((at_s + 7200))" +%H:%M)
hhmm_s=$(TZ=Asia/Kolkata date -d "$(TZ=Asia/Kolkata date -d "@$((at_s + 7200))" +%Y-%m-%d) $hhmm" +%s)
hhmm_id=$(TZ=Asia/Kolkata tend submit --at "$hhmm" -- true)
assert_eq "scheduled $(date -u -d "@$hhmm_s" +%Y-%m-%dT%H:%M:%S.000Z)" "$(jfield "$hhmm_id" '"\(.state) \(.run_at)"')" \
    "--at $hhmm (TZ=Asia/Kolkata): state run_at"
assert_status 0 tend cancel "$hhmm_id"
assert_eq "job $hhmm_id: cancelled" "$OUT" "cancel of the --at $hhmm job"

say "--queue, --name, --priority, --env, the captured environment and TEND_* variables"
export TEND_IT_CAPTURED="captured value"
export TEND_IT_OVERRIDDEN=original
id=$(tend submit --queue other --name nightly-report --priority 7 \
    --env TEND_IT_SET=one --env "TEND_IT_SPACED=a b" --env TEND_IT_OVERRIDDEN=override --env TEND_JOB_ID=999 -- \
    sh -c 'echo "captured=$TEND_IT_CAPTURED"; echo "set=$TEND_IT_SET"; echo "spaced=$TEND_IT_SPACED"
           echo "overridden=$TEND_IT_OVERRIDDEN"; echo "daemon=${TEND_IT_DAEMON_ONLY-unset}"
           echo "id=$TEND_JOB_ID"; echo "attempt=$TEND_ATTEMPT"; echo "queue=$TEND_QUEUE"
           echo "checkpoint=$TEND_CHECKPOINT"')
unset TEND_IT_CAPTURED TEND_IT_OVERRIDDEN
assert_status 0 tend wait "$id"
assert_status 0 tend show --json "$id"
show=$OUT
assert_eq "$id other nightly-report 7 succeeded 1 2" \
    "$(jq -r '"\(.id) \(.queue) \(.name) \(.priority) \(.state) \(.attempt) \(.max_attempts)"' <<<"$show")" \
    "show: id queue name priority state attempt max_attempts (queue other's default)"
assert_eq '{"code":0} null [] "sh"' "$(jq -r '"\(.exit_status | tojson) \(.key) \(.after | tojson) \(.command[0] | tojson)"' <<<"$show")" \
    "show: exit_status key after command[0]"
assert_eq "true true true" "$(jq -r --arg re "$ISO_RE" '[.submitted_at, .started_at, .finished_at | test($re)] | map(tostring) | join(" ")' <<<"$show")" \
    "show: submitted_at started_at finished_at are ISO 8601"
logs_of "$id"
out=$(out_of "$id")
assert_contains "$out" "captured=captured value" "job output (submitter's variable)"
assert_contains "$out" "set=one" "job output (--env)"
assert_contains "$out" "spaced=a b" "job output (--env with a space)"
assert_contains "$out" "overridden=override" "job output (--env over the submitter's value)"
assert_contains "$out" "daemon=unset" "job output (tendd's own variable is not passed)"
assert_contains "$out" "id=$id" "TEND_JOB_ID (set by tendd, over --env TEND_JOB_ID=999)"
assert_contains "$out" "attempt=1" "TEND_ATTEMPT"
assert_contains "$out" "queue=other" "TEND_QUEUE"
cp=$(sed -n 's/^checkpoint=//p' <<<"$out")
[[ $cp == /* && -d $(dirname "$cp") ]] || fail "TEND_CHECKPOINT is not a path in an existing directory: '$cp'"
check "TEND_CHECKPOINT = $cp"
assert_status 0 tend jobs --queue other
assert_contains "$OUT" "nightly-report" "tend jobs shows the --name"
assert_status 2 tend submit --env NOEQUALS -- true

say "--attempts and --timeout"
att=$(tend submit --attempts 3 -- sh -c 'echo try; exit 4')
tmo=$(tend submit --timeout 300ms -- sleep 30)
assert_status 4 tend wait --json "$att" "$tmo"
assert_eq "dead 3 3" "$(out_job "$att" '"\(.state) \(.attempt) \(.max_attempts)"')" "state attempt max_attempts with --attempts 3"
assert_eq '0.3 failed {"signal":"TERM"} true' "$(out_job "$tmo" '"\(.timeout_s) \(.state) \(.exit_status | tojson) \(.reason | contains("timed out"))"')" \
    "timeout_s, state, exit, reason says timed out: --timeout 300ms (max_attempts 1)"
logs_of "$att"
assert_eq "try try try" "$(out_of "$att" | paste -sd' ')" "output of the 3 attempts"

say "--cwd, and the caller's cwd by default"
mkdir -p "$T/work dir" "$T/caller"
c1=$(tend submit --cwd "$T/work dir" -- sh -c 'pwd -P')
c2=$(cd "$T/caller" && tend submit -- sh -c 'pwd -P')
c3=$(cd "$T/caller" && tend submit --cwd ../"work dir" -- sh -c 'pwd -P')
assert_status 0 tend wait --json "$c1" "$c2" "$c3"
work=$(cd "$T/work dir" && pwd -P)
caller=$(cd "$T/caller" && pwd -P)
assert_eq "$work|$caller|$work" "$(jq -r '[.[].cwd] | join("|")' <<<"$OUT")" "cwd of the three jobs (--cwd, default, relative --cwd)"
logs_of "$c1" "$c2" "$c3"
assert_eq "$work|$caller|$work" "$(out_of "$c1")|$(out_of "$c2")|$(out_of "$c3")" "pwd printed by the three jobs"

say "--shell runs one shell string; without it argv is exec'd and stays literal"
s1=$(tend submit --shell -- 'echo "a  b" | tr a-z A-Z; echo second >&2')
s2=$(tend submit --shell -- echo one '|' tr o O)
s3=$(tend submit -- printf '%s\n' 'a  b' '$HOME' '*' "it's" '|')
assert_status 0 tend wait --json "$s1" "$s2" "$s3"
assert_eq "true true false" "$(jq -r '[.[].shell | tostring] | join(" ")' <<<"$OUT")" "shell of the three jobs"
assert_eq '["printf","%s\\n","a  b","$HOME","*","it'"'"'s","|"]' "$(out_job "$s3" '.command | tojson')" "command of the argv job"
logs_of "$s1" "$s2" "$s3"
assert_eq "A  B" "$(out_of "$s1")" "output of a --shell pipeline"
assert_eq "second" "$(jq -r --argjson id "$s1" 'select(.job == $id and .stream == "err") | .line' <<<"$LOGS")" "stderr of the --shell job"
assert_eq "One" "$(out_of "$s2")" "--shell joins the words into one string"
assert_eq $'a  b\n$HOME\n*\nit\'s\n|' "$(out_of "$s3")" "printf's arguments (no shell)"

say "a command that cannot be executed fails with 127 and the reason"
assert_status 127 tend submit --wait -- "$T/no-such-command" arg
assert_status 127 tend wait --json "$OUT"
assert_eq 'failed {"code":127} true' "$(jq -r '.[0] | "\(.state) \(.exit_status | tojson) \(.reason | contains("No such file or directory"))"' <<<"$OUT")" \
    "state, exit, reason says No such file: a missing command"

say "--stdin: one job per line, consecutive ids, each run by /bin/sh -c"
before=$(job_count)
assert_status 0 tend submit --stdin --queue other <<'EOF2'
echo one | tr o O

echo "two $TEND_QUEUE"
echo three; exit 0
EOF2
mapfile -t ids <<<"$OUT"
assert_eq 3 "${#ids[@]}" "ids printed for 3 lines (the empty line is skipped)"
assert_eq "$((ids[0] + 1)) $((ids[0] + 2))" "${ids[1]} ${ids[2]}" "ids are consecutive"
assert_status 0 tend wait --json "${ids[@]}"
assert_eq 'true other ["echo one | tr o O"]' "$(out_job "${ids[0]}" '"\(.shell) \(.queue) \(.command | tojson)"')" "shell queue command of a --stdin job"
logs_of "${ids[@]}"
assert_eq "One|two other|three" "$(out_of "${ids[0]}")|$(out_of "${ids[1]}")|$(out_of "${ids[2]}")" "output of the 3 lines"
assert_status 0 tend submit --stdin --json <<<$'true\ntrue'
a=$(jq -r '.ids[0]' <<<"$OUT")
assert_eq "[$a,$((a + 1))] false false" "$(jq -c '"\(.ids) \(.spooled) \(.direct)"' -r <<<"$OUT")" "submit --stdin --json .ids .spooled .direct"
assert_eq "$((before + 5))" "$(job_count)" "jobs stored by the two --stdin submits"
assert_status 0 tend wait "$a" "$((a + 1))"

say "the --in and --at jobs did not start before their time"
assert_status 0 tend wait --json "$in_id" "$at_id"
assert_eq "succeeded null succeeded null" "$(jq -r '[.[] | "\(.state) \(.run_at)"] | join(" ")' <<<"$OUT")" "state and run_at of the --in and --at jobs once they ran"
started=$(ms "$(out_job "$in_id" .started_at)")
((started >= before_ms + 5000 && started >= run_at)) ||
    fail "--in 5s job started $((started - before_ms)) ms after its submit (run_at +$((run_at - before_ms)))"
check "--in 5s job started $((started - before_ms)) ms after its submit (>= 5000, >= run_at)"
started=$(ms "$(out_job "$at_id" .started_at)")
((started >= at_s * 1000)) || fail "--at $at job started at $started ms, before $((at_s * 1000))"
check "--at job started $((started - at_s * 1000)) ms after its time"

say "usage errors exit 2 and store nothing"
assert_status 2 tend submit --no-such-option -- true
assert_status 2 tend submit --in 1s --at 10:00 -- true
assert_status 2 tend submit --at "not a time" -- true
assert_contains "$ERR" "not a time" "stderr of a bad --at"
assert_status 2 tend submit --at 2026-02-30T10:00:00Z -- true
assert_status 2 tend submit --in 5parsecs -- true
assert_status 2 tend submit --attempts 0 -- true
assert_status 2 tend submit --stdin --key k <<<"true"
assert_status 2 tend submit

say "unknown queue and unknown --after job exit 65"
assert_status 65 tend submit --queue nosuchqueue -- true
assert_contains "$ERR" "nosuchqueue" "stderr for an unknown queue"
assert_status 65 tend submit --stdin --queue nosuchqueue <<<"true"
assert_contains "$ERR" "nosuchqueue" "stderr of --stdin for an unknown queue"
assert_status 65 tend submit --after 99999 -- true
assert_contains "$ERR" "99999" "stderr for an unknown --after job"
assert_eq "$((before + 5))" "$(job_count)" "jobs after the usage errors and refused submits"

say "the same submit command line stores the same job, through the tend function or the binary"
# The queues are paused so that nothing runs.
assert_status 0 tend pause default
assert_status 0 tend pause other
# shellcheck disable=SC2016  # $X is for the job's shell
for line in "-- printf %s 'a b'" \
            '--shell -q other --name same -p -4 --attempts 2 --timeout 5s -- echo "\$X"' \
            "-C /tmp --at 2030-01-01T00:00:00Z -e X=1 --env=Y=2 --priority=7 -- env" \
            "--json --after $in_id --after $at_id -- true"; do
    eval "words=($line)"
    assert_status 0 tend submit "${words[@]}"
    front_id=$(tail -n1 <<<"$OUT" | jq -r 'if type == "object" then .id else . end')
    OUT=$(timeout 10 env "$CLI_ASAN_OPTIONS" "$TEND_BIN_DIR/tend" --socket "$SOCK" submit "${words[@]}") ||
        fail "tend submit $line failed"
    cli_id=$(tail -n1 <<<"$OUT" | jq -r 'if type == "object" then .id else . end')
    strip='del(.id, .submitted_at, .output)'
    assert_eq "$(tend show --json "$cli_id" | jq -c "$strip")" \
        "$(tend show --json "$front_id" | jq -c "$strip")" "job of \`tend submit $line\` (submitted twice)"
done
