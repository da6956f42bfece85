#!/usr/bin/env bash
# shellcheck disable=SC2163,SC2119  # export "$MARK" exports its value; lib functions take no script args
# Issue 16, design postgres.md §4.8: a cron entry every second on 3 tendd hosts sharing one
# PostgreSQL database, for 30 s (12 s in the sanitizer tree), with one host killed (-9) a third
# of the way in and restarted at two thirds. Every tick between the first and the end of the
# run has exactly one job (tend.job.cron_tick; none twice, none missing), and every such job
# ran (the job writes its id and tick; a kill may re-run one, at least once is the guarantee).
# overlap = "allow": with the default "skip" a tick whose previous job still waits is consumed
# without a job on purpose, which would hide a missing tick.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/pg_lib.sh"
source "$(dirname "$0")/pg_hosts_lib.sh"

export "$MARK"
DURATION=30
if $SANITIZED; then DURATION=12; fi
RESULTS=$T/results
: >"$RESULTS"
pg_start
pg_hosts_db cron
cat >"$T/tick.sh" <<EOF
#!/bin/sh
{ flock 8; echo "\$TEND_JOB_ID \$TEND_CRON_TIME \$TEND_HOST" >&8; } 8>>"$RESULTS"
EOF
for i in 1 2 3; do
    host_config "$i" <<EOF
$(pg_short_lease)

[queue.default]
concurrency = 4

[cron.tick]
schedule = "* * * * * *"
command = ["sh", "$T/tick.sh"]
overlap = "allow"
EOF
done
ticks() { hdb "SELECT count(*) FROM tend.job WHERE cron_name = 'tick'"; }

for i in 1 2 3; do host_start "$i" --live; done
wait_until 10 test "$(ticks)" -ge 1
t0=$EPOCHREALTIME
say "the entry fires; running for ${DURATION}s"
v=$((1 + RANDOM % 3))
until fcmp "$(elapsed_since "$t0")" ">=" $((DURATION / 3)); do sleep 0.1; done
host_kill9 "$v"
say "killed h$v"
until fcmp "$(elapsed_since "$t0")" ">=" $((2 * DURATION / 3)); do sleep 0.1; done
host_start "$v"
say "restarted h$v"
until fcmp "$(elapsed_since "$t0")" ">=" "$DURATION"; do sleep 0.1; done
# The end of the checked range: a tick this old has fired on some host (the last ticks of the
# run may still be in flight).
END_TICK=$(($(date +%s) - 2))
all_ran() {
    [[ $(hdb "SELECT count(*) FROM tend.job WHERE cron_name = 'tick' AND cron_tick <= to_timestamp($END_TICK) AND state <> 'succeeded'") == 0 ]]
}
wait_until 15 all_ran
hosts_stop

hdb "SELECT extract(epoch FROM cron_tick)::bigint || ' ' || id FROM tend.job WHERE cron_name = 'tick' AND cron_tick <= to_timestamp($END_TICK) ORDER BY cron_tick, id" >"$T/jobs"
read -r first n distinct last < <(awk '{ n++; if (!seen[$1]++) d++; if (NR == 1) f = $1; l = $1 } END { print f, n, d, l }' "$T/jobs")
say "ticks $first..$last: $n jobs for $distinct distinct ticks"
assert_eq "$distinct" "$n" "jobs = distinct ticks (no tick fired twice)"
assert_eq $((last - first + 1)) "$distinct" "ticks from the first to the last (none missing)"
((n >= DURATION - 2)) || fail "only $n ticks in a ${DURATION}s run"
check "$n ticks for a ${DURATION}s run"
ran=$(awk '{ print $1 }' "$RESULTS" | sort -u)
not_ran=$(awk '{ print $2 }' "$T/jobs" | sort | comm -23 - <(printf '%s\n' "$ran"))
assert_eq "" "$not_ran" "jobs of ticks that never ran"
# The runs of the checked ticks' jobs (a kill -9 may have re-run one), and where they ran.
read -r runs per_host < <(awk 'FILENAME == ARGV[1] { want[$2] = 1; next }
    $1 in want { n++; h[$3]++ } END { printf "%d ", n; for (x in h) printf "%s=%d ", x, h[x]; print "" }' "$T/jobs" "$RESULTS")
say "runs of these jobs: $runs; per host: $per_host"
