#!/usr/bin/env bash
# SPEC §5.6 reload: `tend reload [--dry-run]` and SIGHUP. Policy-only changes restart nothing,
# `instances` 2->4 and 4->2 touch only the extra instances, a command change rolls (the
# listening socket stays), added programs start and removed ones stop, and an invalid config
# is rejected with FILE:LINE:COLUMN while nothing changes.
source "$(dirname "$0")/lib.sh"

SERVER="$PYTHON $LIB_DIR/ready_server.py"
PORT=$(free_port)

# config WORKER_INSTANCES WORKER_EXTRA WEB_GEN TAIL
config() {
    write_config <<EOF
[program.web]
command = "exec $SERVER --listen-fds --notify"
instances = 2
ready = "notify"
ready_timeout = "30s"
environment = { GEN = "$3" }
sockets = ["tcp://127.0.0.1:$PORT"]

[program.worker]
command = "exec sleep 300"
instances = $1
$2

$4
EOF
}
pids() { status_json "$1" | jq -r '[.[] | "\(.instance)=\(.pid)"] | join(" ")'; }

config 2 "" 1 $'[program.gone]\ncommand = "exec sleep 300"'
start_tendd
assert_status 0 tend start --wait web worker gone
web_before=$(pids web) worker_before=$(pids worker)
gone_pid=$(pid_of gone 0)
assert_contains "$(http_get "http://127.0.0.1:$PORT/")" "gen 1" "web serves generation 1's environment"

say "policy-only change"
config 2 'stop_signal = "INT"'$'\n''restart_delay = "2s"' 1 $'[program.gone]\ncommand = "exec sleep 300"'
assert_status 0 tend reload --dry-run
assert_contains "$OUT" "worker" "the dry run names worker"
assert_contains "$OUT" "live" "as a live change"
assert_contains "$OUT" "restart, stop_signal" "with its keys"
assert_contains "$OUT" "dry run" "and says nothing changed"
assert_status 0 tend reload --dry-run --json
assert_eq "$(jq -r '.programs[] | select(.name == "worker") | .change' <<<"$OUT")" live "--json plan"
assert_eq "$(jq -r '.applied' <<<"$OUT")" false "a dry run applies nothing"
assert_status 0 tend reload
assert_eq "$(pids worker)" "$worker_before" "a policy-only reload restarts nothing"
assert_eq "$(pids web)" "$web_before" "and leaves other programs alone"
# The new stop_signal is in force for the running process.
assert_status 0 tend stop --wait worker:1
assert_eq "$(sfield worker 1 .last_exit.signal)" INT "the running instance was stopped with the new stop_signal"
assert_status 0 tend start --wait worker:1
worker_before=$(pids worker)

say "scale 2 -> 4 -> 2"
config 4 'stop_signal = "INT"'$'\n''restart_delay = "2s"' 1 $'[program.gone]\ncommand = "exec sleep 300"'
assert_status 0 tend reload
assert_contains "$OUT" "scale" "the plan says scale"
wait_until 10 state_is worker 3 running
assert_contains "$(pids worker)" "$worker_before" "instances 0 and 1 kept their processes"
assert_eq "$(status_json worker | jq length)" 4 "worker has 4 instances"
config 2 'stop_signal = "INT"'$'\n''restart_delay = "2s"' 1 $'[program.gone]\ncommand = "exec sleep 300"'
assert_status 0 tend reload
wait_until 10 eval '[[ $(status_json worker | jq length) == 2 ]]'
assert_eq "$(pids worker)" "$worker_before" "4 -> 2 stopped only instances 2 and 3"

say "command change rolls; program added and removed"
config 2 'stop_signal = "INT"'$'\n''restart_delay = "2s"' 2 $'[program.extra]\ncommand = "exec sleep 300"'
assert_status 0 tend reload
assert_contains "$OUT" "rolling" "web rolls"
assert_contains "$OUT" "environment" "because its environment changed"
assert_contains "$OUT" "extra" "extra is started"
assert_contains "$OUT" "gone" "gone is stopped"
rollout_done() { [[ $(status_json web | jq -r '.[0].rollout.state') == complete ]]; }
wait_until 30 rollout_done
status=$(status_json web)
assert_eq "$(jq -r '[.[].generation] | unique | join(",")' <<<"$status")" 2 "web runs generation 2"
assert_eq "$(jq length <<<"$status")" 2 "with 2 instances"
for p in $web_before; do
    [[ " $(pids web) " != *" $p "* ]] || fail "web process $p of generation 1 still runs"
done
check "both web processes were replaced"
assert_contains "$(http_get "http://127.0.0.1:$PORT/")" "gen 2" "the same port serves the new environment"
wait_until 10 state_is extra 0 running
wait_until 10 gone "$gone_pid"
assert_status 1 tend status gone
assert_contains "$ERR" 'no program named "gone"' "the removed program is forgotten"
assert_eq "$(pids worker)" "$worker_before" "worker was not touched"

say "invalid config"
cp "$CONF" "$T/good.toml"
printf '\n[program.bad]\ncommand = "x"\ninstances = "many"\n' >>"$CONF"
bad_line=$(grep -n 'instances = "many"' "$CONF" | cut -d: -f1)
assert_status 65 tend reload
assert_contains "$ERR" "$CONF:$bad_line:" "the error names FILE:LINE"
assert_contains "$ERR" "the running config stays" "and says nothing changed"
assert_eq "$(pids worker)" "$worker_before" "worker untouched"
run tend status bad
assert_contains "$ERR" 'no program named "bad"' "the bad program was not added"

say "SIGHUP"
cp "$T/good.toml" "$CONF"
sed -i 's/^instances = 2$/instances = 3/' "$CONF"  # both programs: web scales, worker scales
kill -HUP "$TENDD_PID"
wait_until 10 state_is worker 2 running
assert_contains "$(pids worker)" "$worker_before" "SIGHUP scaled worker without touching 0 and 1"
grep -q "SIGHUP received: reloading the config" "$TENDD_ERR" || fail "tendd did not log the SIGHUP reload"
check "tendd logged the SIGHUP reload"
