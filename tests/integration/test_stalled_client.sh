#!/usr/bin/env bash
# SPEC §8: a slow or malicious client never stalls the event loop. Clients that connect and
# stall (partial line, nothing at all, nearly 64 KiB without a newline, a flood of requests
# whose replies are never read) do not keep `tend status` from being served promptly.
source "$(dirname "$0")/lib.sh"

write_config <<'EOF2'
[program.idle]
command = ["sleep", "300"]
EOF2
start_tendd
wait_until 5 state_is idle 0 running
RAW=("$PYTHON" "$LIB_DIR/rawclient.py")

bg_start "$T/stall1.out" "${RAW[@]}" stall "$SOCK" "$T/stall1.ready" '{"v":1,"cmd":"sta'
stall1=$BG_PID
bg_start "$T/stall2.out" "${RAW[@]}" stall "$SOCK" "$T/stall2.ready"
stall2=$BG_PID
big=$(head -c 60000 /dev/zero | tr '\0' 'q')
bg_start "$T/stall3.out" "${RAW[@]}" stall "$SOCK" "$T/stall3.ready" "{\"v\":1,\"cmd\":\"status\",\"args\":{\"x\":\"$big"
stall3=$BG_PID
bg_start "$T/flood.out" "${RAW[@]}" flood "$SOCK" "$T/flood.ready" 20000
flood=$BG_PID
for f in stall1 stall2 stall3 flood; do wait_until 10 test -e "$T/$f.ready"; done
say "4 stalled clients connected (the flood sent $(<"$T/flood.ready") requests it never reads)"

# served_promptly WHAT CMD...: CMD must succeed within 5s (timeout), in well under 2s.
served_promptly() {
    local what=$1
    shift
    local t0 took
    t0=$(now)
    run timeout 5 "$@"
    took=$(elapsed_since "$t0")
    [[ $RC == 0 ]] || fail "$what failed (status $RC, 124 = not answered within 5s): $ERR"
    assert_fcmp "$took" "<" 2 "seconds for $what while clients stall"
}
for i in 1 2 3; do
    served_promptly "tend status (#$i)" "${TEND[@]}" status --json
    assert_eq running "$(jq -r '.[0].state' <<<"$OUT")" "state in that reply"
done
served_promptly "tend stop --wait" "${TEND[@]}" stop --wait idle
served_promptly "tend start --wait" "${TEND[@]}" start --wait idle
assert_eq running "$(sfield idle 0 .state)" "idle's state"

say "the stalled clients are still connected (they are dropped only after 60s idle)"
for p in "$stall1" "$stall2" "$stall3"; do
    kill -0 "$p" || fail "stalled client $p died"
done
# Their sockets are still open on the daemon's side: tendd holds a socket per client.
socks=$(find /proc/"$TENDD_PID"/fd -lname 'socket:*' | wc -l)
assert_fcmp "$socks" ">=" 4 "sockets held by tendd (listener + the 3 stalled clients)"

say "a client that sends half a request and then the rest is served"
{ printf '{"v":1,"cmd":'; sleep 0.3; printf '"status","args":{}}\n'; } | "${RAW[@]}" exchange "$SOCK" >"$T/split.out"
assert_eq true "$(head -n1 "$T/split.out" | jq -r .ok)" "reply to a request sent in two parts"

for p in "$stall1" "$stall2" "$stall3" "$flood"; do bg_stop "$p"; done
served_promptly "tend status after the stalled clients left" "${TEND[@]}" status
