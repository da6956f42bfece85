#!/usr/bin/env bash
# shellcheck disable=SC2163,SC2119  # export "$MARK" exports its value; lib.sh functions take no script args
# SPEC §2, §8 "Spool", from the attacker's side (issue 13 items 4 and 6): with a system tendd
# down, `tend submit` spools into the spool that pairs with the socket it named (SOCKET.spool,
# written by tendd), or exits 69 when it cannot know it; never exit 0 for a job that daemon
# will not read. tendd runs a spooled job as the file's owner (never as its content says),
# ignores links and files of users who may not submit, and refuses a spool dir that another
# user owns or can use to read or replace entries. 300 submits from a member while tendd is
# killed and restarted twice: every one acknowledged with exit 0 is a job afterwards.
# shellcheck source=SCRIPTDIR/lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source=SCRIPTDIR/users.sh
source "$(dirname "$0")/users.sh"
need_root

export "$MARK"
G=$(make_group)
M=$(make_user "$G")   # a socket_group member
O=$(make_user)        # a user outside the group
M_UID=$(id -u "$M")
public_bins
SPOOL=$T/spool
OUTD=$T/out           # jobs of every user write what they are here
mkdir -m 1777 "$OUTD"
chmod 711 "$T"
write_config <<EOF
[daemon]
socket_group = "$G"

[queue.default]
concurrency = 8
EOF
TENDD_ARGS=(--spool "$SPOOL")

# member_env_tend ARGS...: tend as the member with only TEND_SOCKET set (no --socket).
member_env_tend() { run as_user "$M" env TEND_SOCKET="$SOCK" "$CLI_ASAN_OPTIONS" "$PUB_BIN/tend" "$@"; }
ran_as() { [[ -s $OUTD/$1 ]] && cat "$OUTD/$1"; }
wait_file() { wait_until 20 test -s "$OUTD/$1"; }

# --- tendd makes its spool: root:socket_group 1730, and records it beside the socket --------
start_tendd "${TENDD_ARGS[@]}"
assert_eq "root $G 1730" "$(stat -c '%U %G %a' "$SPOOL")" "owner, group and mode of the spool"
assert_eq "$SPOOL" "$(cat "$SOCK.spool")" "the pairing file $SOCK.spool"
assert_eq "root 644" "$(stat -c '%U %a' "$SOCK.spool")" "owner and mode of the pairing file"
tend shutdown >/dev/null
wait_tendd_exit 15
[[ -e $SOCK.spool ]] || fail "the pairing file is gone after a clean stop"

say "tendd down: submits go to the paired spool"
# A member, through --socket.
as_user_tend "$M" submit -- sh -c "id -u > $OUTD/member-flag"
[[ $RC == 0 ]] || fail "member submit with --socket exited $RC: $ERR"
assert_contains "$ERR" "$SPOOL/" "where the member's submit was spooled"
# A member with only TEND_SOCKET.
member_env_tend submit -- sh -c "id -u > $OUTD/member-env"
[[ $RC == 0 ]] || fail "member submit with TEND_SOCKET exited $RC: $ERR"
assert_contains "$ERR" "$SPOOL/" "where the member's TEND_SOCKET submit was spooled"
# Root with only TEND_SOCKET (it used to go to /var/lib/tend/spool).
run env TEND_SOCKET="$SOCK" "$CLI_ASAN_OPTIONS" "$TEND_BIN_DIR/tend" submit -- sh -c "id -u > $OUTD/root-env"
[[ $RC == 0 ]] || fail "root submit with TEND_SOCKET exited $RC: $ERR"
assert_contains "$ERR" "$SPOOL/" "where root's TEND_SOCKET submit was spooled"
assert_eq 3 "$(find "$SPOOL" -mindepth 1 -maxdepth 1 ! -name '.*' | wc -l)" "files in the spool"

# A socket no tendd ever recorded a spool for: exit 69, nothing stored anywhere.
run as_user "$M" env TEND_SOCKET="$T/other.sock" "$CLI_ASAN_OPTIONS" "$PUB_BIN/tend" submit -- true
assert_eq 69 "$RC" "exit status of a member's submit whose spool cannot be known"
assert_contains "$ERR" "cannot tell which spool" "its message"
assert_contains "$ERR" "--spool" "its hint"
run env "$CLI_ASAN_OPTIONS" "$TEND_BIN_DIR/tend" --socket "$T/other.sock" submit -- true
assert_eq 69 "$RC" "exit status of root's submit whose spool cannot be known"

# A pairing file planted by another user is not believed (exit 69, not a guess).
mkdir -m 1777 "$T/shared"
as_user "$O" sh -c "echo $OUTD > $T/shared/tend.sock.spool"
run as_user "$M" "$PUB_BIN/tend" --socket "$T/shared/tend.sock" submit -- true
assert_eq 69 "$RC" "exit status with a pairing file owned by another user"
assert_contains "$ERR" "is owned by uid $(id -u "$O")" "why the planted pairing file is refused"

# --- forged and planted spool files ---------------------------------------------------------
say "forged and planted spool files"
# A spool file that says uid 0 (written by root's tend elsewhere), placed by the member.
"$TEND_BIN_DIR/tend" --socket "$T/none.sock" --spool "$T/forge" submit --cwd / -- sh -c "id -u > $OUTD/forged" 2>/dev/null
forged=$(find "$T/forge" -mindepth 1 -maxdepth 1 ! -name '.*')
chmod 755 "$T/forge"; chmod 644 "$forged"
as_user "$M" sh -c "cat '$forged' > '$SPOOL/.tmp-forged' && mv '$SPOOL/.tmp-forged' '$SPOOL/0000000000000001-1-forged'"
assert_eq "$M" "$(stat -c %U "$SPOOL/0000000000000001-1-forged")" "owner of the forged file"
# The member cannot list, delete or replace root's spooled job (1730).
run as_user "$M" ls "$SPOOL"
[[ $RC != 0 ]] || fail "the member could list the spool: $OUT"
root_file=$(find "$SPOOL" -mindepth 1 -maxdepth 1 -user root ! -name '.*' | head -n 1)
run as_user "$M" rm -f "$root_file"
[[ -e $root_file ]] || fail "the member deleted root's spool file"
# Someone outside the group cannot write there at all.
run as_user "$O" sh -c "echo x > '$SPOOL/0000000000000002-1-outsider'"
[[ $RC != 0 ]] || fail "a user outside socket_group wrote into the spool"
# A valid root job file as the target of a symlink and of a hard link planted in the spool
# (root plants the hard link: fs.protected_hardlinks keeps a member from linking root's file).
"$TEND_BIN_DIR/tend" --socket "$T/none.sock" --spool "$T/forge2" submit -- sh -c "touch $OUTD/via-link" 2>/dev/null
target=$(find "$T/forge2" -mindepth 1 -maxdepth 1 ! -name '.*')
chmod 755 "$T/forge2"; chmod 644 "$target"
target_sum=$(sha256sum <"$target")
as_user "$M" ln -s "$target" "$SPOOL/0000000000000003-1-symlink"
ln "$target" "$SPOOL/0000000000000004-1-hardlink"
# A valid file of a user who may not submit (say, one who left socket_group since).
cp "$target" "$SPOOL/0000000000000005-1-outsider" && chown "$O" "$SPOOL/0000000000000005-1-outsider"
# Junk: a FIFO (opening it would block a reader that followed it).
mkfifo "$SPOOL/0000000000000006-1-fifo" && chown "$M" "$SPOOL/0000000000000006-1-fifo"

start_tendd "${TENDD_ARGS[@]}"
for f in member-flag member-env root-env forged; do wait_file "$f"; done
assert_eq "$M_UID" "$(ran_as member-flag)" "uid of the member's job spooled with --socket"
assert_eq "$M_UID" "$(ran_as member-env)" "uid of the member's job spooled with TEND_SOCKET"
assert_eq 0 "$(ran_as root-env)" "uid of root's job spooled with TEND_SOCKET"
assert_eq "$M_UID" "$(ran_as forged)" "uid of the forged job that claims uid 0"
for f in 3-1-symlink 4-1-hardlink 5-1-outsider 6-1-fifo; do
    wait_until 10 test -e "$SPOOL/000000000000000$f.refused"
done
wait_until 10 grep -q "0000000000000006-1-fifo is not a regular file" "$TENDD_ERR"
assert_contains "$(cat "$TENDD_ERR")" "0000000000000003-1-symlink is a symbolic link" "tendd's warning on the symlink"
assert_contains "$(cat "$TENDD_ERR")" "0000000000000004-1-hardlink has 2 hard links" "tendd's warning on the hard link"
assert_contains "$(cat "$TENDD_ERR")" "0000000000000005-1-outsider: its owner, uid $(id -u "$O"), may not submit" "tendd's warning on the outsider's file"
sentinel=$(tend submit -- true)
assert_status 0 tend wait "$sentinel"
[[ ! -e $OUTD/via-link ]] || fail "a job of a planted link or an outsider's file ran"
assert_eq "$target_sum" "$(sha256sum <"$target")" "the link target's content"
assert_eq 2 "$(stat -c %h "$target")" "links of the hard link target (renamed, not removed)"
assert_eq 0 "$(tend jobs --limit 0 --json | jq '[.[] | select(.state != "succeeded")] | length')" "jobs not succeeded"
tend shutdown >/dev/null
wait_tendd_exit 15

# --- a spool dir others could use is refused, with the reason ------------------------------
say "tendd refuses a spool dir with the wrong mode or owner"
start_refused() {
    run timeout 20 env "$MARK" "$TEND_BIN_DIR/tendd" --state-dir "$STATE" --socket "$SOCK" \
        --config "$CONF" "${TENDD_ARGS[@]}"
    [[ $RC != 0 && $RC != 124 ]] || fail "tendd started (or hung: $RC) with a spool it should refuse"
}
chmod 1733 "$SPOOL"
start_refused
assert_contains "$ERR" "refusing the spool $SPOOL" "tendd's error for mode 1733"
assert_contains "$ERR" "other users may list or add entries" "why mode 1733 is refused"
chmod 1730 "$SPOOL"; chown "$M" "$SPOOL"
start_refused
assert_contains "$ERR" "is owned by uid $M_UID" "tendd's error for a spool the member owns"
chown root "$SPOOL"; chmod 0730 "$SPOOL"
start_refused
assert_contains "$ERR" "without the sticky bit" "tendd's error for a spool without the sticky bit"
chmod 1730 "$SPOOL"

# --- 300 submits while tendd is killed and restarted twice: none acknowledged is lost --------
say "300 member submits while tendd is killed and restarted twice"
cat >"$T/loss.sh" <<EOF
#!/bin/bash
for i in \$(seq 1 300); do
    if "$PUB_BIN/tend" --socket "$SOCK" submit --name "loss-\$i" -- true >/dev/null 2>>"$OUTD/loss.err"; then
        echo "ok \$i" >> "$OUTD/loss.txt"
    else
        echo "rc=\$? \$i" >> "$OUTD/loss.txt"
    fi
done
echo done >> "$OUTD/loss.txt"
EOF
chmod 755 "$T/loss.sh"
: >"$OUTD/loss.txt"; chmod 666 "$OUTD/loss.txt"
start_tendd "${TENDD_ARGS[@]}"
bg_start "$T/loss.out" setpriv --reuid="$M" --regid="$(id -g "$M")" --init-groups env "$CLI_ASAN_OPTIONS" "$T/loss.sh"
submitted_at_least() { [[ $(wc -l <"$OUTD/loss.txt") -ge $1 ]]; }
for round in 1 2; do
    wait_until 60 submitted_at_least $((round * 100 - 40))
    kill -KILL "$TENDD_PID"
    wait_tendd_exit 10
    wait_until 60 submitted_at_least $((round * 100 + 10))
    start_tendd "${TENDD_ARGS[@]}"
done
wait_until 90 grep -qx "done" "$OUTD/loss.txt"
acked=$(grep -c '^ok ' "$OUTD/loss.txt" || true)
say "$acked of 300 submits acknowledged with exit 0; the others: $(grep -v '^ok \|^done' "$OUTD/loss.txt" | tr '\n' ' ')"
loss_names() { tend jobs --limit 0 --json | jq -r '.[] | select(.name | startswith("loss-")) | .name' | sort -u; }
acked_names() { grep '^ok ' "$OUTD/loss.txt" | sed 's/^ok /loss-/' | sort -u; }
all_acked_present() { [[ -z $(comm -23 <(acked_names) <(loss_names)) ]]; }
wait_until 30 all_acked_present
missing=$(comm -23 <(acked_names) <(loss_names))
assert_eq "" "$missing" "acknowledged submits missing from tend jobs"
assert_eq "" "$(find "$SPOOL" -mindepth 1 -maxdepth 1 ! -name '.*' ! -name '*.refused')" "spool entries left"
dups=$(tend jobs --limit 0 --json | jq -r '.[] | select(.name | startswith("loss-")) | .name' | sort | uniq -d)
assert_eq "" "$dups" "loss-N jobs taken in twice"
