#!/usr/bin/env bash
# SPEC §2 (the default queue without a config), §3 [queue.*] (concurrency, weight) and
# [daemon] max_running_jobs, §4 (tend queues, pause, resume, jobs --queue/--state/--limit),
# §6.1 (why a job is not running), §6.4 (priority, FIFO, weights).
source "$(dirname "$0")/lib.sh"

# qfield QUEUE JQ_EXPR: one field of a queue in `tend queues --json`.
qfield() { tend queues --json | jq -r --arg q "$1" ".[] | select(.name == \$q) | $2"; }
# running_in QUEUE N: exactly N jobs of QUEUE are running.
running_in() { [[ $(tend jobs --json --queue "$1" --state running | jq length) == "$2" ]]; }
gated() { printf 'while [ ! -e "%s" ]; do sleep 0.05; done' "$T/$1"; }

say "no config at all: one queue 'default' with concurrency = number of CPUs"
write_config ""
start_tendd
# shellcheck disable=SC2163  # MARK is NAME=VALUE: jobs get the marker through the submitter
export "$MARK"
assert_status 0 tend queues --json
assert_eq default "$(jq -r '[.[].name] | join(",")' <<<"$OUT")" "queues of an empty config"
assert_eq "$(nproc)" "$(jq -r '.[0].concurrency' <<<"$OUT")" "default queue's concurrency"
assert_eq "0 0 false null" "$(jq -r '.[0] | "\(.pending) \(.running) \(.paused) \(.oldest_pending_age_s)"' <<<"$OUT")" \
    "pending running paused oldest_pending_age_s of the idle default queue"
assert_status 0 tend submit --wait -- true
check "a job runs in the default queue"
assert_status 0 tend shutdown
wait_tendd_exit 15
assert_eq 0 "$TENDD_RC" "tendd's exit status"

write_config <<'EOF2'
[daemon]
max_running_jobs = 3

[queue.default]
concurrency = 2
max_attempts = 1

[queue.pair]
concurrency = 2

[queue.prio]
concurrency = 1

[queue.mixed]
concurrency = 4
max_attempts = 1
EOF2
STATE=$T/state2
start_tendd

say "tend queues: table and JSON fields"
assert_status 0 tend queues --json
assert_eq "default pair prio mixed" "$(jq -r '[.[].name] | join(" ")' <<<"$OUT")" "queue names (config order)"
assert_eq true "$(jq 'all(.[]; has("name", "pending", "running", "concurrency", "paused", "oldest_pending_age_s"))' <<<"$OUT")" \
    "every queue has name, pending, running, concurrency, paused, oldest_pending_age_s"
assert_eq "2 2 1 4" "$(jq -r '[.[].concurrency] | join(" ")' <<<"$OUT")" "concurrency of each queue"
assert_status 0 tend queues
for w in QUEUE PENDING RUNNING CONCURRENCY PAUSED default pair prio mixed; do
    assert_contains "$OUT" "$w" "tend queues table"
done

say "pause: submitted jobs stay pending and show says why; resume runs them"
assert_status 0 tend pause pair
assert_contains "$OUT" "paused" "tend pause output"
p1=$(tend submit --queue pair -- true)
p2=$(tend submit --queue pair -- true)
assert_eq "pending pending" "$(jfield "$p1" .state) $(jfield "$p2" .state)" "jobs in a paused queue"
assert_contains "$(tend show "$p1")" "waiting:     queue pair is paused" "tend show of a job in a paused queue"
assert_eq "true 2 0" "$(qfield pair '"\(.paused) \(.pending) \(.running)"')" "queues: pair paused pending running"
age=$(qfield pair .oldest_pending_age_s)
assert_fcmp "$age" ">=" 0 "oldest_pending_age_s of the paused queue"
assert_fcmp "$age" "<" 30 "oldest_pending_age_s of the paused queue"
assert_status 0 tend resume pair
assert_contains "$OUT" "active" "tend resume output"
assert_status 0 tend wait "$p1" "$p2"
assert_eq false "$(qfield pair .paused)" "queues: pair paused after resume"
assert_status 1 tend pause nosuchqueue
assert_contains "$ERR" "nosuchqueue" "stderr of pausing an unknown queue"
assert_status 1 tend resume nosuchqueue
assert_status 2 tend pause

say "concurrency = 2 bounds running jobs"
events=$T/events
assert_status 0 tend submit --stdin --queue pair < <(for _ in 1 2 3 4 5; do
    echo "echo start >>'$events'; $(gated gate-pair); echo end >>'$events'"; done)
mapfile -t ids <<<"$OUT"
wait_until 20 running_in pair 2
assert_status 0 tend jobs --json --queue pair --limit 5
assert_eq "2 3" "$(jq -r '"\([.[] | select(.state == "running")] | length) \([.[] | select(.state == "pending")] | length)"' <<<"$OUT")" \
    "running and pending of 5 jobs in a queue of concurrency 2"
assert_eq "${ids[0]} ${ids[1]}" "$(jq -r '[.[] | select(.state == "running") | .id] | sort | join(" ")' <<<"$OUT")" "the running ones are the first two"
assert_eq "true true true" "$(jq -r '[.[] | select(.state == "pending") | .waiting | contains("slot")] | map(tostring) | join(" ")' <<<"$OUT")" \
    "the pending ones are waiting for a slot"
assert_eq "3 2" "$(qfield pair '"\(.pending) \(.running)"')" "queues: pair pending running"
touch "$T/gate-pair"
assert_status 0 tend wait "${ids[@]}"
max=$(awk '/start/ { n++; if (n > m) m = n } /end/ { n-- } END { print m }' "$events")
assert_eq 2 "$max" "most jobs of pair running at once"

say "priority: higher first, FIFO within a priority"
order=$T/order
assert_status 0 tend pause prio
pa=$(tend submit --queue prio --priority 0 -- sh -c "echo p0 >>'$order'")
pb=$(tend submit --queue prio --priority 5 -- sh -c "echo p5-first >>'$order'")
pc=$(tend submit --queue prio --priority 1 -- sh -c "echo p1 >>'$order'")
pd=$(tend submit --queue prio --priority 5 -- sh -c "echo p5-second >>'$order'")
pe=$(tend submit --queue prio --priority 0 -- sh -c "echo p0-second >>'$order'")
pf=$(tend submit --queue prio --priority -3 -- sh -c "echo pm3 >>'$order'")
assert_contains "$(jfield "$pa" .waiting)" "paused" "waiting of a job in the paused prio queue"
assert_status 0 tend resume prio
assert_status 0 tend wait "$pa" "$pb" "$pc" "$pd" "$pe" "$pf"
assert_eq "p5-first p5-second p1 p0 p0-second pm3" "$(paste -sd' ' "$order")" "start order in queue prio"

say "tend jobs --queue/--state/--limit filter and list newest first"
assert_status 0 tend submit --stdin --queue mixed <<<$'exit 0\nexit 1\nexit 0\nexit 1\nexit 0'
mapfile -t m <<<"$OUT"
run tend wait "${m[@]}"
assert_status 0 tend jobs --json --queue mixed --limit 0
assert_eq "${m[4]} ${m[3]} ${m[2]} ${m[1]} ${m[0]}" "$(jq -r '[.[].id] | join(" ")' <<<"$OUT")" "jobs of mixed, newest first"
assert_status 0 tend jobs --json --queue mixed --state failed
assert_eq "${m[3]} ${m[1]}" "$(jq -r '[.[].id] | join(" ")' <<<"$OUT")" "failed jobs of mixed"
assert_status 0 tend jobs --json --queue mixed --state succeeded --limit 2
assert_eq "${m[4]} ${m[2]}" "$(jq -r '[.[].id] | join(" ")' <<<"$OUT")" "2 newest succeeded jobs of mixed"
assert_status 0 tend jobs --json --limit 3
assert_eq "${m[4]} ${m[3]} ${m[2]}" "$(jq -r '[.[].id] | join(" ")' <<<"$OUT")" "3 newest jobs of all queues"
assert_status 0 tend jobs --json --state failed --queue pair
assert_eq "[]" "$(jq -c . <<<"$OUT")" "failed jobs of pair (none)"
assert_status 0 tend jobs --queue mixed --state failed
assert_contains "$OUT" "${m[3]}" "tend jobs table"
assert_eq 3 "$(count_lines "$OUT")" "lines of the table (header + 2 jobs)"
assert_status 2 tend jobs --state bogus
assert_status 2 tend jobs --limit -1
assert_status 1 tend jobs --queue nosuchqueue
assert_contains "$ERR" "nosuchqueue" "stderr of tend jobs for an unknown queue"

say "weights: with max_running_jobs = 1, queues of weight 3 and 1 share starts 3:1"
assert_status 0 tend shutdown
wait_tendd_exit 15
write_config <<'EOF2'
[daemon]
max_running_jobs = 1

[queue.heavy]
concurrency = 4
weight = 3

[queue.light]
concurrency = 4
weight = 1

[queue.gate]
concurrency = 1
EOF2
STATE=$T/state3
start_tendd
starts=$T/starts
# The one global slot is held while both queues fill up (paused), so that neither gets a head
# start: once both are resumed, releasing the slot lets them compete from the same moment.
blocker=$(tend submit --queue gate -- sh -c "$(gated gate-w)")
wait_until 20 job_state_is "$blocker" running
assert_status 0 tend pause heavy
assert_status 0 tend pause light
assert_status 0 tend submit --stdin --queue heavy < <(for _ in $(seq 20); do echo "echo heavy >>'$starts'"; done)
mapfile -t wids <<<"$OUT"
assert_status 0 tend submit --stdin --queue light < <(for _ in $(seq 20); do echo "echo light >>'$starts'"; done)
mapfile -t -O 20 wids <<<"$OUT"
assert_eq 40 "${#wids[@]}" "jobs submitted to heavy and light"
assert_status 0 tend resume heavy
assert_status 0 tend resume light
s=$(tend submit --queue heavy -- true)
assert_contains "$(jfield "$s" .waiting)" "all queues" "waiting of a job while the global slot is taken"
assert_status 0 tend cancel "$s"
touch "$T/gate-w"
assert_status 0 tend wait "$blocker" "${wids[@]}"
assert_eq 40 "$(wc -l <"$starts")" "jobs that ran"
first8=$(head -n 8 "$starts" | paste -sd' ')
heavy8=$(head -n 8 "$starts" | grep -c heavy || true)
check "first 8 starts: $first8"
((heavy8 >= 5 && heavy8 <= 7)) || fail "$heavy8 of the first 8 starts were from the weight-3 queue (expected 5..7): $first8"
check "$heavy8 of the first 8 starts from the weight-3 queue"
heavy16=$(head -n 16 "$starts" | grep -c heavy || true)
((heavy16 >= 10 && heavy16 <= 14)) || fail "$heavy16 of the first 16 starts were from the weight-3 queue (expected 10..14)"
check "$heavy16 of the first 16 starts from the weight-3 queue"
