#!/usr/bin/env bash
# PostgreSQL benchmark 4: what tend-shim costs per job. On the PostgreSQL store every job runs
# under tend-shim (it dies with its host, tendd(8) MULTI-HOST); the file store runs the job
# alone. This is the part of the stores' throughput gap (bench_pg_throughput.sh) that is not
# the database.
#
# spawn_driver runs each row's command BENCH_N times in sequence and reports the wall time and
# the CPU (user + system) of the processes. The shim must be a child of the pid it is given, so
# every row starts with `sh -c 'exec ...'`, whose $PPID is spawn_driver:
#   job       sh -c 'exec /bin/sh -c true'                       (the floor: the job alone)
#   shim      sh -c 'exec tend-shim $PPID --exec /bin/sh -- sh -c true'   (as built: static)
#   dynamic   the same source linked dynamically (what the static link saves)
# Rows are interleaved in BENCH_ROUNDS rounds; medians of the rounds.
# Environment: BENCH_N=500  BENCH_ROUNDS=3
# No target: reported beside the throughput benchmark (tests/bench/README.md).
source "$(dirname "$0")/qlib.sh"

N=${BENCH_N:-500}
ROUNDS=${BENCH_ROUNDS:-3}

build_tend
SHIM=$(dirname "$TENDD")/tend-shim
[ -x "$SHIM" ] || die "no $SHIM (built with tendd)"
check_quiet_machine
bench_tmpdir pg-shim
W=$BENCH_TMP
build_helpers
ensure_packages g++
g++ -O2 -std=c++20 -I"$REPO" -o "$W/bin/tend-shim-dynamic" "$REPO/cmd/shim/tend_shim.cpp" \
  "$REPO/cmd/shim/shim_args.cpp" || die "g++ tend_shim.cpp failed"

declare -A CMD WALL CPU
CMD[job]='exec /bin/sh -c true'
CMD[shim]="exec $SHIM \$PPID --exec /bin/sh -- sh -c true"
CMD[dynamic]="exec $W/bin/tend-shim-dynamic \$PPID --exec /bin/sh -- sh -c true"
ROWS="job shim dynamic"

wait_quiet
for r in $(seq "$ROUNDS"); do
  for row in $ROWS; do
    out=$("$SPAWN" "$N" -- /bin/sh -c "${CMD[$row]}") || die "$row: a run failed"
    wall=$(sed -n 's/.*total_ms=\([0-9.]*\).*/\1/p' <<<"$out")
    cpu=$(sed -n 's/.*child_cpu_ms=\([0-9.]*\).*/\1/p' <<<"$out")
    WALL[$row]+="$(awk -v t="$wall" -v n="$N" 'BEGIN{printf "%.3f", t / n}') "
    CPU[$row]+="$(awk -v t="$cpu" -v n="$N" 'BEGIN{printf "%.3f", t / n}') "
    log "round $r/$ROUNDS: $row: $out"
  done
done

median() { tr ' ' '\n' <<<"$1" | grep . | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
echo
echo "== PostgreSQL benchmark 4: tend-shim per job, $N runs per row and round, $ROUNDS rounds (ms per run, median of the rounds) =="
printf '%-8s %10s %10s  %-24s %s\n' row "wall ms" "CPU ms" "CPU - job's (ms)" "rounds (CPU ms)"
JC=$(median "${CPU[job]}")
for row in $ROWS; do
  c=$(median "${CPU[$row]}")
  printf '%-8s %10s %10s  %-24s %s\n' "$row" "$(median "${WALL[$row]}")" "$c" \
    "$(awk -v a="$c" -v b="$JC" 'BEGIN{printf "%+.3f", a - b}')" "${CPU[$row]% }"
done
echo "shim / job CPU: $(ratio2 "$(median "${CPU[shim]}")" "$JC")x; dynamic / job: $(ratio2 "$(median "${CPU[dynamic]}")" "$JC")x"
