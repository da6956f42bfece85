#!/usr/bin/env bash
# Design postgres.md §4.3 against a real server: schema 1's tend.submit function, called as a
# direct `tend submit` and tendd would call it. Deduplication by key (and the `xmax <> 0` flag
# that reports it, which relies on PostgreSQL internals), max_pending (TE075, the batch rolled
# back), an unknown queue (TE404), dependencies (blocked, TE065), a retried token answered from
# tend.submit_log, and `depth` equal to the real count afterwards.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/pg_lib.sh"
pg_start
DB=submit
pg_new_db "$DB" >/dev/null
psql -qX -v ON_ERROR_STOP=1 -d "$DB" -f "$LIB_DIR/../../queue/pg/migrations/0001_schema.sql" >/dev/null
pg_sql "$DB" "INSERT INTO tend.queue (name, max_pending) VALUES ('q', 4), ('other', 100)"

# submit QUEUE JOBS_JSON [TOKEN] (psql interpolates variables only in its input, not -c): prints "id|t/f" per job, or psql's error (status 1).
submit() {
    local token=${3:-$(cat /proc/sys/kernel/random/uuid)}
    psql -qXAt -v ON_ERROR_STOP=1 -d "$DB" -v q="$1" -v j="$2" -v tok="$token" \
        <<<"SELECT * FROM tend.submit(:'q', :'j'::jsonb, '{A=1}', '\\x01'::bytea, :'tok'::uuid, 'test')" 2>&1
}
sqlstate() { psql -qXAt -d "$DB" -v VERBOSITY=verbose -c "$1" 2>&1 | grep -o 'ERROR:  [A-Z0-9]*' | head -n 1; }
depth() { pg_sql "$DB" "SELECT depth FROM tend.queue WHERE name = '$1'"; }
live() { pg_sql "$DB" "SELECT count(*) FROM tend.job WHERE queue = '$1' AND state IN ('scheduled','blocked','pending')"; }

say "a key held by a live job deduplicates, in the same batch and in a later one"
OUT=$(submit q '[{"argv":["true"],"cwd":"/","key":"k1"},{"argv":["false"],"cwd":"/","key":"k1"}]')
assert_eq "$(printf '%s\n' "$OUT" | cut -d'|' -f2 | paste -sd,)" "f,t" "dedupe flags of the batch"
first=$(head -n 1 <<<"$OUT" | cut -d'|' -f1)
assert_eq "$(tail -n 1 <<<"$OUT" | cut -d'|' -f1)" "$first" "the duplicate's id"
OUT=$(submit q '[{"argv":["true"],"cwd":"/","key":"k1"}]')
assert_eq "$OUT" "$first|t" "a later submit with the held key"
assert_eq "$(depth q)" 1 "depth after one real job"

say "a finished job releases its key"
pg_sql "$DB" "UPDATE tend.job SET state = 'succeeded', finished_at = now() WHERE id = $first;
              UPDATE tend.queue SET depth = depth - 1 WHERE name = 'q'"
OUT=$(submit q '[{"argv":["true"],"cwd":"/","key":"k1"}]')
[[ $OUT =~ ^([0-9]+)\|f$ && ${BASH_REMATCH[1]} != "$first" ]] || fail "key not released: $OUT"
check "a new job ${BASH_REMATCH[1]} holds k1"

say "the same token answers the first call's ids without inserting again"
tok=$(cat /proc/sys/kernel/random/uuid)
A=$(submit q '[{"argv":["echo","a"],"cwd":"/"}]' "$tok")
B=$(submit q '[{"argv":["echo","a"],"cwd":"/"}]' "$tok")
assert_eq "$B" "$A" "the retried token's answer"
assert_eq "$(pg_sql "$DB" "SELECT count(*) FROM tend.job WHERE argv = '{echo,a}'")" 1 "jobs inserted for the token"

say "max_pending: a batch that would pass it is refused whole (TE075)"
assert_eq "$(depth q)" 2 "depth before"
assert_eq "$(sqlstate "SELECT * FROM tend.submit('q', '[{\"argv\":[\"a\"],\"cwd\":\"/\"},{\"argv\":[\"b\"],\"cwd\":\"/\"},{\"argv\":[\"c\"],\"cwd\":\"/\"}]', '{}', '\\x02', gen_random_uuid(), 't')")" \
    "ERROR:  TE075" "a batch of 3 into 2 free places"
assert_eq "$(pg_sql "$DB" "SELECT count(*) FROM tend.job WHERE argv IN ('{a}','{b}','{c}')")" 0 "jobs left by the refused batch"
assert_eq "$(pg_sql "$DB" "SELECT count(*) FROM tend.env WHERE hash = '\\x02'")" 0 "environments left by it"
OUT=$(submit q '[{"argv":["a"],"cwd":"/"},{"argv":["b"],"cwd":"/"}]')
assert_eq "$(wc -l <<<"$OUT")" 2 "a batch that fits"
assert_eq "$(depth q)" 4 "depth at max_pending"
OUT=$(submit q '[{"argv":["true"],"cwd":"/","key":"k1"}]')
[[ $OUT =~ \|t$ ]] || fail "a duplicate into a full queue should still be answered: $OUT"
check "a duplicate needs no room: $OUT"

say "an unknown queue is TE404, nothing is stored"
assert_eq "$(sqlstate "SELECT * FROM tend.submit('nope', '[{\"argv\":[\"a\"],\"cwd\":\"/\"}]', '{}', '\\x03', gen_random_uuid(), 't')")" \
    "ERROR:  TE404" "submit to an unknown queue"

say "dependencies: blocked while unmet, TE065 when missing or failed"
OUT=$(submit other '[{"argv":["dep"],"cwd":"/"}]'); dep=${OUT%%|*}
OUT=$(submit other "[{\"argv\":[\"after\"],\"cwd\":\"/\",\"after\":[$dep]}]"); after=${OUT%%|*}
assert_eq "$(pg_sql "$DB" "SELECT state || ' ' || unmet_deps FROM tend.job WHERE id = $after")" "blocked 1" "the dependent"
assert_eq "$(pg_sql "$DB" "SELECT count(*) FROM tend.dep WHERE after_id = $dep AND job_id = $after")" 1 "its edge"
assert_eq "$(sqlstate "SELECT * FROM tend.submit('other', '[{\"argv\":[\"x\"],\"cwd\":\"/\",\"after\":[999999]}]', '{}', '\\x01', gen_random_uuid(), 't')")" \
    "ERROR:  TE065" "a missing dependency"
pg_sql "$DB" "UPDATE tend.job SET state = 'failed', finished_at = now() WHERE id = $dep"
assert_eq "$(sqlstate "SELECT * FROM tend.submit('other', '[{\"argv\":[\"x\"],\"cwd\":\"/\",\"after\":[$dep]}]', '{}', '\\x01', gen_random_uuid(), 't')")" \
    "ERROR:  TE065" "a failed dependency"

say "a future run_at is scheduled; depth is the real count of live jobs"
OUT=$(submit other '[{"argv":["later"],"cwd":"/","run_at":"2999-01-01T00:00:00Z"}]')
assert_eq "$(pg_sql "$DB" "SELECT state FROM tend.job WHERE id = ${OUT%%|*}")" scheduled "a job for 2999"
pg_sql "$DB" "UPDATE tend.queue SET depth = depth - 1 WHERE name = 'other'"  # the failed dep
for q in q other; do assert_eq "$(depth $q)" "$(live $q)" "depth of $q"; done

say "8 clients submitting keyed jobs at once (pgbench, 3 s): no deadlock, depth exact, limit kept"
[[ -x $PG_BIN/pgbench ]] || fail "no $PG_BIN/pgbench (it ships with postgresql)"
pg_sql "$DB" "INSERT INTO tend.queue (name, max_pending) VALUES ('busy', 150)"
# pgbench ends a client at its first error, so a full queue (TE075, expected here) is caught
# and counted in a table; any other error (a deadlock, 40P01) still ends the client and fails.
pg_sql "$DB" "CREATE TABLE bench_full (at timestamptz DEFAULT now());
CREATE FUNCTION bench_submit(k int) RETURNS int LANGUAGE plpgsql AS \$\$
BEGIN
  PERFORM tend.submit('busy', ('[{\"argv\":[\"true\"],\"cwd\":\"/\",\"key\":\"k' || k || '\"},'
                               '{\"argv\":[\"true\"],\"cwd\":\"/\"}]')::jsonb,
                      '{}', '\\x09', gen_random_uuid(), 'bench');
  RETURN 1;
EXCEPTION WHEN SQLSTATE 'TE075' THEN
  INSERT INTO bench_full DEFAULT VALUES;
  RETURN 0;
END \$\$"
# Keys from a small set: submits deduplicate against a live holder or race for a key; jobs
# finished at random free keys and room (depth - 1 in the same transaction, as finish does).
cat >"$T/bench.sql" <<'EOF2'
\set k random(1, 100)
\set f random(1, 3)
SELECT bench_submit(:k);
WITH done AS (UPDATE tend.job SET state = 'succeeded', finished_at = now()
              WHERE :f = 1 AND id = (SELECT id FROM tend.job WHERE queue = 'busy' AND state = 'pending' ORDER BY random() LIMIT 1 FOR UPDATE SKIP LOCKED)
              RETURNING queue)
UPDATE tend.queue q SET depth = q.depth - (SELECT count(*) FROM done) WHERE q.name = 'busy' AND EXISTS (SELECT 1 FROM done);
EOF2
rc=0
"$PG_BIN/pgbench" -n -c 8 -j 2 -T 3 -f "$T/bench.sql" -d "$DB" >"$T/bench.out" 2>&1 || rc=$?
grep -E 'number of (transactions actually processed|failed)' "$T/bench.out" || true
[[ $rc == 0 ]] && ! grep -q 'error' "$T/bench.out" || fail "pgbench: $(grep -m 3 error "$T/bench.out")"
check "no client ended with an error"
assert_fcmp "$(pg_sql "$DB" "SELECT count(*) FROM tend.job WHERE queue = 'busy'")" ">" 100 "jobs the clients stored"
assert_fcmp "$(pg_sql "$DB" "SELECT count(*) FROM bench_full")" ">" 0 "submits refused by a full queue"
assert_eq "$(depth busy)" "$(live busy)" "depth of busy after the race"
assert_fcmp "$(depth busy)" "<=" 150 "depth against max_pending"
assert_eq "$(pg_sql "$DB" "SELECT count(*) FROM (SELECT key FROM tend.job WHERE queue = 'busy' AND key IS NOT NULL AND state IN ('scheduled','blocked','pending','running') GROUP BY key HAVING count(*) > 1) d")" 0 "keys held by two live jobs"
