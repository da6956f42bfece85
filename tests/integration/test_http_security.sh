#!/usr/bin/env bash
# SPEC §10, design observability.md §2-§3: who may read what over HTTP. Anonymous TCP clients
# get the public routes only (401 elsewhere, with a Basic challenge); the token of token_file
# (Bearer, or Basic as password) opens the API; a wrong Host is 421; every answer carries the
# CSP, nosniff and Referrer-Policy headers, /api and /metrics no-store; bodies over 4 KiB are
# 413. 100 stalled and 20 slow clients from one address hold at most 16 connections and stall
# nothing: `tend status` answers in < 50 ms and a client from another address is served. Over
# the Unix socket (after a reload), the caller is its peer uid: another user sees root's job
# in the listing with its command hidden, and may not show it.
# shellcheck source=SCRIPTDIR/lib.sh
source "$(dirname "$0")/lib.sh"

command -v curl >/dev/null || skip "needs curl"

PORT=$(free_port)
BASE=http://127.0.0.1:$PORT
write_config <<EOF
[http]
listen = "127.0.0.1:$PORT"

[program.web]
command = ["sleep", "1000"]
EOF
as_system_instance  # as root: socket_group = nobody's group, for the second user below
start_tendd

code() { curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$@"; }

say "the token file is made at first start: 64 hex digits, readable by tendd's user (and group)"
TOKEN=$(cat "$T/http.token")
[[ $TOKEN =~ ^[0-9a-f]{64}$ ]] || fail "token file content: $TOKEN"
if [[ $(id -u) == 0 ]]; then
    assert_eq "640 root:$(id -gn nobody)" "$(stat -c '%a %U:%G' "$T/http.token")" "token file mode and owner"
else
    assert_eq 600 "$(stat -c %a "$T/http.token")" "token file mode"
fi

say "anonymous: /metrics only"
assert_eq 200 "$(code "$BASE/metrics")" "anonymous /metrics"
assert_eq 401 "$(code "$BASE/api/status")" "anonymous /api/status"
assert_eq 401 "$(code "$BASE/api/jobs")" "anonymous /api/jobs"
assert_eq 401 "$(code "$BASE/healthz")" "anonymous /healthz (not in public)"
assert_contains "$(curl -s -D - -o /dev/null "$BASE/api/status")" 'WWW-Authenticate: Basic realm="tend"' "401 challenge"
assert_eq 401 "$(code -H 'Authorization: Bearer nottherighttoken0123' "$BASE/api/status")" "a wrong token"

say "the token: Bearer, or Basic with it as password"
assert_eq 200 "$(code -H "Authorization: Bearer $TOKEN" "$BASE/api/status")" "Bearer token"
assert_eq 200 "$(code -u "anyone:$TOKEN" "$BASE/api/queues")" "Basic with the token"
assert_eq web "$(curl -s -H "Authorization: Bearer $TOKEN" "$BASE/api/status" | jq -r '.[0].program')" "/api/status data"

say "Host check, headers, body limit"
assert_eq 421 "$(code -H 'Host: attacker.example' "$BASE/metrics")" "a foreign Host"
assert_eq 421 "$(code -H "Host: attacker.example:$PORT" -H "Authorization: Bearer $TOKEN" "$BASE/api/status")" "a foreign Host with the token"
assert_eq 200 "$(code -H "Host: localhost:$PORT" "$BASE/metrics")" "Host localhost"
H=$(curl -s -D - -o /dev/null "$BASE/metrics")
assert_contains "$H" "Content-Security-Policy: default-src 'self'; img-src 'self' data:; frame-ancestors 'none'" "CSP"
assert_contains "$H" "X-Content-Type-Options: nosniff" "nosniff"
assert_contains "$H" "Referrer-Policy: no-referrer" "Referrer-Policy"
assert_contains "$H" "Cache-Control: no-store" "no-store on /metrics"
assert_contains "$H" "Content-Type: text/plain; version=0.0.4" "the exposition's content type"
assert_contains "$(curl -s -D - -o /dev/null -H "Authorization: Bearer $TOKEN" "$BASE/api/version")" "Cache-Control: no-store" "no-store on /api"
assert_eq 413 "$(head -c 5000 /dev/zero | code -X POST -H "Authorization: Bearer $TOKEN" --data-binary @- "$BASE/api/status")" "a 5000-byte body"
assert_eq 405 "$(code -X POST -H "Authorization: Bearer $TOKEN" --data-binary x "$BASE/api/status")" "POST to a GET route"

# status_ms: the daemon's answer time of one `status` request on the control socket, in
# seconds (connect, request, whole reply): the CLI's own start-up on a busy machine is not
# the daemon's latency.
status_ms() {
    "$PYTHON" - "$SOCK" <<'PY'
import socket, sys, time
t = time.monotonic()
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
s.sendall(b'{"v":1,"cmd":"status","args":{}}\n')
buf = b""
while not buf.endswith(b"\n"):
    chunk = s.recv(65536)
    if not chunk:
        break
    buf += chunk
print("%.4f" % (time.monotonic() - t) if b'"ok":true' in buf else "error " + buf.decode())
PY
}
BASELINE=$(status_ms)
say "100 stalled and 20 slow clients from 127.0.0.1"
bg_start "$T/stall.out" "$PYTHON" "$LIB_DIR/http_stall.py" 127.0.0.1 "$PORT" 100 20
STALL=$BG_PID
wait_until 20 grep -q '^ready' "$T/stall.out"
say "stall client: $(cat "$T/stall.out")"
assert_status 0 tend status
took=$(status_ms)
say "tendd answered status in ${took}s (${BASELINE}s before the clients)"
assert_fcmp "$took" "<" 0.05 "seconds for tendd to answer status with 120 HTTP clients held"
# The per-address limit keeps a connection for everyone else: another loopback address.
assert_eq ok "$(curl -s --max-time 5 --interface 127.0.0.2 -H "Authorization: Bearer $TOKEN" "$BASE/healthz")" "/healthz from 127.0.0.2"
M=$(curl -s --max-time 5 --interface 127.0.0.2 "$BASE/metrics")
conns=$(awk '$1 == "tend_http_connections" { print $2 }' <<<"$M")
say "open HTTP connections while held: $conns"
[[ -n $conns ]] && ((conns <= 18)) || fail "tend_http_connections = $conns: more than one address's 16 and the scrape"
bg_stop "$STALL"

if [[ $(id -u) != 0 ]]; then
    check "not root: the second user over the Unix socket is not tested"
    exit 0
fi
say "reload to a Unix socket: 0660 with socket_group"
HSOCK=$T/http.sock
sed -i "s|^listen = .*|listen = \"unix:$HSOCK\"|" "$CONF"
assert_status 0 tend reload
wait_until 5 test -S "$HSOCK"
assert_eq "660 $(id -gn nobody)" "$(stat -c '%a %G' "$HSOCK")" "HTTP socket mode and group"
assert_eq 000 "$(code "$BASE/metrics")" "the TCP listener is gone"

say "root's job, seen by user nobody over the Unix socket"
secret=$(tend submit --name secret-name -- echo secret-command)
wait_until 10 job_state_is "$secret" succeeded
as_nobody=(setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups)
ucurl() { (cd / && "${as_nobody[@]}" curl -s --max-time 5 --unix-socket "$HSOCK" "$@"); }
mine=$(curl -s --unix-socket "$HSOCK" "http://localhost/api/jobs/$secret")
assert_eq '["echo","secret-command"]' "$(jq -c .command <<<"$mine")" "root sees its job's command"
theirs=$(ucurl "http://localhost/api/jobs?limit=5" | jq -c --argjson id "$secret" '.[] | select(.id == $id)')
assert_eq 'null null null true' "$(jq -r '"\(.command) \(.name) \(.key) \(.hidden)"' <<<"$theirs")" "nobody's view of root's job in the listing"
assert_not_contains "$(ucurl "http://localhost/api/jobs?limit=5")" "secret" "the listing as nobody"
assert_eq 403 "$(ucurl -o /dev/null -w '%{http_code}' "http://localhost/api/jobs/$secret")" "nobody shows root's job"
assert_eq 403 "$(ucurl -o /dev/null -w '%{http_code}' "http://localhost/api/jobs/$secret/log")" "nobody reads root's job's output"
assert_contains "$(curl -s --unix-socket "$HSOCK" "http://localhost/api/jobs/$secret/log")" "secret-command" "root reads its job's output"
assert_eq 200 "$(ucurl -o /dev/null -w '%{http_code}' http://localhost/api/status)" "nobody reads the status"
