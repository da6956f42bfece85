#!/usr/bin/env bash
# SPEC §10, tendd(8) DASHBOARD: the dashboard in a real headless Chromium (Debian's chromium,
# chromium-driver, python3-selenium; dashboard_browser.py drives it). Every page loads with no
# console error and shows the programs, queues and cron entries the CLI's JSON shows; a job
# submitted while /jobs is open appears there without a reload. One screenshot per page is kept
# in $TEND_BIN_DIR/test-artifacts/dashboard/.
source "$(dirname "$0")/lib.sh"

command -v curl >/dev/null || skip "needs curl"
command -v chromedriver >/dev/null || skip "chromedriver is not installed (apt-get install chromium-driver)"
command -v chromium >/dev/null || skip "chromium is not installed (apt-get install chromium)"
/usr/bin/python3 -c 'import selenium' 2>/dev/null || skip "python3-selenium is not installed (apt-get install python3-selenium)"

PORT=$(free_port)
write_config <<EOF2
[program.web]
command = ["sleep", "300"]
instances = 2

[program.flaky]
command = ["sh", "-c", "exit 3"]
restart_delay = "30s"

[queue.default]
concurrency = 2

[queue.batch]
concurrency = 1

[cron.nightly]
schedule = "0 3 * * *"
timezone = "Europe/Berlin"
command = ["true"]

[http]
listen = "127.0.0.1:$PORT"
EOF2
start_tendd
wait_until 5 test -s "$T/http.token"
TOKEN=$(<"$T/http.token")
wait_until 5 state_is web 1 running
wait_until 5 state_is flaky 0 backoff

say "one job done before the browser looks"
id=$(tend submit --queue batch -- sh -c 'echo warm-up')
tend wait "$id" >/dev/null

say "access: pages as /api/*, the page's files for anyone; the security headers"
BASE=http://127.0.0.1:$PORT
code() { curl -s -o /dev/null -w '%{http_code}' "$@"; }
assert_eq 401 "$(code "$BASE/")" "an anonymous page"
assert_eq 401 "$(code "$BASE/api/summary")" "anonymous /api/summary"
assert_eq 200 "$(code -H "Authorization: Bearer $TOKEN" "$BASE/jobs/1")" "a page with the token"
assert_eq 404 "$(code -H "Authorization: Bearer $TOKEN" "$BASE/nope")" "no such page"
assert_eq 200 "$(code "$BASE/static/app.js")" "the script, anonymous"
assert_eq 200 "$(code "$BASE/favicon.ico")" "the icon"
assert_eq 404 "$(code "$BASE/static/nope.js")" "no such file"
headers=$(curl -s -D - -o /dev/null -H "Authorization: Bearer $TOKEN" "$BASE/")
assert_contains "$headers" "Content-Security-Policy: default-src 'self'" "the page's CSP"
assert_contains "$headers" "text/html; charset=utf-8" "the page's type"

say "/api/series: one hour of 10 s steps; too many names is a 400"
series=$(curl -s -H "Authorization: Bearer $TOKEN" "$BASE/api/series?names=queue:*:pending,program:web:ready")
assert_eq 10 "$(jq .step_s <<<"$series")" "step_s"
assert_eq '["program:web:ready","queue:batch:pending","queue:default:pending"]' \
    "$(jq -c '.series | keys' <<<"$series")" "the series asked for"
# The first sample is taken as tendd starts (the next one 10 s later): a number, 0 to 2.
assert_eq true "$(jq '.series["program:web:ready"] | length >= 1 and all(. >= 0 and . <= 2)' <<<"$series")" \
    "web's ready instances, sampled"
many=$(printf 'x%d,' $(seq 65))
assert_eq 400 "$(code -H "Authorization: Bearer $TOKEN" "$BASE/api/series?names=$many")" "65 names"
summary=$(curl -s -H "Authorization: Bearer $TOKEN" "$BASE/api/summary")
assert_eq 3 "$(jq .instances.total <<<"$summary")" "summary: instances"
assert_eq '["flaky:0"]' "$(jq -c '[.attention[] | "\(.program):\(.instance)"]' <<<"$summary")" "summary: attention"

ARTIFACTS=$TEND_BIN_DIR/test-artifacts/dashboard
mkdir -p "$ARTIFACTS"
rc=0
# The marker lets the cleanup find the browser if the test is killed midway.
env "$MARK" /usr/bin/python3 "$LIB_DIR/dashboard_browser.py" "http://127.0.0.1:$PORT" "$TOKEN" "$ARTIFACTS" \
    env "$CLI_ASAN_OPTIONS" "$TEND_BIN_DIR/tend" --socket "$SOCK" || rc=$?
[[ $rc == 77 ]] && skip "the browser cannot run here"
[[ $rc == 0 ]] || fail "the browser checks failed (screenshots in $ARTIFACTS)"
check "every page loaded with no console error and agreed with the CLI; screenshots in $ARTIFACTS"
say "done"
