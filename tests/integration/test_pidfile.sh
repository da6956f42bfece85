#!/usr/bin/env bash
# SPEC §3 (pidfile, {instance}): each instance's pidfile holds its pid while it runs, is
# rewritten with the new pid after a restart (manual or after a crash), and is removed
# when the instance stops.
source "$(dirname "$0")/lib.sh"

mkdir -p "$T/run"
write_config <<EOF2
[program.web]
command = ["sh", "-c", "echo web-\$TEND_INSTANCE port=\$PORT; exec sleep 300"]
instances = 2
environment = { PORT = "80{instance}" }
pidfile = "$T/run/web-{instance}.pid"
restart_delay = "100ms"
EOF2
start_tendd

pidfile() { echo "$T/run/web-$1.pid"; }
pidfile_holds() { [[ -f $(pidfile "$1") && $(<"$(pidfile "$1")") == "$2" ]]; }

for i in 0 1; do
    wait_until 5 state_is web "$i" running
    p=$(pid_of web "$i")
    assert_eq "$p" "$(<"$(pidfile "$i")")" "content of web-$i.pid"
    assert_eq "PORT=80$i" "$(tr '\0' '\n' <"/proc/$p/environ" | grep '^PORT=')" "web:$i environment (expanded {instance})"
    assert_eq "TEND_INSTANCE=$i" "$(tr '\0' '\n' <"/proc/$p/environ" | grep '^TEND_INSTANCE=')" "web:$i TEND_INSTANCE"
done
assert_eq "web-0.pid web-1.pid" "$(cd "$T/run" && echo *)" "files in the pidfile directory"
p0=$(pid_of web 0)
p1=$(pid_of web 1)

say "manual restart of web:0 rewrites its pidfile"
assert_status 0 tend restart --wait web:0
n0=$(pid_of web 0)
[[ $n0 != "$p0" && $n0 != null ]] || fail "web:0 pid did not change on restart ($p0 -> $n0)"
assert_eq "$n0" "$(<"$(pidfile 0)")" "web-0.pid after restart --wait"
assert_eq "$p1" "$(<"$(pidfile 1)")" "web-1.pid (untouched)"

say "a crash restart (kill -9) of web:1 rewrites its pidfile"
kill -KILL "$p1"
wait_until 5 running_with_new_pid web 1 "$p1"
n1=$(pid_of web 1)
wait_until 2 pidfile_holds 1 "$n1"
assert_eq "$n1" "$(<"$(pidfile 1)")" "web-1.pid after the crash restart"

say "stop removes the pidfiles"
assert_status 0 tend stop --wait web:0
[[ ! -e $(pidfile 0) ]] || fail "web-0.pid still exists after stop --wait: $(<"$(pidfile 0)")"
check "web-0.pid removed after stop --wait"
assert_eq "$n1" "$(<"$(pidfile 1)")" "web-1.pid while web:1 still runs"
assert_status 0 tend stop --wait web
[[ ! -e $(pidfile 1) ]] || fail "web-1.pid still exists after stop --wait"
check "web-1.pid removed after stop --wait"
assert_eq "" "$(ls -A "$T/run")" "files left in the pidfile directory"

say "start writes it again"
assert_status 0 tend start --wait web:1
assert_eq "$(pid_of web 1)" "$(<"$(pidfile 1)")" "web-1.pid after start --wait"
