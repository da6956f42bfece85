# A throwaway PostgreSQL server for one test file (design postgres.md §14). Source it after
# lib.sh, then call pg_start once; each test makes its own database with pg_new_db.
#
# The server runs as the `postgres` user (it refuses root) on a Unix socket only, in a fresh
# mktemp dir owned by postgres (never under the clone: a clone under a 0700 parent such as
# /root is unreachable for that user). fsync and synchronous commit are off: these tests check
# behaviour, not durability. lib.sh's EXIT trap stops the server (pg_ctl -m immediate, then
# SIGKILL of the postmaster by its pid) and removes the dir, even when the test fails.
# A machine without PostgreSQL skips the test (exit 77); CI installs it (.ci/setup.sh).
# shellcheck shell=bash

PG_DIR=        # the server's dir: data/, the socket, server.log
PG_BIN=        # /usr/lib/postgresql/<newest>/bin
PG_PID=        # the postmaster's pid
PG_URL=        # a libpq URL for the database `postgres` as superuser `tend`
PG_PORT=       # with PG_TCP=1 before pg_start: the server also listens on localhost:PG_PORT
export PGUSER=tend PGDATABASE=postgres PGCONNECT_TIMEOUT=10

# pg_need: skips the test when the server binaries, psql or root are missing.
pg_need() {
    [[ $(id -u) == 0 ]] || skip "the throwaway PostgreSQL needs root (to run it as postgres)"
    command -v runuser >/dev/null || skip "needs runuser (util-linux)"
    id postgres >/dev/null 2>&1 || skip "no postgres user (apt-get install -y postgresql)"
    PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
    [[ -n $PG_BIN && -x $PG_BIN/initdb && -x $PG_BIN/pg_ctl ]] ||
        skip "PostgreSQL is not installed (apt-get install -y postgresql)"
    command -v psql >/dev/null || skip "no psql (apt-get install -y postgresql-client)"
}

# _pg_as CMD...: CMD as postgres, from the server's dir (the caller's cwd may be a clone under a
# 0700 parent that postgres cannot enter).
_pg_as() { (cd "$PG_DIR" && runuser -u postgres -- "$@"); }

# pg_start [EXTRA_SERVER_OPTIONS]: initdb and start; sets PG_DIR, PG_PID, PG_URL, PGHOST.
pg_start() {
    pg_need
    PG_DIR=$(mktemp -d /tmp/tend-pg.XXXXXX)
    CLEANUP_HOOKS+=(pg_stop)
    chown postgres: "$PG_DIR"
    chmod 700 "$PG_DIR"
    _pg_as "$PG_BIN/initdb" -D "$PG_DIR/data" -U tend -A trust -E UTF8 --locale=C.UTF-8 \
        --no-sync >"$PG_DIR/initdb.log" 2>&1 || {
        cat "$PG_DIR/initdb.log" >&2
        fail "initdb failed"
    }
    local listen="listen_addresses=''"
    if [[ ${PG_TCP:-0} == 1 ]]; then
        PG_PORT=$(free_port)
        listen="listen_addresses=localhost -p $PG_PORT"
        export PGPORT=$PG_PORT
    fi
    _pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 30 \
        -o "-k $PG_DIR -c $listen -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=100 ${1:-}" \
        start >/dev/null || {
        cat "$PG_DIR/server.log" >&2
        fail "the PostgreSQL server did not start"
    }
    PG_PID=$(head -n 1 "$PG_DIR/data/postmaster.pid")
    export PGHOST=$PG_DIR
    PG_URL="postgresql:///postgres?host=$PG_DIR&user=tend${PG_PORT:+&port=$PG_PORT}"
    say "PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') up (pid $PG_PID)"
}

# pg_stop: the EXIT trap's hook; stops the server by its pid and removes its dir.
pg_stop() {
    [[ -n $PG_DIR ]] || return 0
    if [[ -n $PG_PID ]] && kill -0 "$PG_PID" 2>/dev/null; then
        local p  # a test may have stopped the server or a backend (SIGSTOP)
        for p in "$PG_PID" $(pgrep -P "$PG_PID"); do kill -CONT "$p" 2>/dev/null; done
        _pg_as timeout 10 "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate -w stop \
            >/dev/null 2>&1 || kill -KILL "$PG_PID" 2>/dev/null
        for _ in $(seq 250); do kill -0 "$PG_PID" 2>/dev/null || break; sleep 0.02; done
    fi
    rm -rf "$PG_DIR"
    PG_DIR=
}

# pg_short_lease: the [daemon] lines of a host that fails over in seconds (a 3 s lease, polls
# every 200 ms), for the tests that kill, cut or restart hosts.
pg_short_lease() {
    printf '%s\n' 'queue_lease = "3s"' 'queue_renew = "1s"' 'queue_rescue_grace = "500ms"' \
        'queue_poll = "200ms"'
}

# pg_new_db NAME: a fresh empty database; prints its URL.
pg_new_db() {
    psql -qX -v ON_ERROR_STOP=1 -c "CREATE DATABASE \"$1\"" >/dev/null
    echo "postgresql:///$1?host=$PG_DIR&user=tend${PG_PORT:+&port=$PG_PORT}"
}

# pg_sql DB SQL: runs SQL in DB, prints the rows unaligned (fields split by |), fails on error.
pg_sql() {
    psql -qXAt -v ON_ERROR_STOP=1 -d "$1" -c "$2"
}

# pg_backend_pid DB APPLICATION_NAME_PATTERN: the pid of a backend serving that client.
pg_backend_pid() {
    pg_sql "$1" "SELECT pid FROM pg_stat_activity WHERE application_name LIKE '$2' LIMIT 1"
}
