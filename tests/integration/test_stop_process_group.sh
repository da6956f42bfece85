#!/usr/bin/env bash
# SPEC §5.4: stop_signal goes to the main process; whatever is left of the process group
# is killed (at once when the main process has exited, else after stop_timeout). A stop
# never leaves a process of the group behind.
source "$(dirname "$0")/lib.sh"

# polite: the main process dies on TERM, but its child and grandchild ignore TERM.
# stubborn: the main process ignores TERM too, so only stop_timeout's KILL ends it.
write_config <<'EOF2'
[program.polite]
command = ["sh", "-c", "sh -c 'trap \"\" TERM; sleep 300 tendit-polite-grandchild & wait' & wait"]
stop_timeout = "3s"

[program.stubborn]
command = ["sh", "-c", "trap '' TERM; sh -c 'sleep 300 tendit-stubborn-grandchild & wait' & while :; do wait; done"]
stop_timeout = "2s"
EOF2
# `sleep 300 NAME` fails at once with GNU sleep ("invalid time interval"); use a wrapper
# script whose argv carries the marker instead (it does not exec, so the marker stays).
cat >"$T/sleeper" <<'EOF2'
#!/bin/sh
sleep 300
EOF2
chmod +x "$T/sleeper"
sed -i "s|sleep 300 \\(tendit-[a-z]*-grandchild\\)|$T/sleeper \\1|" "$CONF"
start_tendd

group_size() { count_lines "$(pids_in_group "$1")"; }
group_has_at_least() { [[ $(group_size "$1") -ge $2 ]]; }
marker_procs() {  # live processes whose argv holds the marker $1
    local f p
    # "${1%?}[${1: -1}]" matches the marker but not grep's own argv.
    for f in $(grep -lsaE -- "${1%?}[${1: -1}]" /proc/[0-9]*/cmdline || true); do
        p=${f#/proc/}
        p=${p%/cmdline}
        is_zombie "$p" || echo "$p"
    done
    return 0
}

declare -A PG
for prog in polite stubborn; do
    wait_until 5 state_is "$prog" 0 running
    pg=$(pid_of "$prog" 0)
    # main sh, child sh, grandchild (the sleeper: /bin/sh exec'ing sleep)
    wait_until 5 group_has_at_least "$pg" 3
    check "$prog: process group $pg has $(group_size "$pg") processes"
    [[ -n $(marker_procs "tendit-$prog-grandchild") ]] || fail "$prog: no grandchild found"
    PG[$prog]=$pg
done

say "stop polite: the main process exits on TERM, the rest of the group is killed at once"
t0=$(now)
assert_status 0 tend stop --wait polite
took=$(elapsed_since "$t0")
assert_fcmp "$took" "<" 1.5 "seconds taken by stop of polite (stop_timeout 3s not needed)"
assert_eq stopped "$(sfield polite 0 .state)" "polite state"
assert_eq TERM "$(sfield polite 0 .last_exit.signal)" "polite last_exit.signal"
group_empty() { [[ -z $(pids_in_group "$1") ]]; }
wait_until 1 group_empty "${PG[polite]}"
assert_eq 0 "$(group_size "${PG[polite]}")" "processes left in polite's group ${PG[polite]}"
assert_eq "" "$(marker_procs tendit-polite-grandchild)" "polite's grandchild processes"

say "stop stubborn: TERM is ignored, KILL goes to the whole group after stop_timeout (2s)"
t0=$(now)
assert_status 0 tend stop --wait stubborn
took=$(elapsed_since "$t0")
assert_fcmp "$took" ">=" 1.9 "seconds taken by stop of stubborn"
assert_fcmp "$took" "<" 4 "seconds taken by stop of stubborn"
assert_eq stopped "$(sfield stubborn 0 .state)" "stubborn state"
assert_eq KILL "$(sfield stubborn 0 .last_exit.signal)" "stubborn last_exit.signal"
wait_until 1 group_empty "${PG[stubborn]}"
assert_eq 0 "$(group_size "${PG[stubborn]}")" "processes left in stubborn's group ${PG[stubborn]}"
assert_eq "" "$(marker_procs tendit-stubborn-grandchild)" "stubborn's grandchild processes"
assert_eq 0 "$(count_lines "$(marked_pids)")" "processes left of both programs"
