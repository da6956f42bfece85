#!/usr/bin/env bash
# SPEC §4 (--after, --key, exit 75), §6.1 (blocked), §6.4 (uniqueness keys, max_pending
# back-pressure, nothing half-stored): dependencies, their failure cascading to dependents,
# deduplication by key, and full queues.
source "$(dirname "$0")/lib.sh"

write_config <<'EOF2'
[queue.default]
concurrency = 4
max_attempts = 1

[queue.small]
concurrency = 1
max_pending = 2
max_attempts = 1
EOF2
start_tendd
# shellcheck disable=SC2163  # MARK is NAME=VALUE: jobs get the marker through the submitter
export "$MARK"

# out_job ID JQ_EXPR: a field of job ID in the array in $OUT (`tend wait --json` answers with
# the finished jobs' objects).
out_job() { jq -r --argjson id "$1" ".[] | select(.id == \$id) | $2" <<<"$OUT"; }
ms() { date -d "$1" +%s%3N; }
job_count() { tend jobs --json --limit 0 | jq length; }
# gated NAME: a command that waits until the file $T/NAME exists.
gated() { printf 'while [ ! -e "%s" ]; do sleep 0.05; done' "$T/$1"; }
# names ID TEXT: TEXT names job ID (as a whole number).
names() { [[ $2 =~ (^|[^0-9])$1([^0-9]|$) ]]; }

say "--after: B is blocked while A runs and starts only after A succeeded"
a=$(tend submit -- sh -c "$(gated gate-a)")
b=$(tend submit --after "$a" -- sh -c 'echo b-ran')
wait_until 20 job_state_is "$a" running
assert_status 0 tend show --json "$b"
assert_eq "blocked [$a] null" "$(jq -r '"\(.state) \(.after | tojson) \(.started_at)"' <<<"$OUT")" "B while A runs: state, after, started_at"
names "$a" "$(jq -r .waiting <<<"$OUT")" || fail "B's waiting does not name A ($a): $OUT"
check "B's waiting names A"
touch "$T/gate-a"
assert_status 0 tend wait --json "$a" "$b"
assert_eq "succeeded succeeded" "$(jq -r '[.[].state] | join(" ")' <<<"$OUT")" "A and B states"
a_fin=$(ms "$(out_job "$a" .finished_at)")
b_start=$(ms "$(out_job "$b" .started_at)")
((b_start >= a_fin)) || fail "B started at $b_start, before A finished at $a_fin"
check "B started $((b_start - a_fin)) ms after A finished"

say "--after two jobs: C waits for both"
a=$(tend submit -- sh -c "$(gated gate-a2)")
b=$(tend submit -- sh -c "$(gated gate-b2)")
c=$(tend submit --after "$a" --after "$b" -- true)
assert_eq "blocked [$a,$b]" "$(jfield "$c" '"\(.state) \(.after | tojson)"')" "C while A and B run: state, after"
touch "$T/gate-a2"
assert_status 0 tend wait "$a"
assert_status 0 tend show --json "$c"
assert_eq blocked "$(jq -r .state <<<"$OUT")" "C's state once only A is done"
waiting=$(jq -r .waiting <<<"$OUT")
names "$b" "$waiting" && ! names "$a" "$waiting" ||
    fail "C's waiting once only A is done should name job $b and not job $a: $waiting"
check "C's waiting names only B: $waiting"
touch "$T/gate-b2"
assert_status 0 tend wait --json "$b" "$c"
c_start=$(ms "$(out_job "$c" .started_at)")
b_fin=$(ms "$(out_job "$b" .finished_at)")
((c_start >= b_fin)) || fail "C started at $c_start, before B finished at $b_fin"
check "C started after both A and B finished"

say "A fails: B (after A) and C (after B) are cancelled, with reasons"
a=$(tend submit -- sh -c "$(gated gate-a3); exit 4")
b=$(tend submit --after "$a" -- sh -c "echo ran >>'$T/dependents-ran'")
c=$(tend submit --after "$b" -- sh -c "echo ran >>'$T/dependents-ran'")
assert_status 0 tend jobs --json --limit 2
assert_eq "blocked blocked" "$(jq -r '[.[].state] | join(" ")' <<<"$OUT")" "B and C while A runs"
touch "$T/gate-a3"
assert_status 4 tend wait --json "$a" "$b" "$c"
assert_eq "failed cancelled cancelled" "$(jq -r '[.[].state] | join(" ")' <<<"$OUT")" "A, B and C after A failed"
assert_eq "null null" "$(out_job "$b" .started_at) $(out_job "$c" .started_at)" "started_at of B and C"
reason=$(out_job "$b" .reason)
names "$a" "$reason" || fail "B's reason does not name A ($a): $reason"
assert_contains "$reason" "failed" "B's reason"
names "$b" "$(out_job "$c" .reason)" || fail "C's reason does not name B ($b): $(out_job "$c" .reason)"
check "C's reason names B: $(out_job "$c" .reason)"
[[ ! -e $T/dependents-ran ]] || fail "a dependent of the failed job ran"
check "no dependent of the failed job ran"
d=$(tend submit --after "$a" -- true)
assert_status 1 tend wait --json "$d"
assert_eq cancelled "$(out_job "$d" .state)" "a job submitted after an already failed job"
names "$a" "$(out_job "$d" .reason)" || fail "its reason does not name A ($a): $(out_job "$d" .reason)"
check "its reason names A"

say "cancelling a blocked job cancels its dependents, not its dependency"
a=$(tend submit -- sh -c "$(gated gate-a4)")
b=$(tend submit --after "$a" -- true)
c=$(tend submit --after "$b" -- true)
assert_status 0 tend cancel "$b"
touch "$T/gate-a4"
assert_status 1 tend wait --json "$a" "$b" "$c"
assert_eq "succeeded cancelled cancelled" "$(jq -r '[.[].state] | join(" ")' <<<"$OUT")" "A, B (cancelled) and C (after B)"
names "$b" "$(out_job "$c" .reason)" || fail "C's reason does not name B ($b): $(out_job "$c" .reason)"
check "C's reason names B"

say "--after a job that already succeeded: runs at once"
d=$(tend submit --after "$a" -- true)
assert_status 0 tend wait "$d"

say "--key: while the first job is pending/running, the same key gives the same id"
k1=$(tend submit --key report-42 -- sh -c "$(gated gate-k)")
wait_until 20 job_state_is "$k1" running
assert_status 0 tend submit --key report-42 -- sh -c 'echo second'
assert_eq "$k1" "$OUT" "id printed for a duplicate key (running)"
assert_contains "$ERR" "deduplicated" "stderr for a duplicate key"
assert_status 0 tend submit --json --key report-42 -- true
assert_eq "$k1 true false" "$(jq -r '"\(.id) \(.deduplicated) \(.spooled)"' <<<"$OUT")" "submit --json for a duplicate key"
assert_eq "[$k1]" "$(tend jobs --json | jq -c '[.[] | select(.key == "report-42") | .id]')" "ids of the jobs with the key (.key)"
other=$(tend submit --key report-43 -- true)
[[ $other != "$k1" ]] || fail "another key was deduplicated onto job $k1"
check "another key makes another job ($other)"
touch "$T/gate-k"
assert_status 0 tend wait "$k1" "$other"
assert_status 0 tend submit --json --key report-42 -- true
k2=$(jq -r .id <<<"$OUT")
assert_eq false "$(jq -r .deduplicated <<<"$OUT")" "submit --json .deduplicated once the first finished"
[[ $k2 != "$k1" ]] || fail "the key still returned finished job $k1"
check "a new job ($k2) once the first one finished"
assert_status 0 tend wait "$k2"
k3=$(tend submit --key later --in 1h -- true)
assert_status 0 tend submit --key later -- true
assert_eq "$k3" "$OUT" "id for a duplicate key (scheduled job)"
assert_status 0 tend cancel "$k3"
assert_status 0 tend pause small
k4=$(tend submit --queue small --key queued -- true)
assert_status 0 tend submit --queue small --key queued -- true
assert_eq "$k4" "$OUT" "id for a duplicate key (pending job)"
assert_status 0 tend cancel "$k4"

say "max_pending = 2: the 3rd submit is refused with 75"
# small is paused: nothing leaves the queue.
p1=$(tend submit --queue small -- true)
p2=$(tend submit --queue small -- true)
before=$(job_count)
assert_status 75 tend submit --queue small -- true
assert_contains "$ERR" "small" "stderr of a refused submit"
assert_contains "$ERR" "full" "stderr of a refused submit"
assert_eq "$before" "$(job_count)" "jobs after the refused submit"
assert_eq "$p2 $p1" "$(tend jobs --json --queue small --state pending | jq -r '[.[].id] | join(" ")')" "pending jobs of queue small"
assert_eq 2 "$(tend queues --json | jq '.[] | select(.name == "small") | .pending')" "queues: small pending"
assert_status 75 tend submit --queue small --json -- true
assert_status 0 tend submit --queue default -- true
check "another queue still takes jobs"

say "max_pending with a running job: running ones do not count, waiting ones do"
assert_status 0 tend cancel "$p1" "$p2"
r1=$(tend submit --queue small -- sh -c "$(gated gate-s)")
assert_status 0 tend resume small
wait_until 20 job_state_is "$r1" running
q1=$(tend submit --queue small -- true)
q2=$(tend submit --queue small -- true)
assert_status 75 tend submit --queue small -- true
assert_eq 2 "$(tend jobs --json --queue small --state pending | jq length)" "pending jobs of small behind a running one"

say "--stdin with more lines than room: refused as a whole"
touch "$T/gate-s"
assert_status 0 tend wait "$r1" "$q1" "$q2"
assert_status 0 tend pause small
before=$(job_count)
assert_status 75 tend submit --stdin --queue small <<<$'echo 1\necho 2\necho 3'
assert_contains "$ERR" "full" "stderr of a refused --stdin batch"
assert_eq "" "$OUT" "stdout of a refused --stdin batch (no ids)"
assert_eq "$before" "$(job_count)" "jobs after the refused batch (none half-stored)"
assert_eq 0 "$(tend jobs --json --queue small --state pending | jq length)" "pending jobs of small after the refused batch"
assert_status 0 tend submit --stdin --queue small --json <<<$'echo 1\necho 2'
assert_eq 2 "$(jq '.ids | length' <<<"$OUT")" "a batch that fits is taken"
assert_eq "$((before + 2))" "$(job_count)" "jobs after the batch that fits"
