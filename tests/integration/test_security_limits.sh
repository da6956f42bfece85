#!/usr/bin/env bash
# SPEC §8, issue 13 items 8 and 9, from the attacker's side. Connections are bounded per uid
# (32) and in total (256 for users without privileges); root has a pool of its own, so no user
# can lock it out. Blank lines are not activity: they do not keep a connection past the idle
# timeout, requests do. Memory held for clients has one global bound: clients that buffer
# huge --stdin batches get `busy` once it is reached, tendd's memory stays under it, root's
# batch still goes through meanwhile, a user's 1,000,000-line batch alone does, and tendd is
# alive and correct afterwards. A flood of requests does not hold back another user's submit.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/users.sh"
need_root

G=$(make_group)
mallory=$(make_user "$G")
bob=$(make_user "$G")
fillers=()
for _ in 1 2 3 4 5 6 7; do fillers+=("$(make_user "$G")"); done
public_bins
cp "$LIB_DIR/client_hog.py" "$PUB_BIN/" && chmod 755 "$PUB_BIN/client_hog.py"
HOG=("$PYTHON" "$PUB_BIN/client_hog.py")

write_config <<EOF2
[daemon]
socket_group = "$G"

[queue.hold]
concurrency = 1
max_pending = 2000000
EOF2
chmod 711 "$T"
mkdir -m 1777 "$T/st"  # the hogs' status files
# A short idle timeout so that the test need not wait a minute (the default is 60s), and a
# bound on client memory of half the default (256 MiB), so that it is reached sooner: users
# without privileges share 96 MiB of it, root has 32 MiB more.
start_tendd --client-idle-timeout 3s --client-memory-max 128MiB
tend pause hold >/dev/null

# hog NAME USER COUNT MODE: USER opens COUNT connections kept alive by MODE (blank|request);
# waits until the hog reports. Its status file is $T/NAME.st.
hog() {
    local name=$1 user=$2 count=$3 mode=$4
    local st=$T/st/$name.st
    if [[ $user == root ]]; then
        bg_start "$T/$name.out" "${HOG[@]}" conns "$SOCK" "$count" "$st" "$mode"
    else
        bg_start "$T/$name.out" setpriv --reuid="$user" --regid="$(id -g "$user")" --init-groups \
            "${HOG[@]}" conns "$SOCK" "$count" "$st" "$mode"
    fi
    wait_until 30 test -s "$st"
}
st() { cat "$T/st/$1.st"; }
field() { st "$1" | tr ' ' '\n' | sed -n "s/^$2=//p" | head -n1; }

# root_answers: root's `tend status` is served, promptly, while the hogs hold their sockets.
root_answers() {
    local t0
    t0=$(now)
    run tend status
    [[ $RC == 0 ]] || fail "root's tend status failed ($RC): $ERR"
    assert_fcmp "$(elapsed_since "$t0")" "<" 2 "seconds for root's tend status"
}

say "mallory opens 100 connections, keeping them alive: she gets 32"
hog mallory "$mallory" 100 request
assert_eq 32 "$(field mallory admitted)" "mallory's connections"
assert_eq 68 "$(field mallory refused)" "mallory's refused connections"
assert_contains "$(st mallory)" '"code": "busy"' "mallory's refusal"
assert_contains "$(st mallory)" "too many connections from this user (32)" "mallory's refusal"
root_answers

say "bob still gets his share"
hog bob "$bob" 40 request
assert_eq 32 "$(field bob admitted)" "bob's connections"
as_user_tend "$mallory" status
assert_eq 75 "$RC" "mallory's own tend status with her 32 connections open (busy)"
assert_contains "$ERR" "too many connections from this user" "what mallory's tend says"

say "seven more users fill the pool of users without privileges (256)"
for i in 0 1 2 3 4 5; do hog "f$i" "${fillers[$i]}" 32 request; done
hog late "${fillers[6]}" 5 request
assert_eq 0 "$(field late admitted)" "connections of a user once 256 are open"
assert_contains "$(st late)" "too many clients connected (256)" "the late user's refusal"
say "root is never locked out: its own pool"
root_answers
hog root root 50 request
assert_eq 50 "$(field root admitted)" "root's connections while 256 others are open"
root_answers
tend submit --queue hold -- true >/dev/null || fail "root cannot submit while users hog the socket"
for n in mallory bob f0 root; do
    assert_eq "$(field "$n" admitted)" "$(field "$n" open)" "$n's connections still open (requests are activity)"
done
socks=$(find /proc/"$TENDD_PID"/fd -lname 'socket:*' | wc -l)
assert_fcmp "$socks" "<" 330 "sockets held by tendd (256 + 50 + listener and its own)"
for p in "${BG_PIDS[@]}"; do bg_stop "$p"; done
BG_PIDS=()
wait_until 10 bash -c "[[ \$(find /proc/$TENDD_PID/fd -lname 'socket:*' | wc -l) -lt 20 ]]"

say "blank lines are not activity: mallory's blank-line keep-alive is closed after the idle timeout"
hog blank "$mallory" 32 blank
hog busy "$bob" 4 request
assert_eq 32 "$(field blank admitted)" "mallory's blank-line connections"
blank_closed() { [[ $(field blank open) == 0 ]]; }
t0=$(now)
wait_until 20 blank_closed
say "closed after $(elapsed_since "$t0")s of blank lines"
assert_eq 4 "$(field busy open)" "bob's connections that send requests, after mallory's were closed"
root_answers
for p in "${BG_PIDS[@]}"; do bg_stop "$p"; done
BG_PIDS=()

say "a flood of requests does not hold back the commit: bob's submit is answered"
# 16 connections that each keep 512 requests in flight are never all drained: without a bound
# on how long the commit waits behind requests, bob's submit was never answered.
bg_start "$T/flood.out" setpriv --reuid="$mallory" --regid="$(id -g "$mallory")" --init-groups \
    "${HOG[@]}" flood "$SOCK" 16 "$T/st/flood.st"
flooding() { [[ $(sed -n 's/^replies=//p' "$T/st/flood.st" 2>/dev/null) -gt 10000 ]]; }
wait_until 30 flooding
# Answered at all is the point (a loaded sanitizer build takes seconds): before the bound,
# it was not answered until the flood stopped (the test then hangs until ctest ends it).
t0=$(now)
as_user_tend "$bob" submit --queue hold -- true
assert_eq 0 "$RC" "bob's submit during mallory's flood ($ERR)"
say "bob's submit answered in $(elapsed_since "$t0")s during the flood"
for p in "${BG_PIDS[@]}"; do bg_stop "$p"; done
BG_PIDS=()
root_answers

say "memory: 12 clients of mallory each try to buffer 16 MiB of --stdin batch"
for i in $(seq 1 12); do
    bg_start "$T/batch$i.out" setpriv --reuid="$mallory" --regid="$(id -g "$mallory")" --init-groups \
        "${HOG[@]}" batch "$SOCK" 60 1000 $((16 << 20)) "$T/st/batch$i.st"
done
for i in $(seq 1 12); do wait_until 60 test -s "$T/st/batch$i.st"; done
refused=0 buffered=0
for i in $(seq 1 12); do
    s=$(cat "$T/st/batch$i.st")
    if [[ $s == *"error=busy"* ]]; then
        refused=$((refused + 1))
    else
        # A refused batch is dropped; the others stay held.
        buffered=$((buffered + $(sed -n 's/^buffered=\([0-9]*\) .*/\1/p' <<<"$s")))
    fi
done
say "$refused of 12 clients refused with busy; $((buffered >> 20)) MiB of line text held"
assert_fcmp "$refused" ">=" 6 "clients refused with busy"
assert_contains "$(cat "$T"/st/batch*.st)" "the batch was dropped, nothing submitted" "a busy refusal"
rss_kb=$(awk '/^VmRSS/ { print $2 }' /proc/"$TENDD_PID"/status)
hwm_kb=$(awk '/^VmHWM/ { print $2 }' /proc/"$TENDD_PID"/status)
say "tendd: VmRSS $((rss_kb >> 10)) MiB, VmHWM $((hwm_kb >> 10)) MiB (bound 128 MiB)"
if $SANITIZED; then
    say "sanitizer build: memory use is not comparable; the RSS bound is not checked"
else
    # 128 MiB of client data at most, plus tendd itself and allocator slack (unbounded, the
    # 12 batches would take well over 250 MiB).
    assert_fcmp "$hwm_kb" "<" $(((128 + 64) << 10)) "tendd's peak RSS in KiB"
fi
root_answers

say "root's batch of 300,000 lines goes through while mallory's batches are held"
seq 1 300000 | sed 's/^/: /' >"$T/roots"
t0=$(now)
TEND_CMD_TIMEOUT=60 tend submit --queue hold --stdin <"$T/roots" >"$T/roots.ids" ||
    fail "root's batch was refused: $(tail -n 3 "$T/roots.ids")"
say "submitted in $(elapsed_since "$t0")s"
assert_eq 300000 "$(wc -l <"$T/roots.ids")" "ids printed for root's batch"
for p in "${BG_PIDS[@]}"; do bg_stop "$p"; done
BG_PIDS=()

# A sanitizer build takes 20 s for a million: a quarter of it there, the same code path.
lines=1000000
$SANITIZED && lines=250000
say "alone, a user's batch of $lines short lines goes through"
seq 1 "$lines" | sed 's/^/: /' >"$T/bobs"
chmod 644 "$T/bobs"
t0=$(now)
TEND_CMD_TIMEOUT=120 run as_user "$bob" sh -c "$(printf '%q ' "${PUB_TEND[@]}") submit --queue hold --stdin <$T/bobs | wc -l"
say "submitted in $(elapsed_since "$t0")s"
assert_eq 0 "$RC" "bob's $lines-line batch"
assert_eq "$lines" "$OUT" "ids printed for bob's batch"
# One job held earlier (root, under the hogs), one by bob during the flood, then the two batches.
assert_eq $((300002 + lines)) "$(tend queues --json | jq '.[] | select(.name == "hold") | .pending')" "jobs held"
kill -0 "$TENDD_PID" || fail "tendd died"
root_answers
