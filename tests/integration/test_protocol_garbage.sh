#!/usr/bin/env bash
# SPEC §8, protocol: garbage and oversized requests get an error reply (oversized: too_large
# and the connection is closed); the daemon goes on serving everyone.
source "$(dirname "$0")/lib.sh"

write_config <<'EOF2'
[program.idle]
command = ["sleep", "300"]
EOF2
start_tendd
wait_until 5 state_is idle 0 running
pid=$(pid_of idle 0)
RAW=("$PYTHON" "$LIB_DIR/rawclient.py")

# exchange [--expect N]: stdin to the daemon; replies in $OUT. (Not at the end of a pipeline:
# that would run it in a subshell and lose $OUT.)
exchange() {
    RC=0
    OUT=$("${RAW[@]}" exchange "$SOCK" "$@") || RC=$?
    [[ $RC == 0 ]] || fail "rawclient exited $RC: $OUT"
}
# reply_field N JQ: field of the N-th reply line (1-based)
reply_field() { sed -n "${1}p" <<<"$OUT" | jq -r "$2"; }

# One connection per request, all from one client process: request<TAB>expected code<TAB>what
cases=$(cat <<'EOF2'
this is not json	bad_request	plain text
{"v":1,"cmd":"status"	bad_request	truncated JSON
[1,2,3]	bad_request	a JSON array
"status"	bad_request	a JSON string
null	bad_request	JSON null
{"cmd":"status"}	bad_request	no protocol version
{"v":2,"cmd":"status"}	bad_request	protocol version 2
{"v":"1","cmd":"status"}	bad_request	a string version
{"v":1.5,"cmd":"status"}	bad_request	a fractional version
{"v":1}	bad_request	no cmd
{"v":1,"cmd":""}	bad_request	an empty cmd
{"v":1,"cmd":42}	bad_request	a numeric cmd
{"v":1,"cmd":"status","args":[1]}	bad_request	args not an object
{"v":1,"cmd":"no-such-command","args":{}}	unknown_command	an unknown command
{"v":1,"cmd":"start","args":{"targets":"idle"}}	bad_request	targets not an array
{"v":1,"cmd":"start","args":{"targets":[1,2]}}	bad_request	targets with numbers
{"v":1,"cmd":"signal","args":{"signal":"NOPE","targets":["idle"]}}	bad_request	an unknown signal
{"v":1,"cmd":"signal","args":{"signal":9999,"targets":["idle"]}}	bad_request	signal number 9999
{"v":1,"cmd":"signal","args":{"signal":99999999999999999999,"targets":["idle"]}}	bad_request	a huge signal number
{"v":1,"cmd":"status","args":{"targets":["idle:99999999999999"]}}	not_found	a huge instance number
{"v":1,"cmd":"status","args":{"targets":["idle:-1"]}}	not_found	a negative instance number
{"v":1,"cmd":"status","args":{"targets":["idle:"]}}	not_found	an empty instance number
EOF2
)
cut -f1 <<<"$cases" >"$T/req"
replies=$("${RAW[@]}" batch "$SOCK" <"$T/req")
assert_eq "$(count_lines "$cases")" "$(count_lines "$replies")" "number of replies"
i=0
while IFS=$'\t' read -r req code what; do
    i=$((i + 1))
    reply=$(sed -n "${i}p" <<<"$replies")
    got=$(jq -r '[.v, .ok, .error.code, (.error.message | type)] | map(tostring) | join(" ")' <<<"$reply" 2>/dev/null) ||
        fail "reply to $what ($req) is not JSON: $reply"
    assert_eq "1 false $code string" "$got" "v, ok, error.code, message type for $what"
done <<<"$cases"

say "binary garbage (NUL bytes, invalid UTF-8)"
printf 'abc\0\377\376{"v":1}\n' >"$T/req"
exchange <"$T/req"
assert_eq false "$(reply_field 1 .ok)" "ok for binary garbage"
assert_eq bad_request "$(reply_field 1 .error.code)" "error.code for binary garbage"

say "invalid UTF-8 inside a JSON string is answered, not crashed on"
printf '{"v":1,"cmd":"status","args":{"targets":["\377\376"]}}\n' >"$T/req"
exchange <"$T/req"
assert_eq false "$(reply_field 1 .ok)" "ok for a target of invalid UTF-8"

say "deeply nested JSON"
{ printf '{"v":1,"cmd":"status","args":{"x":'; printf '[%.0s' $(seq 5000); printf ']%.0s' $(seq 5000); printf '}}\n'; } >"$T/req"
exchange <"$T/req"
# Refused before parsing: copying such a value would recurse 5000 deep in tendd.
assert_eq bad_request "$(reply_field 1 .error.code)" "a status request with a deep extra argument"
assert_contains "$(reply_field 1 .error.message)" "deeper than 32 levels" "its message"

say "a bad line does not end the connection: the next request on it is served"
printf 'garbage\n{"v":1,"cmd":"status","args":{}}\n' >"$T/req"
exchange --expect 2 <"$T/req"
assert_eq bad_request "$(reply_field 1 .error.code)" "first reply (garbage)"
assert_eq true "$(reply_field 2 .ok)" "second reply (status) ok"
assert_eq idle "$(reply_field 2 '.data[0].program')" "second reply's program"

say "an oversized request (70 KiB, no newline) is refused with too_large and closed"
head -c 71680 /dev/zero | tr '\0' 'x' >"$T/req"
exchange --expect 2 <"$T/req"
assert_eq false "$(reply_field 1 .ok)" "ok for 70 KiB without a newline"
assert_eq too_large "$(reply_field 1 .error.code)" "error.code for 70 KiB without a newline"
assert_eq "<EOF>" "$(sed -n 2p <<<"$OUT")" "connection after too_large"

say "an oversized JSON request (100 KiB, newline-terminated) is refused with too_large"
{ printf '{"v":1,"cmd":"status","args":{"pad":"'; head -c 102400 /dev/zero | tr '\0' 'y'; printf '"}}\n{"v":1,"cmd":"status"}\n'; } >"$T/req"
exchange --expect 2 <"$T/req"
assert_eq too_large "$(reply_field 1 .error.code)" "error.code for a 100 KiB request line"
assert_eq "<EOF>" "$(sed -n 2p <<<"$OUT")" "connection after too_large (the pipelined request is not served)"

say "a request just under 64 KiB is served"
{ printf '{"v":1,"cmd":"status","args":{"pad":"'; head -c 60000 /dev/zero | tr '\0' 'z'; printf '"}}\n'; } >"$T/req"
exchange <"$T/req"
assert_eq true "$(reply_field 1 .ok)" "ok for a 60 KB request"

say "many connections that close at once"
printf '{"v":1,"cmd":"sta' | "${RAW[@]}" oneshot "$SOCK" 200 || fail "the oneshot client failed"

say "the daemon is unharmed"
kill -0 "$TENDD_PID" || fail "tendd died"
assert_status 0 tend status
assert_eq "$pid" "$(pid_of idle 0)" "idle's pid"
assert_eq running "$(sfield idle 0 .state)" "idle's state"
