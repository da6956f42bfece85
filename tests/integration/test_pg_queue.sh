#!/usr/bin/env bash
# tendd's job queue on PostgreSQL (SPEC §9, tendd(8) MULTI-HOST), driven through `tend` like a
# user: a database that cannot be reached stops nothing but the queue's requests; submit --wait
# of jobs that succeed and fail (same exit statuses as the file store), retries with attempts,
# --timeout, --key deduplication, --after, --in, cancel of a running job (its process group
# dies), retry, pause/resume, a --stdin batch, a user's job with its supplementary groups; then kill -9 of tendd while a job runs: tend-shim
# kills the job's group at once, and a new tendd (a new host lease) runs the job again once the
# old lease has expired, to success. The database is checked with psql.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/pg_lib.sh"
source "$(dirname "$0")/users.sh"
need_root
pg_start
URL=$(pg_new_db q)
db() { pg_sql q "$1"; }
# (functions, so that wait_until asks again each time)
has_pid() { [[ -n $(db "SELECT pid FROM tend.job WHERE id = $1 AND pid IS NOT NULL") ]]; }
group_gone() { [[ -z $(pids_in_group "$1") ]]; }
cron_jobs_done() { (($(db "SELECT count(*) FROM tend.job WHERE cron_name = '$1' AND state = 'succeeded'") >= $2)); }
assert_status 0 timeout -s KILL 30 "$TEND_BIN_DIR/tend" migrate --url "$URL"

say "a database that cannot be reached: programs run, queue requests say why"
write_config <<EOF
[daemon]
queue = "postgresql:///q?host=$T/nothing-here&user=tend"
[program.p]
command = "sleep 60"
EOF
start_tendd
wait_until 5 state_is p 0 running
assert_status 1 tend submit -- true
assert_contains "$ERR" "the queue's database is unreachable" "a submit's error"
tend shutdown >/dev/null
wait_tendd_exit 10

G=$(make_group)
U=$(make_user "$G")
write_config <<EOF
[daemon]
queue = "$URL"
host_name = "h1"
socket_group = "$G"
$(pg_short_lease)

[queue.default]
concurrency = 4
retry_delay = "100ms"

[queue.side]
concurrency = 2
EOF
start_tendd
wait_until 10 grep -q "claiming jobs" "$TENDD_ERR"
assert_eq 1 "$(db "SELECT count(*) FROM tend.host WHERE name = 'h1'")" "host leases of h1"

say "submit --wait: exit statuses as with the file store"
assert_status 0 tend submit --wait -- true
assert_status 1 tend submit --wait -- false
assert_status 3 tend submit --wait --shell -- 'exit 3'
assert_eq "succeeded|1" "$(db "SELECT state, runs FROM tend.job WHERE argv = '{true}'")" "the job that succeeded"
assert_status 1 tend submit --name twice --attempts 2 --wait -- false
assert_eq "dead|2|2" "$(db "SELECT state, runs, attempt FROM tend.job WHERE name = 'twice'")" "a failing job with 2 attempts"
assert_status 143 tend submit --name slow --timeout 300ms --wait -- sleep 30
assert_eq "failed|timed out after 300ms" "$(db "SELECT state, reason FROM tend.job WHERE name = 'slow'")" "the job that timed out"

say "--json answers as the file store's; --key deduplicates"
assert_status 0 tend submit --json --key k1 -- sleep 30
K1=$(jq -r .id <<<"$OUT")
assert_eq false "$(jq -r .deduplicated <<<"$OUT")" "the first submit with key k1"
assert_status 0 tend submit --json --key k1 -- sleep 30
assert_eq "$K1 true" "$(jq -r '"\(.id) \(.deduplicated)"' <<<"$OUT")" "the second submit with key k1"

say "cancel of a running job: its process group dies"
wait_until 10 has_pid "$K1"
PID=$(db "SELECT pid FROM tend.job WHERE id = $K1")
kill -0 "$PID" || fail "the job's process $PID is not running"
assert_status 0 tend cancel "$K1"
assert_contains "$OUT" "job $K1: running" "the cancel's answer"
wait_until 10 gone "$PID"
wait_until 5 group_gone "$PID"
assert_status 143 tend wait "$K1"
assert_eq "cancelled" "$(db "SELECT state FROM tend.job WHERE id = $K1")" "the cancelled job"

say "--after and --in"
assert_status 0 tend submit --json --name first -- sleep 0.3
A=$(jq -r .id <<<"$OUT")
assert_status 0 tend submit --name second --after "$A" --wait -- true
assert_eq t "$(db "SELECT b.started_at >= a.finished_at FROM tend.job a, tend.job b WHERE a.id = $A AND b.name = 'second'")" "the dependent started after its dependency ended"
t0=$EPOCHREALTIME
assert_status 0 tend submit --in 1s --wait -- true
assert_fcmp "$(elapsed_since "$t0")" ">=" 0.9 "seconds until the --in 1s job ended"

say "retry of a failed job"
F=$(db "SELECT id FROM tend.job WHERE argv = '{false}' AND name = '' ORDER BY id LIMIT 1")
assert_status 0 tend retry "$F"
assert_status 1 tend wait "$F"
assert_eq "failed|2" "$(db "SELECT state, runs FROM tend.job WHERE id = $F")" "the retried job"

say "pause and resume"
assert_status 0 tend pause side
assert_status 0 tend submit --json --queue side -- true
S=$(jq -r .id <<<"$OUT")
assert_status 124 tend wait --timeout 1s "$S"
assert_eq "pending" "$(db "SELECT state FROM tend.job WHERE id = $S")" "a job of the paused queue"
assert_status 0 tend resume side
assert_status 0 tend wait --json "$S"
assert_eq "$S succeeded 0" "$(jq -r '.[0] | "\(.id) \(.state) \(.exit_status.code)"' <<<"$OUT")" "tend wait --json"

say "a --stdin batch"
assert_status 0 tend submit --stdin --json <<<$'true\ntrue\nexit 4'
read -r -a IDS <<<"$(jq -r '.ids | map(tostring) | join(" ")' <<<"$OUT")"
assert_eq 3 "${#IDS[@]}" "jobs in the batch"
assert_status 4 tend wait "${IDS[@]}"

say "reads: jobs, show, logs, queues answer from the database"
assert_status 0 tend submit --json --name said -- echo hello-from-pg
H=$(jq -r .id <<<"$OUT")
assert_status 0 tend wait "$H"
assert_status 0 tend show --json "$H"
assert_eq "succeeded h1" "$(jq -r '"\(.state) \(.host)"' <<<"$OUT")" "tend show --json: state and host"
assert_status 0 tend logs "$H"
assert_contains "$OUT" "hello-from-pg" "tend logs of a job that ran here"
assert_status 0 tend jobs --json --state succeeded
assert_contains "$(jq -r '.[].id' <<<"$OUT")" "$H" "tend jobs --state succeeded"
assert_status 0 tend queues --json
assert_contains "$(jq -r '.[].name' <<<"$OUT")" "side" "tend queues"
assert_status 1 tend logs 999999
assert_contains "$ERR" "no job 999999" "logs of a job that does not exist"

say "a user's job runs as that user, with the user's supplementary groups"
as_user_tend "$U" submit --json --shell -- 'id -un; id -Gn'
assert_eq 0 "$RC" "a submit by $U ($ERR)"
UJ=$(jq -r .id <<<"$OUT")
assert_status 0 tend wait "$UJ"
assert_status 0 tend logs "$UJ"
JOB_OUT=$(grep -v '^\[tend\]' <<<"$OUT")
assert_eq "$U" "$(head -n 1 <<<"$JOB_OUT")" "the user the job ran as"
assert_contains "$(sed -n 2p <<<"$JOB_OUT")" "$G" "the job's groups"

say "cron: an entry added with tend cron add fires once per tick"
assert_status 0 tend cron add every '* * * * * *' -- true
wait_until 15 cron_jobs_done every 3
assert_status 0 tend cron remove every
assert_eq 0 "$(db "SELECT count(*) FROM (SELECT cron_tick FROM tend.job WHERE cron_name = 'every' GROUP BY cron_tick HAVING count(*) > 1) d")" "ticks with more than one job"
assert_status 0 tend cron list --json
assert_eq 0 "$(jq '[.[] | select(.name == "every")] | length' <<<"$OUT")" "the removed entry in tend cron list"

say "kill -9 of tendd: the job dies with it and runs again under a new lease"
assert_status 0 tend submit --json --shell -- "if [ -e $T/ran ]; then exit 0; fi; touch $T/ran; sleep 60"
J=$(jq -r .id <<<"$OUT")
wait_until 10 has_pid "$J"
PID=$(db "SELECT pid FROM tend.job WHERE id = $J")
wait_until 5 test -e "$T/ran"
kill -KILL "$TENDD_PID"
wait "$TENDD_PID" 2>/dev/null || true
TENDD_PID=
t0=$EPOCHREALTIME
wait_until 2 gone "$PID"
wait_until 2 group_gone "$PID"
assert_fcmp "$(elapsed_since "$t0")" "<" 1 "seconds until the job's group was gone"
start_tendd
assert_status 0 tend wait "$J"
assert_eq "succeeded|2" "$(db "SELECT state, runs FROM tend.job WHERE id = $J")" "the job after the rescue"
assert_contains "$(db "SELECT outcome FROM tend.run WHERE job_id = $J ORDER BY run")" "interrupted" "the first run's outcome"
assert_eq 1 "$(db "SELECT count(*) FROM tend.host WHERE name = 'h1'")" "live leases of h1 (the old one rescued)"

say "a clean stop retires the lease"
tend shutdown >/dev/null
wait_tendd_exit 10
assert_eq 0 "$(db "SELECT count(*) FROM tend.host WHERE lease_until > now()")" "live leases after the stop"

say "tend submit while tendd is down: refused, never spooled where nobody reads"
assert_eq "none" "$(cat "$SOCK.spool")" "what SOCKET.spool says of this tendd"
assert_status 69 tend submit -- true
assert_contains "$ERR" "takes in no spool (its queue is on PostgreSQL): nothing was submitted" "the refusal"
