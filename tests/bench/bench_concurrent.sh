#!/usr/bin/env bash
# Queue benchmark 3: concurrent submitters (group commit).
#
# 8 submitters at once, each running `tend submit -- true` 500 times in sequence,
# against 1 submitter running it 500 times; all into one paused queue of one tendd.
# Throughput = submits / wall time from the first spawn to the last exit
# (spawn_driver.c: posix_spawn + waitpid, forked workers for the concurrent case).
# During each phase, tendd's fdatasync (and fsync, write) calls are counted with perf
# stat on the syscall tracepoints (no ptrace), and its CPU ticks from /proc/PID/stat:
# with group commit, 8 concurrent submitters need far fewer fdatasyncs than submits.
# Info rows (not targets): the same two shapes with floor_append.c (open O_APPEND,
# write 200 bytes, fdatasync, one process per "submit"): what the disk and the 2 CPUs
# give to independent fsyncing processes. And the same two shapes through the protocol
# (proto_submit.c: each submitter is one connection sending its submits one after another,
# each waiting for its acknowledgement): group commit without the CLI's process start-up.
# Environment:
#   BENCH_SUBMITTERS=8  BENCH_PER=500  BENCH_ROUNDS=2 (seq, conc, seq, conc, ...)
#   BENCH_FLOOR=1       also run the floor rows (0: skip)
#   BENCH_PROTO=1       also run the protocol rows (0: skip)
# Target: concurrent jobs/s >= 4x sequential jobs/s.
source "$(dirname "$0")/qlib.sh"

P=${BENCH_SUBMITTERS:-8}
PER=${BENCH_PER:-500}
ROUNDS=${BENCH_ROUNDS:-2}
FLOOR=${BENCH_FLOOR:-1}
PROTO=${BENCH_PROTO:-1}

build_tend
check_quiet_machine
bench_tmpdir concurrent
W=$BENCH_TMP
build_helpers
queue_conf "$W/tend.toml" default 2 1000000
q_start_tendd "$W/tendd" "$W/tend.toml"
"${TQ[@]}" pause default >/dev/null
"$SPAWN" 10 -- "${TQ[@]}" submit -- true >/dev/null   # warm-up

ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

declare -A MS FDS WR TK CPU
# phase NAME WORKERS: one measured phase; results into MS[NAME,round] etc.
phase() {
  local name=$1 p=$2 round=$3 t0 out
  log "round $round: $name ($p x $PER) (load $(loadavg))"
  if [[ $name == tend* || $name == proto* ]]; then
    counters_start "$TENDD_PID"; t0=$(ticks "$TENDD_PID")
    if [[ $name == tend* ]]; then
      out=$("$SPAWN" -p "$p" -o "$W/$name.samples" "$PER" -- "${TQ[@]}" submit -- true) \
        || die "$name: a submit failed: $out"
    else
      out=$("$W/bin/proto_submit" "$TENDD_SOCK" "$p" "$PER") || die "$name: a submit failed: $out"
      out="$out child_cpu_ms=0"
    fi
    counters_stop
    TK[$name,$round]=$(( $(ticks "$TENDD_PID") - t0 ))
    FDS[$name,$round]=$CNT_FDATASYNC; WR[$name,$round]=$CNT_WRITES
  else
    out=$("$SPAWN" -p "$p" -o "$W/$name.samples" "$PER" -- "$W/bin/floor_append" "$W/floor.dat") \
      || die "$name failed: $out"
    TK[$name,$round]=-; FDS[$name,$round]=$(( p * PER )); WR[$name,$round]=$(( p * PER ))
  fi
  MS[$name,$round]=$(sed -n 's/.*total_ms=\([0-9.]*\).*/\1/p' <<<"$out")
  CPU[$name,$round]=$(sed -n 's/.*child_cpu_ms=\([0-9.]*\).*/\1/p' <<<"$out")
}

wait_quiet
rows=(tend-seq tend-conc)
[ "$FLOOR" = 1 ] && rows+=(floor-seq floor-conc)
[ "$PROTO" = 1 ] && rows+=(proto-seq proto-conc)
for round in $(seq 1 "$ROUNDS"); do
  phase tend-seq 1 "$round"
  phase tend-conc "$P" "$round"
  if [ "$FLOOR" = 1 ]; then
    phase floor-seq 1 "$round"
    phase floor-conc "$P" "$round"
  fi
  if [ "$PROTO" = 1 ]; then
    phase proto-seq 1 "$round"
    phase proto-conc "$P" "$round"
  fi
done
no_spool
want=$(( 10 + ROUNDS * (PER + P * PER) * (PROTO == 1 ? 2 : 1) ))
pend=$(qfield pending default)
[ "$pend" = "$want" ] || die "queue holds $pend pending jobs, expected $want"

echo
echo "== Queue benchmark 3: concurrent submitters: $P x $PER \`tend submit -- true\` vs 1 x $PER (paused queue) =="
printf '%-11s %5s %7s %10s %9s %11s %11s %12s %12s %14s %10s\n' row round submits wall_ms jobs/s fdatasyncs "jobs/fsync" "write calls" tendd_ticks "client_cpu_ms" "median_ms"
declare -A TOTMS TOTN TOTCPU TOTTK
for r in "${rows[@]}"; do
  if [ -s "$W/$r.samples" ]; then med=$(st_field "$(stats "$W/$r.samples")" 2); else med=-; fi
  for round in $(seq 1 "$ROUNDS"); do
    if [[ $r == *-seq ]]; then n=$PER; else n=$(( P * PER )); fi
    ms=${MS[$r,$round]}
    rate=$(awk -v n="$n" -v ms="$ms" 'BEGIN{printf "%.0f", n / (ms / 1000)}')
    f=${FDS[$r,$round]}
    jpf=$(awk -v n="$n" -v f="$f" 'BEGIN{ if (f+0 > 0) printf "%.1f", n / f; else print "n/a" }')
    cpj=$(awk -v c="${CPU[$r,$round]}" -v n="$n" 'BEGIN{printf "%.2f", c / n}')
    [[ $r == proto* ]] && cpj=-
    printf '%-11s %5s %7s %10s %9s %11s %11s %12s %12s %14s %10s\n' "$r" "$round" "$n" "$ms" "$rate" "$f" "$jpf" "${WR[$r,$round]}" "${TK[$r,$round]}" "$cpj/job" "$med"
    TOTCPU[$r]=$(awk -v a="${TOTCPU[$r]:-0}" -v b="${CPU[$r,$round]}" 'BEGIN{print a + b}')
    [ "${TK[$r,$round]}" = - ] || TOTTK[$r]=$(( ${TOTTK[$r]:-0} + TK[$r,$round] ))
    TOTMS[$r]=$(awk -v a="${TOTMS[$r]:-0}" -v b="$ms" 'BEGIN{print a + b}')
    TOTN[$r]=$(( ${TOTN[$r]:-0} + n ))
  done
done
rate_of() { awk -v n="${TOTN[$1]}" -v ms="${TOTMS[$1]}" 'BEGIN{printf "%.0f", n / (ms / 1000)}'; }
seq_rate=$(rate_of tend-seq); conc_rate=$(rate_of tend-conc)
echo "(median_ms: per-submit wall time over all rounds; client_cpu_ms: user+system CPU of the submitting"
echo " processes per job (getrusage of the driver's children); fdatasyncs of the floor rows: one per process;"
echo " proto rows: one connection per submitter, no CLI process, so no median and no client CPU)"
echo "all rounds: tend sequential $seq_rate jobs/s, tend concurrent $conc_rate jobs/s -> $(ratio2 "$conc_rate" "$seq_rate")x"
if [ "$FLOOR" = 1 ]; then
  fs=$(rate_of floor-seq); fc=$(rate_of floor-conc)
  echo "(info) floor sequential $fs/s, floor concurrent $fc/s -> $(ratio2 "$fc" "$fs")x"
fi
if [ "$PROTO" = 1 ]; then
  ps_=$(rate_of proto-seq); pc=$(rate_of proto-conc)
  echo "(info) protocol only (tendd's group commit): sequential $ps_/s, concurrent $pc/s -> $(ratio2 "$pc" "$ps_")x"
fi
# CPU bound: with C ms of client CPU and K ms of tendd CPU per submit, NCPU cores cannot
# do more than NCPU * 1000 / (C + K) submits per second, however well the commits group.
ncpu=$(nproc)
ccpu=$(awk -v c="${TOTCPU[tend-conc]}" -v n="${TOTN[tend-conc]}" 'BEGIN{printf "%.2f", c / n}')
dcpu=$(awk -v t="${TOTTK[tend-conc]:-0}" -v n="${TOTN[tend-conc]}" -v hz="$(getconf CLK_TCK)" 'BEGIN{printf "%.2f", t * 1000 / hz / n}')
ceil=$(awk -v c="$ccpu" -v d="$dcpu" -v k="$ncpu" 'BEGIN{printf "%.0f", k * 1000 / (c + d)}')
echo "CPU per concurrent submit: $ccpu ms in the tend CLI + $dcpu ms in tendd -> CPU-bound ceiling on $ncpu CPUs: ~$ceil jobs/s ($(ratio2 "$ceil" "$seq_rate")x sequential)"
echo "target: concurrent >= 4x sequential: $(ratio2 "$conc_rate" "$seq_rate")x -> $(pass_if "$conc_rate >= 4 * $seq_rate")"
