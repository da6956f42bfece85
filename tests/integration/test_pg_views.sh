#!/usr/bin/env bash
# Design postgres.md §12 against a real server: the reads of the PostgreSQL store
# (queue/pg/pg_job_views) driven by tend_pg_views_probe (tests/pg/pg_views_probe.cpp) on a
# database `tend migrate` created. Jobs are submitted with PgJobStore::submit and claimed and
# finished by two hosts (h1 is "this" host); the probe checks owners (one per id, in order),
# show (states, hosts, runs, exit statuses, why pending/scheduled/blocked/globally-limited/
# paused jobs wait), list (newest first, paging with before, --state, --queue, an unknown
# queue, another user's details hidden, the page cap), logs (the local file when this host ran
# the job and has it; else the tail stored with its last run, naming the host; a job running
# elsewhere is "live"), brief, queues with their figures (and the cache refresh_figures keeps),
# and a database that cannot be reached (a clear failure, no crash).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/pg_lib.sh"
PROBE=${TEND_PG_VIEWS_PROBE:-$TEND_BIN_DIR/tests/tend_pg_views_probe}
[[ -x $PROBE ]] || fail "no executable $PROBE (build the target tend_pg_views_probe)"
pg_start
URL=$(pg_new_db views)
timeout -s KILL 30 "$TEND_BIN_DIR/tend" migrate --url "$URL" 2>/dev/null || fail "tend migrate failed"

say "running the probe"
mkdir -p "$T/state"
OUT=$(timeout -s KILL 60 "$PROBE" "$URL" "$T/state" 2>"$T/probe.stderr") || fail "the probe failed: $OUT $(cat "$T/probe.stderr")"
printf '%s\n' "$OUT"
assert_eq "$(grep -c "^ok: " <<<"$OUT")" 7 "checks passed"

say "the database agrees with the probe"
assert_eq "$(pg_sql views "SELECT count(*) FROM tend.job WHERE state = 'running'")" 3 "jobs running (C on h2, two in g)"
assert_eq "$(pg_sql views "SELECT count(*) FROM tend.run")" 2 "runs recorded (A and B)"
