#!/usr/bin/env bash
# shellcheck disable=SC2163,SC2119  # export "$MARK" exports its value; lib functions take no script args
# Issue 16, design postgres.md §5, §14: the PostgreSQL server stops (pg_ctl -m immediate, as a
# crash would) in the middle of a run of 150 jobs (60 in the sanitizer tree) on 3 tendd hosts,
# and starts again once every host has fenced. While it is down: every host fences (its log says
# so) and kills its jobs (no job process is left), and `tend status` answers on every host.
# After it is back: each host registers a new lease and claims again, and every job ends
# succeeded; no job ever ran twice at the same time (a per-job flock, as in
# test_pg_hosts_kill9.sh). Lease 2 s, renew 500 ms, rescue grace 500 ms.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/pg_lib.sh"
source "$(dirname "$0")/pg_hosts_lib.sh"

export "$MARK"
PER_HOST=50
if $SANITIZED; then PER_HOST=20; fi
JOBS=$((3 * PER_HOST))
RESULTS=$T/results
mkdir -p "$T/locks"
: >"$RESULTS"
pg_start
pg_hosts_db restart
cat >"$T/job.sh" <<EOF
#!/bin/sh
tok=\$1
exec 9>"$T/locks/\$tok"
if ! flock -n 9; then
    { flock 8; echo "OVERLAP \$tok \$TEND_HOST \$\$" >&8; } 8>>"$RESULTS"
    exit 0
fi
{ flock 8; echo "start \$tok \$TEND_HOST \$\$" >&8; } 8>>"$RESULTS"
sleep 0.3
{ flock 8; echo "end \$tok \$TEND_HOST \$\$" >&8; } 8>>"$RESULTS"
EOF
for i in 1 2 3; do
    host_config "$i" <<'EOF'
queue_lease = "2s"
queue_renew = "500ms"
queue_rescue_grace = "500ms"
queue_poll = "200ms"

[queue.default]
concurrency = 4
max_attempts = 3
EOF
done
for i in 1 2 3; do host_start "$i" --live; done
for i in 1 2 3; do
    for ((k = 1; k <= PER_HOST; k++)); do echo "sh $T/job.sh h$i-$k"; done |
        htend "$i" submit --stdin >/dev/null || fail "the batch through h$i was refused"
done
ended() { awk '$1 == "end" && !seen[$2]++ { n++ } END { print n + 0 }' "$RESULTS"; }
some_ended() { (($(ended) >= JOBS / 3)); }
wait_until 60 some_ended
fences0=()
for i in 1 2 3; do fences0[i]=$(grep -c "host lease lost" "$(host_err "$i")" || true); done

say "the server stops after $(ended) of $JOBS jobs ended"
pg_server_stop
t_stop=$EPOCHREALTIME
all_fenced() {
    local i
    for i in 1 2 3; do
        (($(grep -c "host lease lost" "$(host_err "$i")" || true) > fences0[i])) || return 1
    done
}
wait_until 15 all_fenced
fenced_s=$(elapsed_since "$t_stop")
job_procs() { pgrep -f "^sh $T/job.sh" || true; }
no_job_procs() { [[ -z $(job_procs) ]]; }
wait_until 5 no_job_procs
check "every host fenced and no job process is left, ${fenced_s}s after the stop"
for i in 1 2 3; do
    host_answers "$i" || fail "tend status on h$i did not answer while the database was down"
done
check "tend status answers on every host while the database is down"

say "the server starts again"
claiming0=()
for i in 1 2 3; do claiming0[i]=$(grep -c "claiming jobs" "$(host_err "$i")" || true); done
pg_server_start
t_start=$EPOCHREALTIME
all_claiming() {
    local i
    for i in 1 2 3; do
        (($(grep -c "claiming jobs" "$(host_err "$i")" || true) > claiming0[i])) || return 1
    done
}
wait_until 30 all_claiming
say "every host holds a new lease $(elapsed_since "$t_start")s after the start"
live_jobs() { hdb "SELECT count(*) FROM tend.job WHERE state IN ('scheduled', 'blocked', 'pending', 'running')"; }
all_done() { [[ $(live_jobs) == 0 ]]; }
wait_until 90 all_done
say "every job ended $(elapsed_since "$t_start")s after the start"
hosts_stop

assert_eq "succeeded $JOBS" "$(hdb "SELECT string_agg(state || ' ' || n, ', ') FROM (SELECT state, count(*) n FROM tend.job GROUP BY state) s")" "job states"
assert_eq "$JOBS" "$(ended)" "jobs that ran to their end"
assert_eq "" "$(grep '^OVERLAP' "$RESULTS" | head -n 5 || true)" "runs that found their job's flock taken"
interrupted=$(hdb "SELECT count(*) FROM tend.run WHERE outcome = 'interrupted'")
((interrupted > 0)) || fail "no run was interrupted by the server's stop: it found no running job"
say "runs interrupted by the fence and run again: $interrupted; runs: $(grep -c '^start' "$RESULTS") for $JOBS jobs"
