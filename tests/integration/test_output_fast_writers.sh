#!/usr/bin/env bash
# SPEC §5.7: children get ordinary blocking pipes. A writer faster than tendd (`cat` of a 50 MB
# file, `seq 1 3000000`) waits instead of failing with EAGAIN: the programs exit 0 and are not
# restarted, the jobs succeed, and every byte and line is captured, in order, to the last one.
# A writer that never stops (`yes`) keeps its pipe ready forever: requests and the job store's
# commit still come first, so `tend submit` answers while it writes (it used to wait forever).
source "$(dirname "$0")/lib.sh"

# 655360 lines of 80 bytes: exactly 50 MiB, each line numbered so a lost one shows.
BIG=$T/big.txt
awk 'BEGIN { pad = sprintf("%67s", ""); gsub(/ /, "x", pad)
             for (i = 1; i <= 655360; i++) printf "L%011d%s\n", i, pad }' >"$BIG"
assert_eq 52428800 "$(stat -c %s "$BIG")" "bytes in the 50 MiB file"

write_config <<EOF2
[program.catter]
command = ["cat", "$BIG"]
restart = "never"
log_max_size = "1GB"

[program.seqer]
command = ["seq", "1", "3000000"]
restart = "never"
log_max_size = "1GB"

[program.yeser]
command = ["yes"]
log_max_size = "2MB"
log_keep = 1

[queue.default]
concurrency = 2
max_attempts = 1
output_max_size = "1GB"
EOF2
start_tendd

say "a program that writes forever does not hold back submits"
wait_until 20 state_is yeser 0 running
yes_job=$(tend submit --wait -- true) || fail "a submit beside 'yes' did not succeed"
assert_eq succeeded "$(jfield "$yes_job" .state)" "state of the job submitted beside 'yes'"
tend stop yeser >/dev/null

say "two programs and two jobs write as fast as they can, all at once"
cat_job=$(tend submit -- cat "$BIG")
seq_job=$(tend submit -- seq 1 3000000)
TEND_CMD_TIMEOUT=120 tend wait --timeout 110s "$cat_job" "$seq_job" ||
    fail "the jobs did not both succeed: $(tend show "$cat_job"; tend show "$seq_job")"
check "both jobs succeeded"
wait_until 120 state_is catter 0 exited
wait_until 120 state_is seqer 0 exited
say "programs and jobs done"

for p in catter seqer; do
    assert_eq '{"code":0}' "$(sfield "$p" 0 '.last_exit | {code} | tojson')" "$p's last exit"
    assert_eq 0 "$(sfield "$p" 0 .restarts)" "$p's restarts"
done
assert_eq succeeded "$(jfield "$cat_job" .state)" "cat job's state"
assert_eq succeeded "$(jfield "$seq_job" .state)" "seq job's state"

# out_text FILE: the captured stdout lines of a log file (program or job), as written.
out_text() { LC_ALL=C grep -F ' out ' "$1" | cut -d' ' -f3-; }
# No EAGAIN anywhere (the old failure: "cat: write error: Resource temporarily unavailable").
for f in "$(log_file catter 0)" "$(log_file seqer 0)" \
    "$STATE/jobs/output/$cat_job.log" "$STATE/jobs/output/$seq_job.log"; do
    [[ -f $f ]] || fail "no log file $f"
    assert_not_contains "$(LC_ALL=C grep -vF ' out ' "$f" | head -c 2000)" \
        "temporarily unavailable" "non-stdout lines of ${f#"$STATE"/}"
done

# same_output LOG WANT_FILE LINES LAST: LOG's stdout is WANT_FILE byte for byte.
same_output() {
    out_text "$1" >"$T/got.out"
    assert_eq "$3" "$(wc -l <"$T/got.out")" "lines of ${1#"$STATE"/}"
    assert_eq "$4" "$(tail -n1 "$T/got.out" | cut -c1-12)" "last line of ${1#"$STATE"/}"
    cmp -s "$2" "$T/got.out" || fail "${1#"$STATE"/} differs from what was written"
    check "${1#"$STATE"/} holds every byte, in order"
}
say "every byte of the 50 MiB file, in order"
same_output "$(log_file catter 0)" "$BIG" 655360 L00000655360
same_output "$STATE/jobs/output/$cat_job.log" "$BIG" 655360 L00000655360
say "all 3,000,000 lines of seq, in order"
seq 1 3000000 >"$T/seq.want"
same_output "$(log_file seqer 0)" "$T/seq.want" 3000000 3000000
same_output "$STATE/jobs/output/$seq_job.log" "$T/seq.want" 3000000 3000000
tend status >/dev/null || fail "tendd does not answer after the writers"
