#!/usr/bin/env bash
# SPEC §9, design postgres.md §9-§10 against a real server: `tend migrate` creates schema 2
# (migrations 1 and 2) from the migrations embedded in the binary (--dry-run changes nothing), is a no-op on a
# current schema, applies each migration once when two run at once (the advisory lock),
# refuses a newer schema with the design's message, redacts passwords, and reads [daemon]
# queue. The store's config keys: their rules in `tend check`. (test_pg_direct_submit.sh
# upgrades a schema-1 database to 2.)
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/pg_lib.sh"
pg_start
TENDC=(timeout -s KILL 30 env "$CLI_ASAN_OPTIONS" "$TEND_BIN_DIR/tend")
tables() { pg_sql "$1" "SELECT count(*) FROM pg_tables WHERE schemaname = 'tend'"; }

say "--dry-run prints the transaction and changes nothing"
URL=$(pg_new_db m1)
assert_status 0 "${TENDC[@]}" migrate --dry-run --url "$URL"
assert_contains "$OUT" "BEGIN;
SELECT pg_advisory_xact_lock(hashtext('tend.migrate'));" "the dry run"
assert_contains "$OUT" "CREATE FUNCTION tend.submit" "the dry run"
assert_contains "$OUT" "INSERT INTO tend.migration (version, applied_by) VALUES (1, " "the dry run"
assert_eq "$(pg_sql m1 "SELECT count(*) FROM pg_namespace WHERE nspname = 'tend'")" 0 "tend schemas after the dry run"

say "a real run creates schema 2; a second one has nothing to do"
assert_status 0 "${TENDC[@]}" migrate --url "$URL" --json
assert_eq "$(jq -c '[.from, .to, .migrations, .dry_run]' <<<"$OUT")" '[0,2,[1,2],false]' "the migration's JSON"
assert_eq "$(tables m1)" 10 "tables in schema tend"
assert_eq "$(pg_sql m1 "SELECT string_agg(version::text, ' ' ORDER BY version) FROM tend.migration")" "1 2" "the recorded versions"
assert_contains "$(pg_sql m1 "SELECT applied_by FROM tend.migration")" "(tend " "applied_by"
assert_status 0 "${TENDC[@]}" migrate --url "$URL"
assert_contains "$ERR" "schema 2 is current; nothing to do" "a second run"
# The schema works: a queue and a submit through the function the migration created.
pg_sql m1 "INSERT INTO tend.queue (name) VALUES ('default')"
assert_eq "$(pg_sql m1 "SELECT job_id FROM tend.submit('default', '[{\"argv\":[\"true\"],\"cwd\":\"/\"}]', '{}', '\\x00', gen_random_uuid(), 't')")" 1 "a job submitted"

say "two migrations at once: each step runs once"
URL2=$(pg_new_db m2)
"${TENDC[@]}" migrate --url "$URL2" >"$T/a.out" 2>&1 & a=$!
"${TENDC[@]}" migrate --url "$URL2" >"$T/b.out" 2>&1 & b=$!
rc_a=0; rc_b=0
wait "$a" || rc_a=$?
wait "$b" || rc_b=$?
assert_eq "$rc_a $rc_b" "0 0" "exit statuses ($(cat "$T/a.out" "$T/b.out" | tr '\n' ' '))"
assert_eq "$(pg_sql m2 "SELECT count(*) FROM tend.migration")" 2 "migration rows"

say "a newer schema is refused, also by --dry-run"
pg_sql m2 "INSERT INTO tend.migration (version, applied_by) VALUES (3, 'the future')"
for dry in "" --dry-run; do
    assert_status 1 "${TENDC[@]}" migrate $dry --url "$URL2"
    assert_contains "$ERR" "database schema 3 is newer than this tend understands (1–2); upgrade tend" "tend migrate $dry"
done

say "an unreachable database: exit 69, no password in the message"
assert_status 69 "${TENDC[@]}" migrate --url "postgresql://tend:s3cret@/x?host=$T/nowhere"
assert_contains "$ERR" "postgresql://tend:***@/x" "the message"
assert_not_contains "$ERR" "s3cret" "the message"

say "the URL comes from [daemon] queue; tend check accepts the store's keys, direct submits' too"
URL3=$(pg_new_db m3)
write_config <<EOF2
[daemon]
queue = "$URL3"
host_name = "h1"
queue_lease = "3s"
queue_renew = "1s"
queue_listen = "off"
queue_submit_url = "postgresql:///m3?host=/nowhere&user=tend_submitter"
direct_submit_user = "nobody"

[queue.default]
global_concurrency = 3
EOF2
assert_status 0 "${TENDC[@]}" --config "$CONF" migrate --json
assert_eq "$(jq .to <<<"$OUT")" 2 "schema after migrate from the config"
assert_status 0 "${TENDC[@]}" check "$CONF"
# queue_listen = "on" is accepted now that tendd LISTENs (test_pg_listen.sh runs it).
sed -i 's/^queue_listen = "off"$/queue_listen = "on"/' "$CONF"
assert_status 0 "${TENDC[@]}" check "$CONF"

say "the store's rules in tend check"
check_errors() { write_config; assert_status 65 "${TENDC[@]}" check "$CONF"; }
check_errors <<'EOF2'
[daemon]
queue_lease = "5s"
queue_renew = "3s"
EOF2
assert_contains "$ERR" "queue_lease (5s) must be at least 2 × queue_renew + 1s (7s)" "lease vs renew"
check_errors <<'EOF2'
[queue.default]
global_concurrency = 2
EOF2
assert_contains "$ERR" "[queue.default] global_concurrency needs the PostgreSQL store" "global_concurrency with files"
check_errors <<'EOF2'
[daemon]
queue = "postgresql://tend:pw@db/x"
EOF2
assert_contains "$ERR" "\"queue\" contains a password" "a password in tend.toml"
check_errors <<'EOF2'
[daemon]
queue = "postgresql:///x"
direct_submit_user = "root"
EOF2
assert_contains "$ERR" "[daemon] direct_submit_user: \"root\" is root" "direct_submit_user = root"
check_errors <<'EOF2'
[daemon]
queue = "postgresql:///x"
direct_submit_user = "no-such-user-here"
EOF2
assert_contains "$ERR" "[daemon] direct_submit_user: unknown user \"no-such-user-here\"" "an unknown direct_submit_user"
check_errors <<'EOF2'
[daemon]
queue = "mysql"
queue_listen = "sometimes"
EOF2
assert_contains "$ERR" "\"queue\" must be \"file\" or a PostgreSQL connection string" "a bad queue"
assert_contains "$ERR" "\"queue_listen\" must be one of \"auto\", \"on\", \"off\"" "a bad queue_listen"
write_config <<'EOF2'
[daemon]
queue = "file"
queue_lease = "20s"
queue_renew = "5s"
EOF2
assert_status 0 "${TENDC[@]}" check "$CONF"
