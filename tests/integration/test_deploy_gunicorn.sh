#!/usr/bin/env bash
# Real gunicorn from Debian (python3-gunicorn), socket-activated from tend's `sockets` with
# ready = "notify", under constant load (SPEC §5.5, issue 15). gunicorn's master sends READY=1
# before its workers import the app, so only probation (min_ready) can see a release whose
# import raises: the master exits 3 ("Worker failed to boot") a moment after READY=1. A good
# deploy drops nothing; the broken one is rolled back by tend alone, dropping nothing.
source "$(dirname "$0")/lib.sh"

"$PYTHON" -c 'import gunicorn' 2>/dev/null ||
    skip "needs python3-gunicorn (apt-get install -y python3-gunicorn)"

PORT=$(free_port)
APP=$T/app
mkdir -p "$APP"
# Each release is a module; $APP/release names the one the next spawn runs.
release() {  # NAME GEN
    cat >"$APP/$1.py" <<EOF
def app(environ, start_response):
    body = b"gen $2\n"
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]
EOF
}
release v1 1
release v2 2
printf 'raise RuntimeError("release v3 is broken: its import raises")\n' >"$APP/v3.py"

# The release is chosen in the config, as a deploy should: a rollback then runs the release
# that ran before (a `current` symlink switched under it would give the old generation the new
# files). One instance, surged by one: the old master serves until the new one has passed
# probation. min_ready must outlast the app's import: on a machine at load 20, gunicorn took
# up to 7.6 s from READY=1 to its exit over the broken import.
config() {  # RELEASE
    write_config <<EOF
[program.web]
command = "exec $PYTHON -m gunicorn --workers 2 --chdir $APP --graceful-timeout 10 \${APP_MODULE}:app"
environment = { APP_MODULE = "$1" }
ready = "notify"
ready_timeout = "30s"
stop_timeout = "15s"
sockets = ["tcp://127.0.0.1:$PORT"]

[program.web.rollout]
max_unavailable = 0
max_surge = 1
min_ready = "15s"
on_failure = "rollback"
EOF
}
config v1
start_tendd
assert_status 0 tend start --wait web
wait_until 20 http_get "http://127.0.0.1:$PORT/"
assert_contains "$(http_get "http://127.0.0.1:$PORT/")" "gen 1" "gunicorn serves release v1"

gens() { status_json web | jq -r '[.[] | "\(.instance):\(.generation)"] | join(" ")'; }
rollout_is() { [[ $(status_json web | jq -r '.[0].rollout.state') == "$1" ]]; }

say "a good deploy (v1 -> v2) under load"
config v2
load good "$PORT"
t0=$(now)
assert_status 0 tend reload
assert_contains "$OUT" "rolling" "the reload rolls web"
wait_until 60 rollout_is complete
took=$(elapsed_since "$t0")
summary=$(stop_load)
say "good deploy took ${took}s; load: $summary"
assert_eq 0 "$(jq .failed <<<"$summary")" "good deploy: failed requests"
assert_fcmp "$(jq .ok <<<"$summary")" ">" 50 "good deploy: requests served"
assert_fcmp "$(jq '.bodies["2"] // 0' <<<"$summary")" ">" 0 "release v2 served during the deploy"
assert_fcmp "$took" ">=" 15 "the new instance passed 15s of probation first"
assert_eq "0:2" "$(gens)" "web on generation 2"
assert_contains "$(http_get "http://127.0.0.1:$PORT/")" "gen 2" "gunicorn serves release v2"
pid=$(status_json web | jq -r '.[0].pid')

say "a broken release (its import raises) under load: tend rolls back by itself"
config v3
load broken "$PORT"
assert_status 0 tend reload
wait_until 60 rollout_is "rolled back"
summary=$(stop_load)
message=$(status_json web | jq -r '.[0].rollout.message')
say "rollout: $message"
say "broken deploy load: $summary"
assert_contains "$message" "rolled back to generation 2" "status says it rolled back"
assert_contains "$message" "web:0 of generation 3 exited with code" "the new gunicorn master exited"
assert_contains "$message" "ready (min_ready 15s)" "during its probation"
assert_eq 0 "$(jq .failed <<<"$summary")" "broken deploy: failed requests"
assert_fcmp "$(jq .ok <<<"$summary")" ">" 50 "broken deploy: requests served"
assert_eq '["2"]' "$(jq -c '.bodies | keys' <<<"$summary")" "only release v2 answered"
assert_eq "0:2" "$(gens)" "web back on generation 2"
assert_eq "$pid" "$(status_json web | jq -r '.[0].pid')" "the serving gunicorn master never stopped"
assert_eq true "$(status_json web | jq -r '.[0].ready')" "and is ready"
grep -q "release v3 is broken" "$(log_file web 0)" ||
    fail "web:0's log does not show the import error: $(tail -n 20 "$(log_file web 0)")"
check "web:0's log shows the import error of release v3"
