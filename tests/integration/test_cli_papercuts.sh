#!/usr/bin/env bash
# Issue 15's papercuts of the CLI, one numbered section each (the numbers of the papercuts in
# the issue's brief), through the CLI as a user meets them, against one tendd whose state dir
# was given relative to its cwd, as `bash .ci/setup.sh run` gives it.
source "$(dirname "$0")/lib.sh"

# A job's own output: `tend logs JOB` without tendd's "[tend] attempt ..." lines.
job_output() { grep -v '^\[tend\] ' <<<"$1" || true; }

cd "$T"
STATE=state
write_config <<'EOF2'
[queue.default]
concurrency = 4

[queue.slow]
concurrency = 1

[cron.fails]
schedule = "@yearly"
command = ["sh", "-c", "echo failing on purpose; exit 3"]
EOF2

say "1. tend submit ls -la: the hint puts the command after --"
assert_status 2 tend submit ls -la
assert_contains "$ERR" "not expected: -la" "the refusal"
assert_contains "$ERR" "hint: put the job's command after \`--\`: tend --socket $SOCK submit -- ls -la" "the hint"
assert_status 2 tend submit --queue slow grep -c 'a b' /etc/passwd
assert_contains "$ERR" "submit --queue slow -- grep -c 'a b' /etc/passwd" "the hint keeps the options before --"
assert_status 2 tend cron add e '*/5 * * * *' --tz UTC ls -la
assert_contains "$ERR" "cron add e '*/5 * * * *' --tz UTC -- ls -la" "the hint of cron add"
assert_status 2 tend status --nosuch
assert_contains "$ERR" "hint: see \`tend --help\`" "other usage errors keep the general hint"

start_tendd
