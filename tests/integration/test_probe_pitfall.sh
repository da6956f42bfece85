#!/usr/bin/env bash
# SPEC §5.5: a tcp:/http:// readiness probe of the program's own `sockets` is answered by the
# instances already running. `tend check` warns (stderr, exit 0; --json "warnings"), tendd logs
# the warning at start and at reload; a per-instance port, notify or another port is quiet.
# Matching rules: tests/unit/test_probe_pitfall.cpp.
source "$(dirname "$0")/lib.sh"

P1=$(free_port) P2=$(free_port) P3=$(free_port) P4=$(free_port)
write_config <<EOF
[program.web]
command = "exec sleep 300"
autostart = false
sockets = ["tcp://0.0.0.0:$P1"]
ready = "http://127.0.0.1:$P1/health"

[program.api]
command = "exec sleep 300"
autostart = false
sockets = ["tcp://127.0.0.1:$P2"]
ready = "tcp:localhost:$P2"

[program.fine]
command = "exec sleep 300"
autostart = false
instances = 2
environment = { PORT = "19{instance}00" }
sockets = ["tcp://0.0.0.0:$P3"]
ready = "http://127.0.0.1:19{instance}00/health"

[program.notified]
command = "exec sleep 300"
autostart = false
sockets = ["tcp://0.0.0.0:$P4"]
ready = "notify"
EOF

say "tend check: a warning per program whose probe hits its own socket, exit 0"
assert_status 0 tend check "$CONF"
assert_contains "$OUT" "ok (4 programs" "the config is valid"
assert_contains "$ERR" "tend: check: warning: program \"web\": ready = \"http://127.0.0.1:$P1/health\" probes the program's own socket \"tcp://0.0.0.0:$P1\"" "web's warning"
assert_contains "$ERR" "tend: check: warning: program \"api\"" "api's warning (localhost = 127.0.0.1)"
assert_contains "$ERR" "notify" "the warning suggests notify"
assert_contains "$ERR" "{instance}" "and a port per instance"
assert_contains "$ERR" "uptime:" "and uptime:"
assert_not_contains "$ERR" "\"fine\"" "a port per instance is quiet"
assert_not_contains "$ERR" "\"notified\"" "notify is quiet"
assert_eq 2 "$(grep -c 'warning:' <<<"$ERR")" "two warnings"

assert_status 0 tend check --json "$CONF"
assert_eq true "$(jq -r .ok <<<"$OUT")" "check --json: ok"
assert_eq 2 "$(jq -r '.warnings | length' <<<"$OUT")" "check --json: 2 warnings"
assert_contains "$(jq -r '.warnings[0]' <<<"$OUT")" "program \"web\"" "check --json: web first"
assert_eq "" "$ERR" "check --json prints nothing on stderr"

say "an invalid config still exits 65, warnings or not"
printf '\n[program.bad]\ncommand = "x"\ninstances = "many"\n' >"$T/bad.toml"
cat "$CONF" >>"$T/bad.toml"
assert_status 65 tend check "$T/bad.toml"

say "tendd logs the warnings at start and at reload"
start_tendd
wait_until 10 grep -q 'warning: config: program "web": ready = ' "$TENDD_ERR"
check "tendd logged web's warning at start"
grep -q 'warning: config: program "api"' "$TENDD_ERR" || fail "tendd did not log api's warning"
assert_eq 0 "$(grep -c 'config: program "fine"' "$TENDD_ERR" || true)" "no warning for fine"
assert_status 0 tend reload
wait_until 10 grep -q 'warning: reload: config: program "web"' "$TENDD_ERR"
check "tendd logged web's warning at reload"
