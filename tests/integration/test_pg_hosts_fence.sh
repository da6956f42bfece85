#!/usr/bin/env bash
# shellcheck disable=SC2163,SC2119  # export "$MARK" exports its value; lib functions take no script args
# Issue 16, design postgres.md §5: a host cut off from the database kills its own jobs (fences)
# BEFORE another host re-runs them, then recovers once the database answers again.
# h1 reaches PostgreSQL through a relay of its own (pg_hosts_proxy.py); `kill -STOP` of the
# relay is the cut: h1's statements, and every reconnect it tries, go unanswered, while h2 is
# unaffected (a backend's SIGSTOP would not do: tendd would reconnect to a fresh backend).
# h1 runs 5 jobs (each holds a per-job flock; on h1, 4 sleep until they are killed and one,
# `quick`, ends right after the cut, so its result cannot reach the database); then:
#   - h1 fences: every job process of it is gone (times taken by this script, polling 10 ms),
#     its log says so, and `tend status` still answers on it (supervision never stalls);
#   - h2 rescues and re-runs the 5 jobs (quick too: its result is fenced out, at least once),
#     each run starting (the time the job writes) after the last of h1's job processes was gone;
#     no run finds its job's flock taken;
#   - the relay resumes: h1 retires its old lease, holds a new one, and runs jobs again (a
#     queue only h1 serves).
# Lease 2 s, renew 500 ms (the smallest lease for it: 2 x renew + 1 s), rescue grace 500 ms.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/pg_lib.sh"
source "$(dirname "$0")/pg_hosts_lib.sh"

export "$MARK"
RESULTS=$T/results
mkdir -p "$T/locks" "$T/relay"
: >"$RESULTS"
pg_start
pg_hosts_db fence

bg_start "$T/relay.out" "$PYTHON" "$LIB_DIR/pg_hosts_proxy.py" "$T/relay" "$PG_DIR/.s.PGSQL.5432"
RELAY=$BG_PID
wait_until 10 grep -q ready "$T/relay.out"
TIMING='queue_lease = "2s"
queue_renew = "500ms"
queue_rescue_grace = "500ms"
queue_poll = "200ms"'
host_config 1 "postgresql:///$HOSTS_DB?host=$T/relay&user=tend" <<EOF
$TIMING
[queue.work]
concurrency = 5
[queue.only1]
concurrency = 1
EOF
host_config 2 <<EOF
$TIMING
[queue.work]
concurrency = 4
EOF

# A job: the per-job flock for the whole run, "start"/"end" lines with the time (date +%s.%N,
# the clock this script's EPOCHREALTIME reads); on h1 it waits until it is killed.
cat >"$T/job.sh" <<EOF
#!/bin/sh
tok=\$1
exec 9>"$T/locks/\$tok"
if ! flock -n 9; then
    { flock 8; echo "OVERLAP \$tok \$TEND_HOST \$\$ \$(date +%s.%N)" >&8; } 8>>"$RESULTS"
    exit 0
fi
{ flock 8; echo "start \$tok \$TEND_HOST \$\$ \$(date +%s.%N)" >&8; } 8>>"$RESULTS"
if [ "\$TEND_HOST" = h1 ] && [ "\$tok" = quick ]; then
    while [ ! -e "$T/go" ]; do sleep 0.01; done
elif [ "\$TEND_HOST" = h1 ] && [ "\$tok" != after ]; then
    sleep 60
fi
{ flock 8; echo "end \$tok \$TEND_HOST \$\$ \$(date +%s.%N)" >&8; } 8>>"$RESULTS"
EOF
lines_of() { awk -v w="$1" -v h="$2" '$1 == w && $3 == h' "$RESULTS"; }
count_of() { (($(lines_of "$1" "$2" | wc -l) >= $3)); }

say "h1 alone runs 5 jobs"
host_start 1 --live
for k in j1 j2 j3 j4 quick; do htend 1 submit --queue work -- sh "$T/job.sh" "$k" >/dev/null; done
wait_until 15 count_of start h1 5
mapfile -t VICTIMS < <(lines_of start h1 | awk '$2 != "quick" { print $4 }')
OLD_LEASE=$(hdb "SELECT id FROM tend.host WHERE name = 'h1'")
host_start 2 --live

say "cut h1 off the database (SIGSTOP of its relay)"
kill -STOP "$RELAY"
t_cut=$EPOCHREALTIME
touch "$T/go"  # quick ends now, while h1 cannot tell the database
victims_gone() { local p; for p in "${VICTIMS[@]}"; do gone "$p" || return 1; done; }
# A tight loop of builtins (and sleep): the time it sees the last one gone is at most ~10 ms
# late, so the margin below errs on the safe side only.
deadline=$((${t_cut/./} + 10000000))
until victims_gone; do
    ((${EPOCHREALTIME/./} < deadline)) || fail "h1's jobs still run 10s after the cut: ${VICTIMS[*]}"
    sleep 0.01
done
t_gone=$EPOCHREALTIME
host_answers 1 || fail "tend status on h1 did not answer while it was cut off"
check "tend status answers on h1 while it is cut off"
wait_until 5 grep -q "host lease lost" "$(host_err 1)"
assert_eq "end quick h1" "$(lines_of end h1 | awk '{ print $1, $2, $3 }')" "what h1 ran to its end during the cut"
check "h1's log: $(grep -m1 "host lease lost" "$(host_err 1)")"

say "h2 re-runs them"
wait_until 20 count_of end h2 5
first_rescue=$(lines_of start h2 | awk '{ print $5 }' | sort -n | head -n 1)
fence_s=$(awk -v a="$t_cut" -v b="$t_gone" 'BEGIN { printf "%.3f", b - a }')
rescue_s=$(awk -v a="$t_cut" -v b="$first_rescue" 'BEGIN { printf "%.3f", b - a }')
margin_s=$(awk -v a="$t_gone" -v b="$first_rescue" 'BEGIN { printf "%.3f", b - a }')
say "after the cut: h1's jobs gone at +${fence_s}s, the first re-run on h2 at +${rescue_s}s (margin ${margin_s}s)"
assert_fcmp "$margin_s" ">" 0 "seconds from h1's last job process gone to h2's first re-run"
overlaps=$(grep '^OVERLAP' "$RESULTS" || true)
assert_eq "" "$overlaps" "runs that found their job's flock taken"
# Per job: its state, its runs, and the outcome of each run with its host, in order.
assert_eq "j1 succeeded 2 h1:interrupted,h2:succeeded
j2 succeeded 2 h1:interrupted,h2:succeeded
j3 succeeded 2 h1:interrupted,h2:succeeded
j4 succeeded 2 h1:interrupted,h2:succeeded
quick succeeded 2 h1:interrupted,h2:succeeded" "$(hdb "SELECT j.argv[3] || ' ' || j.state || ' ' || j.runs || ' ' ||
    (SELECT string_agg(r.host || ':' || r.outcome, ',' ORDER BY r.run) FROM tend.run r WHERE r.job_id = j.id)
    FROM tend.job j WHERE j.queue = 'work' ORDER BY 1")" "the 5 jobs: state, runs, each run's host and outcome"

say "the relay resumes: h1 holds a new lease and runs jobs again"
t_heal=$EPOCHREALTIME
kill -CONT "$RELAY"
new_lease() { [[ -n $(hdb "SELECT id FROM tend.host WHERE name = 'h1' AND id <> $OLD_LEASE AND lease_until > now()") ]]; }
wait_until 20 new_lease
say "h1 holds lease $(hdb "SELECT id FROM tend.host WHERE name = 'h1'") (was $OLD_LEASE) $(elapsed_since "$t_heal")s after the relay resumed"
assert_eq 0 "$(hdb "SELECT count(*) FROM tend.host WHERE id = $OLD_LEASE")" "rows of h1's old lease"
assert_status 0 htend 1 submit --queue only1 --wait -- sh "$T/job.sh" after
assert_eq "succeeded h1" "$(hdb "SELECT j.state || ' ' || r.host FROM tend.job j JOIN tend.run r ON r.job_id = j.id WHERE j.argv[3] = 'after'")" "a job of the queue only h1 serves"
assert_eq "" "$(grep '^OVERLAP' "$RESULTS" || true)" "runs that found their job's flock taken"
hosts_stop
