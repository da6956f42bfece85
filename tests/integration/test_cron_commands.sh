#!/usr/bin/env bash
# SPEC §4/§7 cron commands: `tend cron next` without a daemon, `tend check` of [cron.*],
# `tend cron add` (stored, survives a restart), `remove` (a config entry is refused), `run`,
# `list`, overlap = replace, and the reserved cron: job keys.
source "$(dirname "$0")/lib.sh"

say "tend cron next works without a daemon"
assert_status 0 tend cron next '30 2 * * *' --tz America/New_York --from 2026-03-07T00:00:00-05:00 -n 3
assert_eq "2026-03-07T02:30:00-05:00
2026-03-08T03:00:00-04:00
2026-03-09T02:30:00-04:00" "$OUT" "a fixed time across New York's spring-forward gap"
assert_status 0 tend cron next '*/30 1 * * *' --tz America/New_York --from 2026-11-01T00:00:00-04:00 -n 4
assert_eq "2026-11-01T01:00:00-04:00
2026-11-01T01:30:00-04:00
2026-11-01T01:00:00-05:00
2026-11-01T01:30:00-05:00" "$OUT" "both passes of New York's repeated hour"
assert_status 0 tend cron next '@daily' --tz Europe/Berlin --from '2026-10-24 12:00' -n 2 --json
assert_eq '["2026-10-25T00:00:00+02:00","2026-10-26T00:00:00+01:00"]' "$(jq -c .times <<<"$OUT")" "--json times"
assert_eq "Europe/Berlin" "$(jq -r .timezone <<<"$OUT")" "--json timezone"
assert_status 65 tend cron next '0 0 30 2 *'
assert_contains "$ERR" "can never fire" "a never-firing expression"
assert_status 65 tend cron next '0 24 * * *'
assert_contains "$ERR" "hour" "an hour out of range"
assert_status 65 tend cron next '0 0 * * *' --tz Mars/Olympus
assert_contains "$ERR" "Mars/Olympus" "an unknown zone"
assert_status 2 tend cron next '0 0 * * *' --from yesterday
assert_contains "$ERR" "--from" "a bad --from"
assert_status 69 tend cron next nightly
check "an entry name needs the daemon"

say "tend check reports [cron.*] errors with their position"
write_config <<'EOF'
[cron.bad]
schedule = "0 0 31 4 *"
timezone = "Europe/Nowhere"
command = ["true"]
queue = "missing"
overlap = "sometimes"
catch_up = "later"
EOF
assert_status 65 tend check "$CONF"
assert_contains "$ERR" "tend.toml:2:" "the schedule's position"
assert_contains "$ERR" "can never fire" "the schedule's error"
assert_contains "$ERR" "tend.toml:3:" "the timezone's position"
assert_contains "$ERR" "Europe/Nowhere" "the timezone's error"
assert_contains "$ERR" "no [queue.missing]" "the queue's error"
assert_contains "$ERR" "\"overlap\" must be skip, allow or replace" "the overlap's error"
assert_contains "$ERR" "\"catch_up\" must be none, latest or all" "the catch_up's error"

write_config <<'EOF'
[queue.batch]
concurrency = 1

[cron.nightly]
schedule = "0 3 * * *"
timezone = "Europe/Berlin"
command = ["/bin/echo", "report"]
queue = "batch"
EOF
assert_status 0 tend check "$CONF"
start_tendd

say "tend cron add, list, next NAME, run"
assert_status 0 tend cron add hourly '0 * * * *' --tz Australia/Lord_Howe --overlap allow -- /bin/echo hello
assert_contains "$OUT" "added cron entry hourly" "tend cron add's output"
assert_status 0 tend cron list --json
assert_eq "hourly cli Australia/Lord_Howe allow
nightly config Europe/Berlin skip" "$(jq -r '.[] | "\(.name) \(.source) \(.timezone) \(.overlap)"' <<<"$OUT")" "entries"
assert_eq "null" "$(jq -r '.[] | select(.name == "hourly") | .last_fire' <<<"$OUT")" "a new entry's last fire"
next_fire=$(jq -r '.[] | select(.name == "hourly") | .next_fire' <<<"$OUT")
assert_contains "$next_fire" ":00:00+1" "hourly's next fire in Lord Howe (+10:30 or +11:00)"
assert_status 0 tend cron next hourly -n 2
assert_eq "$next_fire" "$(head -n 1 <<<"$OUT")" "tend cron next NAME agrees with the list"
assert_status 0 tend cron list
assert_contains "$OUT" "NEXT FIRE" "the table's header"
assert_status 1 tend cron add hourly '0 * * * *' -- true
assert_contains "$ERR" "already exists" "adding an entry twice"
assert_status 65 tend cron add broken '0 0 30 2 *' -- true
assert_contains "$ERR" "can never fire" "adding a never-firing entry"
assert_status 65 tend cron add nozone '0 0 * * *' --tz Nowhere/Land -- true
assert_contains "$ERR" "Nowhere/Land" "adding an entry in an unknown zone"
assert_status 65 tend cron add noqueue '0 0 * * *' --queue missing -- true
assert_contains "$ERR" "missing" "adding an entry for an unknown queue"

assert_status 0 tend cron run hourly --wait
check "tend cron run --wait exits with the job's status"
assert_status 0 tend cron list --json
run_job=$(jq -r '.[] | select(.name == "hourly") | .last_job.id' <<<"$OUT")
assert_eq "succeeded" "$(jq -r '.[] | select(.name == "hourly") | .last_job.state' <<<"$OUT")" "the run's result in the list"
assert_status 0 tend logs "$run_job"
assert_contains "$OUT" "hello" "the run's output"

say "a run killed by a signal: its name in the list, as in tend show"
assert_status 0 tend cron add killed '0 0 * * *' -- sh -c 'kill -TERM $$'
assert_status 143 tend cron run killed --wait
assert_status 0 tend cron list --json
assert_eq TERM "$(jq -r '.[] | select(.name == "killed") | .last_job.exit_status.signal' <<<"$OUT")" \
    "the signal of the last job in tend cron list --json"
assert_status 0 tend cron remove killed
assert_status 0 tend show --json "$run_job"
assert_eq "hourly" "$(jq -r .name <<<"$OUT")" "the run's job name"

say "a config entry cannot be removed from the CLI"
assert_status 1 tend cron remove nightly
assert_contains "$ERR" "$CONF" "the refusal names the config file"
assert_status 1 tend cron remove nosuch
assert_contains "$ERR" "no cron entry named nosuch" "removing an unknown entry"

say "a CLI entry survives a restart"
assert_status 0 tend shutdown
wait_tendd_exit 15
start_tendd
assert_status 0 tend cron list --json
assert_eq "hourly nightly" "$(jq -r '[.[].name] | join(" ")' <<<"$OUT")" "entries after the restart"
assert_eq "$run_job" "$(jq -r '.[] | select(.name == "hourly") | .last_job.id' <<<"$OUT")" "hourly's last job after the restart"
assert_eq "$next_fire" "$(jq -r '.[] | select(.name == "hourly") | .next_fire' <<<"$OUT")" "hourly's next fire after the restart"
assert_status 0 tend cron remove hourly
assert_status 0 tend cron list --json
assert_eq "nightly" "$(jq -r '[.[].name] | join(" ")' <<<"$OUT")" "entries after the remove"
# Through a compaction too (the entries are carried in its head).
assert_status 0 tend cron add again '@every 1h' -- true
inode_before=$(stat -c %i "$STATE/jobs.log")
echo '{"v":1,"cmd":"compact","args":{}}' | "$PYTHON" "$LIB_DIR/rawclient.py" exchange "$SOCK" >/dev/null
log_replaced() { [[ $(stat -c %i "$STATE/jobs.log") != "$inode_before" ]]; }
wait_until 20 log_replaced
check "jobs.log was compacted (a new file)"
assert_status 0 tend shutdown
wait_tendd_exit 15
start_tendd
assert_status 0 tend cron list --json
assert_eq "again nightly" "$(jq -r '[.[].name] | join(" ")' <<<"$OUT")" "entries after a compaction and a restart"

say "overlap = replace cancels the running job"
# shellcheck disable=SC2163  # MARK is NAME=VALUE: the entry's jobs get the cleanup marker
export "$MARK"
assert_status 0 tend cron add repl '* * * * * *' --overlap replace -- sleep 30
replaced_one() { [[ $(tend jobs --limit 0 --json | jq '[.[] | select(.name == "repl" and .state == "cancelled")] | length') -ge 1 ]]; }
wait_until 20 replaced_one
cancelled=$(tend jobs --limit 0 --json | jq -r '[.[] | select(.name == "repl" and .state == "cancelled")][0].id')
assert_status 0 tend show --json "$cancelled"
assert_contains "$(jq -r .reason <<<"$OUT")" "overlap = replace" "the replaced job's reason"
assert_status 0 tend cron remove repl
running=$(tend jobs --state running --json | jq '[.[] | select(.name == "repl")] | length')
assert_eq 1 "$running" "repl jobs running after the replace (the newest only)"

say "cron: job keys are reserved"
assert_status 2 tend submit --key cron:nightly:2026-01-01T03:00:00+01:00 -- true
assert_contains "$ERR" "reserved" "a submit with a cron: key"

say "jitter delays a tick's job; its key stays the nominal tick"
assert_status 0 tend cron add jit '* * * * * *' --jitter 1h --overlap allow -- true
jit_job() { [[ $(tend jobs --limit 0 --json | jq '[.[] | select(.name == "jit")] | length') -ge 1 ]]; }
wait_until 20 jit_job
assert_status 0 tend cron remove jit
job=$(tend jobs --limit 0 --json | jq -r '[.[] | select(.name == "jit")] | min_by(.id) | .id')
assert_status 0 tend show --json "$job"
assert_eq scheduled "$(jq -r .state <<<"$OUT")" "the jittered job's state"
tick=$(date -d "$(jq -r '.key | sub("^cron:jit:"; "")' <<<"$OUT")" +%s)
run_at=$(date -d "$(jq -r .run_at <<<"$OUT")" +%s)
assert_fcmp "$run_at" ">=" "$tick" "run_at is not before the tick"
assert_fcmp "$run_at" "<" "$((tick + 3600))" "run_at is within the jitter"
