#!/usr/bin/env bash
# SPEC §8: tendd takes its control socket ("control") and program sockets (by program name)
# from socket activation (LISTEN_FDS, LISTEN_FDNAMES); an fd it has no use for is closed with
# a warning. The shipped units (units/) pass `systemd-analyze verify`.
source "$(dirname "$0")/lib.sh"

PORT=$(free_port) SPARE=$(free_port)

say "control socket and a program socket passed by socket activation"
write_config <<END_OF_CONFIG
[program.web]
command = "exec $PYTHON $LIB_DIR/ready_server.py --listen-fds"
sockets = ["tcp://127.0.0.1:$PORT"]
ready = "http://127.0.0.1:$PORT/"
END_OF_CONFIG
# If tendd ignored the passed control socket it would find "another tendd" listening on $SOCK
# and refuse to start; if it ignored the program's, binding $PORT would fail.
TENDD_WRAPPER=("$PYTHON" "$LIB_DIR/activate.py" "control=unix:$SOCK" "web=tcp:127.0.0.1:$PORT"
               "spare=tcp:127.0.0.1:$SPARE" --)
start_tendd
assert_status 0 tend start web --wait --timeout 10s
assert_contains "$(http_get "http://127.0.0.1:$PORT/")" "instance 0" "an answer on the activated port"
err=$(cat "$TENDD_ERR")
assert_contains "$err" "control socket passed by systemd (\"control\")" "tendd's log"
assert_contains "$err" "web: socket tcp://127.0.0.1:$PORT passed by systemd as \"web\"" "tendd's log"
assert_contains "$err" "the socket systemd passed as \"spare\" is not used by any program; closed" "tendd's log"
# Programs get their own sockets' variables, not tendd's.
pid=$(pid_of web 0)
assert_eq "LISTEN_FDNAMES=web" "$(tr '\0' '\n' <"/proc/$pid/environ" | grep '^LISTEN_FDNAMES=')" "the instance's LISTEN_FDNAMES"
assert_status 0 tend shutdown
wait_tendd_exit 15
# The passed control socket belongs to systemd: tendd leaves its file in place.
[[ -S $SOCK ]] || fail "tendd removed the socket file it was passed"
check "the passed control socket file is left in place"

say "the shipped units pass systemd-analyze verify"
command -v systemd-analyze >/dev/null || fail "systemd-analyze is missing (apt-get install systemd)"
U=$T/units
mkdir -p "$U/user" "$U/man/man1" "$U/man/man5" "$U/man/man8" "$U/run"
REPO=$(cd "$LIB_DIR/../.." && pwd)
BIN=$(cd "$TEND_BIN_DIR" && pwd)
sed "s|@TEND_BINDIR@|$BIN|" "$REPO/units/tendd.service.in" >"$U/tendd.service"
cp "$REPO/units/tendd.socket" "$U/tendd.socket"
sed "s|@TEND_BINDIR@|$BIN|" "$REPO/units/user/tendd.service.in" >"$U/user/tendd.service"
# Documentation=man:... is checked too, against the man pages of this tree.
ln -s "$REPO/man/tend.1" "$U/man/man1/"
ln -s "$REPO/man/tend.toml.5" "$REPO/man/tend-state.5" "$U/man/man5/"
ln -s "$REPO/man/tendd.8" "$U/man/man8/"
verify() { (cd "$U" && MANPATH=$U/man XDG_RUNTIME_DIR=$U/run systemd-analyze "$@"); }
run verify verify ./tendd.service ./tendd.socket
[[ $RC == 0 && -z $ERR ]] || fail "systemd-analyze verify of the system units failed ($RC): $OUT $ERR"
check "tendd.service and tendd.socket verify"
run verify --user verify ./user/tendd.service
[[ $RC == 0 && -z $ERR ]] || fail "systemd-analyze --user verify of the user unit failed ($RC): $OUT $ERR"
check "user/tendd.service verifies"
# The check can fail: a broken unit does not verify.
sed 's/^Type=notify/Type=notifyy/' "$U/tendd.service" >"$U/broken.service"
run verify verify ./broken.service
[[ $RC != 0 || -n $ERR ]] || fail "systemd-analyze verify accepted Type=notifyy"
check "a broken unit is refused: $ERR"
for key in "Type=notify" "KillMode=mixed" "WatchdogSec=" "TimeoutStopSec=" "ExecReload=@TEND_BINDIR@/tend reload"; do
    assert_contains "$(cat "$REPO/units/tendd.service.in")" "$key" "tendd.service"
done
