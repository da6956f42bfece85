# Throwaway users and groups for the multi-user (attacker's-side) tests, and a copy of the
# binaries that any user can run. Source it after lib.sh. Everything it makes is removed by
# lib.sh's EXIT trap, even when the test fails.
# shellcheck shell=bash

# need_root: the test cannot run without root; ctest reports it as skipped (exit 77).
need_root() {
    [[ $(id -u) == 0 ]] || skip "needs root (CI runs as root)"
    command -v useradd >/dev/null && command -v setpriv >/dev/null ||
        skip "needs useradd and setpriv (passwd, util-linux)"
}

# What was made is recorded in files, not in variables: tests call make_user and make_group
# in command substitutions (subshells), whose variables the EXIT trap would never see.
_MADE_USERS=$T/.made-users
_MADE_GROUPS=$T/.made-groups

# make_group: creates a throwaway group; prints its name.
make_group() {
    local g
    g=tendg$RANDOM$RANDOM
    echo "$g" >>"$_MADE_GROUPS"  # first: a failed or interrupted groupadd is cleaned up too
    groupadd "$g" >/dev/null
    echo "$g"
}

# make_user [GROUP...]: creates a throwaway user (no login, no home) whose supplementary
# groups are GROUP...; prints its name. Its primary group is its own.
make_user() {
    local u groups=()
    u=tendu$RANDOM$RANDOM
    [[ $# -gt 0 ]] && groups=(-G "$(IFS=,; echo "$*")")
    echo "$u" >>"$_MADE_USERS"
    useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin \
        --user-group "${groups[@]}" "$u" >/dev/null
    echo "$u"
}

# as_user USER CMD...: runs CMD as USER with USER's groups, from / (the test's dirs are
# private to root).
as_user() {
    local u=$1
    shift
    (cd / && setpriv --reuid="$u" --regid="$(id -g "$u")" --init-groups "$@")
}

# public_bins: copies tend, tendd and tend-shim to a directory every user can read and
# run (the build tree may sit under a 0700 parent such as /root); sets PUB_BIN and PUB_TEND
# (the CLI, as an array, talking to the test's socket).
public_bins() {
    # Inside the test's dir, so the EXIT trap removes it even when a subshell made it: $T
    # becomes searchable (0711), not readable, by others.
    PUB_BIN=$T/pub-bin
    chmod 0711 "$T"
    mkdir -p "$PUB_BIN"
    local b
    for b in tend tendd tend-shim; do
        [[ -e $TEND_BIN_DIR/$b ]] && cp "$TEND_BIN_DIR/$b" "$PUB_BIN/"
    done
    chmod 0755 "$PUB_BIN"
    chmod -R a+rX "$PUB_BIN"
    PUB_TEND=(env "$CLI_ASAN_OPTIONS" "$PUB_BIN/tend" --socket "$SOCK")
}

# as_user_tend USER ARGS...: the test's tend, run as USER (sets OUT, ERR, RC like `run`).
as_user_tend() {
    local u=$1
    shift
    [[ -n ${PUB_BIN:-} ]] || public_bins
    run as_user "$u" "${PUB_TEND[@]}" "$@"
}

_users_cleanup() {
    local x
    if [[ -f $_MADE_USERS ]]; then
        while read -r x; do
            pkill -KILL -u "$x" 2>/dev/null
            # userdel also removes the user's own group (--user-group).
            userdel -f "$x" >/dev/null 2>&1
        done <"$_MADE_USERS"
    fi
    if [[ -f $_MADE_GROUPS ]]; then
        while read -r x; do groupdel "$x" >/dev/null 2>&1; done <"$_MADE_GROUPS"
    fi
    return 0
}
CLEANUP_HOOKS+=(_users_cleanup)
