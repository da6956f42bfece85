#!/usr/bin/env bash
# SPEC §2 and §3 log_file, from the attacker's side: a root tendd writes a program's log_file
# in the program's user's own directory (/var/log/app owned by app) without ever writing
# through a link that user planted, at the file's name or at a rotation's name, and refuses a
# directory another user owns or that others can write.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/users.sh"
need_root

u=$(make_user)
v=$(make_user)
uid=$(id -u "$u")
vid=$(id -u "$v")
chmod 711 "$T"
mkdir -p "$T/ulogs" "$T/vlogs" "$T/wlogs"
chown "$u:$u" "$T/ulogs"
chmod 755 "$T/ulogs"
chown "$v:$v" "$T/vlogs"
chmod 777 "$T/wlogs"
victim() { printf 'precious\n' >"$1"; chmod 600 "$1"; }
assert_victim() {
    assert_eq "0 600" "$(stat -c '%u %a' "$1")" "owner and mode of $(basename "$1")"
    assert_eq "precious" "$(cat "$1")" "content of $(basename "$1")"
}
victim "$T/victim"
victim "$T/victim-rot"
# The user's links wait before tendd starts: at the log's name and at its first rotation.
as_user "$u" ln -s "$T/victim" "$T/ulogs/app-0.log"
as_user "$u" ln -s "$T/victim-rot" "$T/ulogs/app-0.log.1"

ticker='while :; do echo tick xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx; sleep 0.01; done'
write_config <<EOF2
[program.app]
command = ["sh", "-c", "$ticker"]
user = "$u"
output = "file"
log_file = "$T/ulogs/app-{instance}.log"
log_max_size = "4KB"
log_keep = 2

[program.other]
command = ["sleep", "300"]
user = "$u"
log_file = "$T/vlogs/other.log"

[program.open]
command = ["sleep", "300"]
user = "$u"
log_file = "$T/wlogs/open.log"
EOF2
start_tendd
wait_until 5 state_is app 0 running

say "a link planted at log_file's name is not followed: the output waits for a plain file"
logged() { grep -qF "$1" "$TENDD_ERR"; }
wait_until 5 logged "$T/ulogs/app-0.log is a symbolic link: tendd does not follow it"
check "tendd's log names the link"
assert_victim "$T/victim"
[[ -L $T/ulogs/app-0.log ]] || fail "the user's link was replaced"

say "once the user removes the link, tendd makes its own file there"
as_user "$u" rm "$T/ulogs/app-0.log"
regular_with_ticks() { [[ -f $1 && ! -L $1 ]] && grep -q ' out tick ' "$1"; }
wait_until 5 regular_with_ticks "$T/ulogs/app-0.log"
assert_eq "0 640" "$(stat -c '%u %a' "$T/ulogs/app-0.log")" "owner and mode of app-0.log"

say "rotation renames the user's link at .1 away instead of writing through it"
# The first rotation moves the link from .1 to .2 (renameat moves the entry, not its target),
# the second replaces it there.
not_link() { [[ -f $1 && ! -L $1 ]]; }
wait_until 10 not_link "$T/ulogs/app-0.log.1"
wait_until 10 not_link "$T/ulogs/app-0.log.2"
assert_victim "$T/victim-rot"
assert_victim "$T/victim"
assert_contains "$(tend logs -n 1 app)" "tick" "tend logs app"

say "a directory another user owns, or others can write, is refused; the program still runs"
assert_contains "$(cat "$TENDD_ERR")" "log_file directory $T/vlogs is refused: it is owned by uid $vid, neither root, the daemon's user nor the program's user (uid $uid)" "tendd's log for other"
assert_contains "$(cat "$TENDD_ERR")" "log_file directory $T/wlogs is refused: it is writable by group and others (mode 0777)" "tendd's log for open"
[[ ! -e $T/vlogs/other.log && ! -e $T/wlogs/open.log ]] || fail "a refused directory got a file"
check "no file in the refused directories"
wait_until 5 state_is other 0 running
wait_until 5 state_is open 0 running
