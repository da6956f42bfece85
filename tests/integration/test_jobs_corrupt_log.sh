#!/usr/bin/env bash
# shellcheck disable=SC2163,SC2119  # export "$MARK" exports its value; lib.sh functions take no script args
# SPEC §6.3 / §8: damage to the job log or the spool is reported, never fatal, and loses no
# more than the damaged bytes: a flipped byte in an early record (the later jobs are kept, a
# copy of the damaged file is kept as jobs.log.damaged-*), a torn last record, random bytes;
# a log written by a newer format is refused with a clear message and left untouched; a
# damaged spool file is set aside as TOKEN.damaged while tendd keeps running.
# Random bytes come from a seed printed at the start (CORRUPT_SEED=N reproduces a run).
# shellcheck source=SCRIPTDIR/lib.sh
source "$(dirname "$0")/lib.sh"

export "$MARK"
export TEND_STATE_DIR=$STATE
SEED=${CORRUPT_SEED:-$RANDOM}
say "random seed $SEED (CORRUPT_SEED=$SEED reproduces this run)"
LOG=$STATE/jobs.log

write_config <<'EOF'
[queue.default]
concurrency = 4

[queue.hold]
concurrency = 1
EOF

# --- helpers ---------------------------------------------------------------------------------

# frames FILE: "OFFSET LENGTH TYPE" for each frame after the 16-byte header, as far as the
# lengths lead (the test's own reading of the format: u32 len, u32 crc32, u8 type, payload).
frames() {
    "$PYTHON" - "$1" <<'EOF'
import struct, sys
d = open(sys.argv[1], "rb").read()
pos = 16
while pos + 9 <= len(d):
    n, _crc, t = struct.unpack_from("<IIB", d, pos)
    if pos + 9 + n > len(d):
        break
    print(pos, n, t)
    pos += 9 + n
EOF
}
# frame_containing FILE TEXT: "OFFSET LENGTH TYPE" of the first frame whose payload holds TEXT.
frame_containing() {
    "$PYTHON" - "$1" "$2" <<'EOF'
import struct, sys
d = open(sys.argv[1], "rb").read()
needle = sys.argv[2].encode()
pos = 16
while pos + 9 <= len(d):
    n, _crc, t = struct.unpack_from("<IIB", d, pos)
    if needle in d[pos + 9:pos + 9 + n]:
        print(pos, n, t, d.index(needle, pos + 9))
        sys.exit(0)
    pos += 9 + n
sys.exit(1)
EOF
}
# xor_byte FILE OFFSET MASK: flips bits of one byte in place.
xor_byte() {
    "$PYTHON" - "$@" <<'EOF'
import sys
path, off, mask = sys.argv[1], int(sys.argv[2]), int(sys.argv[3], 0)
with open(path, "r+b") as f:
    f.seek(off)
    b = f.read(1)[0]
    f.seek(off)
    f.write(bytes([b ^ mask]))
EOF
}
# random_bytes SEED N: N pseudo-random bytes on stdout.
random_bytes() {
    "$PYTHON" -c 'import random, sys
r = random.Random(int(sys.argv[1]))
sys.stdout.buffer.write(bytes(r.getrandbits(8) for _ in range(int(sys.argv[2]))))' "$1" "$2"
}
sum_of() { sha256sum "$1" | cut -d' ' -f1; }
damaged_copies() { find "$STATE" -maxdepth 1 -name 'jobs.log.damaged-*' -printf '%f\n' | sort; }

stop_tendd() {
    tend shutdown >/dev/null
    wait_tendd_exit 20
    assert_eq 0 "$TENDD_RC" "tendd's exit status after shutdown"
}
# fresh: an empty state dir, tendd stopped.
fresh() {
    [[ -z $TENDD_PID ]] || stop_tendd
    rm -rf "$STATE"
}
# Marks where tendd's stderr of the next start begins; new_stderr prints what came since.
ERR_MARK=0
mark_stderr() { ERR_MARK=$(wc -c <"$TENDD_ERR" 2>/dev/null || echo 0); }
new_stderr() { tail -c +"$((ERR_MARK + 1))" "$TENDD_ERR"; }
warnings_in() { grep -E ' (warning|error|critical): ' <<<"$1" || true; }

# populate N: starts tendd on a fresh state dir, runs N jobs to success (job i prints
# "tok-i" and is named job-i; jobs are submitted one by one, so job i's records follow job
# i-1's submit), stops tendd. Sets IDS.
populate() {
    fresh
    start_tendd
    IDS=()
    local i
    for ((i = 1; i <= $1; i++)); do
        IDS+=("$(tend submit --name "job-$i" -- sh -c "echo tok-$i")")
    done
    assert_status 0 tend wait "${IDS[@]}"
    stop_tendd
}
# expect_jobs_intact FIRST LAST: jobs FIRST..LAST (1-based, of IDS) are listed, succeeded,
# with their name and command.
expect_jobs_intact() {
    local all i id
    all=$(tend jobs --limit 0 --json)
    for ((i = $1; i <= $2; i++)); do
        id=${IDS[i - 1]}
        [[ $(jq -r --argjson id "$id" '.[] | select(.id == $id) | [.name, .state, (.command | join(" "))] | join("|")' <<<"$all") == "job-$i|succeeded|sh -c echo tok-$i" ]] ||
            fail "job $id (job-$i) is not intact: $(jq -c --argjson id "$id" '.[] | select(.id == $id)' <<<"$all")"
    done
    check "jobs job-$1..job-$2 are listed, succeeded, with their commands"
}
# expect_usable: a new job is accepted, gets a fresh id and runs.
expect_usable() {
    local max id
    max=$(tend jobs --limit 0 --json | jq '[.[].id] | max // 0')
    id=$(tend submit -- true)
    [[ $id =~ ^[0-9]+$ ]] || fail "submit after recovery printed '$id'"
    fcmp "$id" ">" "$max" || fail "new job got id $id, not above the highest listed id $max"
    assert_status 0 tend wait "$id" --timeout 10s
}

# try_start_tendd: like start_tendd, but tendd may also exit (refusing the state dir):
# returns 0 when it answers (TENDD_PID set), 1 when it exited (TRY_RC = its status).
try_start_tendd() {
    echo "=== tendd started $(date +%T.%N) (may refuse)" >>"$TENDD_ERR"
    env "$MARK" setsid "$TEND_BIN_DIR/tendd" --state-dir "$STATE" --socket "$SOCK" --log-level debug \
        --config "$CONF" 2>>"$TENDD_ERR" </dev/null &
    TENDD_PID=$!
    local start=$EPOCHREALTIME
    while ! "$TEND_BIN_DIR/tend" --socket "$SOCK" status >/dev/null 2>&1; do
        if gone "$TENDD_PID"; then
            TRY_RC=0
            wait "$TENDD_PID" || TRY_RC=$?
            TENDD_PID=
            return 1
        fi
        fcmp "$(elapsed_since "$start")" "<" 15 || fail "tendd neither answered nor exited within 15s"
        sleep 0.02
    done
    say "tendd running (pid $TENDD_PID)"
    return 0
}
# expect_refusal WHAT: tendd exited with an error status (not a signal, not a hang).
expect_refusal() {
    [[ $TRY_RC -ge 1 && $TRY_RC -lt 128 ]] || fail "$1: tendd exited with status $TRY_RC (a crash?); stderr: $(new_stderr)"
    check "$1: tendd refused to start with status $TRY_RC"
}

# --- (a) one flipped byte in an early record -------------------------------------------------
say "(a) a flipped byte inside job-2's submit record"
populate 8
read -r off len type at < <(frame_containing "$LOG" "echo tok-2") || fail "no frame holds 'echo tok-2'"
say "job-2's command at byte $at, in a frame at $off ($len bytes, type $type)"
xor_byte "$LOG" "$at" 0x20   # "echo" -> "Echo": the record's checksum no longer matches
damaged_sum=$(sum_of "$LOG")
mark_stderr
start_tendd
err=$(new_stderr)
assert_contains "$err" "$LOG" "tendd's stderr after the bit flip"
[[ $err =~ (corrupt|damaged|checksum) ]] || fail "no warning about the damage: $err"
check "tendd warns about the damage: $(grep -m1 -F "$LOG" <<<"$err")"
copies=$(damaged_copies)
assert_eq 1 "$(count_lines "$copies")" "damaged copies"
assert_eq "$damaged_sum" "$(sum_of "$STATE/$copies")" "checksum of $copies (the file as it was)"
expect_jobs_intact 1 1
expect_jobs_intact 3 8
say "job-2 after the damage: $(tend jobs --limit 0 --json | jq -c --argjson id "${IDS[1]}" '[.[] | select(.id == $id) | {id, state}]')"
expect_usable
# The damage is dealt with once: the next start neither warns again nor keeps another copy.
stop_tendd
mark_stderr
start_tendd
err=$(new_stderr)
assert_eq "" "$(warnings_in "$err")" "warnings at the start after the repair"
assert_eq "$copies" "$(damaged_copies)" "damaged copies after another start"
expect_jobs_intact 3 8

# --- (a2) one flipped byte in the length of an early record --------------------------------
say "(a2) a flipped length byte in the frame after job-2's submit"
populate 8
read -r off len type at < <(frame_containing "$LOG" "echo tok-2") || fail "no frame holds 'echo tok-2'"
next=$((off + 9 + len))
xor_byte "$LOG" "$next" 0x40   # the next frame's length grows by 64: its checksum fails
mark_stderr
start_tendd
err=$(new_stderr)
assert_contains "$err" "$LOG" "tendd's stderr after the length flip"
assert_eq 1 "$(count_lines "$(damaged_copies)")" "damaged copies"
expect_jobs_intact 1 1
expect_jobs_intact 3 8
expect_usable

# --- (b) the last record torn in the middle --------------------------------------------------
say "(b) the last record cut in the middle"
populate 5
start_tendd
assert_status 0 tend pause hold
held=$(tend submit --queue hold --name held-job -- sh -c 'echo held')
stop_tendd
# The held job's submit is the last record (nothing changed after it); should tendd ever write
# more at shutdown, the cut still goes through the middle of that record.
read -r off len type _ < <(frame_containing "$LOG" "echo held") || fail "no frame holds 'echo held'"
last=$(frames "$LOG" | tail -n 1)
[[ ${last%% *} == "$off" ]] || say "note: the held job's submit at $off is not the last frame ($last)"
say "cutting the frame at $off ($len bytes, type $type) to $((len / 2)) payload bytes"
truncate -s $((off + 9 + len / 2)) "$LOG"
mark_stderr
start_tendd
err=$(new_stderr)
assert_contains "$err" "$LOG" "tendd's stderr after the cut"
assert_contains "$err" "torn" "tendd's stderr after the cut"
expect_jobs_intact 1 5
say "the held job (its record was cut): $(tend jobs --limit 0 --json | jq -c --argjson id "$held" '[.[] | select(.id == $id) | {id, state}]')"
expect_usable

# --- (c) a damaged version, a newer format, an old format ------------------------------------
# write_header VERSION [CHECK]: a header with that version and a correct checksum (or CHECK:
# "none" for a header written before the checksum existed).
write_header() {
    python3 -c 'import struct, sys, zlib
h = b"TENDJOBS" + struct.pack("<I", int(sys.argv[1]))
c = 0 if sys.argv[2] == "none" else zlib.crc32(h)
sys.stdout.buffer.write(h + struct.pack("<I", c))' "$1" "${2:-crc}" |
        dd of="$LOG" bs=1 count=16 conv=notrunc status=none
}
say "(c) a flipped version byte (format 99)"
populate 3
printf '\x63' | dd of="$LOG" bs=1 seek=8 count=1 conv=notrunc status=none
before=$(sum_of "$LOG")
mark_stderr
if try_start_tendd; then
    fail "tendd started on a log with a damaged header; stderr: $(new_stderr)"
fi
expect_refusal "a damaged header"
err=$(new_stderr)
assert_contains "$err" "$LOG: corrupt file header (checksum mismatch, format 99?)" "the refusal"
assert_not_contains "$err" "newer" "the refusal of a damaged header"
assert_eq "$before" "$(sum_of "$LOG")" "checksum of jobs.log after the refusal"
assert_eq "" "$(damaged_copies)" "damaged copies after the refusal"
say "(c) a well-formed header of format 99"
write_header 99
before=$(sum_of "$LOG")
mark_stderr
if try_start_tendd; then
    fail "tendd started on a log of format 99; stderr: $(new_stderr)"
fi
expect_refusal "format 99"
err=$(new_stderr)
assert_contains "$err" "written by a newer tend (format 99" "the refusal"
assert_eq "$before" "$(sum_of "$LOG")" "checksum of jobs.log after the refusal"
# Put an older version in, as tend wrote it then (no header checksum): format 1 (before the
# cron records) is read and migrated, and everything is there.
write_header 1 none
mark_stderr
start_tendd
expect_jobs_intact 1 3
assert_contains "$(new_stderr)" "migrated from format 1 to format 2" "tendd's stderr on a format-1 log"
assert_eq "02" "$(od -An -tx1 -j8 -N1 "$LOG" | tr -d ' ')" "the format byte after the migration"
stop_tendd

# --- (d) random bytes -------------------------------------------------------------------------
say "(d) random bytes as jobs.log"
fresh
mkdir -m 0700 "$STATE"
random_bytes "$SEED" 8192 >"$LOG"
before=$(sum_of "$LOG")
mark_stderr
if try_start_tendd; then
    err=$(new_stderr)
    assert_contains "$err" "$LOG" "tendd's warning about a garbage jobs.log"
    [[ -n $(damaged_copies) ]] || fail "tendd dropped a garbage jobs.log without keeping a copy"
    expect_usable
    stop_tendd
else
    expect_refusal "garbage jobs.log"
    assert_contains "$(new_stderr)" "$LOG" "the refusal of a garbage jobs.log"
    assert_eq "$before" "$(sum_of "$LOG")" "checksum of the refused garbage jobs.log"
fi

say "(d2) a valid header followed by random bytes"
fresh
mkdir -m 0700 "$STATE"
{ printf 'TENDJOBS\x01\x00\x00\x00\x00\x00\x00\x00'; random_bytes "$((SEED + 1))" 65536; } >"$LOG"
# The first frame's type byte (byte 8 of its header) is made one no record has: random bytes
# whose type is known and whose length runs past the end read as a torn last write, which is
# cut without a damaged copy (case b). That happened for some seeds (30518, say) and made this
# case fail where tendd did what it should.
printf '\xff' | dd of="$LOG" bs=1 seek=24 conv=notrunc status=none
mark_stderr
start_tendd
err=$(new_stderr)
assert_contains "$err" "$LOG" "tendd's warning about the random records"
assert_eq 1 "$(count_lines "$(damaged_copies)")" "damaged copies"
expect_usable
stop_tendd
mark_stderr
start_tendd
assert_eq "" "$(warnings_in "$(new_stderr)")" "warnings at the start after the repair"

say "(d3) random bytes appended to a valid log"
populate 6
random_bytes "$((SEED + 2))" 3000 >>"$LOG"
mark_stderr
start_tendd
assert_contains "$(new_stderr)" "$LOG" "tendd's warning about the garbage tail"
expect_jobs_intact 1 6
expect_usable

# --- (e) damaged spool files ------------------------------------------------------------------
say "(e) damaged spool files"
fresh
start_tendd
stop_tendd
SPOOL=$STATE/spool
mkdir -p "$SPOOL"
bad1=0000000000000001-1-deadbeef
random_bytes "$((SEED + 3))" 500 >"$SPOOL/$bad1"
bad2=0000000000000002-1-00000000
: >"$SPOOL/$bad2"
# A real spool file cut in half.
run tend submit -- sh -c "echo cut >> '$T/spool-ran'"
[[ $RC == 0 ]] || fail "spooled submit exited $RC: $ERR"
bad3=$(find "$SPOOL" -mindepth 1 -maxdepth 1 ! -name "$bad1" ! -name "$bad2" ! -name '.*' -printf '%f\n')
[[ -n $bad3 && $(count_lines "$bad3") == 1 ]] || fail "cannot find the new spool file: $(ls -a "$SPOOL")"
truncate -s $(($(stat -c %s "$SPOOL/$bad3") / 2)) "$SPOOL/$bad3"
# And an intact one.
run tend submit --name spooled-good -- sh -c "echo good >> '$T/spool-ran'"
[[ $RC == 0 ]] || fail "spooled submit exited $RC: $ERR"
mark_stderr
start_tendd
spooled_good_done() { [[ $(tend jobs --limit 0 --json | jq -r '.[] | select(.name == "spooled-good") | .state') == succeeded ]]; }
wait_until 10 spooled_good_done
# expect_set_aside TOKEN: the spool file TOKEN goes, TOKEN.damaged (only) takes its place, and
# one warning names it.
expect_set_aside() {
    wait_until 5 test ! -e "$SPOOL/$1"
    local names
    names=$(find "$SPOOL" -mindepth 1 -maxdepth 1 -name "$1.*" -printf '%f\n')
    [[ $names == "$1.damaged" ]] ||
        fail "spool file $1 should be set aside as $1.damaged; the spool holds: $(printf '%s\n' "$names" | cut -c1-120 | tr '\n' ' ')"
    local n
    n=$(new_stderr | grep -c "spool.*$1" || true)
    assert_eq 1 "$n" "warnings naming spool file $1"
}
for tok in "$bad1" "$bad2" "$bad3"; do
    expect_set_aside "$tok"
done
assert_eq good "$(cat "$T/spool-ran")" "spooled jobs that ran"
assert_status 0 tend status

say "(e2) a damaged spool file appears while tendd runs"
bad4=0000000000000004-1-0badf00d
random_bytes "$((SEED + 4))" 700 >"$SPOOL/.tmp-$bad4"
mark_stderr
mv "$SPOOL/.tmp-$bad4" "$SPOOL/$bad4"
expect_set_aside "$bad4"
assert_status 0 tend status
# The intake still works afterwards.
assert_status 0 "$TEND_BIN_DIR/tend" --socket "$T/nowhere.sock" submit --name spooled-later \
    -- sh -c "echo later >> '$T/spool-ran'"
spooled_later_done() { [[ $(tend jobs --limit 0 --json | jq -r '.[] | select(.name == "spooled-later") | .state') == succeeded ]]; }
wait_until 10 spooled_later_done
assert_eq "good
later" "$(cat "$T/spool-ran")" "spooled jobs that ran"
# A restart leaves the set-aside files alone and runs nothing again.
stop_tendd
start_tendd
n=$(tend jobs --limit 0 --json | jq length)
assert_eq 2 "$n" "jobs after a restart (the two intact spooled ones)"
expected=$(printf '%s.damaged\n' "$bad1" "$bad2" "$bad3" "$bad4" | sort)
assert_eq "$expected" "$(find "$SPOOL" -mindepth 1 -maxdepth 1 -printf '%f\n' | sort)" "the spool after a restart (only the set-aside files)"
