#!/usr/bin/env bash
# Wake-ups by LISTEN/NOTIFY between tendd hosts on one database (design postgres.md §6,
# tendd(8) MULTI-HOST): with a 30 s queue_poll, a job submitted to host A (its one slot busy)
# starts on host B within seconds, so B was woken by A's NOTIFY and not by its poll; a cancel
# sent to A stops the job on B at once (tend_cancel); after pg_terminate_backend of B's
# listening connection, B LISTENs again (its self-test logs it a second time) and is woken as
# before; a host with queue_listen = "off" starts nothing before its poll, then does. /metrics
# shows each host's lease, claim time and whether it listens (tend_pg_*, tendd(8) METRICS).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/pg_lib.sh"
pg_start
URL=$(pg_new_db listen)
db() { pg_sql listen "$1"; }
assert_status 0 timeout -s KILL 30 "$TEND_BIN_DIR/tend" migrate --url "$URL"

# Hosts of this test: each a tendd with its own state dir, socket and log ($T/NAME.stderr).
declare -A HOST_PID=()
host_conf() {  # NAME CONCURRENCY LISTEN POLL
    cat <<EOF2
[daemon]
queue = "$URL"
host_name = "$1"
queue_lease = "3s"
queue_renew = "1s"
queue_rescue_grace = "500ms"
queue_poll = "$4"
queue_listen = "$3"

[queue.default]
concurrency = $2

[http]
listen = "unix:$T/$1.http"
EOF2
}
ht() {  # NAME TEND-ARGS...: the CLI against that host
    local n=$1
    shift
    timeout -s KILL 20 env "$CLI_ASAN_OPTIONS" "$TEND_BIN_DIR/tend" --socket "$T/$n.sock" "$@"
}
host_start() {  # NAME CONCURRENCY LISTEN POLL
    mkdir -p "$T/$1"
    host_conf "$@" >"$T/$1/tend.toml"
    env "$MARK" setsid "$TEND_BIN_DIR/tendd" --config "$T/$1/tend.toml" --state-dir "$T/$1/state" \
        --socket "$T/$1.sock" --log-level debug 2>>"$T/$1.stderr" </dev/null &
    HOST_PID[$1]=$!
    BG_PIDS+=("$!")
    wait_until 15 grep -q "claiming jobs" "$T/$1.stderr"
    say "host $1 up (pid ${HOST_PID[$1]}, queue_listen = $3, queue_poll = $4)"
}
host_stop() {
    ht "$1" shutdown >/dev/null
    wait_until 15 gone "${HOST_PID[$1]}"
}
listen_ok() { (($(grep -c "wake-ups by LISTEN/NOTIFY: working" "$T/$1.stderr") >= $2)); }
runs_on() { [[ $(db "SELECT j.state || ':' || h.name FROM tend.job j JOIN tend.host h ON h.id = j.host_id WHERE j.id = $1") == "running:$2" ]]; }
ran_on() { [[ $(db "SELECT j.state || ':' || r.host FROM tend.job j JOIN tend.run r ON r.job_id = j.id WHERE j.id = $1") == "succeeded:$2" ]]; }
state_of() { db "SELECT state FROM tend.job WHERE id = $1"; }
has_pid() { [[ -n $(db "SELECT pid FROM tend.job WHERE id = $1 AND state = 'running' AND pid IS NOT NULL") ]]; }

say "host A: one slot, busy"
host_start A 1 on 30s
wait_until 5 listen_ok A 1
assert_status 0 ht A submit --json --name block -- sleep 60
BLOCK=$(jq -r .id <<<"$OUT")
wait_until 10 runs_on "$BLOCK" A

say "host B: free slots; a submit to A starts on B at once (woken, not polled)"
host_start B 2 auto 30s
wait_until 5 listen_ok B 1
T0=$EPOCHREALTIME
assert_status 0 ht A submit --json --name w1 -- sleep 60
W1=$(jq -r .id <<<"$OUT")
wait_until 5 runs_on "$W1" B
say "w1 running on B $(elapsed_since "$T0")s after its submit to A (B polls every 30s)"

say "a cancel through A stops the job on B at once (tend_cancel)"
wait_until 5 has_pid "$W1"
PID=$(db "SELECT pid FROM tend.job WHERE id = $W1")
T0=$EPOCHREALTIME
assert_status 0 ht A cancel "$W1"
wait_until 5 gone "$PID"
wait_until 5 eval '[[ $(state_of '"$W1"') == cancelled ]]'
say "w1 cancelled on B $(elapsed_since "$T0")s after the cancel on A"

say "pg_terminate_backend of B's listening connection: B listens again"
LISTENER=$(pg_backend_pid listen "tend/B/%/control")
[[ -n $LISTENER ]] || fail "no control connection of host B in pg_stat_activity"
assert_eq t "$(db "SELECT pg_terminate_backend($LISTENER)")" "the listener terminated"
wait_until 10 listen_ok B 2
assert_not_contains "$(cat "$T/B.stderr")" "host lease lost" "B's log"
assert_status 0 ht A submit --json --name w2 -- true
W2=$(jq -r .id <<<"$OUT")
wait_until 5 ran_on "$W2" B
host_stop B

say "host C with queue_listen = \"off\": nothing starts before its poll"
host_start C 2 off 4s
assert_contains "$(cat "$T/C.stderr")" 'wake-ups by LISTEN/NOTIFY: off' "C's log"
assert_status 0 ht A submit --json --name w3 -- true
W3=$(jq -r .id <<<"$OUT")
T0=$EPOCHREALTIME
# Pending for a whole second (C's next poll is about 4s after its start): asked every 50 ms.
while fcmp "$(elapsed_since "$T0")" "<" 1; do
    assert_eq pending "$(state_of "$W3")" "w3 before C's poll" >/dev/null
    sleep 0.05
done
check "w3 stayed pending for 1s"
wait_until 8 eval '[[ $(state_of '"$W3"') == succeeded ]]'
say "w3 ran on C $(elapsed_since "$T0")s after its submit (its poll)"
assert_eq C "$(db "SELECT string_agg(host, ',') FROM tend.run WHERE job_id = $W3")" "the host that ran w3"
assert_not_contains "$(cat "$T/C.stderr")" "wake-ups by LISTEN/NOTIFY: working" "C's log"

say "/metrics: A listens, C polls; both hold their lease; A has timed its claims"
metrics() { curl -sS --max-time 5 --unix-socket "$T/$1.http" http://localhost/metrics; }
metric() { awk -v k="$1" '$1 == k { print $2; found = 1 } END { if (!found) print "absent" }'; }
MA=$(metrics A) || fail "GET /metrics of A failed"
MC=$(metrics C) || fail "GET /metrics of C failed"
assert_eq 1 "$(metric tend_pg_listen_up <<<"$MA")" "A: tend_pg_listen_up"
assert_eq 0 "$(metric tend_pg_listen_up <<<"$MC")" "C: tend_pg_listen_up (queue_listen = off)"
assert_eq 1 "$(metric tend_pg_lease_live <<<"$MA")" "A: tend_pg_lease_live"
assert_eq 1 "$(metric tend_pg_lease_live <<<"$MC")" "C: tend_pg_lease_live"
assert_eq 0 "$(metric tend_pg_fences_total <<<"$MA")" "A: tend_pg_fences_total"
LEFT=$(metric tend_pg_lease_remaining_seconds <<<"$MA")
# queue_lease 3s, renewed every 1s, the local deadline 1 s before the lease: in (0, 2].
fcmp "$LEFT" ">" 0 && fcmp "$LEFT" "<=" 2 || fail "A: tend_pg_lease_remaining_seconds = $LEFT"
CLAIMS=$(metric tend_pg_claim_seconds_count <<<"$MA")
[[ $CLAIMS =~ ^[0-9]+$ ]] && ((CLAIMS >= 1)) || fail "A: tend_pg_claim_seconds_count = $CLAIMS"
check "A: lease ${LEFT}s left, $CLAIMS claims timed"
if command -v promtool >/dev/null; then
    promtool check metrics <<<"$MA" >"$T/promtool.out" 2>&1 || fail "promtool: $(cat "$T/promtool.out")"
    [[ ! -s $T/promtool.out ]] || fail "promtool had remarks: $(cat "$T/promtool.out")"
    check "promtool check metrics: A's exposition is valid"
fi

ht A cancel "$BLOCK" >/dev/null
host_stop C
host_stop A
