# Several real tendd hosts on one throwaway PostgreSQL database (issue 16's multi-host tests).
# Source it after lib.sh and pg_lib.sh; call pg_start and pg_hosts_db, then host_config and
# host_start for each host.
#
# Host I (1, 2, ...) has its own dir $T/hI with its state dir, socket and config, and its
# stderr in $T/hI.stderr (lib.sh's EXIT trap scans every $T/*.stderr for sanitizer reports and
# prints their tails when the test fails). Every tendd inherits lib.sh's marker, so the EXIT
# trap kills, by pid, whatever a failed test left running; a passing test stops its hosts with
# hosts_stop (a clean shutdown: leases retired, LeakSanitizer's report at exit).
# shellcheck shell=bash

HOST_PIDS=()  # HOST_PIDS[I]: the pid of host I's tendd, empty while it is down
HOSTS_URL=    # the database every host uses (pg_hosts_db)
HOSTS_DB=     # its name, for pg_sql

# pg_hosts_db NAME: a fresh database with the schema (tend migrate); sets HOSTS_URL, HOSTS_DB.
pg_hosts_db() {
    HOSTS_DB=$1
    HOSTS_URL=$(pg_new_db "$1")
    timeout -s KILL 30 "$TEND_BIN_DIR/tend" migrate --url "$HOSTS_URL" >/dev/null 2>"$T/migrate.err" ||
        fail "tend migrate failed: $(cat "$T/migrate.err")"
}

# hdb SQL: SQL in the hosts' database, rows unaligned.
hdb() { pg_sql "$HOSTS_DB" "$1"; }

host_dir() { echo "$T/h$1"; }
host_sock() { echo "$T/h$1/tend.sock"; }
host_err() { echo "$T/h$1.stderr"; }

# host_config I [URL] < TEXT: host I's config: a [daemon] section naming the database (URL, by
# default HOSTS_URL) and host_name hI, then TEXT from stdin (more [daemon] keys first, then
# [queue.*]/[cron.*] sections).
host_config() {
    mkdir -p "$(host_dir "$1")"
    {
        printf '[daemon]\nqueue = "%s"\nhost_name = "h%s"\n' "${2:-$HOSTS_URL}" "$1"
        cat
    } >"$(host_dir "$1")/tend.toml"
}

# htend I ARGS...: the tend CLI against host I (bounded like lib.sh's tend).
htend() {
    local i=$1
    shift
    timeout -s KILL "$TEND_CMD_TIMEOUT" env "$CLI_ASAN_OPTIONS" "$TEND_BIN_DIR/tend" \
        --socket "$(host_sock "$i")" "$@"
}

# host_answers I: host I's tendd answers `tend status`.
host_answers() {
    local rc=0
    env "$CLI_ASAN_OPTIONS" "$TEND_BIN_DIR/tend" --socket "$(host_sock "$1")" status >/dev/null 2>&1 || rc=$?
    [[ $rc == 0 || $rc == 3 ]]
}

# host_start I: starts host I's tendd (own session, like start_tendd) and waits until it
# answers; with --live, also until it holds a lease and claims (its log says so).
host_start() {
    local i=$1 live=${2:-}
    [[ -z ${HOST_PIDS[i]:-} ]] || fail "host_start: h$i (pid ${HOST_PIDS[i]}) is already running"
    local dir err claiming0
    dir=$(host_dir "$i")
    err=$(host_err "$i")
    echo "=== tendd h$i started $(date +%T.%N)" >>"$err"
    claiming0=$(grep -c 'claiming jobs' "$err" || true)
    env "$MARK" setsid "$TEND_BIN_DIR/tendd" --state-dir "$dir/state" --socket "$dir/tend.sock" \
        --config "$dir/tend.toml" --log-level debug 2>>"$err" </dev/null &
    HOST_PIDS[i]=$!
    local start=$EPOCHREALTIME
    until host_answers "$i" &&
        { [[ $live != --live ]] || (($(grep -c 'claiming jobs' "$err" || true) > claiming0)); }; do
        if gone "${HOST_PIDS[i]}"; then
            local rc=0
            wait "${HOST_PIDS[i]}" || rc=$?
            HOST_PIDS[i]=
            fail "tendd h$i exited with status $rc before answering; its stderr: $(tail -n 30 "$err")"
        fi
        fcmp "$(elapsed_since "$start")" "<" 20 || fail "tendd h$i was not ready within 20s"
        sleep 0.02
    done
}

# host_kill9 I: SIGKILL of host I's tendd (its jobs die with it: tend-shim), reaped at once.
host_kill9() {
    local p=${HOST_PIDS[$1]}
    [[ -n $p ]] || fail "host_kill9: h$1 is not running"
    kill -KILL "$p"
    { wait "$p"; } 2>/dev/null || true
    HOST_PIDS[$1]=
}

# host_stop I: a clean shutdown of host I (tend shutdown), SIGKILL after 15 s.
host_stop() {
    local p=${HOST_PIDS[$1]:-}
    [[ -n $p ]] || return 0
    htend "$1" shutdown >/dev/null 2>&1 || kill -TERM "$p" 2>/dev/null || true
    local start=$EPOCHREALTIME
    until gone "$p"; do
        if ! fcmp "$(elapsed_since "$start")" "<" 15; then
            kill -KILL "$p" 2>/dev/null || true
            { wait "$p"; } 2>/dev/null || true
            HOST_PIDS[$1]=
            fail "tendd h$1 did not stop within 15s"
        fi
        sleep 0.02
    done
    local rc=0
    wait "$p" 2>/dev/null || rc=$?
    HOST_PIDS[$1]=
    [[ $rc == 0 ]] || fail "tendd h$1 exited with status $rc at its shutdown"
}

# hosts_stop: every host that runs, one after the other.
hosts_stop() {
    local i
    for i in "${!HOST_PIDS[@]}"; do host_stop "$i"; done
}

# pg_server_stop: stops the throwaway server at once (pg_ctl -m immediate: as a crash would);
# pg_server_start starts it again on the same data dir, with pg_lib.sh's options.
pg_server_stop() {
    _pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate -w -t 30 stop >/dev/null ||
        fail "the PostgreSQL server did not stop"
}
pg_server_start() {
    _pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 30 \
        -o "-k $PG_DIR -c listen_addresses='' -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=100" \
        start >/dev/null || {
        tail -n 30 "$PG_DIR/server.log" >&2
        fail "the PostgreSQL server did not start again"
    }
    # shellcheck disable=SC2034  # pg_lib.sh's EXIT hook stops the server by this pid
    PG_PID=$(head -n 1 "$PG_DIR/data/postmaster.pid")
}
