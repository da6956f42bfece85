#!/usr/bin/env bash
# SPEC §2, §3, §4: exit statuses and messages of the CLI and of tendd for an unreachable
# daemon (69) or one that closed the connection before answering (76), invalid configs (every
# error as FILE:LINE:COLUMN), missing configs and usage errors.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/users.sh"

say "daemon not running -> 69, naming the socket"
assert_status 69 tend status
assert_contains "$ERR" "$SOCK" "stderr of tend status without a daemon"
assert_contains "$ERR" "tend: " "stderr prefix"
assert_status 69 tend start --wait whatever
assert_contains "$ERR" "$SOCK" "stderr of tend start without a daemon"
assert_status 69 env TEND_SOCKET="$T/env.sock" "$TEND_BIN_DIR/tend" status
assert_contains "$ERR" "$T/env.sock" "stderr with TEND_SOCKET"

say "a daemon that closes the connection once the request reached it -> 76, never 69"
# A stand-in for a tendd killed between reading a request and answering it: the request may
# have been carried out, so the exit status must not be 69 (which says it was not).
bg_start "$T/closer.out" python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.bind(sys.argv[1])
s.listen(4)
while True:
    c, _ = s.accept()
    c.makefile("rb").readline()
    c.close()
' "$T/closer.sock"
wait_until 10 test -S "$T/closer.sock"
assert_status 76 env "$CLI_ASAN_OPTIONS" "$TEND_BIN_DIR/tend" --socket "$T/closer.sock" submit -- true
assert_contains "$ERR" "may have taken effect" "stderr of a submit that got no answer"
assert_status 76 env "$CLI_ASAN_OPTIONS" "$TEND_BIN_DIR/tend" --socket "$T/closer.sock" status
bg_stop "$BG_PID"

say "tend check on a config with several errors -> each as FILE:LINE:COLUMN, exit 65"
BAD=$T/bad.toml
cat >"$BAD" <<'EOF2'
[program.a]
command = ["true"]
restart = "sometimes"
bogus = 1
restart_delay = "5 parsecs"

[program.b]
instances = "two"
EOF2
assert_status 65 tend check "$BAD"
assert_contains "$ERR" "$BAD:3:11: " "error for restart = \"sometimes\""
assert_contains "$ERR" "$BAD:4:1: " "error for the unknown key"
assert_contains "$ERR" "$BAD:5:17: " "error for the bad duration"
assert_contains "$ERR" "$BAD:8:13: " "error for instances = \"two\""
assert_contains "$ERR" "$BAD:7:1: " "error for the missing command"
assert_contains "$ERR" "bogus" "message of the unknown key"
errors=$(grep -c "^$BAD:[0-9]*:[0-9]*: " <<<"$ERR" || true)
assert_eq 5 "$errors" "number of FILE:LINE:COLUMN lines"
assert_status 65 tend check --json "$BAD"
assert_eq false "$(jq -r .ok <<<"$OUT")" "check --json .ok"
assert_eq 5 "$(jq -r '.errors | length' <<<"$OUT")" "check --json error count"

say "a TOML syntax error is reported with its position"
printf '[program.x]\ncommand = ["a", \n' >"$T/syntax.toml"
assert_status 65 tend check "$T/syntax.toml"
[[ $ERR =~ $T/syntax.toml:[0-9]+:[0-9]+:\  ]] || fail "no FILE:LINE:COLUMN in: $ERR"
check "syntax error has FILE:LINE:COLUMN"

say "tend check on a valid file -> 0"
GOOD=$T/good.toml
cat >"$GOOD" <<'EOF2'
[daemon]
shutdown_timeout = "10s"

[program.web]
command = ["sleep", "300"]
instances = 2
restart_delay = "0"
log_max_size = "4KB"
pidfile = "/tmp/x-{instance}.pid"

[program.worker]
command = "echo hi"
EOF2
assert_status 0 tend check "$GOOD"
assert_contains "$OUT" "ok" "tend check output"
assert_status 0 tend check --json "$GOOD"
assert_eq true "$(jq -r .ok <<<"$OUT")" "check --json .ok"
assert_eq 2 "$(jq -r .programs <<<"$OUT")" "check --json .programs"
assert_status 0 env TEND_CONFIG="$GOOD" "$TEND_BIN_DIR/tend" check
check "tend check uses TEND_CONFIG"
assert_status 65 tend check "$T/does-not-exist.toml"
assert_contains "$ERR" "$T/does-not-exist.toml" "tend check of a missing file"

tendd_once() {  # tendd_once NAME ARGS...: runs tendd expected to exit at once
    local name=$1
    shift
    run timeout 10 env "$MARK" "$TEND_BIN_DIR/tendd" --state-dir "$T/state-$name" \
        --socket "$T/$name.sock" "$@"
    printf '%s\n' "$ERR" >>"$T/tendd-$name.stderr"
}

say "tendd refuses an invalid config -> 65"
tendd_once invalid --config "$BAD"
assert_eq 65 "$RC" "tendd exit status for an invalid config"
assert_contains "$ERR" "$BAD:3:11: " "tendd's stderr"
[[ ! -e $T/invalid.sock ]] || fail "tendd created its socket despite the invalid config"

say "tendd refuses an explicitly named missing config"
tendd_once missing --config "$T/nope/tend.toml"
assert_eq 65 "$RC" "tendd exit status for a missing --config"
assert_contains "$ERR" "$T/nope/tend.toml" "tendd's stderr"
run timeout 10 env "$MARK" TEND_CONFIG="$T/nope2.toml" "$TEND_BIN_DIR/tendd" \
    --state-dir "$T/state-env" --socket "$T/env.sock"
assert_eq 65 "$RC" "tendd exit status for a missing TEND_CONFIG"
assert_contains "$ERR" "$T/nope2.toml" "tendd's stderr"

say "a missing default config is fine: no programs"
# The default is /etc/tend/tend.toml for root and $XDG_CONFIG_HOME/tend/tend.toml for other
# users. As root, tendd runs as nobody here, so the user instance's default is the one used.
mkdir -p "$T/user/home"
export HOME=$T/user/home XDG_CONFIG_HOME=$T/user/home/.config XDG_STATE_HOME=$T/user/home/.state
default_conf=$XDG_CONFIG_HOME/tend/tend.toml
if [[ $(id -u) == 0 ]]; then
    command -v setpriv >/dev/null || fail "setpriv (util-linux) is needed to run tendd as nobody"
    uid=$(id -u nobody) gid=$(id -g nobody)
    chmod 711 "$T"
    chown -R "$uid:$gid" "$T/user"
    # The build tree may sit under a 0700 parent (/root): nobody runs a public copy.
    public_bins
    TEND_BIN_DIR=$PUB_BIN
    TENDD_WRAPPER=(setpriv --reuid="$uid" --regid="$gid" --clear-groups)
    STATE=$T/user/state
    SOCK=$T/user/tend.sock
fi
start_tendd --no-config
assert_status 0 tend status --json
assert_eq "[]" "$(jq -c . <<<"$OUT")" "status --json with no config"
assert_status 0 tend status
assert_contains "$OUT" "no programs" "tend status with no config"
assert_contains "$(cat "$TENDD_ERR")" "no config at $default_conf" "tendd's log"
assert_status 0 tend version
assert_contains "$OUT" "tendd 0.1" "tend version output with a daemon"
assert_status 0 tend shutdown
wait_tendd_exit 10
assert_eq 0 "$TENDD_RC" "exit status of tendd with no config"

say "usage errors -> 2"
assert_status 2 tend start
assert_status 2 tend no-such-command
assert_status 2 tend logs
assert_status 69 tend version
assert_contains "$OUT" "tend 0.1" "tend version output without a daemon"
assert_contains "$ERR" "$SOCK" "tend version's stderr without a daemon"

say "help lists every command, however it is asked for (tend registers only the named command's family)"
for form in "--help" "--state-dir /x --help"; do
    # shellcheck disable=SC2086
    assert_status 0 tend $form
    for c in status logs check shutdown submit jobs wait queues resume; do
        assert_contains "$OUT" "  $c " "tend $form lists $c"
    done
done
assert_status 0 tend submit --help
assert_contains "$OUT" "--attempts" "tend submit --help shows its options"
assert_status 0 tend -h submit
assert_contains "$OUT" "--attempts" "tend -h submit shows the options of submit"
assert_status 0 tend --state-dir /x queues --help
assert_contains "$OUT" "--json" "tend --state-dir X queues --help shows its options"
assert_status 2 tend --state-dir /x no-such-command
assert_contains "$ERR" "no-such-command" "an unknown command is named in the error"

say "an invalid --timeout is a usage error, even before the daemon is contacted"
assert_status 2 tend stop --wait --timeout banana x
