#!/usr/bin/env bash
# SPEC §10: [http] serves /metrics from the event loop. The exposition passes `promtool check
# metrics`, and after a known sequence (submit, run, fail, crash, restart) its values equal what
# `tend status --json` and `tend queues --json` say. /api/* answers what the CLI's --json says.
# shellcheck source=SCRIPTDIR/lib.sh
source "$(dirname "$0")/lib.sh"

command -v curl >/dev/null || skip "needs curl"
command -v promtool >/dev/null || skip "needs promtool (Debian package prometheus)"

HSOCK=$T/http.sock
write_config <<EOF
[http]
listen = "unix:$HSOCK"

[program.web]
command = ["sleep", "1000"]
instances = 2

[program.crashy]
command = ["sh", "-c", "exit 3"]
restart_delay = "50ms"
crash_limit = 3
crash_window = "60s"
cooldown = "1h"

[queue.work]
concurrency = 2
retry_delay = "10ms"
retry_delay_max = "10ms"

[cron.nightly]
schedule = "0 3 * * *"
command = "true"
EOF
start_tendd

hget() { curl -sS --max-time 5 --unix-socket "$HSOCK" "http://localhost$1"; }
hcode() { curl -s -o /dev/null -w '%{http_code}' --max-time 5 --unix-socket "$HSOCK" "http://localhost$1"; }
# metric 'NAME{LABELS}': the value of one sample of the last scrape ($M), or "absent".
metric() { awk -v k="$1" '$1 == k { print $2; found = 1 } END { if (!found) print "absent" }' <<<"$M"; }

say "the server answers on its Unix socket"
assert_eq ok "$(hget /healthz)" "/healthz"
assert_eq 600 "$(stat -c %a "$HSOCK")" "mode of the HTTP socket of a user instance"

say "the known sequence: jobs succeed and fail, crashy crash-loops into cooldown, web:0 restarts"
ok1=$(tend submit -- echo hello-http)
ok2=$(tend submit --queue work -- true)
bad=$(tend submit -- sh -c 'exit 2')
dup=$(tend submit --key k1 -- sleep 0.5)
dup2=$(tend submit --key k1 -- sleep 0.5)
dead=$(tend submit --queue work --attempts 2 -- false)
assert_eq "$dup" "$dup2" "a submit with the same key answers the same job"
run tend wait "$ok1" "$ok2" "$dup" "$bad"
wait_until 10 job_state_is "$bad" failed
wait_until 10 job_state_is "$dead" dead
wait_until 10 job_state_is "$dup" succeeded
wait_until 10 state_is crashy 0 cooldown
web0=$(pid_of web 0)
assert_status 0 tend restart web:0 --wait
[[ $(pid_of web 0) != "$web0" ]] || fail "web:0 did not restart"

say "promtool accepts the exposition"
M=$(hget /metrics)
promtool check metrics <<<"$M" >"$T/promtool.out" 2>&1 || fail "promtool check metrics: $(cat "$T/promtool.out")"
[[ ! -s $T/promtool.out ]] || fail "promtool had remarks: $(cat "$T/promtool.out")"
for fam in tend_build_info tend_program_instances tend_program_restarts_total tend_queue_jobs \
    tend_job_wait_seconds tend_job_run_seconds tend_cron_fires_total tend_store_commit_seconds \
    tend_event_loop_lag_seconds tend_http_requests_total process_open_fds; do
    assert_eq 1 "$(grep -c "^# TYPE $fam " <<<"$M")" "TYPE lines of $fam"
done

say "the values equal tend status --json and tend queues --json"
S=$(status_json)
Q=$(tend queues --json)
M=$(hget /metrics)
assert_eq "$(jq '[.[] | select(.program == "crashy") | .restarts] | add' <<<"$S")" \
    "$(metric 'tend_program_restarts_total{program="crashy",reason="crash"}')" "crashy's crash restarts"
assert_eq 3 "$(metric 'tend_program_exits_total{program="crashy",how="code_nonzero"}')" "crashy's exits"
assert_eq 1 "$(metric 'tend_program_instances{program="crashy",state="cooldown"}')" "crashy in cooldown"
assert_eq "$(jq '[.[] | select(.program == "web") | .manual_restarts] | add' <<<"$S")" \
    "$(metric 'tend_program_restarts_total{program="web",reason="manual"}')" "web's manual restarts"
assert_eq 1 "$(metric 'tend_program_exits_total{program="web",how="signal"}')" "web's exits (TERM)"
assert_eq 2 "$(metric 'tend_program_instances{program="web",state="running"}')" "web running"
for i in 0 1; do
    up=$(jq --argjson i "$i" '[.[] | select(.program == "web" and .instance == $i) | .pid != null] | if .[0] then 1 else 0 end' <<<"$S")
    assert_eq "$up" "$(metric "tend_program_instance_up{program=\"web\",instance=\"$i\"}")" "web:$i up"
    assert_eq "$(jq --argjson i "$i" '.[] | select(.program == "web" and .instance == $i) | .generation' <<<"$S")" \
        "$(metric "tend_program_instance_generation{program=\"web\",instance=\"$i\"}")" "web:$i generation"
done
for q in default work; do
    qj() { jq --arg q "$q" ".[] | select(.name == \$q) | $1" <<<"$Q"; }
    assert_eq "$(qj .concurrency)" "$(metric "tend_queue_concurrency{queue=\"$q\"}")" "$q concurrency"
    assert_eq "$(qj .running)" "$(metric "tend_jobs_running{queue=\"$q\"}")" "$q running"
    assert_eq "$(qj .runnable)" "$(metric "tend_queue_jobs{queue=\"$q\",state=\"pending\"}")" "$q pending"
    assert_eq "$(qj .dead)" "$(metric "tend_queue_jobs{queue=\"$q\",state=\"dead\"}")" "$q dead"
    assert_eq "$(qj .succeeded)" "$(metric "tend_jobs_finished_total{queue=\"$q\",state=\"succeeded\"}")" "$q succeeded"
    failed=$(awk -v q="queue=\"$q\"" -F'[{} ]' '$1 == "tend_jobs_finished_total" && index($2, q) && $2 !~ /succeeded/ { s += $4 } END { print s + 0 }' <<<"$M")
    assert_eq "$(qj .failed)" "$failed" "$q finished otherwise"
done
assert_eq 3 "$(metric 'tend_jobs_submitted_total{queue="default",source="cli"}')" "submits to default"
assert_eq 2 "$(metric 'tend_jobs_submitted_total{queue="work",source="cli"}')" "submits to work"
assert_eq 1 "$(metric 'tend_queue_jobs{queue="work",state="dead"}')" "dead jobs in work"
assert_eq 1 "$(metric 'tend_jobs_deduplicated_total{queue="default"}')" "deduplicated submits"
assert_eq 2 "$(metric 'tend_job_runs_total{queue="default",outcome="succeeded"}')" "runs ok in default"
assert_eq 1 "$(metric 'tend_job_runs_total{queue="default",outcome="failed"}')" "runs failed in default"
assert_eq 3 "$(metric 'tend_job_run_seconds_count{queue="default"}')" "run-time observations"
assert_eq 3 "$(metric 'tend_job_wait_seconds_bucket{queue="default",le="+Inf"}')" "wait-time observations"
[[ $(metric 'tend_cron_next_fire_timestamp_seconds{cron="nightly"}') != absent ]] || fail "no next fire for nightly"
assert_eq 0 "$(metric 'tend_spool_files')" "spool files in flight (none: the spool is caught up)"
[[ $(metric 'tend_store_log_bytes') -gt 0 ]] || fail "tend_store_log_bytes: $(metric tend_store_log_bytes)"
[[ $(metric 'tend_http_requests_total{route="metrics",code="200"}') -ge 1 ]] || fail "HTTP requests of /metrics not counted"
[[ $(metric 'tend_control_requests_total{command="submit",result="ok"}') == 6 ]] ||
    fail "control submits counted: $(metric 'tend_control_requests_total{command="submit",result="ok"}')"

say "the JSON API answers what the CLI's --json says"
assert_eq "$(tend queues --json | jq -c '[.[] | {name, concurrency, succeeded, failed}]')" \
    "$(hget /api/queues | jq -c '[.[] | {name, concurrency, succeeded, failed}]')" "/api/queues"
assert_eq "$(tend show --json "$bad" | jq -c '{id, state, command}')" \
    "$(hget "/api/jobs/$bad" | jq -c '{id, state, command}')" "/api/jobs/$bad"
assert_eq "$(tend jobs --json -n 2 | jq -c '[.[].id]')" "$(hget '/api/jobs?limit=2' | jq -c '[.[].id]')" "/api/jobs?limit=2"
assert_eq "$(tend jobs --json --state failed | jq -c '[.[].id]')" "$(hget '/api/jobs?state=failed' | jq -c '[.[].id]')" "/api/jobs?state=failed"
assert_eq "$(tend version --json | jq -r .daemon)" "$(hget /api/version | jq -r .version)" "/api/version (the daemon's version)"
assert_eq "$(tend cron list --json | jq -c '[.[].name]')" "$(hget /api/cron | jq -c '[.[].name]')" "/api/cron"
assert_eq "$(status_json | jq -c '[.[] | {program, instance, generation}]')" \
    "$(hget /api/status | jq -c '[.[] | {program, instance, generation}]')" "/api/status"
assert_contains "$(hget "/api/jobs/$ok1/log")" "hello-http" "/api/jobs/$ok1/log"
assert_eq 1 "$(hget "/api/jobs/$ok1/log?tail=1" | wc -l)" "lines of /api/jobs/$ok1/log?tail=1"
assert_eq 404 "$(hcode /api/jobs/99999)" "an unknown job"
assert_eq 404 "$(hcode /api/jobs/99999/log)" "the log of an unknown job"
assert_eq 400 "$(hcode '/api/jobs?state=nonsense')" "a bad state filter"
assert_eq 404 "$(hcode /nonsense)" "an unknown path"

say "a reload that removes [http] closes the socket"
sed -i '/^\[http\]/,/^$/d' "$CONF"
assert_status 0 tend reload
wait_until 5 test ! -e "$HSOCK"
