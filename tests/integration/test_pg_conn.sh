#!/usr/bin/env bash
# Design postgres.md §8 against a real server: queue/pg/pg_conn (libpq on sd-event), driven
# by tend_pg_probe (tests/pg/pg_conn_probe.cpp): a host name resolved off the loop, pipelined
# statements, an error isolated to its statement, prepared statements, LISTEN/NOTIFY (and its
# sender), pg_terminate_backend and the reconnect, a SIGSTOPped backend (client deadline:
# ambiguous) and postmaster (connect timeout), with a 10 ms timer on the same loop that must
# keep firing throughout; then the host lease's statements (register, renew, expired for good,
# retire) on a migrated database.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/pg_lib.sh"
PROBE=${TEND_PG_PROBE:-$TEND_BIN_DIR/tests/tend_pg_probe}
[[ -x $PROBE ]] || fail "no executable $PROBE (build the target tend_pg_probe)"
getent hosts localhost >/dev/null || skip "localhost does not resolve here"
PG_TCP=1 pg_start
PROBE_URL=$(pg_new_db probe)  # by socket; the probe also reaches it by host name over TCP

LEASE_URL=$(pg_new_db lease)
timeout -s KILL 30 "$TEND_BIN_DIR/tend" migrate --url "$LEASE_URL" 2>/dev/null || fail "tend migrate failed"

say "running the probe"
OUT=$(timeout -s KILL 120 "$PROBE" "postgresql://tend@localhost:$PG_PORT/probe" "$PROBE_URL" "$PG_PID" \
    "$LEASE_URL" 2>"$T/probe.stderr") ||
    fail "the probe failed: $OUT"
printf '%s\n' "$OUT"
assert_contains "$OUT" "ok: the 10 ms timer kept firing" "the probe's report"
assert_eq "$(grep -c '^ok: ' <<<"$OUT")" 12 "checks passed"
