#!/usr/bin/env bash
# SPEC §5.5: a new generation that never becomes ready. With on_failure = "pause" the
# rollout stops, instances already replaced stay new, the old ones keep serving with their
# pids, and `--wait` exits 1 with the reason. With "rollback" the program returns to the old
# generation everywhere.
source "$(dirname "$0")/lib.sh"

SERVER="$PYTHON $LIB_DIR/ready_server.py"
P1=$(free_port) P2=$(free_port)
mkdir -p "$T/gates-paused" "$T/gates-rolled"
# Each instance becomes ready only once its gate file exists (ready_server.py --gate).
touch "$T"/gates-paused/{0,1,2,3} "$T"/gates-rolled/{0,1,2,3}

# program NAME PORT ON_FAILURE: 4 gated instances on a tendd-owned socket, surge policy.
program() {
    cat <<EOF
[program.$1]
command = "exec $SERVER --listen-fds --notify --gate $T/gates-$1/{instance}"
instances = 4
ready = "notify"
ready_timeout = "2s"
restart_delay = "5m"
restart_delay_max = "5m"
stop_timeout = "5s"
sockets = ["tcp://127.0.0.1:$2"]

[program.$1.rollout]
max_unavailable = 0
max_surge = 1
min_ready = "1s"
on_failure = "$3"

EOF
}
{ program paused "$P1" pause; program rolled "$P2" rollback; } | write_config
start_tendd
assert_status 0 tend start --wait paused rolled
pid_list() { status_json "$1" | jq -r '[.[] | "\(.instance)=\(.pid)"] | join(" ")'; }
paused_before=$(pid_list paused)
rolled_before=$(pid_list rolled)

# Instance 2 of the next generation will wait for its gate forever.
rm "$T/gates-paused/2" "$T/gates-rolled/2"

say "pause"
assert_status 1 tend restart --rolling --wait paused
assert_contains "$ERR" "paused at 2 of 4 instance(s) on generation 2" "--wait says where it paused"
assert_contains "$ERR" "paused:2 (generation 2) did not become ready" "and which instance failed"
status=$(status_json paused)
assert_eq "$(jq length <<<"$status")" 4 "paused: still 4 instances"
assert_eq "$(jq -r '[.[] | "\(.instance):\(.generation)"] | join(" ")' <<<"$status")" \
    "0:2 1:2 2:1 3:1" "replaced instances keep generation 2, the rest generation 1"
assert_eq "$(jq -r '[.[].ready] | unique | join(",")' <<<"$status")" true "all 4 ready"
assert_eq "$(jq -r '.[0].rollout.state' <<<"$status")" paused "status shows the rollout paused"
before2=$(grep -o '2=[0-9]*' <<<"$paused_before") before3=$(grep -o '3=[0-9]*' <<<"$paused_before")
after=$(pid_list paused)
assert_contains "$after" "$before2" "instance 2 kept its old process"
assert_contains "$after" "$before3" "instance 3 kept its old process"
assert_contains "$(http_get "http://127.0.0.1:$P1/")" "instance" "the program still serves"
run tend status paused
assert_contains "$OUT" "paused: rollout paused (generation 2)" "human status prints the paused rollout"

say "rollback"
assert_status 1 tend restart --rolling --wait rolled
assert_contains "$ERR" "rolled back to generation 1" "--wait says it rolled back"
assert_contains "$ERR" "rolled:2 (generation 2) did not become ready" "and why"
status=$(status_json rolled)
assert_eq "$(jq length <<<"$status")" 4 "rolled: still 4 instances"
assert_eq "$(jq -r '[.[].generation] | unique | join(",")' <<<"$status")" 1 "all back on generation 1"
assert_eq "$(jq -r '[.[].ready] | unique | join(",")' <<<"$status")" true "all ready"
assert_eq "$(jq -r '.[0].rollout.state' <<<"$status")" "rolled back" "status shows the rollback"
after=$(pid_list rolled)
assert_contains "$after" "$(grep -o '2=[0-9]*' <<<"$rolled_before")" "instance 2 never stopped"
assert_contains "$after" "$(grep -o '3=[0-9]*' <<<"$rolled_before")" "instance 3 never stopped"
assert_contains "$(http_get "http://127.0.0.1:$P2/")" "instance" "the program still serves"

# Fixed: the next rollout gets a fresh generation number and completes.
touch "$T/gates-paused/2"
assert_status 0 tend restart --rolling --wait paused
assert_eq "$(status_json paused | jq -r '[.[].generation] | unique | join(",")')" 3 \
    "after the fix, generation 3 everywhere"
