#!/usr/bin/env bash
# Runs every tend benchmark one after the other and keeps their output.
#   sudo tests/bench/run_all.sh [OUTDIR]     (default OUTDIR: /tmp/tend-bench-results.<date>)
# Each benchmark's full output goes to OUTDIR/<name>.txt; the summary tables are
# printed at the end. BENCH_SET selects benchmarks by name (default: all):
#   supervisor: respawn idle memory scale             (15-20 minutes on 2 cores)
#   queue:      submit_latency bulk concurrent dispatch job_latency queue_scale
#               listing_stall (about 12 minutes on a quiet machine)
#   cron:       cron_idle cron_next                 (2 minutes)
#   rollout:    rollout                             (1-2 minutes)
#   postgresql: pg_store pg_throughput pg_latency pg_failover
#               (about 8 minutes; each starts its own PostgreSQL server, fsync on)
# e.g. BENCH_SET="bulk dispatch" tests/bench/run_all.sh. Longer if a benchmark has to
# wait for the load average to drop (see README.md).
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=${1:-/tmp/tend-bench-results.$(date +%Y%m%d-%H%M%S)}
mkdir -p "$OUT"
SET=${BENCH_SET:-respawn idle memory scale submit_latency bulk concurrent dispatch job_latency queue_scale listing_stall cron_idle cron_next rollout pg_store pg_throughput pg_latency pg_failover}

rc=0
for b in $SET; do
  [ -f "$HERE/bench_$b.sh" ] || { echo "no benchmark bench_$b.sh"; rc=1; continue; }
  echo "=== bench_$b.sh ($(date +%T)) ==="
  if ! bash "$HERE/bench_$b.sh" 2>&1 | tee "$OUT/$b.txt"; then
    echo "bench_$b.sh failed (see $OUT/$b.txt)"; rc=1
  fi
  # Only the first benchmark needs to build tend; reuse the binaries afterwards.
  export TEND_BIN_DIR=${TEND_BIN_DIR:-${TEND_BUILD_DIR:-$HERE/../../build-bench}}
done

echo
echo "################ summary ################"
for b in $SET; do
  [ -f "$OUT/$b.txt" ] || continue
  sed -n '/^== .*[Bb]enchmark/,$p' "$OUT/$b.txt"
  echo
done
echo "full outputs: $OUT"
exit $rc
