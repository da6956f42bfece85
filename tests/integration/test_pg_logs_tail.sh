#!/usr/bin/env bash
# The CLI's side of the PostgreSQL store's reads (design postgres.md §12), against a stand-in
# tendd that answers as PgJobViews does (the stores' answers are checked against a real server
# by test_pg_views.sh): `tend logs JOB` for a job that ran on another host prints the output
# tail the database kept, in the log files' format (-n, -t, --json), names the host on stderr
# and does not follow it (-f); for a job running elsewhere it says that host has its output;
# `tend show` prints the job's host and its runs from the database.
source "$(dirname "$0")/lib.sh"

cat >"$T/fake_tendd.py" <<'PY'
import json, socket, sys
s = socket.socket(socket.AF_UNIX)
s.bind(sys.argv[1])
s.listen(8)
TAIL = ("2026-01-01T00:00:00.000000Z out line one\n"
        "2026-01-01T00:00:01.000000Z err line two\n"
        "2026-01-01T00:00:02.000000Z tend attempt 1 exited with code 3\n")
while True:
    c, _ = s.accept()
    req = json.loads(c.makefile("rb").readline())
    ids = [int(t) for t in req.get("args", {}).get("targets", [])] or [req.get("args", {}).get("id")]
    if req["cmd"] == "logs":
        data = []
        for i in ids:
            if i == 5:
                data.append({"job": 5, "state": "failed", "output": "tail", "host": "web-2",
                             "tail": TAIL, "live": False})
            else:
                data.append({"job": i, "state": "running", "output": "tail", "host": "web-3",
                             "tail": "", "live": True})
    elif req["cmd"] == "show":
        data = {"id": 5, "name": "", "queue": "default", "state": "failed", "host": "web-2",
                "attempt": 1, "max_attempts": 1, "runs": 1, "priority": 0, "after": [],
                "command": ["false"], "cwd": "/", "shell": False, "key": None, "output": None,
                "exit_status": {"code": 3}, "reason": "exit code 3", "waiting": None,
                "submitted_at": "2026-01-01T00:00:00.000Z", "run_at": None,
                "started_at": "2026-01-01T00:00:00.000Z", "finished_at": "2026-01-01T00:00:02.000Z",
                "pid": None, "interrupted": False, "timeout_s": None, "uid": 0,
                "history": [{"run": 1, "host": "web-2", "outcome": "failed",
                             "exit_status": {"code": 3}, "started_at": "2026-01-01T00:00:00.000Z",
                             "finished_at": "2026-01-01T00:00:02.000Z", "output_bytes": 120}]}
    else:
        c.sendall(b'{"v":1,"ok":false,"error":{"code":"unknown_command","message":"no"}}\n')
        c.close()
        continue
    c.sendall((json.dumps({"v": 1, "ok": True, "data": data}) + "\n").encode())
    c.close()
PY
bg_start "$T/fake.log" "$PYTHON" "$T/fake_tendd.py" "$SOCK"
wait_until 10 test -S "$SOCK"

say "a job that ran on another host: its stored tail, the host named"
OUT=$(tend logs 5 2>"$T/err") || fail "tend logs 5 failed: $(cat "$T/err")"
assert_eq "$OUT" $'line one\nline two\n[tend] attempt 1 exited with code 3' "the tail's lines"
assert_contains "$(cat "$T/err")" "job 5 ran on host web-2" "stderr names the host"
assert_eq "$(tend logs 5 -n 1 -t 2>/dev/null)" "2026-01-01T00:00:02.000000Z tend attempt 1 exited with code 3" "-n 1 -t"
assert_eq "$(tend logs 5 --json -n 2 2>/dev/null | jq -r '.stream + " " + .line' | paste -sd '|')" \
    "err line two|tend attempt 1 exited with code 3" "--json lines"

say "-f does not follow a job whose output is on another host"
OUT=$(tend logs 5 -f 2>"$T/err") || fail "tend logs 5 -f failed: $(cat "$T/err")"
assert_contains "$(cat "$T/err")" "not following job 5: its output is on host web-2" "-f says why"
assert_eq "$(count_lines "$OUT")" 3 "-f printed the tail and returned"

say "a job running on another host"
tend logs 6 >"$T/out" 2>"$T/err" || fail "tend logs 6 failed: $(cat "$T/err")"
assert_contains "$(cat "$T/err")" "job 6 is running on host web-3, which has its output" "stderr says where"
assert_eq "$(cat "$T/out")" "" "nothing stored yet"

say "tend show: the host and the runs from the database"
OUT=$(tend show 5) || fail "tend show failed"
assert_contains "$OUT" "host:        web-2" "the host line"
assert_contains "$OUT" "run 1 on web-2, started " "the run line"
assert_contains "$OUT" ": failed (code 3)" "the run's outcome"
