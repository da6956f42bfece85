#!/usr/bin/env bash
# SPEC §8: no request does unbounded work in one loop turn. With 20,000 pending jobs behind a
# running one, `tend jobs -n 0` still prints every job, newest first, each with its exact
# queue position; tendd answers it in pages of at most 500 jobs (a raw request for
# "limit": 0 gets one page, not the queue), and other clients are answered between pages:
# a `tend status` answers while a listing is held open, half read. A client that pipelines
# requests without reading the replies gets one reply's work done at a time.
# (The timing, 200,000 jobs and four listers: tests/bench/bench_listing_stall.sh.)
# shellcheck source=SCRIPTDIR/lib.sh
source "$(dirname "$0")/lib.sh"

N=20000
PAGE=500
write_config <<'EOF'
[queue.default]
concurrency = 1
max_pending = 100000
EOF
start_tendd

say "one running job, then $N pending behind it"
assert_status 0 tend pause default
runner=$(tend submit --name runner -- sleep 1000)
seq 1 "$N" | sed 's/^/true item-/' | tend submit --stdin >"$T/ids"
assert_eq "$N" "$(wc -l <"$T/ids")" "ids printed by the bulk submit"
assert_status 0 tend resume default
wait_until 10 job_state_is "$runner" running

say "the whole list, as JSON"
tend jobs -n 0 --json >"$T/all.json"
# One pass of jq over the listing (it is large): count, order, positions, newest command.
# Newest first means ids runner+N down to runner, no gap, no repeat; job runner+k waits at
# position k of the queue.
mapfile -t facts < <(jq -r --argjson r "$runner" --argjson n "$N" '
    length,
    ([.[].id] == [range($r + $n; $r - 1; -1)]),
    ([.[] | select(.state == "pending")] | length),
    ([.[] | select(.state == "pending")
      | select(.waiting != "waiting for a slot: 1 of 1 running in queue default (position \(.id - $r))")]
      | length),
    (.[0].command | join(" "))' "$T/all.json")
assert_eq $((N + 1)) "${facts[0]}" "jobs listed by tend jobs -n 0 --json"
assert_eq true "${facts[1]}" "ids in order, newest first"
assert_eq "$N" "${facts[2]}" "pending jobs listed"
assert_eq 0 "${facts[3]}" "pending jobs whose position is not their place in the queue"
assert_eq "true item-$N" "${facts[4]}" "the newest job's command"

say "the table, and a limit above one page"
tend jobs -n 0 >"$T/all.txt"
assert_eq $((N + 2)) "$(wc -l <"$T/all.txt")" "lines of tend jobs -n 0 (a header and a row per job)"
run tend jobs -n 2500
assert_eq 0 "$RC" "status of tend jobs -n 2500"
assert_eq 2501 "$(count_lines "$OUT")" "lines of tend jobs -n 2500"
assert_contains "$ERR" "the newest 2500 shown" "tend jobs -n 2500's note"
tend jobs -n 2500 --json >"$T/2500.json"
assert_eq true "$(jq -n --slurpfile all "$T/all.json" --slurpfile some "$T/2500.json" \
    '[$all[0][:2500][].id] == [$some[0][].id]')" "tend jobs -n 2500 --json: the newest 2500"
assert_eq 3 "$(tend jobs -n 0 --json --state running --queue default | jq -c '[.[].id] | length + 2')" \
    "one running job found through every page of a filtered listing (+2)"

say "tendd answers one page per request, and other clients between pages"
"$PYTHON" - "$SOCK" "$runner" "$N" "$PAGE" <<'EOF' || fail "the paged protocol exchange failed"
import json, socket, sys
sock, runner, n, page = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
def conn():
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(sock)
    return s, s.makefile("rb")
def ask(c, cmd, args):
    c[0].sendall((json.dumps({"v": 1, "cmd": cmd, "args": args}) + "\n").encode())
    reply = json.loads(c[1].readline())
    assert reply["ok"], reply
    return reply["data"]
lister, other = conn(), conn()
first = ask(lister, "jobs", {"limit": 0})  # "all": one page, not the queue
assert len(first) == page, len(first)
assert [j["id"] for j in first] == list(range(runner + n, runner + n - page, -1))
huge = ask(lister, "jobs", {"limit": 10**9})
assert len(huge) == page, len(huge)
# Mid-listing, another client is answered.
assert isinstance(ask(other, "status", {}), list)
assert ask(other, "queues", {})[0]["pending"] == n
second = ask(lister, "jobs", {"limit": page, "before": first[-1]["id"]})
assert [j["id"] for j in second] == list(range(first[-1]["id"] - 1, first[-1]["id"] - 1 - page, -1))
last = ask(lister, "jobs", {"limit": page, "before": runner + 1})
assert [j["id"] for j in last] == [runner], last
for bad in ({"before": -1}, {"before": "x"}, {"limit": -5}, {"limit": 1.5}):
    lister[0].sendall((json.dumps({"v": 1, "cmd": "jobs", "args": bad}) + "\n").encode())
    r = json.loads(lister[1].readline())
    assert not r["ok"] and r["error"]["code"] == "bad_request", (bad, r)
print("paged exchange ok")
EOF
check "one page per request, status and queues answered between pages, bad cursors refused"

say "60 listing requests in one write, replies not read: one page of work at a time"
# Each reply is ~0.35 MB: all 60 at once would be 21 MB of work in one turn (and, with the
# replies unread, more than a client may hold: it would be dropped). tendd does the next only once the
# last reply is taken, so the client gets all 60, however slowly it reads.
"$PYTHON" - "$SOCK" "$T/piped.ready" "$T/piped.go" >"$T/piped.out" 2>&1 <<'EOF' &
import json, os, socket, sys, time
sock, ready, go = sys.argv[1], sys.argv[2], sys.argv[3]
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sock)
s.sendall(b'{"v":1,"cmd":"jobs","args":{"limit":0}}\n' * 60)
open(ready, "w").close()
while not os.path.exists(go):
    time.sleep(0.02)
f = s.makefile("rb")
sizes = []
for _ in range(60):
    line = f.readline()
    if not line:
        break
    sizes.append(len(json.loads(line)["data"]))
print("%d replies of %s jobs" % (len(sizes), sorted(set(sizes))))
EOF
piped=$!
wait_until 10 test -e "$T/piped.ready"
assert_status 0 tend status
touch "$T/piped.go"
wait "$piped" || fail "the pipelining client failed: $(cat "$T/piped.out")"
assert_eq "60 replies of [$PAGE] jobs" "$(cat "$T/piped.out")" "what the pipelining client got"

say "a listing held open half read does not hold other clients"
mkfifo "$T/fifo"
bg_start "$T/fifo" "${TEND[@]}" jobs -n 0 --json
lister=$BG_PID
exec 3<"$T/fifo"  # the listing can now write, but nothing reads it yet
assert_status 0 tend status
assert_status 0 tend queues
kill -0 "$lister" 2>/dev/null || fail "the listing finished although nobody read it"
check "tend status and tend queues answered while the listing was unfinished"
cat <&3 >"$T/held.json"
exec 3<&-
assert_eq $((N + 1)) "$(jq length "$T/held.json")" "jobs in the listing read after the status"
kill -0 "$TENDD_PID" || fail "tendd is gone"
assert_status 0 tend cancel "$runner"
