#!/usr/bin/env bash
# SPEC §7 firing: an every-second entry fires once per second with the right TEND_CRON_TIME;
# a crash across ticks neither misses nor doubles one; ticks missed while tendd was stopped
# follow catch_up (none / latest / all); overlap = skip with a slow job.
source "$(dirname "$0")/lib.sh"

# until_epoch S: waits until the wall clock reaches second S (what the test waits for is the
# clock itself passing a tick).
clock_at() { (( $(date +%s) >= $1 )); }
until_epoch() { wait_until 30 clock_at "$1"; }
# ticks NAME: the tick of every job of entry NAME (from its key), as epoch seconds, sorted.
ticks() {
    tend jobs --limit 0 --json |
        jq -r --arg n "$1" '.[] | select(.name == $n) | .key | sub("^cron:[^:]*:"; "")' |
        while read -r iso; do date -d "$iso" +%s; done | sort -n
}
# contiguous LIST: each value is the previous + 1 (no gap, no duplicate).
contiguous() { awk 'NR > 1 && $1 != prev + 1 { exit 1 } { prev = $1 }' <<<"$1"; }
count_jobs() { tend jobs --limit 0 --json | jq --arg n "$1" '[.[] | select(.name == $n)] | length'; }
all_finished() { [[ $(tend jobs --limit 0 --json | jq '[.[] | select(.state != "succeeded")] | length') == 0 ]]; }
# has_lines FILE N [PATTERN]: FILE has at least N lines (matching PATTERN).
has_lines() { [[ -f $1 ]] && (( $(grep -c -- "${3:-}" "$1") >= $2 )); }

# --- every second, with TEND_CRON_TIME ---------------------------------------------------------
say "an every-second entry"
write_config <<EOF
[cron.each]
schedule = "* * * * * *"
timezone = "America/New_York"
command = 'echo "\$TEND_CRON_NAME \$TEND_CRON_TIME \$(date +%s.%N)" >> $T/each.out'
EOF
start_tendd
wait_until 20 has_lines "$T/each.out" 5
lines=$(head -n 5 "$T/each.out")
say "$(tr '\n' '|' <<<"$lines")"
assert_eq "each each each each each" "$(awk '{print $1}' <<<"$lines" | tr '\n' ' ' | sed 's/ $//')" "TEND_CRON_NAME"
fired=$(awk '{print $2}' <<<"$lines" | while read -r iso; do date -d "$iso" +%s; done)
contiguous "$fired" || fail "TEND_CRON_TIME of 5 runs is not one per second: $(tr '\n' ' ' <<<"$fired")"
check "5 runs, one per second: $(tr '\n' ' ' <<<"$fired")"
# ISO 8601 with New York's offset.
assert_contains "$(head -n 1 <<<"$lines" | awk '{print $2}')" "$(TZ=America/New_York date +%:z)" "TEND_CRON_TIME's offset"
# Each run started within its second (plus slack for a loaded machine), never before it.
while read -r _ iso ran; do
    e=$(date -d "$iso" +%s)
    assert_fcmp "$ran" ">=" "$e" "run of $iso started at or after its tick"
    assert_fcmp "$ran" "<" "$((e + 3))" "run of $iso started within 3 s"
done <<<"$lines"

# --- kill -9 across ticks, catch_up = all: no tick missed, none doubled ---------------------------
say "kill -9 across ticks, 5 times, with catch_up = all"
assert_status 0 tend shutdown
wait_tendd_exit 15
rm -rf "$STATE"
write_config <<EOF
[cron.each]
schedule = "* * * * * *"
catch_up = "all"
overlap = "allow"
command = "true"
EOF
start_tendd
# Killed 5 times: right at a second boundary (racing the tick's commit) or just after tendd
# logged a tick; down for up to 2 s each time.
for round in 1 2 3 4 5; do
    if (( round % 2 )); then
        until_epoch $(( $(date +%s) + 1 ))
    else
        seen=$(grep -c "enqueued job" "$TENDD_ERR" || true)
        logged_more() { (( $(grep -c "enqueued job" "$TENDD_ERR") > seen )); }
        wait_until 10 logged_more
    fi
    kill -KILL "$TENDD_PID"
    wait_tendd_exit 10
    say "killed tendd (round $round)"
    (( round == 3 )) && until_epoch $(( $(date +%s) + 2 ))
    start_tendd
done
until_epoch $(( $(date +%s) + 2 ))
wait_until 20 all_finished
got=$(ticks each)
contiguous "$got" || fail "ticks across the crashes are not contiguous or are doubled: $(tr '\n' ' ' <<<"$got")"
check "$(count_lines "$got") ticks from $(head -n1 <<<"$got") to $(tail -n1 <<<"$got"), contiguous, none doubled"
assert_fcmp "$(count_lines "$got")" ">=" 8 "ticks across the crashes"
assert_status 0 tend shutdown
wait_tendd_exit 15

# --- stopped across three ticks: none / latest / all --------------------------------------------
say "tendd stopped across 3 ticks"
rm -rf "$STATE"
# Three ticks in the same minute, 4-6 s from now (wait for a minute with room for them).
while (( 10#$(date +%S) > 50 )); do sleep 0.2; done
base=$(date +%s)
t1=$((base + 4)) t2=$((base + 5)) t3=$((base + 6))
secs="$(date -u -d @$t1 +%-S),$(date -u -d @$t2 +%-S),$(date -u -d @$t3 +%-S)"
sched="$secs $(date -u -d @$t1 +%-M) $(date -u -d @$t1 +%-H) * * *"
say "schedule \"$sched\" (UTC)"
write_config <<EOF
[cron.none]
schedule = "$sched"
timezone = "UTC"
catch_up = "none"
overlap = "allow"
command = "true"

[cron.latest]
schedule = "$sched"
timezone = "UTC"
overlap = "allow"
command = "true"

[cron.all]
schedule = "$sched"
timezone = "UTC"
catch_up = "all"
overlap = "allow"
command = "true"
EOF
start_tendd
assert_status 0 tend shutdown
wait_tendd_exit 15
(( $(date +%s) < t1 )) || fail "tendd took too long to start and stop (the test needs it done before $t1)"
until_epoch $((t3 + 1))
start_tendd
wait_until 20 all_finished
assert_eq 0 "$(count_jobs none)" "runs of the catch_up = none entry"
assert_eq 1 "$(count_jobs latest)" "runs of the catch_up = latest entry"
assert_eq "$t3" "$(ticks latest)" "the tick the latest entry ran"
assert_eq "$t1 $t2 $t3" "$(ticks all | tr '\n' ' ' | sed 's/ $//')" "ticks the all entry ran"
assert_contains "$(cat "$TENDD_ERR")" "3 missed tick(s) dropped (catch_up = none)" "tendd's log"
assert_status 0 tend cron list --json
assert_eq "null" "$(jq -r '.[] | select(.name == "none") | .last_job' <<<"$OUT")" "last job of the none entry"
assert_eq "$(date -u -d @$t3 +%Y-%m-%dT%H:%M:%S+00:00)" "$(jq -r '.[] | select(.name == "none") | .last_tick' <<<"$OUT")" "last tick of the none entry"
assert_status 0 tend shutdown
wait_tendd_exit 15

# --- overlap = skip with a slow job ---------------------------------------------------------------
say "overlap = skip with a job slower than the schedule"
rm -rf "$STATE"
write_config <<EOF
[cron.slow]
schedule = "* * * * * *"
command = 'echo "start \$(date +%s.%N)" >> $T/slow.out; sleep 2.2; echo "end \$(date +%s.%N)" >> $T/slow.out'
EOF
start_tendd
wait_until 30 has_lines "$T/slow.out" 2 end
assert_status 0 tend shutdown
wait_tendd_exit 15
runs=$(cat "$T/slow.out")
say "$(tr '\n' '|' <<<"$runs")"
# Runs never overlap: the lines alternate start/end.
awk 'NR % 2 == 1 && $1 != "start" { exit 1 } NR % 2 == 0 && $1 != "end" { exit 1 }' <<<"$runs" ||
    fail "runs overlapped: $runs"
check "runs alternate start/end: none overlapped"
assert_contains "$(cat "$TENDD_ERR")" "(overlap = skip)" "tendd's log of the skipped ticks"
