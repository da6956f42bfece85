#!/usr/bin/env bash
# Queue benchmark: listings never stall the loop (SPEC §8, issue 13 item 10).
#
# 200,000 pending jobs behind one running job (queue concurrency 1, so every listed job
# shows its queue position: "waiting for a slot: 1 of 1 running ... (position N)"), submitted
# into the paused queue with one bulk `tend submit --stdin`, then resumed. First one
# `tend jobs -n 0 --json` alone (wall time, and the count of jobs it printed); then four
# listers pull the whole list in a loop (`tend jobs -n 0 --json >/dev/null`) while a prober
# (listing_stall.py) sends `status` over the protocol every ~50 ms and times the round trip,
# and runs the `tend status` CLI every ~200 ms (its wall time includes process start-up).
# Environment:
#   BENCH_JOBS=200000   pending jobs     BENCH_SECONDS=30   length of the concurrent phase
#   BENCH_LISTERS=4     concurrent listers
# Targets: status round trip never above 100 ms (max) while the listers run; one full
# listing (alone) under 3 s.
source "$(dirname "$0")/qlib.sh"

JOBS=${BENCH_JOBS:-200000}
SECONDS_=${BENCH_SECONDS:-30}
LISTERS=${BENCH_LISTERS:-4}

build_tend
check_quiet_machine
bench_tmpdir listing
W=$BENCH_TMP
queue_conf "$W/tend.toml" default 1 $(( JOBS * 2 ))
q_start_tendd "$W/tendd" "$W/tend.toml"
"${TQ[@]}" pause default >/dev/null
log "submitting $JOBS jobs"
"${TQ[@]}" submit -- sleep 100000 >/dev/null || die "submit failed"
awk -v n="$JOBS" 'BEGIN{for (i = 0; i < n; i++) print "true " i}' |
  "${TQ[@]}" submit --stdin --queue default >/dev/null || die "bulk submit failed"
no_spool
"${TQ[@]}" resume default >/dev/null
for i in $(seq 1 100); do [ "$(qfield running)" = 1 ] && break; sleep 0.1; done
[ "$(qfield running)" = 1 ] || die "the first job did not start"
[ "$(qfield pending)" = "$JOBS" ] || die "expected $JOBS pending jobs, tendd has $(qfield pending)"

wait_quiet
# One listing alone: its time and whether it holds every job.
ALONE=()
for i in $(seq 1 "${BENCH_ALONE:-3}"); do
  t0=$(now_ns)
  "${TQ[@]}" jobs -n 0 --json >"$W/alone.json" || die "tend jobs failed"
  ALONE+=("$(( ($(now_ns) - t0) / 1000000 ))")
done
listed=$("$PY" -c 'import json, sys; print(len(json.load(open(sys.argv[1]))))' "$W/alone.json")
[ "$listed" = "$(( JOBS + 1 ))" ] || log "warning: one listing printed $listed jobs, not $JOBS"

# The concurrent phase.
lister() {
  local t0
  while [ ! -e "$W/stop" ]; do
    t0=$(now_ns)
    "${TQ[@]}" jobs -n 0 --json >/dev/null || { echo fail >>"$W/listings"; return; }
    echo "$(( ($(now_ns) - t0) / 1000000 ))" >>"$W/listings"
  done
}
: >"$W/listings"
LPIDS=()
for i in $(seq 1 "$LISTERS"); do lister & LPIDS+=($!); done
Q_CLEANUP+=("touch $W/stop; wait ${LPIDS[*]} 2>/dev/null")
log "$LISTERS listers running; probing status for ${SECONDS_}s (load $(loadavg))"
"$PY" "$BENCH_SRC/listing_stall.py" "$TENDD_SOCK" "$SECONDS_" "$W" -- "${TQ[@]}" \
  || die "the prober failed"
touch "$W/stop"
wait "${LPIDS[@]}" 2>/dev/null || true
grep -q fail "$W/listings" && die "a concurrent listing failed"
alive "$TENDD_PID" || die "tendd died"

SP=$(stats "$W/status_proto")
SC=$(stats "$W/status_cli")
LC=$(stats "$W/listings")
alone_max=$(printf '%s\n' "${ALONE[@]}" | sort -n | tail -1)
echo
echo "== Queue benchmark: listing stall: $JOBS pending jobs, $LISTERS listers of \`tend jobs -n 0 --json\` =="
printf '%-34s %6s %9s %9s %9s %9s\n' measure n median p99 max target
printf '%-34s %6s %9s %9s %9s %9s\n' "status round trip (protocol), ms" "$(st_field "$SP" 1)" "$(st_field "$SP" 2)" "$(st_field "$SP" 4)" "$(st_field "$SP" 7)" "<= 100"
printf '%-34s %6s %9s %9s %9s %9s\n' "tend status (CLI wall), ms" "$(st_field "$SC" 1)" "$(st_field "$SC" 2)" "$(st_field "$SC" 4)" "$(st_field "$SC" 7)" "(info)"
printf '%-34s %6s %9s %9s %9s %9s\n' "listing under load, ms" "$(st_field "$LC" 1)" "$(st_field "$LC" 2)" "$(st_field "$LC" 4)" "$(st_field "$LC" 7)" "(info)"
printf '%-34s %6s %9s %9s %9s %9s\n' "listing alone, ms" "${#ALONE[@]}" "$(printf '%s\n' "${ALONE[@]}" | sort -n | sed -n "$(( (${#ALONE[@]} + 1) / 2 ))p")" - "$alone_max" "< 3000"
echo "jobs in one listing: $listed of $(( JOBS + 1 )); tendd VmRSS/PSS kB: $(mem_kb "$TENDD_PID")"
echo "target: status max <= 100 ms: $(st_field "$SP" 7) ms -> $(pass_if "$(st_field "$SP" 7) <= 100")"
echo "target: one listing < 3 s with every job: ${alone_max} ms, $listed jobs -> $(pass_if "$alone_max < 3000 && $listed == $JOBS + 1")"
