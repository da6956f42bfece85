#!/usr/bin/env bash
# PostgreSQL benchmark 1 (issue 16): throughput of `true` jobs through tendd on PostgreSQL
# against tendd on the file store, in the same run.
#
# Rows, each with a fresh tendd (and a fresh database from a migrated template):
#   file   one tendd, queue = "file" (the default)
#   pg1    one tendd host on PostgreSQL
#   pg3    three tendd hosts on one database (this machine's 2 cores run all three)
# Every host has the same [queue.default] concurrency = BENCH_CONC (per host, so pg3 has 3x the
# slots). BENCH_JOBS lines `true` go in as one `tend submit --stdin` batch (to host h1) into the
# running queue; timed from just before the submit is spawned until the last job's end is
# durable: for file, `tend wait` on all ids returns; for pg, max(finished_at) of the jobs (the
# end's transaction; the completion is found by one psql session asking every 100 ms, which
# does not touch the timer). Checked: every job succeeded, each ran exactly once.
# Also reported: the submit's own time, the CPU of the tendds and of PostgreSQL (all its
# processes) per job, and how the pg3 jobs spread over the hosts.
# The server runs WITH fsync (durable numbers, pglib.sh). Rows are interleaved in BENCH_ROUNDS
# rounds so that load drift hits all alike; the table shows each round and the median.
# Environment: BENCH_JOBS=2000  BENCH_CONC=4  BENCH_ROUNDS=2  BENCH_ONLY="file pg1 pg3"
# Targets: pg1 >= 0.5x file; pg3 >= pg1 (no collapse under contention).
source "$(dirname "$0")/qlib.sh"
source "$(dirname "$0")/pglib.sh"

JOBS=${BENCH_JOBS:-2000}
CONC=${BENCH_CONC:-4}
ROUNDS=${BENCH_ROUNDS:-2}
ONLY=${BENCH_ONLY:-file pg1 pg3}

build_tend
check_quiet_machine
bench_tmpdir pg-throughput
W=$BENCH_TMP
build_helpers
pgb_start
queue_conf "$W/file.toml" default "$CONC" 100000
awk -v n="$JOBS" 'BEGIN{for (i = 0; i < n; i++) print "true"}' >"$W/lines"
ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
pg_ticks() {   # CPU ticks of the postmaster and all its processes now
  local p s=0
  for p in $PG_PID $(pgrep -P "$PG_PID"); do s=$((s + $(ticks "$p"))); done
  echo $s
}
secs() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.3f", b - a}'; }

n=0
declare -A RATE SUB CPU_T CPU_P SPREAD
# run_file -> sets the row's results
run_file() {
  local d=$W/file$n t0 t1 k0 p0
  q_start_tendd "$d" "$W/file.toml"
  k0=$(ticks "$TENDD_PID"); p0=$(pg_ticks)
  t0=$EPOCHREALTIME
  "${TQ[@]}" submit --stdin --json <"$W/lines" >"$d/sub.json" || die "file: submit --stdin failed"
  t1=$EPOCHREALTIME
  no_spool
  mapfile -t ids < <(jq -r '.ids[]' "$d/sub.json")
  [ "${#ids[@]}" = "$JOBS" ] || die "file: ${#ids[@]} ids, expected $JOBS"
  "${TQ[@]}" wait "${ids[@]}" >/dev/null || die "file: some job did not succeed"
  local t2=$EPOCHREALTIME
  [ "$(qfield succeeded default)" = "$JOBS" ] || die "file: not all $JOBS jobs succeeded"
  ROW_RATE=$(awk -v n="$JOBS" -v t="$(secs "$t0" "$t2")" 'BEGIN{printf "%.0f", n / t}')
  ROW_SUB=$(secs "$t0" "$t1")
  ROW_CT=$(( $(ticks "$TENDD_PID") - k0 )); ROW_CP=$(( $(pg_ticks) - p0 ))
  ROW_SPREAD=-
  stop_root "$TENDD_PID" tendd "$TENDD_SOCK"
}
# run_pg HOSTS
run_pg() {
  local hosts=$1 db=t$n url h d t0 t1 k0 p0 hs=() pids=()
  url=$(pgb_db "$db")
  for h in $(seq 1 "$hosts"); do
    d=$W/$db-h$h
    mkdir -p "$d"
    pgb_conf "$d/tend.toml" "$url" "h$h" "$CONC"
    pgb_start_host "$d" "$d/tend.toml"
    hs+=("$TENDD_PID:$TENDD_SOCK"); pids+=("$TENDD_PID")
  done
  # h1 takes the submit (the last started is in TQ: point it at h1).
  d=$W/$db-h1
  TQ=("$TEND" --socket "$d/tend.sock" --state-dir "$d/state"); TENDD_DIR=$d
  k0=0; for h in "${pids[@]}"; do k0=$((k0 + $(ticks "$h"))); done
  p0=$(pg_ticks)
  t0=$EPOCHREALTIME
  "${TQ[@]}" submit --stdin --json <"$W/lines" >"$d/sub.json" || die "pg$hosts: submit --stdin failed"
  t1=$EPOCHREALTIME
  no_spool
  [ "$(jq '.ids | length' "$d/sub.json")" = "$JOBS" ] || die "pg$hosts: expected $JOBS ids"
  # One psql session asks every 100 ms (a psql per poll started a server process each time,
  # whose CPU came out of the jobs' two cores).
  local deadline=$(( $(date +%s) + 600 )) left
  coproc POLL { psql -qXAt -v ON_ERROR_STOP=1 -d "$db"; }
  while :; do
    echo "SELECT count(*) FROM tend.job WHERE finished_at IS NULL;" >&"${POLL[1]}"
    read -r -t 30 left <&"${POLL[0]}" || die "pg$hosts: the polling psql did not answer"
    [ "$left" = 0 ] && break
    [ "$(date +%s)" -lt $deadline ] || die "pg$hosts: jobs not finished after 600 s"
    sleep 0.1
  done
  exec {POLL[1]}>&-
  wait "$POLL_PID" 2>/dev/null || true
  local k1=0; for h in "${pids[@]}"; do k1=$((k1 + $(ticks "$h"))); done
  ROW_CT=$((k1 - k0)); ROW_CP=$(( $(pg_ticks) - p0 ))
  local ok
  ok=$(pgb_sql "$db" "SELECT count(*) FROM tend.job WHERE state = 'succeeded' AND runs = 1")
  [ "$ok" = "$JOBS" ] || die "pg$hosts: $ok of $JOBS jobs succeeded with exactly one run"
  [ "$(pgb_sql "$db" "SELECT count(*) FROM tend.run")" = "$JOBS" ] || die "pg$hosts: runs != jobs"
  local tend_s
  tend_s=$(pgb_sql "$db" "SELECT extract(epoch FROM max(finished_at)) FROM tend.job")
  ROW_RATE=$(awk -v n="$JOBS" -v t="$(secs "$t0" "$tend_s")" 'BEGIN{printf "%.0f", n / t}')
  ROW_SUB=$(secs "$t0" "$t1")
  ROW_SPREAD=$(pgb_sql "$db" "SELECT string_agg(host || '=' || n, ',' ORDER BY host) FROM (SELECT host, count(*) n FROM tend.run GROUP BY host) x")
  pgb_stop_hosts "${hs[@]}"
  psql -qX -c "DROP DATABASE $db" >/dev/null 2>&1 || true
}

wait_quiet
for r in $(seq "$ROUNDS"); do
  for row in $ONLY; do
    n=$((n + 1))
    log "round $r/$ROUNDS: $row (load $(loadavg))"
    case $row in
      file) run_file ;;
      pg1) run_pg 1 ;;
      pg3) run_pg 3 ;;
      *) die "unknown row $row" ;;
    esac
    log "  $row: $ROW_RATE jobs/s (submit ${ROW_SUB}s, tendd ticks $ROW_CT, postgres ticks $ROW_CP${ROW_SPREAD:+, runs per host $ROW_SPREAD})"
    RATE[$row]+="$ROW_RATE "; SUB[$row]+="$ROW_SUB "
    CPU_T[$row]+="$ROW_CT "; CPU_P[$row]+="$ROW_CP "; SPREAD[$row]+="$ROW_SPREAD "
  done
done

median() { tr ' ' '\n' <<<"$1" | grep . | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
mean() { tr ' ' '\n' <<<"$1" | grep . | awk '{s+=$1} END {printf "%.0f", s/NR}'; }
echo
echo "== PostgreSQL benchmark 1: throughput of $JOBS \`true\` jobs (one --stdin batch), concurrency $CONC per host, fsync on, $ROUNDS rounds =="
printf '%-6s %6s %10s %-20s %-16s %12s %14s  %s\n' row hosts "jobs/s" "runs (jobs/s)" "submit s" "tendd ms/job" "postgres ms/job" "runs per host"
for row in $ONLY; do
  case $row in file) h=1 ;; pg1) h=1 ;; pg3) h=3 ;; esac
  ct=$(awk -v t="$(mean "${CPU_T[$row]}")" -v n="$JOBS" 'BEGIN{printf "%.2f", t * 10 / n}')
  cp=$(awk -v t="$(mean "${CPU_P[$row]}")" -v n="$JOBS" 'BEGIN{printf "%.2f", t * 10 / n}')
  printf '%-6s %6s %10s %-20s %-16s %12s %14s  %s\n' "$row" "$h" "$(median "${RATE[$row]}")" "${RATE[$row]% }" "${SUB[$row]% }" "$ct" "$cp" "${SPREAD[$row]% }"
done
F=$(median "${RATE[file]:-0}"); P1=$(median "${RATE[pg1]:-0}"); P3=$(median "${RATE[pg3]:-0}")
echo "(median of the rounds; CPU: tendd = all hosts' tendd processes, not their jobs; postgres = the server's processes)"
if [ -n "${RATE[file]:-}" ] && [ -n "${RATE[pg1]:-}" ]; then
  echo "target: pg1 >= 0.5x file: $(ratio2 "$P1" "$F")x -> $(pass_if "$P1 >= 0.5 * $F")"
fi
if [ -n "${RATE[pg1]:-}" ] && [ -n "${RATE[pg3]:-}" ]; then
  echo "target: pg3 >= pg1 (no collapse): $(ratio2 "$P3" "$P1")x -> $(pass_if "$P3 >= $P1")"
fi
