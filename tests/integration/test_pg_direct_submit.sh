#!/usr/bin/env bash
# `tend submit` straight into PostgreSQL while tendd is down (SPEC §9, design postgres.md §11,
# tendd(8) MULTI-HOST): `tend migrate` by a role without CREATEROLE still reaches schema 2 (a
# warning, no tend_submit); it upgrades a schema-1 database to 2 (--dry-run shows only
# migration 2); the tend_submit role may call tend.submit_direct and nothing else (psql as a
# role granted it cannot INSERT INTO tend.job nor call tend.submit, and the wrapper drops the
# uid, gid and groups it is given); with tendd stopped, `tend submit --json` goes direct
# (direct: true, the note on stderr), --key deduplicates onto the same job, a full queue is
# exit 75, a --stdin batch goes direct too, and the CLI's NOTIFY wakes a running host of the
# queue (a 30 s poll away); a root tendd runs the jobs as direct_submit_user (a throwaway user:
# `id -un`) and `tend show` names direct:ROLE; without direct_submit_user such a job fails with
# the reason and never runs as root; a tendd that is not root runs such a job as its own user;
# with the database unreachable too the job goes to the spool, and the messages name both
# failures.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/pg_lib.sh"
source "$(dirname "$0")/users.sh"
need_root
pg_start
TENDC=(timeout -s KILL 30 env "$CLI_ASAN_OPTIONS" "$TEND_BIN_DIR/tend")
URL=$(pg_new_db d)
db() { pg_sql d "$1"; }
# psql as ROLE (trust authentication on the throwaway server's socket); sets RC, OUT, ERR.
as_role() { run psql -qXAt -v ON_ERROR_STOP=1 -U "$1" -d d -c "$2"; }
ROLE=direct_alice

say "a migrating role without CREATEROLE: schema 2 all the same, with a warning and no tend_submit"
pg_sql postgres "CREATE ROLE lowly LOGIN NOCREATEROLE" >/dev/null
pg_sql postgres "CREATE DATABASE low OWNER lowly" >/dev/null
assert_status 0 "${TENDC[@]}" migrate --url "postgresql:///low?host=$PG_DIR&user=lowly" --json
assert_eq 2 "$(jq .to <<<"$OUT")" "the schema lowly migrated to"
assert_contains "$ERR" "cannot create the role tend_submit" "the migration's warning"
assert_eq 0 "$(db "SELECT count(*) FROM pg_roles WHERE rolname = 'tend_submit'")" "tend_submit roles"

say "tend migrate upgrades schema 1 to 2; --dry-run shows migration 2 only"
assert_status 0 "${TENDC[@]}" migrate --dry-run --url "$URL"
# Schema 1 alone, as an older tend left it: the first transaction of the dry run.
sed -n '/^-- migration 1 /,/^COMMIT;$/p' <<<"$OUT" | psql -qX -v ON_ERROR_STOP=1 -d d >/dev/null
assert_eq 1 "$(db "SELECT max(version) FROM tend.migration")" "schema after migration 1 alone"
assert_status 0 "${TENDC[@]}" migrate --dry-run --url "$URL"
assert_contains "$OUT" "-- migration 2 (0002_direct_submit)" "the dry run from schema 1"
assert_contains "$OUT" "CREATE FUNCTION tend.submit_direct" "the dry run from schema 1"
assert_not_contains "$OUT" "-- migration 1 " "the dry run from schema 1"
assert_eq 0 "$(db "SELECT count(*) FROM pg_roles WHERE rolname = 'tend_submit'")" "tend_submit after the dry run"
assert_status 0 "${TENDC[@]}" migrate --url "$URL" --json
assert_eq '[1,2,[2]]' "$(jq -c '[.from, .to, .migrations]' <<<"$OUT")" "the upgrade's JSON"
assert_eq "f" "$(db "SELECT rolcanlogin FROM pg_roles WHERE rolname = 'tend_submit'")" "tend_submit can log in"
assert_eq "t|{\"search_path=pg_catalog, tend, pg_temp\"}" \
    "$(db "SELECT prosecdef, proconfig FROM pg_proc WHERE proname = 'submit_direct'")" "the wrapper's security and search_path"
assert_status 0 "${TENDC[@]}" migrate --url "$URL"
assert_contains "$ERR" "schema 2 is current; nothing to do" "a second run"

say "the tend_submit role calls tend.submit_direct and nothing else"
db "CREATE ROLE $ROLE LOGIN; GRANT tend_submit TO $ROLE; INSERT INTO tend.queue (name) VALUES ('default')" >/dev/null
as_role "$ROLE" "INSERT INTO tend.job (queue, state, argv, cwd, max_attempts, uid) VALUES ('default', 'pending', '{id}', '/', 1, 0)"
assert_eq 1 "$RC" "INSERT INTO tend.job as $ROLE ($OUT)"
assert_contains "$ERR" "permission denied" "INSERT INTO tend.job as $ROLE"
as_role "$ROLE" "SELECT * FROM tend.submit('default', '[{\"argv\":[\"id\"],\"cwd\":\"/\",\"uid\":0}]', '{}', '\\x00', gen_random_uuid(), 'uid:0')"
assert_eq 1 "$RC" "tend.submit as $ROLE ($OUT)"
assert_contains "$ERR" "permission denied for function submit" "tend.submit as $ROLE"
as_role "$ROLE" "UPDATE tend.job SET uid = 0"
assert_eq 1 "$RC" "UPDATE tend.job as $ROLE"
# The wrapper drops what the caller may not choose: uid, gid, groups (and it takes no submitter).
as_role "$ROLE" "SELECT job_id FROM tend.submit_direct('default', '[{\"argv\":[\"true\"],\"cwd\":\"/\",\"uid\":0,\"gid\":0,\"groups\":[0]}]', '{A=1}', gen_random_uuid())"
assert_eq 0 "$RC" "tend.submit_direct as $ROLE ($ERR)"
J0=$OUT
assert_eq "t|t|{}|direct:$ROLE" "$(db "SELECT uid IS NULL, gid IS NULL, groups, submitted_by FROM tend.job WHERE id = $J0")" "the direct job's identity"
as_role "$ROLE" "SELECT job_id FROM tend.submit_direct('default', '[{\"argv\":[],\"cwd\":\"/\"}]', '{}', gen_random_uuid())"
assert_eq 1 "$RC" "an empty argv"
# Not run by the tendd below: these checks are done.
db "UPDATE tend.job SET state = 'cancelled', finished_at = now() WHERE id = $J0; UPDATE tend.queue SET depth = 0" >/dev/null

U=$(make_user)
SUBMIT_URL="postgresql:///d?host=$PG_DIR&user=$ROLE"
config() {  # config DIRECT_USER_LINE SUBMIT_URL
    write_config <<EOF
[daemon]
queue = "$URL"
queue_submit_url = "$2"
$1
host_name = "h1"
queue_lease = "3s"
queue_renew = "1s"
queue_poll = "200ms"

[queue.default]
max_attempts = 3
EOF
}
config "direct_submit_user = \"$U\"" "$SUBMIT_URL"
assert_status 0 "${TENDC[@]}" check "$CONF"
# Once, so that the queues are in the database (tendd writes them) and SOCKET.spool says none.
start_tendd
wait_until 10 grep -q "claiming jobs" "$TENDD_ERR"
tend shutdown >/dev/null
wait_tendd_exit 10
TC=(tend --config "$CONF")

say "tendd stopped: tend submit --json goes straight into the database"
run "${TC[@]}" submit --json --cwd / --shell -- 'id -un'
assert_eq 0 "$RC" "a direct submit ($ERR)"
J=$(jq -r .id <<<"$OUT")
assert_eq "false false true" "$(jq -r '"\(.deduplicated) \(.spooled) \(.direct)"' <<<"$OUT")" "the JSON of a direct submit"
assert_contains "$ERR" "tendd is not running: submitted directly to PostgreSQL as job $J" "the note on stderr"
assert_eq "t|direct:$ROLE|3" "$(db "SELECT uid IS NULL, submitted_by, max_attempts FROM tend.job WHERE id = $J")" "the row (max_attempts: the queue's from the config)"

say "--key deduplicates onto the same job, as through tendd"
run "${TC[@]}" submit --json --cwd / --key nightly -- true
assert_eq 0 "$RC" "a keyed direct submit ($ERR)"
K=$(jq -r .id <<<"$OUT")
run "${TC[@]}" submit --json --cwd / --key nightly -- true
assert_eq 0 "$RC" "the same key again ($ERR)"
assert_eq "$K true true" "$(jq -r '"\(.id) \(.deduplicated) \(.direct)"' <<<"$OUT")" "the deduplicated submit"
assert_contains "$ERR" "deduplicated: job $K already has key nightly" "stderr of the deduplicated submit"

say "a --stdin batch goes direct too"
run "${TC[@]}" submit --stdin --json --cwd / <<<$'true\nid -un'
assert_eq 0 "$RC" "a direct batch ($ERR)"
assert_eq "2 true false" "$(jq -r '"\(.ids | length) \(.direct) \(.spooled)"' <<<"$OUT")" "the batch's JSON"
read -r -a B <<<"$(jq -r '.ids | map(tostring) | join(" ")' <<<"$OUT")"

say "a full queue: exit 75, as through tendd"
DEPTH=$(db "SELECT depth FROM tend.queue WHERE name = 'default'")
db "UPDATE tend.queue SET max_pending = $DEPTH WHERE name = 'default'" >/dev/null
assert_status 75 "${TC[@]}" submit --cwd / -- true
assert_contains "$ERR" "queue default is full" "the refusal"
db "UPDATE tend.queue SET max_pending = 100000 WHERE name = 'default'" >/dev/null

say "tendd starts: the direct jobs run as direct_submit_user and show direct:ROLE"
start_tendd
assert_status 0 tend wait "$J" "$K" "${B[@]}"
assert_status 0 tend logs "$J"
assert_eq "$U" "$(grep -v '^\[tend\]' <<<"$OUT" | head -n 1)" "the user a direct job ran as"
assert_status 0 tend logs "${B[1]}"
assert_eq "$U" "$(grep -v '^\[tend\]' <<<"$OUT" | head -n 1)" "the user a batch's job ran as"
assert_status 0 tend show --json "$J"
assert_eq "direct:$ROLE succeeded" "$(jq -r '"\(.submitted_by) \(.state)"' <<<"$OUT")" "tend show --json"
assert_status 0 tend show "$J"
assert_contains "$OUT" "direct:$ROLE" "tend show"
assert_status 0 tend jobs --json
assert_eq "direct:$ROLE" "$(jq -r ".[] | select(.id == $J) | .submitted_by" <<<"$OUT")" "tend jobs --json"
tend shutdown >/dev/null
wait_tendd_exit 10

say "a root tendd without direct_submit_user fails such a job, never runs it as root"
config "" "$SUBMIT_URL"
run "${TC[@]}" submit --json --cwd / -- touch "$T/ran-as-root"
assert_eq 0 "$RC" "a direct submit ($ERR)"
R=$(jq -r .id <<<"$OUT")
start_tendd
assert_status 127 tend wait "$R"
assert_status 0 tend show --json "$R"
assert_eq "failed 1" "$(jq -r '"\(.state) \(.runs)"' <<<"$OUT")" "the refused job's state and runs (no retry)"
assert_contains "$(jq -r .reason <<<"$OUT")" "no [daemon] direct_submit_user" "the refused job's reason"
[[ ! -e $T/ran-as-root ]] || fail "the direct job ran on a root tendd without direct_submit_user"
assert_contains "$(cat "$TENDD_ERR")" "job $R cannot start" "tendd's log"
tend shutdown >/dev/null
wait_tendd_exit 10

say "the CLI's NOTIFY wakes a running host of the queue (its poll is 30 s away)"
mkdir -p "$T/B"
cat >"$T/B/tend.toml" <<EOF
[daemon]
queue = "$URL"
host_name = "B"
direct_submit_user = "$U"
queue_lease = "3s"
queue_renew = "1s"
queue_poll = "30s"
queue_listen = "on"
EOF
env "$MARK" setsid "$TEND_BIN_DIR/tendd" --config "$T/B/tend.toml" --state-dir "$T/B/state" \
    --socket "$T/B.sock" --log-level debug 2>>"$T/B.stderr" </dev/null &
B_PID=$!
BG_PIDS+=("$B_PID")
wait_until 15 grep -q "wake-ups by LISTEN/NOTIFY: working" "$T/B.stderr"
config "direct_submit_user = \"$U\"" "$SUBMIT_URL"
run "${TC[@]}" submit --json --cwd / -- true
assert_eq 0 "$RC" "a direct submit while host B runs ($ERR)"
N=$(jq -r .id <<<"$OUT")
ran_on_b() { [[ $(db "SELECT j.state || ':' || r.host FROM tend.job j JOIN tend.run r ON r.job_id = j.id WHERE j.id = $N") == "succeeded:B" ]]; }
wait_until 5 ran_on_b
timeout -s KILL 20 env "$CLI_ASAN_OPTIONS" "$TEND_BIN_DIR/tend" --socket "$T/B.sock" shutdown >/dev/null
wait_until 15 gone "$B_PID"

say "a tendd that is not root runs a direct job as its own user (direct_submit_user is root's)"
public_bins
chmod 0711 "$PG_DIR"  # the server's socket, for a host that is not root (data/ stays 0700)
mkdir -p "$T/C"
cat >"$T/C/tend.toml" <<EOF
[daemon]
queue = "$URL"
host_name = "C"
queue_lease = "3s"
queue_renew = "1s"
queue_poll = "200ms"
EOF
chown -R "$U:" "$T/C"
as_user "$U" env "$MARK" setsid "$PUB_BIN/tendd" --config "$T/C/tend.toml" --state-dir "$T/C/state" \
    --socket "$T/C/tend.sock" --log-level debug 2>>"$T/C.stderr" </dev/null &
C_PID=$!
BG_PIDS+=("$C_PID")
wait_until 15 grep -q "claiming jobs" "$T/C.stderr"
run "${TC[@]}" submit --json --cwd / --shell -- 'id -un'
assert_eq 0 "$RC" "a direct submit while host C runs ($ERR)"
NC=$(jq -r .id <<<"$OUT")
ran_on_c() { [[ $(db "SELECT j.state || ':' || r.host FROM tend.job j JOIN tend.run r ON r.job_id = j.id WHERE j.id = $NC") == "succeeded:C" ]]; }
wait_until 10 ran_on_c
assert_contains "$(db "SELECT convert_from(output_tail, 'UTF8') FROM tend.run WHERE job_id = $NC")" "$U" "the user the direct job ran as on C"
timeout -s KILL 20 env "$CLI_ASAN_OPTIONS" "$TEND_BIN_DIR/tend" --socket "$T/C/tend.sock" shutdown >/dev/null
wait_until 15 gone "$C_PID"

say "the database unreachable too: the spool, and the messages name both failures"
config "direct_submit_user = \"$U\"" "postgresql:///d?host=$T/nowhere&user=$ROLE"
# This tendd takes in no spool (SOCKET.spool: none): refused, as before direct submits.
assert_status 69 "${TC[@]}" submit --cwd / -- true
assert_contains "$ERR" "takes in no spool" "the refusal"
assert_contains "$ERR" "PostgreSQL (queue_submit_url) too: cannot connect to" "the refusal"
# A spool named with --spool (one a file-store tendd reads) takes the job.
run "${TC[@]}" --spool "$T/spool" submit --json --cwd / -- true
assert_eq 0 "$RC" "a spooled submit ($ERR)"
assert_eq "true false" "$(jq -r '"\(.spooled) \(.direct)"' <<<"$OUT")" "the JSON of a spooled submit"
assert_contains "$ERR" "PostgreSQL (queue_submit_url) too: cannot connect to" "the spool's note"
assert_contains "$ERR" "in the spool" "the spool's note"
assert_eq 1 "$(find "$T/spool" -mindepth 1 -maxdepth 1 ! -name '.*' | wc -l)" "files in the spool"
