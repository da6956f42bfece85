#!/usr/bin/env bash
# Fairness under global_concurrency (design postgres.md §4.5, tendd(8) MULTI-HOST): 3 tendd
# hosts with concurrency 4 on one queue with global_concurrency = 3; 18 short jobs submitted
# to one host. Each job counts the jobs running at once (under flock): never more than 3. And
# every host runs some: a host at its share (ceil(3 / 3) = 1) waits 50 ms after its own
# finish, so the hosts woken by the finish's NOTIFY take the freed slot (without the rule, the
# host whose job ended re-claimed every slot and ran all 18).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/pg_lib.sh"
pg_start
URL=$(pg_new_db fair)
db() { pg_sql fair "$1"; }
assert_status 0 timeout -s KILL 30 "$TEND_BIN_DIR/tend" migrate --url "$URL"

declare -A HOST_PID=()
ht() {  # NAME TEND-ARGS...: the CLI against that host
    local n=$1
    shift
    timeout -s KILL 20 env "$CLI_ASAN_OPTIONS" "$TEND_BIN_DIR/tend" --socket "$T/$n.sock" "$@"
}
host_start() {  # NAME
    mkdir -p "$T/$1"
    cat >"$T/$1/tend.toml" <<EOF
[daemon]
queue = "$URL"
host_name = "$1"
$(pg_short_lease)

[queue.default]
concurrency = 4
global_concurrency = 3
EOF
    env "$MARK" setsid "$TEND_BIN_DIR/tendd" --config "$T/$1/tend.toml" --state-dir "$T/$1/state" \
        --socket "$T/$1.sock" --log-level debug 2>>"$T/$1.stderr" </dev/null &
    HOST_PID[$1]=$!
    BG_PIDS+=("$!")
    wait_until 15 grep -q "claiming jobs" "$T/$1.stderr"
}
host_stop() {
    ht "$1" shutdown >/dev/null
    wait_until 15 gone "${HOST_PID[$1]}"
}
sees_hosts() { grep -q "queue default: 3 live host(s) serve it; fair share 1" "$T/$1.stderr"; }

say "3 hosts, concurrency 4 each, global_concurrency 3"
for h in A B C; do host_start "$h"; done
for h in A B C; do wait_until 10 sees_hosts "$h"; done
for h in A B C; do wait_until 10 grep -q "wake-ups by LISTEN/NOTIFY: working" "$T/$h.stderr"; done

say "18 jobs of 300ms submitted to A"
F=$T/running
echo 0 >"$F"
: >"$F.peaks"
JOB="flock $F.lock sh -c 'n=\$((\$(cat $F) + 1)); echo \$n >$F; echo \$n >>$F.peaks'; sleep 0.3; flock $F.lock sh -c 'echo \$((\$(cat $F) - 1)) >$F'"
for _ in $(seq 18); do printf '%s\n' "$JOB"; done >"$T/batch"  # one shell line per job
T0=$EPOCHREALTIME
assert_status 0 ht A submit --stdin --json <"$T/batch"
all_done() { (($(db "SELECT count(*) FROM tend.job WHERE state = 'succeeded'") == 18)); }
wait_until 30 all_done
say "18 jobs done in $(elapsed_since "$T0")s (ideal 1.8s)"

PEAK=$(sort -n "$F.peaks" | tail -n 1)
assert_eq 18 "$(wc -l <"$F.peaks")" "jobs that counted themselves"
((PEAK <= 3)) || fail "$PEAK jobs ran at once (global_concurrency = 3)"
check "peak running: $PEAK"
PER_HOST=$(db "SELECT string_agg(host || '=' || n, ' ' ORDER BY host) FROM (SELECT host, count(*) AS n FROM tend.run GROUP BY host) r")
say "runs per host: $PER_HOST"
for h in A B C; do
    [[ $PER_HOST == *"$h="* ]] || fail "host $h ran none of the 18 jobs ($PER_HOST)"
done
check "every host ran some"
for h in A B C; do host_stop "$h"; done
