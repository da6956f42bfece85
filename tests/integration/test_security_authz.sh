#!/usr/bin/env bash
# SPEC §8 authorization (issue 13 item 7), from the attacker's side: a root tendd as a system
# instance with socket_group and admin_group. bob (socket_group) cannot touch alice's or root's
# jobs and cron entries, squat root's keys, read others' commands, or control programs, queues
# (`tend queue set`) and the daemon; each refusal leaves the state as it was. carol
# (admin_group) can; mallory (no group) cannot connect at all.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/users.sh"
need_root

users_g=$(make_group)
admins_g=$(make_group)
alice=$(make_user "$users_g")
bob=$(make_user "$users_g")
carol=$(make_user "$admins_g")
mallory=$(make_user)

write_config <<EOF2
[daemon]
socket_group = "$users_g"
admin_group = "$admins_g"

[program.web]
command = ["sleep", "300"]

[queue.held]
concurrency = 1

[cron.rootcron]
schedule = "0 0 1 1 *"
command = ["true"]
EOF2
chmod 711 "$T"
start_tendd
wait_until 5 state_is web 0 running
web_pid=$(pid_of web 0)
tend pause held >/dev/null
public_bins

# refused USER ARGS...: `tend ARGS` as USER exits 1 with "permission denied".
refused() {
    local u=$1
    shift
    as_user_tend "$u" "$@"
    [[ $RC == 1 ]] || fail "tend $* as ${u}: exit $RC, expected 1 (refused); out: $OUT; err: $ERR"
    assert_contains "$ERR" "permission denied" "tend $* as the attacker"
}
# allowed USER ARGS...: `tend ARGS` as USER exits 0 (output in OUT).
allowed() {
    local u=$1
    shift
    as_user_tend "$u" "$@"
    [[ $RC == 0 ]] || fail "tend $* as ${u}: exit $RC, expected 0; out: $OUT; err: $ERR"
    check "tend $* is allowed"
}
jobs_count() { tend jobs --json -n 0 | jq length; }

# --- jobs: root's and alice's, pending and finished ------------------------------------------
root_job=$(tend submit --queue held -- echo root-secret)
allowed "$alice" submit --queue held -- echo alice-secret
alice_job=$OUT
allowed "$alice" submit -- false
alice_failed=$OUT
wait_until 10 job_state_is "$alice_failed" failed
assert_eq "$(id -u "$alice")" "$(jfield "$alice_job" .uid)" "alice's job's owner"

say "bob acts on alice's and root's jobs"
for j in "$alice_job" "$root_job"; do
    refused "$bob" cancel "$j"
    refused "$bob" show "$j"
    refused "$bob" logs "$j"
    refused "$bob" wait "$j"
    assert_eq pending "$(jfield "$j" .state)" "job $j's state after bob's attempts"
done
refused "$bob" retry "$alice_failed"
assert_eq failed "$(jfield "$alice_failed" .state)" "alice's failed job after bob's retry"

say "bob acts on his own jobs"
allowed "$bob" submit --queue held -- echo bob-own
bob_job=$OUT
allowed "$bob" show "$bob_job"
allowed "$bob" cancel "$bob_job"
assert_eq cancelled "$(jfield "$bob_job" .state)" "bob's own job after his cancel"
allowed "$bob" retry "$bob_job"

say "listings hide other users' commands"
allowed "$bob" jobs --json -n 0
listing=$OUT
assert_eq "null null" "$(jq -r --argjson id "$alice_job" \
    '.[] | select(.id == $id) | "\(.command) \(.cwd)"' <<<"$listing")" "alice's job seen by bob"
assert_eq "null null" "$(jq -r --argjson id "$root_job" \
    '.[] | select(.id == $id) | "\(.command) \(.cwd)"' <<<"$listing")" "root's job seen by bob"
assert_not_contains "$listing" "secret" "bob's listing"
assert_contains "$(jq -c --argjson id "$bob_job" '.[] | select(.id == $id) | .command' \
    <<<"$listing")" "bob-own" "bob's own job in his listing"
allowed "$bob" jobs -n 0
assert_not_contains "$OUT" "secret" "bob's table of jobs"
assert_contains "$OUT" "(a job of uid 0)" "root's job in bob's table of jobs"
allowed "$carol" jobs --json -n 0
assert_contains "$OUT" "alice-secret" "carol's (admin) listing"

say "keys are per user: bob cannot squat root's key"
allowed "$bob" submit --queue held --key deploy -- echo squat
bob_keyed=$OUT
root_keyed=$(tend submit --queue held --key deploy -- echo real)
[[ $root_keyed != "$bob_keyed" ]] || fail "root's submit was deduplicated against bob's key"
check "root's --key deploy is job $root_keyed, not bob's $bob_keyed"
assert_eq "$root_keyed" "$(tend submit --queue held --key deploy -- echo again)" \
    "root's second submit with his own key (deduplicated)"

say "cron entries: the config's and alice's"
n=$(jobs_count)
refused "$bob" cron run rootcron
allowed "$alice" cron add mine '0 0 1 1 *' -- true
refused "$bob" cron run mine
refused "$bob" cron remove mine
assert_eq "$n" "$(jobs_count)" "number of jobs after bob's cron runs"
assert_contains "$(tend cron list --json | jq -r '.[].name')" "mine" "alice's entry after bob's remove"
allowed "$alice" cron run mine
allowed "$bob" cron list --json
assert_eq null "$(jq -c '.[] | select(.name == "mine") | .command' <<<"$OUT")" \
    "alice's entry's command seen by bob"

say "bob controls programs and the daemon"
refused "$bob" stop web
refused "$bob" restart web
refused "$bob" signal KILL web
refused "$bob" logs web
refused "$bob" reload
refused "$bob" pause default
refused "$bob" resume held
conc_before=$(tend queues --json | jq -r '.[] | select(.name == "default") | .concurrency')
refused "$bob" queue set default concurrency=1
assert_eq "$conc_before" "$(tend queues --json | jq -r '.[] | select(.name == "default") | .concurrency')" \
    "default's concurrency after bob's queue set"
refused "$bob" shutdown
assert_eq "$web_pid" "$(pid_of web 0)" "web's pid after bob's attempts"
assert_eq "false true" "$(tend queues --json | jq -r '[.[] | select(.name == "default" or .name == "held") | .paused] | join(" ")')" \
    "paused: default, held"
kill -0 "$TENDD_PID" || fail "tendd is gone after bob's shutdown"
allowed "$bob" status
allowed "$bob" events web
allowed "$bob" queues

say "mallory cannot connect"
as_user_tend "$mallory" status
[[ $RC != 0 ]] || fail "mallory's tend status succeeded: $OUT"
check "mallory's tend status fails ($ERR)"
# What tendd answers (the CLI may see the close first, as "Broken pipe").
cp "$LIB_DIR/rawclient.py" "$PUB_BIN/" && chmod a+r "$PUB_BIN/rawclient.py"
run as_user "$mallory" "$PYTHON" "$PUB_BIN/rawclient.py" exchange "$SOCK" </dev/null
assert_eq "forbidden" "$(head -n 1 <<<"$OUT" | jq -r .error.code)" "tendd's answer to mallory"
assert_contains "$OUT" "permission denied" "tendd's answer to mallory"
as_user_tend "$mallory" submit -- true
[[ $RC != 0 ]] || fail "mallory's submit succeeded: $OUT"

say "carol (admin_group) may do everything"
allowed "$carol" cancel "$alice_job"
assert_eq cancelled "$(jfield "$alice_job" .state)" "alice's job after carol's cancel"
allowed "$carol" cron run rootcron
allowed "$carol" restart web --wait
[[ $(pid_of web 0) != "$web_pid" ]] || fail "carol's restart did not restart web"
check "carol restarted web"
allowed "$carol" pause default
allowed "$carol" queue set held concurrency=3
assert_eq 3 "$(tend queues --json | jq -r '.[] | select(.name == "held") | .concurrency')" \
    "held's concurrency after carol's queue set"
allowed "$carol" shutdown
wait_tendd_exit 20
say "passed"
