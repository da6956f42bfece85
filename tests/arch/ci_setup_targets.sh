#!/usr/bin/env bash
# `.ci/setup.sh run` builds only tend and tendd (the unit tests were 38% of its build), and
# `build` still builds everything: setup.sh runs on a copy of itself with cmake, dpkg-query and
# tendd replaced by stubs that record how they were called.
set -euo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
mkdir -p "$t/repo/.ci" "$t/repo/build" "$t/bin"
cp "$src/.ci/setup.sh" "$t/repo/.ci/setup.sh"
log=$t/calls
# Every package counts as installed, so nothing is fetched.
printf '#!/bin/sh\necho "install ok installed"\n' >"$t/bin/dpkg-query"
printf '#!/bin/sh\necho "cmake $*" >>"%s"\n' "$log" >"$t/bin/cmake"
printf '#!/bin/sh\necho "tendd $*" >>"%s"\n' "$log" >"$t/repo/build/tendd"
chmod +x "$t/bin/dpkg-query" "$t/bin/cmake" "$t/repo/build/tendd"
fail() { echo "ci_setup_targets: $*"; cat "$log"; exit 1; }

PATH="$t/bin:$PATH" bash "$t/repo/.ci/setup.sh" run >/dev/null
grep -q -- '^cmake --build build -j[0-9]* --target tend tendd$' "$log" ||
  fail "run mode did not build exactly tend and tendd"
grep -q '^tendd --config units/examples/tend.toml' "$log" || fail "run mode did not start tendd"

: >"$log"
PATH="$t/bin:$PATH" bash "$t/repo/.ci/setup.sh" build >/dev/null
grep -q -- '^cmake --build build -j[0-9]*$' "$log" || fail "build mode no longer builds everything"
echo "ci_setup_targets: run builds tend and tendd only; build builds all"
