#!/usr/bin/env bash
# shellcheck disable=SC2163,SC2119  # export "$MARK" exports its value; lib functions take no script args
# Issue 16, design postgres.md §4.5: [queue.g] global_concurrency = 3 on 3 tendd hosts with
# concurrency = 4 each (12 local slots): never more than 3 jobs of the queue run at once across
# the hosts, and every job finishes. 45 jobs (24 in the sanitizer tree) of 0.4 s are submitted
# in batches through the three hosts' sockets. Each job counts itself in and out of a shared
# counter under a flock and records the count it saw: the peak is the largest count (a job's
# process runs inside its claim, so this peak can only be lower than the claims', never higher).
# How the jobs spread over the hosts is printed, not asserted (the fairness rule is another
# part of issue 16).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/pg_lib.sh"
source "$(dirname "$0")/pg_hosts_lib.sh"

export "$MARK"
PER_HOST=15
if $SANITIZED; then PER_HOST=8; fi
JOBS=$((3 * PER_HOST))
RESULTS=$T/results
echo 0 >"$T/running"
: >"$RESULTS"
pg_start
pg_hosts_db global
cat >"$T/job.sh" <<EOF
#!/bin/sh
{ flock 8; n=\$((\$(cat "$T/running") + 1)); echo \$n >"$T/running"
  echo "start \$1 \$TEND_HOST \$n" >>"$RESULTS"; } 8>>"$T/lock"
sleep 0.4
{ flock 8; n=\$((\$(cat "$T/running") - 1)); echo \$n >"$T/running"
  echo "end \$1 \$TEND_HOST \$n" >>"$RESULTS"; } 8>>"$T/lock"
EOF
for i in 1 2 3; do
    host_config "$i" <<'EOF'
queue_poll = "200ms"

[queue.g]
concurrency = 4
global_concurrency = 3
EOF
done
for i in 1 2 3; do host_start "$i" --live; done

t0=$EPOCHREALTIME
for i in 1 2 3; do
    for ((k = 1; k <= PER_HOST; k++)); do echo "sh $T/job.sh h$i-$k"; done |
        htend "$i" submit --queue g --stdin >/dev/null || fail "the batch through h$i was refused"
done
all_done() { (($(grep -c '^end' "$RESULTS") >= JOBS)); }
wait_until 60 all_done
elapsed=$(elapsed_since "$t0")
done_in_db() { [[ $(hdb "SELECT count(*) FROM tend.job WHERE state = 'succeeded'") == "$JOBS" ]]; }
wait_until 10 done_in_db
hosts_stop

peak=$(awk '$1 == "start" && $4 > p { p = $4 } END { print p + 0 }' "$RESULTS")
per_host=$(awk '$1 == "start" { n[$3]++ } END { for (h in n) printf "%s=%d ", h, n[h] }' "$RESULTS")
say "$JOBS jobs of 0.4 s in ${elapsed}s; peak running at once: $peak; runs per host: $per_host"
assert_eq "$JOBS" "$(grep -c '^start' "$RESULTS")" "runs (one per job)"
assert_eq "$JOBS" "$(hdb "SELECT count(*) FROM tend.job WHERE queue = 'g' AND state = 'succeeded'")" "jobs succeeded"
((peak <= 3)) || fail "$peak jobs of queue g ran at once (global_concurrency = 3): $(grep -m 3 ' [4-9]$' "$RESULTS" | tr '\n' ';')"
check "never more than 3 jobs of queue g ran at once"
# The limit must have been reached, or this test proved nothing about it.
assert_eq 3 "$peak" "the peak of jobs running at once"
assert_eq 0 "$(hdb "SELECT count(*) FROM tend.slot WHERE job_id IS NOT NULL")" "slots still taken after every job ended"
