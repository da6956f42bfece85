#!/usr/bin/env bash
# The README's "A short tour", followed literally on a fresh state dir: every command line of
# its blocks runs as written (from a directory laid out like the source tree: ./build/tend,
# units/examples/tend.toml, run-state/) against tendd started as `bash .ci/setup.sh run` starts
# it, and exits 0; the job ids it uses are the ones `tend submit` printed, not ids the
# example's cron entry may have taken (issue 15).
source "$(dirname "$0")/lib.sh"

SRC=$(cd "$LIB_DIR/../.." && pwd)
command -v jq >/dev/null || skip "needs jq"
[[ -e /usr/share/zoneinfo/Europe/Berlin ]] || skip "needs tzdata (the tour's cron add uses Europe/Berlin)"

TOUR=$T/tour
mkdir -p "$TOUR/build" "$TOUR/units/examples"
# The binaries under test, and the example config (the state dir and socket are relative, as
# in the README: what tendd prints must work from anywhere).
for bin in tend tendd; do
    printf '#!/bin/sh\nexec env %q %q "$@"\n' "$CLI_ASAN_OPTIONS" "$TEND_BIN_DIR/$bin" >"$TOUR/build/$bin"
    chmod +x "$TOUR/build/$bin"
done
cp "$SRC/units/examples/tend.toml" "$TOUR/units/examples/tend.toml"
cd "$TOUR"
STATE=run-state
SOCK=$TOUR/run-state/tend.sock
CONF=units/examples/tend.toml
mkdir -p run-state
start_tendd

say "the tour's command lines, from README.md"
# The indented lines of the tour's code blocks, from "## A short tour" to the next heading.
mapfile -t lines < <(awk '/^## A short tour/ { on = 1; next } /^## / { on = 0 } on && /^    [^ ]/ { sub(/^    /, ""); print }' "$SRC/README.md")
[[ ${#lines[@]} -ge 20 ]] || fail "found only ${#lines[@]} command lines in the README's tour"
script=$T/tour.sh
{
    echo 'set -uo pipefail'
    # `tend status` exits 3 while an instance is not running as it should (SPEC §4): the
    # example's `flaky` crashes on purpose, so 3 is the right answer there.
    echo 'step() { local rc=$?; [[ $rc == 0 || ($rc == 124 && $1 == follow) || ($rc == 3 && $2 == *" status"*) ]] || { echo "TOUR FAILED ($rc): $2" >&2; exit 1; }; }'
    for l in "${lines[@]}"; do
        quoted=$(printf '%q' "$l")
        if [[ $l == *" -f "* || $l == *" -f" ]]; then
            # Following output runs until interrupted: two seconds of it.
            echo "timeout 2 ${l%%#*}; step follow $quoted"
        else
            echo "$l"
            echo "step once $quoted"
        fi
        # The id the tour keeps is the one `tend submit` printed.
        [[ $l == id=* ]] && echo 'echo "$id" >"'"$T"'/tour.id"'
        [[ $l == *"logs \$id"* ]] && echo './build/tend logs $id >"'"$T"'/tour.logs" 2>&1'
        [[ $l == *"restart --rolling worker"* ]] && echo './build/tend --socket run-state/tend.sock status --json >"'"$T"'/tour.status"'
    done
} >"$script"
run bash "$script"
[[ $RC == 0 ]] || fail "the tour failed: $ERR"
check "every command of the tour exits 0 (tend status: 0 or 3)"

id=$(cat "$T/tour.id")
[[ $id =~ ^[0-9]+$ ]] || fail "the tour's id=\$(tend submit ...) is not a job id: '$id'"
assert_contains "$(cat "$T/tour.logs")" "hello again from job $id" "tend logs \$id in the tour"
gens=$(jq -r '[.[] | select(.program == "worker") | .generation] | unique | join(" ")' "$T/tour.status")
assert_eq 2 "$gens" "worker's generation after the tour's rolling restart (\"GEN goes to 2\")"

say "the tour ends with tend shutdown"
wait_tendd_exit 30
assert_eq 0 "$TENDD_RC" "tendd's exit status after the tour's shutdown"
