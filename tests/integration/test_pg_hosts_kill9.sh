#!/usr/bin/env bash
# shellcheck disable=SC2163,SC2119  # export "$MARK" exports its value; lib functions take no script args
# Issue 16, SPEC §9: 3 tendd hosts on one PostgreSQL database under load, with kill -9. 2000
# jobs or more are submitted across the hosts (one client per host's socket: single submits
# and --stdin batches; they go on until the last kill, so that every kill finds load) while one host at a time is killed with SIGKILL (at least 5 times, a
# random host each time, after a random amount of progress) and restarted, at once or after
# some more progress (then the other hosts rescue its jobs while it is down). Each job
# takes a per-job `flock -n` (a failed lock records OVERLAP), appends its token and sleeps 20 ms.
# Afterwards:
#   - every acknowledged job (a printed id) ran to its end at least once; the printed id is the
#     job of that submit; no submit made two jobs; nothing is lost;
#   - no job ever ran twice at the same time (the flock), none failed, died or was cancelled;
#   - the killed hosts' jobs were rescued by the others (runs recorded as interrupted).
# Scale: the release tree runs 2000 jobs or more and 5 kills. The sanitizer tree skips it
# (reported as skipped), for the test command's 30 minutes: its memory checks of the same paths
# (claim, fence, tend-shim, rescue after a kill -9) come from test_pg_queue and the other
# test_pg_hosts_* there; HOSTS_KILL9_JOBS=400 runs it there by hand. Lease 3 s, renew 1 s,
# rescue grace 500 ms: a killed host's jobs run elsewhere ~3.5 s later.
# HOSTS_KILL9_SEED=N reproduces the choice of hosts and kill points; HOSTS_KILL9_JOBS=N sets
# the number of jobs.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/pg_lib.sh"
source "$(dirname "$0")/pg_hosts_lib.sh"

export "$MARK"
export LC_ALL=C  # sort, comm and join agree on the order
SEED=${HOSTS_KILL9_SEED:-$RANDOM}
RANDOM=$SEED
JOBS=2000 BATCH=32 MIN_KILLS=5
if $SANITIZED; then
    [[ -n ${HOSTS_KILL9_JOBS:-} ]] || skip "release tree only (HOSTS_KILL9_JOBS=400 runs it here)"
    BATCH=12
fi
JOBS=${HOSTS_KILL9_JOBS:-$JOBS}
say "random seed $SEED (HOSTS_KILL9_SEED=$SEED reproduces it); $JOBS jobs, >= $MIN_KILLS kills"
RESULTS=$T/results
mkdir -p "$T/locks"
: >"$RESULTS"

pg_start
pg_hosts_db k9
for i in 1 2 3; do
    host_config "$i" <<'EOF'
queue_lease = "3s"
queue_renew = "1s"
queue_rescue_grace = "500ms"
queue_poll = "200ms"

[queue.default]
concurrency = 4
max_attempts = 3
retry_delay = "100ms"
EOF
done

# One run of one job: "start"/"end" lines under the results file's flock; the per-job lock is
# held for the whole run (fd 9).
cat >"$T/job.sh" <<EOF
#!/bin/sh
tok=\$1
exec 9>"$T/locks/\$tok"
if ! flock -n 9; then
    { flock 8; echo "OVERLAP \$tok \${TEND_JOB_ID:-?} \${TEND_HOST:-?} \$\$" >&8; } 8>>"$RESULTS"
    exit 0
fi
{ flock 8; echo "start \$tok \${TEND_JOB_ID:-?} \${TEND_HOST:-?} \$\$" >&8; } 8>>"$RESULTS"
sleep 0.02
{ flock 8; echo "end \$tok \${TEND_JOB_ID:-?} \${TEND_HOST:-?} \$\$" >&8; } 8>>"$RESULTS"
EOF

# A client of one host: tokens PREFIX-1..PREFIX-COUNT, one single submit then a --stdin batch
# of BATCH, over and over; then single submits, 5 a second, until $T/stop exists (the kills are
# done: every kill finds load). Acknowledged submits go to OUT.acked as "TOKEN ID", the others
# to OUT.unacked as "TOKEN status"; OUT.done marks the end. A submit that exits 69 (the host is
# down, or closed the connection before the whole request reached it: nothing was submitted) is
# made again until the host is back (up to 60 s); any other failure may or may not have made
# the job (76: tendd closed the connection after the request reached it), and is not repeated.
# A 69 that had made the job would show here as two jobs for one token.
cat >"$T/submitter.sh" <<'EOF'
#!/bin/bash
set -u
TEND=$1 SOCK=$2 T=$3 PREFIX=$4 COUNT=$5 BATCH=$6 OUT=$7
# submit ARGS...: tend submit, made again while the host is down; sets out and rc.
submit() {
    local tries=0
    while true; do
        out=$(timeout -s KILL 30 "$TEND" --socket "$SOCK" submit --json "$@" 2>"$OUT.err" <<<"$lines")
        rc=$?
        cat "$OUT.err" >>"$OUT.stderr"
        [[ $rc == 69 ]] && ((++tries < 600)) || return 0
        sleep 0.1
    done
}
single() {
    lines=""
    submit -- sh "$T/job.sh" "$1"
    if [[ $rc == 0 && $out =~ \"id\":([0-9]+) ]]; then
        echo "$1 ${BASH_REMATCH[1]}" >>"$OUT.acked"
    elif [[ $rc == 0 ]]; then
        echo "$1 ?" >>"$OUT.acked"
        echo "submit $1: exit 0 but no id: $out" >>"$OUT.errors"
    else
        echo "$1 $rc" >>"$OUT.unacked"
    fi
}
i=1
while ((i <= COUNT)); do
    single "$PREFIX-$i"
    i=$((i + 1))
    lines="" toks=()
    for ((j = 0; j < BATCH && i <= COUNT; j++, i++)); do
        toks+=("$PREFIX-$i")
        lines+="sh $T/job.sh $PREFIX-$i"$'\n'
    done
    ((${#toks[@]})) || break
    submit --stdin
    if [[ $rc == 0 ]]; then
        mapfile -t ids < <(jq -r '.ids[]' <<<"$out")
        if [[ ${#ids[@]} != "${#toks[@]}" ]]; then
            echo "batch at ${toks[0]}: exit 0 but ${#ids[@]} ids: $out" >>"$OUT.errors"
        fi
        for ((j = 0; j < ${#toks[@]}; j++)); do echo "${toks[j]} ${ids[j]:-?}" >>"$OUT.acked"; done
    else
        printf "%s $rc\n" "${toks[@]}" >>"$OUT.unacked"
    fi
done
while [[ ! -e $T/stop ]]; do
    single "$PREFIX-$i"
    i=$((i + 1))
    sleep 0.2
done
touch "$OUT.done"
EOF

# --- helpers (they run often during the run: few processes each) ----------------------------
result_lines() { wc -l <"$RESULTS"; }
submitters_done() { [[ -e $T/sub1.done && -e $T/sub2.done && -e $T/sub3.done ]]; }
acked_count() { cat "$T"/sub?.acked | wc -l; }
ended_count() { awk '$1 == "end" && !seen[$2]++ { n++ } END { print n + 0 }' "$RESULTS"; }
# wait_for_lines TIMEOUT_S LINES: until the results file has LINES lines, or every job is done.
wait_for_lines() {
    local deadline=$((${EPOCHREALTIME/./} + $1 * 1000000))
    until (($(result_lines) >= $2)); do
        if submitters_done && (($(ended_count) >= $(acked_count))); then return 0; fi
        ((${EPOCHREALTIME/./} < deadline)) ||
            fail "no progress for $1s: $(result_lines) result lines, want $2; $(acked_count) acknowledged, $(ended_count) ended"
        sleep 0.1
    done
}
live_jobs() { hdb "SELECT count(*) FROM tend.job WHERE state IN ('scheduled', 'blocked', 'pending', 'running')"; }

# --- the run -----------------------------------------------------------------------------------
for i in 1 2 3; do host_start "$i" --live; done
say "3 hosts hold leases: $(hdb "SELECT string_agg(name || '#' || id, ' ' ORDER BY name) FROM tend.host")"
t0=$(now)
per=$((JOBS / 3))
for i in 1 2 3; do
    count=$per
    ((i == 3)) && count=$((JOBS - 2 * per))
    touch "$T/sub$i.acked"
    bg_start "$T/sub$i.out" bash "$T/submitter.sh" "$TEND_BIN_DIR/tend" "$(host_sock "$i")" "$T" "h$i" "$count" "$BATCH" "$T/sub$i"
done

kills=0
kill_log=""
kill_at=""  # SQL VALUES: (host, time of its kill)
while ((kills < MIN_KILLS)); do
    lines0=$(result_lines)
    # A start and an end line per job that a submit made (refused ones make none).
    total_lines=$((2 * (JOBS - $({ cat "$T"/sub?.unacked 2>/dev/null || true; } | wc -l))))
    # The next kill after a random share of the run (a kill, the wait and the restart take a
    # few seconds while the other hosts go on: MIN_KILLS fit into the first half or so).
    base=$((total_lines / (3 * MIN_KILLS)))
    ((base < 20)) && base=20
    target=$((lines0 + base / 2 + RANDOM % base))
    wait_for_lines 60 "$target"
    if submitters_done && (($(ended_count) >= $(acked_count))); then break; fi
    v=$((1 + RANDOM % 3))
    host_kill9 "$v"
    kills=$((kills + 1))
    kill_log+=" h$v@$(elapsed_since "$t0")s"
    kill_at+="${kill_at:+, }('h$v', to_timestamp($EPOCHREALTIME))"
    # Every other kill, the host stays down for a while (its jobs are rescued by the others);
    # else it restarts at once (a new lease of the same host name beside the dead one).
    if ((kills % 2 == 0)); then wait_for_lines 60 $(($(result_lines) + base / 2)); fi
    host_start "$v"
done
touch "$T/stop"  # the submitters end once they made their share
say "killed $kills times:$kill_log; waiting for the rest"
((kills >= MIN_KILLS)) || fail "only $kills kills happened before every job ended (want $MIN_KILLS): the run was too short"
deadline=$((${EPOCHREALTIME/./} + 120 * 1000000))
until submitters_done && (($(live_jobs) == 0)); do
    ((${EPOCHREALTIME/./} < deadline)) ||
        fail "jobs unfinished after 120s: $(hdb "SELECT string_agg(state || ' ' || n, ', ') FROM (SELECT state, count(*) n FROM tend.job GROUP BY state) s"); submitters done: $(submitters_done && echo yes || echo no)"
    sleep 0.2
done
elapsed=$(elapsed_since "$t0")
say "all jobs finished after ${elapsed}s"

# --- the verdict -------------------------------------------------------------------------------
for f in "$T"/sub?.errors; do
    [[ -e $f ]] && fail "a submitter saw an inconsistent reply: $(cat "$f")"
done
sort -u -k1,1 "$T"/sub?.acked >"$T/acked"
{ cat "$T"/sub?.unacked 2>/dev/null || true; } | sort -u -k1,1 >"$T/unacked"
n_acked=$(wc -l <"$T/acked")
n_unacked=$(wc -l <"$T/unacked")
n_submits=$((n_acked + n_unacked))
((n_submits >= JOBS)) || fail "only $n_submits submits were made (want $JOBS)"
check "$n_submits submits made (acknowledged + not)"
assert_eq "$(cat "$T"/sub?.acked | wc -l)" "$n_acked" "acknowledged tokens are distinct"
((n_acked >= n_submits / 2)) || fail "only $n_acked of $n_submits submits were acknowledged: the hosts were down too long to test anything"

awk '$1 == "end" { print $2 }' "$RESULTS" | sort -u >"$T/ended"
missing=$(cut -d' ' -f1 "$T/acked" | comm -23 - "$T/ended")
[[ -z $missing ]] || fail "$(count_lines "$missing") acknowledged jobs never ended, e.g.: $(head -n 10 <<<"$missing" | tr '\n' ' ')"
check "all $n_acked acknowledged jobs ran to their end"
overlaps=$(grep '^OVERLAP' "$RESULTS" || true)
[[ -z $overlaps ]] || fail "$(count_lines "$overlaps") runs found their job already running: $(head -n 10 <<<"$overlaps")"
check "no job ever ran twice at the same time"

states=$(hdb "SELECT string_agg(state || ' ' || n, ', ') FROM (SELECT state, count(*) n FROM tend.job GROUP BY state) s")
say "job states: $states"
bad=$(hdb "SELECT id || ' ' || state || ' ' || reason FROM tend.job WHERE state <> 'succeeded' ORDER BY id LIMIT 10")
assert_eq "" "$bad" "jobs that did not succeed (first 10)"
# One job per token, and the id printed for a submit is the job of that token.
# (argv is {sh, job.sh, TOKEN} for a single submit, {"sh job.sh TOKEN"} with shell for a batch)
hdb "SELECT coalesce(substring(array_to_string(argv, ' ') FROM ' (h[0-9]-[0-9]+)\$'), 'unknown:' || id) || ' ' || id FROM tend.job" |
    sort -k1,1 >"$T/jobs_by_token"
assert_eq "" "$(grep '^unknown:' "$T/jobs_by_token" | head -n 3)" "jobs whose command names no token"
dups=$(cut -d' ' -f1 "$T/jobs_by_token" | uniq -d)
[[ -z $dups ]] || fail "tokens enqueued more than once: $(head -n 10 <<<"$dups" | tr '\n' ' ')"
check "no submit made two jobs"
lost=$(cut -d' ' -f1 "$T/acked" | comm -23 - <(cut -d' ' -f1 "$T/jobs_by_token"))
[[ -z $lost ]] || fail "acknowledged tokens with no job: $(head -n 10 <<<"$lost" | tr '\n' ' ')"
wrong=$(join "$T/acked" "$T/jobs_by_token" | awk '$2 != $3' | head -n 10)
[[ -z $wrong ]] || fail "printed ids that belong to other commands (token printed actual): $wrong"
check "every printed id is the job of its submit"
not_acked_but_ran=$(cut -d' ' -f1 "$T/unacked" | comm -12 - <(cut -d' ' -f1 "$T/jobs_by_token") | wc -l)

interrupted=$(hdb "SELECT count(*) FROM tend.run WHERE outcome = 'interrupted'")
((interrupted > 0)) || fail "no run was interrupted by $kills kills: the kills found no running job"
# A rescue keeps the job's attempt (only a job's third rescue uses one).
bad=$(hdb "SELECT id || ' attempt ' || attempt || ' rescues ' || rescues FROM tend.job WHERE attempt <> 1 AND rescues < 3 LIMIT 10")
assert_eq "" "$bad" "jobs on another attempt than the first though rescued fewer than 3 times"
# Failover: from a kill to the next run of each job its host was running then.
failover=$(hdb "WITH k(host, at) AS (VALUES $kill_at),
    i AS (SELECT r.job_id, r.run, (SELECT min(k.at) FROM k WHERE k.host = r.host AND k.at > r.started_at) AS killed
          FROM tend.run r WHERE r.outcome = 'interrupted'),
    n AS (SELECT extract(epoch FROM (SELECT r2.started_at FROM tend.run r2 WHERE r2.job_id = i.job_id AND r2.run = i.run + 1) - i.killed) AS s
          FROM i WHERE i.killed IS NOT NULL)
    SELECT count(s) || ' runs, ' || round(min(s)::numeric, 2) || '..' || round(max(s)::numeric, 2) || ' s' FROM n")
runs=$(grep -c '^start' "$RESULTS")
started=$(awk '$1 == "start" { print $2 }' "$RESULTS" | sort -u | wc -l)
per_host=$(awk '$1 == "end" { n[$4]++ } END { for (h in n) printf "%s=%d ", h, n[h] }' "$RESULTS")
say "acknowledged: $n_acked; not acknowledged: $n_unacked ($not_acked_but_ran of them ran anyway)"
say "runs: $runs for $started jobs ($((runs - started)) re-runs); interrupted runs rescued: $interrupted; kills: $kills; ends per host: $per_host"
say "from a kill to the next run of the killed host's jobs (failover): ${failover:-none}"
say "throughput with kills: $(awk -v n="$started" -v s="$elapsed" 'BEGIN { printf "%.0f", n / s }') jobs/s over 3 hosts"
hosts_stop
assert_eq 0 "$(hdb "SELECT count(*) FROM tend.host WHERE lease_until > now()")" "live leases after the hosts stopped"
