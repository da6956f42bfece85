#!/usr/bin/env bash
# check_layers.sh must fail on an include that goes up and on a directory without a rule, and
# pass on one that goes down: a check that cannot fail proves nothing.
set -euo pipefail
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
check=$(dirname "$0")/check_layers.sh
mkdir -p "$t/supervisor/core" "$t/queue/core"
echo '#include "supervisor/util/result.hpp"' >"$t/queue/core/ok.cpp"
bash "$check" "$t" >/dev/null || { echo "selftest: a downward include was refused"; exit 1; }
echo '#include "queue/core/job.hpp"' >"$t/supervisor/core/up.cpp"
if bash "$check" "$t" >/dev/null; then echo "selftest: supervisor -> queue was accepted"; exit 1; fi
rm "$t/supervisor/core/up.cpp"
echo '#include "cmd/tendd/methods.hpp"' >"$t/queue/core/up.cpp"
if bash "$check" "$t" >/dev/null; then echo "selftest: queue -> cmd was accepted"; exit 1; fi
rm "$t/queue/core/up.cpp"
mkdir -p "$t/queue/newdir" && echo '' >"$t/queue/newdir/x.cpp"
if bash "$check" "$t" >/dev/null; then echo "selftest: a directory without a rule was accepted"; exit 1; fi
echo "selftest: check_layers.sh refuses upward includes and unplaced directories"
