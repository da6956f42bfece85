#!/usr/bin/env bash
# Design postgres.md §4.2 and §5 against a real server: queue/pg/pg_host (the host lease at
# run time), driven by tend_pg_host_probe (tests/pg/pg_host_probe.cpp) with lease 3 s and renew
# 1 s: renewals keep the lease; kill -STOP of the control connection's backend fences the host
# within lease - 1 s while the database still holds the lease, and the loop keeps running;
# then the fenced incarnation is retired and a new one registered; an expired row is never
# renewed; a clean stop retires.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/pg_lib.sh"
PROBE=${TEND_PG_HOST_PROBE:-$TEND_BIN_DIR/tests/tend_pg_host_probe}
[[ -x $PROBE ]] || fail "no executable $PROBE (build the target tend_pg_host_probe)"
pg_start
URL=$(pg_new_db lease)
timeout -s KILL 30 "$TEND_BIN_DIR/tend" migrate --url "$URL" >/dev/null 2>&1 || fail "tend migrate failed"

say "running the probe"
OUT=$(timeout -s KILL 120 "$PROBE" "$URL" 2>"$T/probe.stderr") || fail "the probe failed: $OUT"
printf '%s\n' "$OUT"
assert_contains "$OUT" "ok: the 10 ms timer kept firing" "the probe's report"
assert_eq 6 "$(grep -c '^ok: ' <<<"$OUT")" "checks passed"
