#!/usr/bin/env bash
# SPEC §10, tendd(8) DASHBOARD: the dashboard in a real headless Chromium (Debian's chromium,
# chromium-driver, python3-selenium; dashboard_browser.py drives it). Every page loads with no
# console error and shows the programs, queues and cron entries the CLI's JSON shows; a job
# submitted while /jobs is open appears there without a reload. One screenshot per page is kept
# in $TEND_BIN_DIR/test-artifacts/dashboard/.
source "$(dirname "$0")/lib.sh"

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
