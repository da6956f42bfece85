#!/usr/bin/env bash
# Runs one fuzz target for a bounded time (ctest's fuzz.* tests): run_fuzzer.sh BIN SEEDS WORK SECONDS
# New inputs go to WORK/corpus, never into the seed corpus of the repository; a crash fails the
# test and names the reproducer (WORK/crash-*) and the command that replays it.
set -uo pipefail
bin=$1 seeds=$2 work=$3 seconds=$4
mkdir -p "$work/corpus"
rm -f "$work"/crash-* "$work"/leak-* "$work"/timeout-* "$work"/oom-* "$work"/slow-unit-*
dict=()
[ -f "$seeds.dict" ] && dict=(-dict="$seeds.dict")
# -timeout: an input that takes over 10 s is a hang (tendd's loop must not stall on it either).
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1} \
"$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
  -artifact_prefix="$work/" "${dict[@]}" "$work/corpus" "$seeds" 2>"$work/log"
status=$?
if [ "$status" = 0 ]; then
  grep -E '^(#[0-9]+\s+DONE|Done |stat::number_of_executed_units)' "$work/log"
else
  # The sanitizer's or the invariant's report, and libFuzzer's lines about the input.
  line=$(grep -n -m1 -E 'ERROR: |runtime error|invariant failed|deadly signal' "$work/log" | cut -d: -f1)
  if [ -n "$line" ]; then sed -n "${line},+60p" "$work/log"; else tail -n 60 "$work/log"; fi
  for f in "$work"/crash-* "$work"/leak-* "$work"/timeout-* "$work"/oom-*; do
    [ -e "$f" ] || continue
    echo "FUZZ FAILURE: reproducer $f"
    echo "  replay: $bin $f"
  done
  exit 1
fi
