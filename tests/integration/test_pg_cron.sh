#!/usr/bin/env bash
# Design postgres.md §1, §4.8 against a real server: cron ticks fire once across hosts
# (queue/pg/pg_cron_store, tend.cron_fire and tend.cron_write), driven by tend_pg_cron_probe
# (tests/pg/pg_cron_probe.cpp) on a database `tend migrate` created: three stores on three
# connections fire the same 200 ticks at once in different orders (exactly one job per tick,
# none missing, last_tick the newest); a stale tick never fires; a retried fire finds its own
# job; a tick ahead of the database's clock is refused; a full queue (TE075) and a missing one
# (TE404) drop the tick and consume it; `tend cron add` definitions and entries' states
# round-trip between two hosts, and job_brief follows the job; with overlap = skip, a host
# skips a tick while the entry's job fired by another host is still live.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/pg_lib.sh"
PROBE=${TEND_PG_CRON_PROBE:-$TEND_BIN_DIR/tests/tend_pg_cron_probe}
[[ -x $PROBE ]] || fail "no executable $PROBE (build the target tend_pg_cron_probe)"
pg_start
URL=$(pg_new_db cron)
timeout -s KILL 30 "$TEND_BIN_DIR/tend" migrate --url "$URL" 2>/dev/null || fail "tend migrate failed"

say "running the probe"
OUT=$(timeout -s KILL 60 "$PROBE" "$URL" 2>"$T/probe.stderr") || fail "the probe failed: $OUT $(cat "$T/probe.stderr")"
printf '%s\n' "$OUT"
assert_eq "$(grep -c "^ok: " <<<"$OUT")" 5 "checks passed"

say "the database agrees with the probe"
assert_eq "$(pg_sql cron "SELECT count(*) FROM (SELECT key FROM tend.job WHERE key LIKE 'cron:%' GROUP BY key HAVING count(*) > 1) d")" 0 "tick keys with two jobs"
assert_eq "$(pg_sql cron "SELECT count(*) FROM tend.job WHERE cron_name LIKE 'e%' AND cron_tick > (SELECT last_tick FROM tend.cron c WHERE c.name = cron_name)")" 0 "jobs of ticks after their entry's last tick"
assert_eq "$(pg_sql cron "SELECT string_agg(DISTINCT submitted_by, ',') FROM tend.job WHERE cron_name = 'e2'")" "cron:e2" "submitted_by of a tick's job"
assert_eq "$(pg_sql cron "SELECT vars::text FROM tend.env e JOIN tend.job j ON j.env_id = e.id WHERE j.cron_name = 'e2' ORDER BY j.id LIMIT 1")" '{TEND_CRON_NAME=e2,TEND_CRON_TIME=2023-11-14T22:15:00+00:00}' "a tick's environment"
