#!/usr/bin/env bash
# SPEC §5.5 Probation: a release that says READY=1 and crashes a second later never replaces
# the old generation. Under constant load through a tendd-owned socket (max_surge 1,
# max_unavailable 0): `--wait` exits 1 with the reason, on_failure = "rollback" returns to the
# old generation and "pause" keeps it, and not one request fails. A good release completes only
# after every new instance was ready for min_ready.
source "$(dirname "$0")/lib.sh"

SERVER="$PYTHON $LIB_DIR/ready_server.py"
P1=$(free_port) P2=$(free_port)
# What the next spawn runs is read from files at each start (the command is a shell line):
# $T/gen-NAME is the generation label it serves, $T/flags-NAME extra server flags.
program() {  # NAME PORT ON_FAILURE
    echo 1 >"$T/gen-$1"
    : >"$T/flags-$1"
    cat <<EOF
[program.$1]
command = "GEN=\$(cat $T/gen-$1) exec $SERVER --listen-fds --notify \$(cat $T/flags-$1)"
instances = 2
ready = "notify"
ready_timeout = "10s"
stop_timeout = "5s"
sockets = ["tcp://127.0.0.1:$2"]

[program.$1.rollout]
max_unavailable = 0
max_surge = 1
min_ready = "3s"
on_failure = "$3"

EOF
}
{ program rolled "$P1" rollback; program paused "$P2" pause; } | write_config
start_tendd
assert_status 0 tend start --wait rolled paused
pid_list() { tend status --json "$1" | jq -r '[.[] | "\(.instance)=\(.pid)"] | join(" ")'; }
gens() { tend status --json "$1" | jq -r '[.[] | "\(.instance):\(.generation)"] | join(" ")'; }

assert_no_failures() {  # SUMMARY WHAT
    say "$2: $1"
    assert_eq 0 "$(jq .failed <<<"$1")" "$2: failed requests"
    assert_fcmp "$(jq .ok <<<"$1")" ">" 50 "$2: requests served"
}

say "a release that crashes 1s after READY=1, on_failure = rollback"
before=$(pid_list rolled)
echo 2 >"$T/gen-rolled"
echo "--crash-after 1" >"$T/flags-rolled"
load rolled "$P1"
assert_status 1 tend restart --rolling --wait rolled
summary=$(stop_load)
say "--wait: $ERR"
assert_contains "$ERR" "rolled back to generation 1" "--wait says it rolled back"
assert_contains "$ERR" "rolled:0 of generation 2 exited with code 3 after" "and which instance died"
assert_contains "$ERR" "ready (min_ready 3s)" "and that it died in probation"
assert_eq "0:1 1:1" "$(gens rolled)" "both instances on generation 1"
assert_eq "$before" "$(pid_list rolled)" "the old processes never stopped"
assert_eq "$(status_json rolled | jq -r '.[0].rollout.state')" "rolled back" "status: rolled back"
assert_eq true "$(status_json rolled | jq -r 'all(.[]; .ready)')" "all ready"
assert_no_failures "$summary" "rollback under load"
assert_fcmp "$(jq '.bodies["1"]' <<<"$summary")" ">" 0 "generation 1 served"

say "the same with on_failure = pause: the old generation keeps serving"
before=$(pid_list paused)
echo 2 >"$T/gen-paused"
echo "--crash-after 1" >"$T/flags-paused"
load paused "$P2"
assert_status 1 tend restart --rolling --wait paused
summary=$(stop_load)
say "--wait: $ERR"
assert_contains "$ERR" "paused at 0 of 2 instance(s) on generation 2" "--wait says it paused"
assert_contains "$ERR" "paused:0 of generation 2 exited with code 3 after" "and why"
assert_eq "0:1 1:1" "$(gens paused)" "both instances on generation 1"
assert_eq "$before" "$(pid_list paused)" "the old processes never stopped"
assert_eq paused "$(status_json paused | jq -r '.[0].rollout.state')" "status: paused"
assert_no_failures "$summary" "pause under load"

say "a good release completes only after each new instance was ready for min_ready"
echo 3 >"$T/gen-rolled"
: >"$T/flags-rolled"
load rolled "$P1"
t0=$(now)
assert_status 0 tend restart --rolling --wait rolled
took=$(elapsed_since "$t0")
summary=$(stop_load)
say "good release took ${took}s"
assert_fcmp "$took" ">=" 6 "two instances in turn, 3s of probation each"
assert_eq "0:3 1:3" "$(gens rolled)" "both instances on generation 3"
assert_eq complete "$(status_json rolled | jq -r '.[0].rollout.state')" "status: complete"
assert_no_failures "$summary" "good release under load"
assert_fcmp "$(jq '.bodies["3"]' <<<"$summary")" ">" 0 "generation 3 served"
