#!/usr/bin/env bash
# shellcheck disable=SC2163,SC2119  # export "$MARK" exports its value; lib.sh functions take no script args
# SPEC §6.3: crash safety of the job queue under load. 2000 jobs are submitted by two clients at
# once (200 single submits and 12 --stdin batches of 150; about half in the sanitizer tree) while
# tendd is killed with SIGKILL and restarted over and over, during submission and during
# dispatch. Submits that find no daemon go to the spool. Afterwards:
#   - every acknowledged job (printed id, or spooled: exit 0) ran to its end, exactly one job
#     exists per acknowledged submit (no job lost, none taken in twice from the spool);
#   - no job ever ran twice at the same time (at-least-once, never concurrently): each run
#     holds a per-job flock and reports OVERLAP if another run of the same job holds it;
#   - no job is failed, dead or cancelled (a crash re-queues, it does not fail);
#   - the crashes left no damage in the log beyond torn tails.
# Each job runs `sh $T/job.sh TOKEN [DELAY]`; TOKEN names the submit (ids of spooled jobs are
# given later). KILL9_SEED=N reproduces the kill points' randomness.
# shellcheck source=SCRIPTDIR/lib.sh
source "$(dirname "$0")/lib.sh"

export "$MARK"
export TEND_STATE_DIR=$STATE
export LC_ALL=C  # sort, comm and join agree on the order
SEED=${KILL9_SEED:-$RANDOM}
RANDOM=$SEED
say "random seed $SEED (KILL9_SEED=$SEED reproduces the kill spacing)"
# The sanitizer tree runs half of it (1000 jobs, 10 kills): the same paths, within the test
# command's time; the release tree runs it whole.
MIN_KILLS=20 SINGLES=100
if $SANITIZED; then MIN_KILLS=10 SINGLES=48; fi
# Each submitter: SINGLES single submits and a batch of 150 after every 16 of them.
JOBS=$((2 * (SINGLES + SINGLES / 16 * 150)))
RESULTS=$T/results
mkdir -p "$T/locks"
: >"$RESULTS"

write_config <<'EOF'
[queue.default]
concurrency = 4
max_attempts = 3
retry_delay = "100ms"
EOF

# One run of one job. "start"/"end" lines go to the shared results file under its flock; the
# per-job lock is held for the whole run (fd 9, also by the children).
cat >"$T/job.sh" <<EOF
#!/bin/sh
tok=\$1
exec 9>"$T/locks/\$tok"
if ! flock -n 9; then
    { flock 8; echo "OVERLAP \$tok \${TEND_JOB_ID:-?} \$\$" >&8; } 8>>"$RESULTS"
    exit 0
fi
{ flock 8; echo "start \$tok \${TEND_JOB_ID:-?} \$\$" >&8; } 8>>"$RESULTS"
if [ -n "\${2:-}" ]; then sleep "\$2"; fi
{ flock 8; echo "end \$tok \${TEND_JOB_ID:-?} \$\$" >&8; } 8>>"$RESULTS"
EOF

# A client: single submits FIRST..LAST, and after every EVERY-th one a --stdin batch of 150.
# Acknowledged submits go to OUT.acked as "TOKEN ID" (ID "-" when spooled), the others to
# OUT.unacked as "TOKEN status"; OUT.done marks the end.
cat >"$T/submitter.sh" <<'EOF'
#!/bin/bash
set -u
TEND=$1 SOCK=$2 T=$3 FIRST=$4 LAST=$5 BATCH0=$6 EVERY=$7 OUT=$8
cmd_of() {  # every 25th job is slow: a kill finds it running more often
    if (( $2 % 25 == 0 )); then echo "sh $T/job.sh $1 0.2"; else echo "sh $T/job.sh $1"; fi
}
batch=$BATCH0
for ((i = FIRST; i <= LAST; i++)); do
    tok=s-$i
    # shellcheck disable=SC2046
    out=$(timeout -s KILL 30 "$TEND" --socket "$SOCK" submit --json -- $(cmd_of "$tok" "$i") 2>>"$OUT.stderr")
    rc=$?
    if [[ $rc == 0 && $out == *'"spooled":true'* ]]; then
        echo "$tok -" >>"$OUT.acked"
    elif [[ $rc == 0 && $out =~ \"id\":([0-9]+) ]]; then
        echo "$tok ${BASH_REMATCH[1]}" >>"$OUT.acked"
    elif [[ $rc == 0 ]]; then
        echo "$tok ?" >>"$OUT.acked"
        echo "submit $tok: exit 0 but no id: $out" >>"$OUT.errors"
    else
        echo "$tok $rc" >>"$OUT.unacked"
    fi
    if (( (i - FIRST + 1) % EVERY == 0 )); then
        lines=""
        toks=()
        for ((j = 1; j <= 150; j++)); do
            toks+=("b$batch-$j")
            lines+="$(cmd_of "b$batch-$j" "$j")"$'\n'
        done
        out=$(timeout -s KILL 30 "$TEND" --socket "$SOCK" submit --stdin --json <<<"$lines" 2>>"$OUT.stderr")
        rc=$?
        if [[ $rc == 0 ]] && [[ $(jq -r .spooled <<<"$out") == true ]]; then
            printf '%s -\n' "${toks[@]}" >>"$OUT.acked"
        elif [[ $rc == 0 ]]; then
            mapfile -t ids < <(jq -r '.ids[]' <<<"$out")
            if [[ ${#ids[@]} != 150 ]]; then
                echo "batch b$batch: exit 0 but ${#ids[@]} ids: $out" >>"$OUT.errors"
            fi
            for ((j = 0; j < 150; j++)); do echo "${toks[j]} ${ids[j]:-?}" >>"$OUT.acked"; done
        else
            printf "%s $rc\n" "${toks[@]}" >>"$OUT.unacked"
        fi
        batch=$((batch + 1))
    fi
done
touch "$OUT.done"
EOF

# --- helpers ---------------------------------------------------------------------------------
# These run often while the daemon is killed and restarted: few processes each.
# counts: "RESULT_LINES ACKED_SUBMITS" (one awk).
counts() { awk -v r="$RESULTS" 'FILENAME == r { l++; next } { a++ } END { print l + 0, a + 0 }' "$RESULTS" "$T/sub1.acked" "$T/sub2.acked"; }
acked_count() { cat "$T/sub1.acked" "$T/sub2.acked" | wc -l; }
submitters_done() { [[ -e $T/sub1.done && -e $T/sub2.done ]]; }
# ended_count: distinct tokens with an "end" line.
ended_count() { awk '$1 == "end" && !seen[$2]++ { n++ } END { print n + 0 }' "$RESULTS"; }
# wait_for_progress TIMEOUT_S LINES0 ACKS0 STEP: until the results or the acknowledgements grew
# by STEP, or all acknowledged jobs have ended after the submitters finished. (Polls every
# 0.1s: wait_until's 20ms would cost more CPU than the daemon under test gets.)
wait_for_progress() {
    local deadline=$((${EPOCHREALTIME/./} + $1 * 1000000)) lines acks
    while true; do
        read -r lines acks < <(counts)
        ((lines - $2 >= $4 || acks - $3 >= $4)) && return 0
        if submitters_done && (($(ended_count) >= acks)); then return 0; fi
        ((${EPOCHREALTIME/./} < deadline)) ||
            fail "no progress for $1s: $lines result lines (was $2), $acks acknowledged submits (was $3); ended: $(ended_count)"
        sleep 0.1
    done
}
unfinished() {
    local st n=0
    for st in scheduled blocked pending running; do
        n=$((n + $(tend jobs --state "$st" --limit 0 --json | jq length)))
    done
    echo "$n"
}
spool_left() { find "$STATE/spool" -mindepth 1 -maxdepth 1 ! -name '*.damaged' 2>/dev/null | wc -l; }
# queues_idle: nothing waiting or running in any queue ("pending" counts scheduled and blocked
# jobs too), and the spool is empty.
queues_idle() {
    [[ $(tend queues --json | jq '[.[] | .pending + .running] | add // 0') == 0 && $(spool_left) == 0 ]]
}
# wait_all_finished TIMEOUT_S: the submitters are done and every job has finished (one cheap
# check every 0.2s; then the job lists confirm it).
wait_all_finished() {
    local deadline=$((${EPOCHREALTIME/./} + $1 * 1000000))
    until submitters_done && queues_idle; do
        ((${EPOCHREALTIME/./} < deadline)) ||
            fail "jobs still unfinished after $1s: $(tend queues --json | jq -c '[.[] | {name, pending, running}]'); spool files left: $(spool_left); submitters done: $(submitters_done && echo yes || echo no)"
        sleep 0.2
    done
    assert_eq 0 "$(unfinished)" "scheduled, blocked, pending and running jobs"
}

# --- the run -----------------------------------------------------------------------------------
start_tendd
t0=$(now)
# Each: SINGLES single submits and a batch of 150 after every 16 of them (JOBS in all).
touch "$T/sub1.acked" "$T/sub2.acked"
bg_start "$T/sub1.out" bash "$T/submitter.sh" "$TEND_BIN_DIR/tend" "$SOCK" "$T" 1 "$SINGLES" 1 16 "$T/sub1"
bg_start "$T/sub2.out" bash "$T/submitter.sh" "$TEND_BIN_DIR/tend" "$SOCK" "$T" $((SINGLES + 1)) $((2 * SINGLES)) 7 16 "$T/sub2"

kills=0
kills_submitting=0
kills_after=0
while true; do
    read -r lines0 acks0 < <(counts)
    # Kill after a random amount of progress, sized so that MIN_KILLS + 4 kills fit into the
    # roughly 2 * JOBS result lines of the whole run.
    want=$((MIN_KILLS + 4 - kills))
    base=120
    if ((want > 0)); then
        base=$(((2 * JOBS - lines0) / (want + 2)))
        ((base > 120)) && base=120
        ((base < 16)) && base=16
    fi
    step=$((base / 2 + RANDOM % base))
    submitting=1
    submitters_done && submitting=0
    wait_for_progress 60 "$lines0" "$acks0" "$step"
    if submitters_done && (($(ended_count) >= $(acked_count))); then
        break
    fi
    # Enough crashes, some of them after submission ended: let it finish.
    ((kills >= MIN_KILLS + 4 && kills_after >= 4)) && break
    kill -KILL "$TENDD_PID"
    # Reaped at once, so that bash reports no "Killed" job.
    { wait "$TENDD_PID"; } 2>/dev/null || true
    TENDD_PID=
    kills=$((kills + 1))
    if ((submitting)); then kills_submitting=$((kills_submitting + 1)); else kills_after=$((kills_after + 1)); fi
    start_tendd >/dev/null
done
say "killed tendd $kills times ($kills_submitting while submitting, $kills_after after); waiting for the rest"
wait_all_finished 120
say "all jobs finished after $(elapsed_since "$t0")s"

# --- the verdict -------------------------------------------------------------------------------
for f in "$T"/sub*.errors; do
    [[ -e $f ]] && fail "a submitter saw an inconsistent reply: $(cat "$f")"
done
sort -u -k1,1 "$T"/sub*.acked >"$T/acked"
{ cat "$T"/sub*.unacked 2>/dev/null || true; } | sort -u -k1,1 >"$T/unacked"
n_acked=$(wc -l <"$T/acked")
n_spooled=$(awk '$2 == "-"' "$T/acked" | wc -l)
n_unacked=$(wc -l <"$T/unacked")
assert_eq "$JOBS" $((n_acked + n_unacked)) "submits made (acknowledged + not)"
assert_eq "$(cat "$T"/sub*.acked | wc -l)" "$n_acked" "acknowledged tokens are distinct"

awk '$1 == "end" { print $2 }' "$RESULTS" | sort -u >"$T/ended"
missing=$(cut -d' ' -f1 "$T/acked" | sort | comm -23 - "$T/ended")
if [[ -n $missing ]]; then
    fail "$(count_lines "$missing") acknowledged jobs never ended, e.g.: $(head -n 10 <<<"$missing" | tr '\n' ' ')"
fi
check "all $n_acked acknowledged jobs ran to their end"
overlaps=$(grep '^OVERLAP' "$RESULTS" || true)
[[ -z $overlaps ]] || fail "$(count_lines "$overlaps") runs found their job already running: $(head -n 10 <<<"$overlaps")"
check "no job ever ran twice at the same time"

all=$(tend jobs --limit 0 --json)
states=$(jq -c 'group_by(.state) | map({(.[0].state): length}) | add' <<<"$all")
say "job states: $states"
bad=$(jq -c '[.[] | select(.state != "succeeded") | {id, state, command, exit_status, reason}] | .[:10]' <<<"$all")
assert_eq "[]" "$bad" "jobs that did not succeed (first 10)"
# An interruption by a crash uses no attempt.
bad=$(jq -c '[.[] | select(.attempt != 1) | {id, attempt, runs, command}] | .[:10]' <<<"$all")
assert_eq "[]" "$bad" "jobs on another attempt than the first (first 10)"
# One job per token: no acknowledged submit lost, none enqueued twice.
jq -r '.[] | "\(.command | join(" ") | split(" ") | .[2]) \(.id)"' <<<"$all" | sort -k1,1 >"$T/jobs_by_token"
dups=$(cut -d' ' -f1 "$T/jobs_by_token" | uniq -d)
[[ -z $dups ]] || fail "tokens enqueued more than once: $(head -n 10 <<<"$dups" | tr '\n' ' ') ($(grep -F -w -- "$(head -n 1 <<<"$dups")" "$T/jobs_by_token" | tr '\n' ' '))"
check "no submit was enqueued twice"
lost=$(cut -d' ' -f1 "$T/acked" | comm -23 - <(cut -d' ' -f1 "$T/jobs_by_token"))
[[ -z $lost ]] || fail "acknowledged tokens with no job: $(head -n 10 <<<"$lost" | tr '\n' ' ')"
# The id printed for a submit is the job that runs that token.
wrong=$(join "$T/acked" "$T/jobs_by_token" | awk '$2 != "-" && $2 != $3' | head -n 10)
[[ -z $wrong ]] || fail "printed ids that belong to other commands (token printed actual): $wrong"
check "every printed id is the job of its submit"
not_acked_but_ran=$(cut -d' ' -f1 "$T/unacked" | comm -12 - <(cut -d' ' -f1 "$T/jobs_by_token") | wc -l)

runs=$(grep -c '^start' "$RESULTS")
started=$(awk '$1 == "start" { print $2 }' "$RESULTS" | sort -u | wc -l)
damage=$(grep -E 'warning: .*(corrupt|damaged bytes)' "$TENDD_ERR" || true)
[[ -z $damage ]] || fail "a crash left damage beyond a torn tail: $(head -n 3 <<<"$damage")"
torn=$(grep -c 'torn' "$TENDD_ERR" || true)
leftovers=$(grep -c 'left over from jobs' "$TENDD_ERR" || true)
unacked_statuses=$(awk '{ n[$2]++ } END { for (s in n) { printf "%s%s x%d", sep, s, n[s]; sep = ", " } }' "$T/unacked")
say "acknowledged: $n_acked ($n_spooled spooled); not acknowledged: $n_unacked (exit statuses: ${unacked_statuses:-none}; $not_acked_but_ran of them ran anyway)"
say "runs: $runs for $started jobs ($((runs - started)) re-runs); kills: $kills; torn tails reported: $torn; starts that killed leftover job processes: $leftovers"
((kills >= MIN_KILLS)) || fail "only $kills kills happened (want $MIN_KILLS): the run was too short to test anything"
check "$kills kills of tendd"
