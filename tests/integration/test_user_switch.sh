#!/usr/bin/env bash
# SPEC §3: `user =` runs the program as that user (and its group) when tendd runs as root, and
# is a config error otherwise.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/users.sh"

[[ $(id -u) == 0 ]] || skip "needs root (CI runs as root)"
write_config <<'EOF2'
[program.unpriv]
command = ["sleep", "300"]
user = "nobody"
EOF2
start_tendd
wait_until 5 state_is unpriv 0 running
pid=$(pid_of unpriv 0)
uid=$(awk '/^Uid:/ {print $2}' /proc/"$pid"/status)
gid=$(awk '/^Gid:/ {print $2}' /proc/"$pid"/status)
assert_eq "$(id -u nobody)" "$uid" "uid of the program"
assert_eq "$(id -g nobody)" "$gid" "gid of the program"

say "an unknown user is a config error with its position"
printf '[program.x]\ncommand = ["true"]\nuser = "no-such-user-tend"\n' >"$T/bad.toml"
assert_status 65 tend check "$T/bad.toml"
assert_contains "$ERR" "$T/bad.toml:3:8: unknown user \"no-such-user-tend\"" "tend check"

say "as a non-root user, user = is refused"
# The test's temp dir is private to root: give nobody a readable copy of the config.
public=$(mktemp /tmp/tend-it-user.XXXXXX.toml)
cp "$CONF" "$public"
chmod 0644 "$public"
public_bins  # the build tree may sit under a 0700 parent (/root)
run setpriv --reuid=nobody --regid=nogroup --clear-groups "$PUB_BIN/tend" check "$public"
rm -f "$public"
assert_eq 65 "$RC" "tend check as nobody"
assert_contains "$ERR" "needs tendd to run as root" "tend check as nobody"
