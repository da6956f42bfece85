#!/usr/bin/env bash
# Design postgres.md §4.4-§4.8 against a real server: the job statements of the PostgreSQL
# store (queue/pg/pg_statements.hpp) sent by PgJobStore over PgConn, driven by
# tend_pg_store_probe (tests/pg/pg_store_probe.cpp) on a database `tend migrate` created:
# submit -> claim -> finish; a stale fencing token changes nothing; rescue keeps the attempt,
# the third rescue uses one and with none left the job is dead; dependents released on success
# and cancelled transitively on failure; global_concurrency 3 under 3 concurrent claimers x 4
# never exceeded; promote; cancel of pending and running jobs; retry and its TE409/TE075
# refusals; pause; prune in batches; the lost-edge race (a finish that waited for a submit's
# lock misses the new dependent) and settle, which repairs it; a 2 s lock-order stress of every
# statement from 6 connections (no deadlock); and every queue's depth equal to the real count.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/pg_lib.sh"
PROBE=${TEND_PG_STORE_PROBE:-$TEND_BIN_DIR/tests/tend_pg_store_probe}
[[ -x $PROBE ]] || fail "no executable $PROBE (build the target tend_pg_store_probe)"
pg_start
URL=$(pg_new_db store)
timeout -s KILL 30 "$TEND_BIN_DIR/tend" migrate --url "$URL" 2>/dev/null || fail "tend migrate failed"

say "running the probe"
OUT=$(timeout -s KILL 60 "$PROBE" "$URL" 2>"$T/probe.stderr") || fail "the probe failed: $OUT $(cat "$T/probe.stderr")"
printf '%s\n' "$OUT"
assert_eq "$(grep -c "^ok: " <<<"$OUT")" 12 "checks passed"

say "the database agrees with the probe"
assert_eq "$(pg_sql store "SELECT count(*) FROM tend.job WHERE state = 'running'")" 0 "jobs left running"
assert_eq "$(pg_sql store "SELECT count(*) FROM tend.slot WHERE job_id IS NOT NULL")" 0 "slots left taken"
assert_eq "$(pg_sql store "SELECT count(*) FROM tend.job j WHERE state = 'succeeded' AND NOT EXISTS (SELECT 1 FROM tend.run r WHERE r.job_id = j.id)")" 0 "succeeded jobs without a run row"
