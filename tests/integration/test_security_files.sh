#!/usr/bin/env bash
# SPEC §2 (last bullet), issue 13 items 2-4, from the attacker's side: a root tendd never writes,
# creates, chowns or chmods through a link a program's user planted (pidfiles, Unix sockets,
# checkpoints), and refuses a state dir or socket dir another user owns or can change.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/users.sh"
need_root

g=$(make_group)
u=$(make_user "$g")
uid=$(id -u "$u")
# The user reaches only what it is given: $T/run (its own, like /run/app) and the socket.
chmod 711 "$T"
mkdir -p "$T/run" "$T/rootdir"
chown "$u:$u" "$T/run"
chmod 755 "$T/run"
# Root's files the attacker points its links at.
victim() { printf 'precious\n' >"$1"; chmod 600 "$1"; }
victim "$T/victim"
victim "$T/victim-tmp"
owner_mode() { stat -c '%u %a' "$1"; }
assert_victim() {
    [[ -e $1 ]] || fail "$1 is gone"
    assert_eq "0 600" "$(owner_mode "$1")" "owner and mode of $(basename "$1")"
    assert_eq "precious" "$(cat "$1")" "content of $(basename "$1")"
}
tendd_once() {  # tendd_once STATE SOCKET: a tendd that must refuse to start; sets RC, ERR
    run timeout 10 env "$MARK" "$TEND_BIN_DIR/tendd" --config "$CONF" --state-dir "$1" \
        --socket "$2"
}
write_config ''

say "a state dir another user made first (with a planted tendd.pid link) is refused"
mkdir "$T/ustate"
chown "$u:$u" "$T/ustate"
as_user "$u" ln -s "$T/victim" "$T/ustate/tendd.pid"
tendd_once "$T/ustate" "$T/a.sock"
assert_eq 1 "$RC" "tendd's exit status"
assert_contains "$ERR" "state dir $T/ustate is refused: it is owned by uid $uid" "tendd's error"
assert_victim "$T/victim"

say "a state dir others can write is refused"
mkdir -m 777 "$T/wstate"
chmod 777 "$T/wstate"
tendd_once "$T/wstate" "$T/a.sock"
assert_eq 1 "$RC" "tendd's exit status"
assert_contains "$ERR" "state dir $T/wstate is refused: it is writable by group and others (mode 0777)" "tendd's error"

say "a state dir in a directory the user owns is refused (they could swap it)"
tendd_once "$T/run/state" "$T/a.sock"
assert_eq 1 "$RC" "tendd's exit status"
assert_contains "$ERR" "will not create directory $T/run/state: another user could replace it, $T/run: it is owned by uid $uid" "tendd's error"
[[ ! -e $T/run/state ]] || fail "tendd created $T/run/state"

say "a symlink planted at tendd.pid in root's own state dir is not followed"
mkdir -m 700 "$T/lstate"
ln -s "$T/victim" "$T/lstate/tendd.pid"
tendd_once "$T/lstate" "$T/a.sock"
assert_eq 1 "$RC" "tendd's exit status"
assert_contains "$ERR" "$T/lstate/tendd.pid is a symbolic link: tendd does not follow it" "tendd's error"
assert_victim "$T/victim"

say "a socket dir the user owns is refused"
tendd_once "$T/sstate" "$T/run/tend.sock"
assert_eq 1 "$RC" "tendd's exit status"
assert_contains "$ERR" "socket dir $T/run is refused: it is owned by uid $uid" "tendd's error"

say "pidfiles in the user's directory: planted links are replaced, never written through"
write_config <<EOF2
[daemon]
socket_group = "$g"

[program.app]
command = ["sleep", "300"]
user = "$u"
pidfile = "$T/run/app.pid"
restart_delay = "100ms"

[program.app2]
command = ["sleep", "300"]
user = "$u"
pidfile = "$T/run/sub/app2.pid"
EOF2
# A checkpoint link waits in the state dir for the first job (planted before tendd starts).
mkdir -p -m 700 "$STATE" "$STATE/jobs" "$STATE/jobs/checkpoints"
victim "$T/victim-ck"
ln -s "$T/victim-ck" "$STATE/jobs/checkpoints/1"
# app2's pidfile directory becomes the user's link to a root directory.
as_user "$u" ln -s "$T/rootdir" "$T/run/sub"
start_tendd
wait_until 5 state_is app 0 running
wait_until 5 state_is app2 0 running
p=$(pid_of app 0)
wait_until 5 test -f "$T/run/app.pid"
assert_eq "$p" "$(cat "$T/run/app.pid")" "app.pid"
assert_contains "$(cat "$TENDD_ERR")" "cannot write pidfile $T/run/sub/app2.pid: cannot open directory $T/run/sub: $T/run/sub is a symbolic link that tendd does not follow: it is owned by uid $uid" "tendd's log"
[[ ! -e $T/rootdir/app2.pid ]] || fail "tendd wrote app2.pid through the user's link"
check "no app2.pid created in root's directory"

for round in 1 2 3; do
    # The old temp name, the pidfile itself, and an unpredictable temp name's prefix.
    as_user "$u" sh -c "ln -sfn '$T/victim-tmp' '$T/run/app.pid.tmp'; ln -sfn '$T/victim' '$T/run/app.pid'; ln -sfn '$T/created-$round' '$T/run/.app.pid.tmp'"
    as_user "$u" kill "$p"
    wait_until 5 running_with_new_pid app 0 "$p"
    p=$(pid_of app 0)
    wait_until 5 test ! -L "$T/run/app.pid"
    assert_eq "$p" "$(cat "$T/run/app.pid")" "app.pid after the user's kill $round"
    assert_eq "0" "$(stat -c %u "$T/run/app.pid")" "app.pid's owner"
    [[ ! -e $T/created-$round ]] || fail "tendd created $T/created-$round through a link"
done
assert_victim "$T/victim"
assert_victim "$T/victim-tmp"

say "a FIFO planted at the pidfile does not stall tendd when it removes the pidfile"
as_user "$u" sh -c "rm -f '$T/run/app.pid' && mkfifo '$T/run/app.pid'"
TEND_CMD_TIMEOUT=10 assert_status 0 tend stop --wait app
assert_status 0 tend status
[[ -p $T/run/app.pid ]] || fail "tendd removed the user's FIFO"
check "the user's FIFO is left alone"

say "a checkpoint link in the state dir is not followed; the job's own checkpoint is fchowned"
public_bins
as_user_tend "$u" submit -- sh -c 'echo saved >"$TEND_CHECKPOINT"'
assert_eq 0 "$RC" "submit as $u (stderr: $ERR)"
j1=$OUT
assert_eq 1 "$j1" "the first job's id (its checkpoint was planted)"
as_user_tend "$u" wait "$j1"
assert_eq 127 "$RC" "tend wait $j1: the job could not start"
assert_contains "$(tend show "$j1")" "checkpoint file: $STATE/jobs/checkpoints/1 is a symbolic link: tendd does not follow it" "tend show $j1"
assert_victim "$T/victim-ck"
as_user_tend "$u" submit -- sh -c 'echo saved >"$TEND_CHECKPOINT"'
j2=$OUT
as_user_tend "$u" wait "$j2"
assert_eq 0 "$RC" "tend wait $j2"
assert_eq "$uid 600" "$(owner_mode "$STATE/jobs/checkpoints/$j2")" "job $j2's checkpoint owner and mode"
assert_eq "saved" "$(cat "$STATE/jobs/checkpoints/$j2")" "job $j2's checkpoint"
assert_status 0 tend shutdown
wait_tendd_exit 10

say "the Unix socket path raced by its user while tendd starts 20 times"
write_config <<EOF2
[program.web]
command = ["sleep", "300"]
user = "$u"
sockets = ["unix://$T/run/web.sock"]
EOF2
victim "$T/victim-sock"
# The attacker flips the socket's name with its own link to root's file (renameat2 with
# RENAME_EXCHANGE, as fast as it can) from the moment the socket appears: the old tendd
# chowned and chmodded the path right after bind, and the link's target got both.
race='
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
path, victim, stop = sys.argv[1], sys.argv[2], sys.argv[3]
lnk = os.path.join(os.path.dirname(path), ".lnk")
p, l, n, i = path.encode(), lnk.encode(), 0, 0
while True:
    i += 1
    if libc.renameat2(-100, l, -100, p, 2) == 0:
        n += 1
        if i % 4096 == 0 and os.path.exists(stop):
            break
        continue
    # No socket yet: now and then, have the link ready for the next one.
    if i % 1024 == 0:
        if not os.path.islink(lnk):
            try:
                os.unlink(lnk)
            except OSError:
                pass
            os.symlink(victim, lnk)
        if os.path.exists(stop):
            break
print(n, "swaps")
'
bg_start "$T/race.out" setpriv --reuid="$u" --regid="$u" --init-groups "$PYTHON" -c "$race" \
    "$T/run/web.sock" "$T/victim-sock" "$T/run/stop"
racer=$BG_PID
started=0
for i in $(seq 1 20); do
    rm -f "$T/run/web.sock"
    env "$MARK" setsid "$TEND_BIN_DIR/tendd" --config "$CONF" --state-dir "$STATE" \
        --socket "$SOCK" 2>>"$T/race.err" </dev/null &
    pid=$!
    for _ in $(seq 1 250); do
        if tend status >/dev/null 2>&1; then
            started=$((started + 1))
            tend shutdown >/dev/null 2>&1 || true
            break
        fi
        gone "$pid" && break
        sleep 0.02
    done
    wait "$pid" || true
done
touch "$T/run/stop"
wait_until 10 gone "$racer"
say "racer: $(cat "$T/race.out"); tendd answered $started of 20 times"
say "refusals: $(grep -c 'was replaced right after bind' "$T/race.err" || true)"
assert_victim "$T/victim-sock"
[[ $(grep -c 'swaps' "$T/race.out") == 1 ]] || fail "the racer did not run: $(cat "$T/race.out")"

say "a socket bound with no race belongs to the program's user, 0660 (also one a level deeper)"
rm -f "$T/run/web.sock"
# $T/run/deep is the user's, in the user's $T/run: tendd binds through /proc/self/fd.
as_user "$u" mkdir "$T/run/deep"
cat >>"$CONF" <<EOF2
[program.deep]
command = ["sleep", "300"]
user = "$u"
sockets = ["unix://$T/run/deep/web.sock"]
EOF2
start_tendd
wait_until 5 state_is web 0 running
for s in "$T/run/web.sock" "$T/run/deep/web.sock"; do
    assert_eq "$uid 660" "$(owner_mode "$s")" "$s's owner and mode"
    assert_status 0 as_user "$u" "$PYTHON" -c "import socket; s = socket.socket(socket.AF_UNIX); s.connect('$s')"
done
