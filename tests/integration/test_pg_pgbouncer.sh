#!/usr/bin/env bash
# tendd through PgBouncer in transaction mode (design postgres.md §7, tendd(8) MULTI-HOST):
# Debian's pgbouncer in front of the throwaway server, pool_mode = transaction, and a tendd
# with queue_pooler = "transaction" and queue_listen = "auto". The self-test finds that
# notifications do not come through the pooler and says so once; tendd polls, and jobs flow:
# the schema is migrated through the pooler, submit --wait, a --stdin batch, a cron tick, a
# cancel of a running job, a retry. PgBouncer's log shows no refused statement. Then the same
# pooler not declared (no queue_pooler): tendd's prepared statements land on other server
# connections, tendd finds that out, says so once and sends them unprepared; no statement
# fails for it and jobs flow.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/pg_lib.sh"
command -v pgbouncer >/dev/null || skip "no pgbouncer (apt-get install -y pgbouncer)"
pg_start
URL=$(pg_new_db bq)
db() { pg_sql bq "$1"; }

say "PgBouncer in transaction mode in front of the server"
BDIR=$PG_DIR/bouncer
mkdir -p "$BDIR"
BPORT=6432
cat >"$BDIR/pgbouncer.ini" <<EOF2
[databases]
* = host=$PG_DIR port=5432
[pgbouncer]
listen_addr =
listen_port = $BPORT
unix_socket_dir = $BDIR
auth_type = trust
auth_file = $BDIR/users.txt
pool_mode = transaction
pidfile = $BDIR/pgbouncer.pid
logfile = $BDIR/pgbouncer.log
max_client_conn = 100
default_pool_size = 4
server_round_robin = 1
EOF2
echo '"tend" ""' >"$BDIR/users.txt"
chown -R postgres: "$BDIR"
BOUNCER_PID=
bouncer_stop() {
    [[ -n $BOUNCER_PID ]] || return 0
    kill -TERM "$BOUNCER_PID" 2>/dev/null
    for _ in $(seq 100); do kill -0 "$BOUNCER_PID" 2>/dev/null || break; sleep 0.02; done
    kill -KILL "$BOUNCER_PID" 2>/dev/null
    BOUNCER_PID=
}
# Before pg_stop (the hooks run in order): the bouncer's files live in the server's dir.
CLEANUP_HOOKS=(bouncer_stop "${CLEANUP_HOOKS[@]}")
(cd "$BDIR" && runuser -u postgres -- pgbouncer -d "$BDIR/pgbouncer.ini") ||
    fail "pgbouncer did not start: $(cat "$BDIR/pgbouncer.log")"
wait_until 10 test -s "$BDIR/pgbouncer.pid"
BOUNCER_PID=$(cat "$BDIR/pgbouncer.pid")
wait_until 10 test -S "$BDIR/.s.PGSQL.$BPORT"
BURL="postgresql:///bq?host=$BDIR&port=$BPORT&user=tend"
assert_eq 1 "$(psql -qXAt "$BURL" -c 'SELECT 1')" "a query through the bouncer"

write_config <<EOF
[daemon]
queue = "$BURL"
queue_pooler = "transaction"
queue_listen = "auto"
host_name = "pooled"
$(pg_short_lease)

[queue.default]
concurrency = 4
EOF
start_tendd
say "the schema is migrated through the pooler, and the self-test finds no notifications"
wait_until 15 grep -q "claiming jobs" "$TENDD_ERR"
assert_eq 2 "$(db "SELECT max(version) FROM tend.migration")" "the schema version"
wait_until 10 grep -q "wake-ups by LISTEN/NOTIFY: not working" "$TENDD_ERR"
assert_contains "$(grep "wake-ups by LISTEN/NOTIFY" "$TENDD_ERR")" 'queue_pooler = "transaction"' "the warning's cause"
assert_not_contains "$(cat "$TENDD_ERR")" "wake-ups by LISTEN/NOTIFY: working" "tendd's log"

say "jobs flow by polling"
T0=$EPOCHREALTIME
assert_status 0 tend submit --wait -- true
say "submit --wait: $(elapsed_since "$T0")s"
assert_status 3 tend submit --wait --shell -- 'exit 3'
printf 'true\ntrue\ntrue\n' >"$T/batch"
assert_status 0 tend submit --stdin --json <"$T/batch"
done_count() { (($(db "SELECT count(*) FROM tend.job WHERE state = 'succeeded'") >= $1)); }
wait_until 10 done_count 4

say "a cron tick"
assert_status 0 tend cron add tick '* * * * * *' -- true
cron_done() { (($(db "SELECT count(*) FROM tend.job WHERE cron_name = 'tick' AND state = 'succeeded'") >= 1)); }
wait_until 10 cron_done
assert_status 0 tend cron remove tick

say "cancel of a running job, then retry"
assert_status 0 tend submit --json --name slow -- sleep 60
ID=$(jq -r .id <<<"$OUT")
has_pid() { [[ -n $(db "SELECT pid FROM tend.job WHERE id = $ID AND state = 'running' AND pid IS NOT NULL") ]]; }
wait_until 10 has_pid
PID=$(db "SELECT pid FROM tend.job WHERE id = $ID")
assert_status 0 tend cancel "$ID"
wait_until 10 gone "$PID"
assert_status 143 tend wait "$ID"
assert_status 0 tend retry "$ID"
wait_until 10 has_pid
assert_status 0 tend cancel "$ID"
assert_status 143 tend wait "$ID"
assert_status 0 tend jobs --json
assert_eq 0 "$(grep -ciE 'prepared statement|unsupported startup parameter|ERROR' "$BDIR/pgbouncer.log" || true)" "errors in PgBouncer's log"
assert_not_contains "$(cat "$TENDD_ERR")" "host lease lost" "tendd's log"
tend shutdown >/dev/null
wait_tendd_exit 15

say "the same pooler, not declared: tendd finds it out and prepares nothing from then on"
# Three sessions at once leave three server connections in the pool, which round-robin hands
# out in turn: a statement prepared on one is not there for the next transaction.
SLEEPERS=()
for _ in 1 2 3; do
    psql -qXAt "$BURL" -c 'SELECT pg_sleep(0.3)' >/dev/null &
    SLEEPERS+=($!)
done
wait "${SLEEPERS[@]}"
write_config <<EOF
[daemon]
queue = "$BURL"
host_name = "undeclared"
$(pg_short_lease)

[queue.default]
concurrency = 4
EOF
LOG_FROM=$(($(wc -l <"$TENDD_ERR") + 1))
log_since() { tail -n +"$LOG_FROM" "$TENDD_ERR"; }
start_tendd
wait_until 15 grep -q "claiming jobs" <(log_since)
assert_status 0 tend submit --wait -- true
for i in $(seq 10); do echo "echo job$i"; done >"$T/batch10"
assert_status 0 tend submit --stdin --json <"$T/batch10"
mapfile -t IDS < <(jq -r '.ids[]' <<<"$OUT")
assert_eq 10 "${#IDS[@]}" "jobs in the batch"
assert_status 0 tend wait "${IDS[@]}"
found_pooler() { log_since | grep -q "a pooler in transaction mode is between tendd and the server"; }
wait_until 10 found_pooler
assert_eq 1 "$(log_since | grep -c "a pooler in transaction mode")" "warnings about the pooler"
assert_not_contains "$(log_since)" "does not exist" "tendd's log (a statement refused)"
assert_not_contains "$(log_since)" "host lease lost" "tendd's log"
tend shutdown >/dev/null
wait_tendd_exit 15
